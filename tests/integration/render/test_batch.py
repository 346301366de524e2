"""Batches: index page, failures that do not stop the batch, reuse, kill safety, Dask."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from nbclient import NotebookClient
from typer.testing import CliRunner

from evaluation.cli.main import app
from evaluation.render import run_batch

runner = CliRunner()


def _without_commit(page: bytes) -> bytes:
    return re.sub(rb"git-version <code>[^<]*</code>", b"", page)


def _batch(project: Path, *names: str, name: str = "term") -> Path:
    path = project / "batch.yaml"
    listed = "".join(f"  - {n}\n" for n in names)
    path.write_text(f"batch: {name}\ntitle: Testtermin\nevaluations:\n{listed}", encoding="utf-8")
    return path


def test_batch_with_failures_writes_index_and_exits_nonzero(project: Path, params) -> None:
    params(project, "broken.yaml", "outcome_followup", "Lambohov", data="missing-folder")
    batch = _batch(project, "ok.yaml", "fails.yaml", "broken.yaml")
    out = project / "reports"
    result = runner.invoke(
        app, ["batch", str(batch), "-o", str(out), "--executor", "serial", "--no-progress"]
    )
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    index = (out / "term" / "index.html").read_text(encoding="utf-8")
    assert "Testtermin" in index and 'href="skaggetorp/outcome_followup.html"' in index
    assert index.count("misslyckades") == 2 and "KeyError" in index
    assert "missing-folder" in index and "Okänt område" not in index  # area known from params
    assert 'href="ryd/area_analysis.failed.ipynb"' in index
    assert (out / "term" / "skaggetorp" / "outcome_followup.html").exists()
    assert not (out / "term" / "ryd" / "area_analysis.html").exists()

    again = runner.invoke(
        app, ["batch", str(batch), "-o", str(out), "--executor", "serial", "--no-progress"]
    )
    assert again.exit_code == 1
    assert "återanvänd" in (out / "term" / "index.html").read_text(encoding="utf-8")


def test_unreadable_params_file_is_a_failed_row(project: Path) -> None:
    (project / "bad.yaml").write_text("kind: outcome_followup\narea: X\ndata: data\ncolour: 3\n")
    result = run_batch(
        _batch(project, "ok.yaml", "bad.yaml"),
        project / "reports",
        executor="serial",
        progress=False,
    )
    assert [r.status for r in result.results].count("failed") == 1
    assert "okänd parameter" in result.failed[0].message
    index = result.index.read_text(encoding="utf-8")
    assert "okänd parameter" in index


def _no_kernel(*args, **kwargs):
    raise AssertionError("a kernel was started")


def test_noop_rerun_starts_no_kernel_and_force_rerenders(project: Path, monkeypatch) -> None:
    batch = _batch(project, "ok.yaml")
    first = run_batch(batch, project / "reports", executor="serial", progress=False)
    assert first.ok and first.count("ok") == 1
    with monkeypatch.context() as patch:  # a no-op re-run is fast because it starts no kernel
        patch.setattr(NotebookClient, "start_new_kernel", _no_kernel)
        second = run_batch(batch, project / "reports", executor="serial", progress=False)
    assert second.count("reused") == 1
    third = run_batch(batch, project / "reports", executor="serial", progress=False, force=True)
    assert third.count("ok") == 1


def test_dask_local_cluster_renders_batch(project: Path) -> None:
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        result = run_batch(
            _batch(project, "ok.yaml", "fails.yaml"),
            project / "reports",
            executor="dask",
            scheduler=cluster.scheduler_address,
            progress=False,
        )
    assert sorted(r.status for r in result.results) == ["failed", "ok"]
    page = (project / "reports" / "term" / "skaggetorp" / "outcome_followup.html").read_bytes()
    serial = run_batch(
        _batch(project, "ok.yaml"), project / "serial", executor="serial", progress=False
    )
    # same bytes whichever executor (the git commit may move while other work is committed)
    assert _without_commit(Path(serial.results[0].html).read_bytes()) == _without_commit(page)


def test_killed_pool_batch_leaves_no_partial_report_and_next_run_completes(
    project: Path, tmp_path: Path, notebooks, params
) -> None:
    nbdir = notebooks(tmp_path / "slow", outcome_followup="ok", area_analysis="sleep")
    params(project, "slow.yaml", "area_analysis", "Ryd")
    batch = _batch(project, "ok.yaml", "slow.yaml")
    out = project / "reports"
    env = {**os.environ, "EVALUATION_NOTEBOOK_DIR": str(nbdir), "EVALUATION_TEST_SLEEP": "120"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from evaluation.cli.main import app; app()",
            "batch",
            str(batch),
            "-o",
            str(out),
            "--workers",
            "1",
            "--no-progress",
        ],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    done = out / "term" / "skaggetorp" / "outcome_followup.html"
    try:
        deadline = time.monotonic() + 150
        while not done.exists() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
        assert done.exists(), "the fast report never appeared"
        time.sleep(1.0)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert not (out / "term" / "ryd" / "area_analysis.html").exists()
    assert not (out / "term" / "index.html").exists()
    for html in out.rglob("*.html"):
        assert html.read_text(encoding="utf-8").rstrip().endswith("</html>")

    os.environ["EVALUATION_NOTEBOOK_DIR"], saved = str(nbdir), os.environ["EVALUATION_NOTEBOOK_DIR"]
    try:
        result = run_batch(batch, out, executor="serial", progress=False)
    finally:
        os.environ["EVALUATION_NOTEBOOK_DIR"] = saved
    # 'reused' unless someone edited the package meanwhile (its source hash is an input)
    assert {r.status for r in result.results} <= {"ok", "reused"}
    assert (out / "term" / "ryd" / "area_analysis.html").exists()
    assert not [p for p in out.rglob(".evaluation-tmp-*")]


def test_bad_keep_kernel_setting_is_named_before_any_report_runs(project: Path, monkeypatch):
    batch = _batch(project, "ok.yaml")
    monkeypatch.setenv("EVALUATION_KEEP_KERNEL", "tio minuter")
    monkeypatch.setattr(NotebookClient, "start_new_kernel", _no_kernel)
    result = runner.invoke(app, ["batch", str(batch), "-o", str(project / "reports")])
    assert result.exit_code == 2
    assert "EVALUATION_KEEP_KERNEL" in result.output + result.stderr
    assert "tio minuter" in result.output + result.stderr
    assert not list((project / "reports").rglob("*.html"))


def test_bad_keep_kernel_setting_is_named_by_run_before_any_folder(project: Path, monkeypatch):
    params = project / "ok.yaml"
    out = project / "reports" / "alone"
    monkeypatch.setenv("EVALUATION_KEEP_KERNEL", "tio minuter")
    monkeypatch.setattr(NotebookClient, "start_new_kernel", _no_kernel)
    result = runner.invoke(app, ["run", str(params), "-o", str(out)])
    assert result.exit_code == 2
    text = result.output + result.stderr
    assert "EVALUATION_KEEP_KERNEL" in text and "tio minuter" in text
    assert "RenderError" not in text
    assert not out.exists()
