"""The Dask executor's hard time limit: a hung report's kernel is killed, the rest go on."""

from __future__ import annotations

import time
from pathlib import Path

import psutil
import pytest

from tests.integration.render.conftest import make_notebook_dir, referrals_csv, write_params


@pytest.fixture
def hanging_project(tmp_path: Path, monkeypatch) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    (data / "metadata.yaml").write_text("name: Testkommun\nsynthetic: true\n", encoding="utf-8")
    (data / "referrals.csv").write_text(referrals_csv("r1", "A"), encoding="utf-8")
    notebooks = make_notebook_dir(
        tmp_path / "notebooks", outcome_followup="ok", area_analysis="hang"
    )
    write_params(tmp_path, "ok.yaml", "outcome_followup", "Skäggetorp")
    write_params(tmp_path, "hang.yaml", "area_analysis", "Ryd")
    monkeypatch.setenv("EVALUATION_NOTEBOOK_DIR", str(notebooks))
    monkeypatch.setenv("EVALUATION_TEST_HANG", "900")  # far past every limit below
    monkeypatch.setenv("EVALUATION_TEST_MARKER", str(tmp_path / "kernel.pid"))
    monkeypatch.setenv("EVALUATION_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path


def test_dask_hard_timeout_kills_the_hung_kernel_and_renders_the_rest(
    hanging_project, monkeypatch
) -> None:
    from distributed import LocalCluster

    from evaluation.render import executors
    from evaluation.render.executors import DaskExecutor
    from evaluation.render.single import WARM_ENGINE
    from evaluation.render.task import RenderTask

    root, out = hanging_project, hanging_project / "reports" / "term"
    tasks = [
        # no cell time limit: only the executor's hard limit can stop the hanging cell
        RenderTask(str(root / "hang.yaml"), str(out), str(root / "cache"), WARM_ENGINE, None,
                   area="Ryd", kind="area_analysis"),
        RenderTask(str(root / "ok.yaml"), str(out), str(root / "cache"), WARM_ENGINE, None,
                   area="Skäggetorp", kind="outcome_followup"),
    ]  # fmt: skip
    executor = DaskExecutor(workers=1, timeout=30.0)
    executor.grace = 60.0  # hard limit 90 s: a normal report finishes well within it
    # the batch process's own backstop stays out of the way: the worker must stop the hang
    monkeypatch.setattr(executors, "WAIT_PAST_LIMIT", 400.0)
    results = []
    started = time.monotonic()
    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        executor.scheduler = cluster.scheduler_address
        executor.run([], tasks, results.append)
    elapsed = time.monotonic() - started
    by_kind = {r.kind: r for r in results}
    assert sorted(by_kind) == ["area_analysis", "outcome_followup"]
    hung = by_kind["area_analysis"]
    assert hung.status == "failed"
    assert "blev inte klar i tid" in hung.message and "Ryd" in hung.area
    ok = by_kind["outcome_followup"]
    assert ok.status == "ok", ok.message  # the same worker went on
    assert Path(ok.html).is_file()
    assert not (out / "ryd" / "area_analysis.html").exists()
    kernel = int((root / "kernel.pid").read_text())
    deadline = time.monotonic() + 10
    while psutil.pid_exists(kernel) and time.monotonic() < deadline:
        try:
            if psutil.Process(kernel).status() == psutil.STATUS_ZOMBIE:
                break
        except psutil.NoSuchProcess:
            break
        time.sleep(0.2)
    alive = psutil.pid_exists(kernel) and psutil.Process(kernel).status() != "zombie"
    assert not alive, "the hung kernel is still running"
    assert elapsed < 600, f"{elapsed:.0f} s: the hang was not cut short"
