"""Fault injection on a running batch: nothing good is lost, the index tells the truth,
no process is left behind, and a plain re-run recovers."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
from pathlib import Path

import psutil
import pytest

from tests.integration.faults.conftest import (
    all_gone,
    html_of,
    kill_all,
    snapshot,
    tree,
    wait_for,
)


def _index(out: Path) -> str:
    return (out / "term" / "index.html").read_text(encoding="utf-8")


def _recovers(project, out: Path, before: dict[str, bytes]) -> None:
    """A plain re-run (no hang) ends clean and the good reports are the ones from before."""
    again = project.run(out, "--workers", "2")
    assert again.returncode == 0, again.stderr
    assert "0 misslyckade" in again.stdout
    assert snapshot(out) == before
    assert "misslyckades:" not in _index(out)
    assert not list(out.rglob("*.attempt.json"))


def _break_ryd(project, tmp_path: Path, action, *args: str, temp: str | None = None):
    """Re-render with --force while Ryd hangs, apply ``action(batch, kernel_pid)``.

    ``temp``: the batch's temporary folder (where its kernels' socket folders go).
    """
    out = project.copy_good(tmp_path / "out")
    before = snapshot(out)
    marker = tmp_path / "marker"
    env = project.env(marker, hang=300)
    if temp is not None:
        env["TMPDIR"] = temp
    proc = project.start(out, "--force", "--workers", "2", *args, env=env)
    processes: list[psutil.Process] = []
    try:
        kernel = wait_for(marker, proc)
        processes = tree(proc.pid)
        action(proc, kernel)
        stdout, stderr = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            kill_all(tree(proc.pid))
    return out, before, proc.returncode, stdout, stderr, processes


def _assert_ryd_failed_alone(out: Path, before: dict[str, bytes], reason: str) -> None:
    index = _index(out)
    assert "1 misslyckade" in index, index
    assert "Senaste lyckade:" in index and reason in index
    assert 'href="ryd/area_analysis.html"' in index  # the kept good report is linked
    assert snapshot(out) == before  # re-rendered pages are byte-identical, Ryd's untouched
    assert html_of(out, "b.yaml").read_bytes() == before["term/ryd/area_analysis.html"]


def test_killed_worker_fails_only_its_report(project, tmp_path: Path) -> None:
    def kill_worker(proc, kernel):
        os.kill(psutil.Process(kernel).ppid(), signal.SIGKILL)

    temp = tempfile.mkdtemp(prefix="ek-")  # short: a socket path has ~100 characters at most
    try:
        out, before, code, _, stderr, processes = _break_ryd(
            project, tmp_path, kill_worker, temp=temp
        )
        left = list(Path(temp).glob("evaluation-kernel-*"))
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    assert not left  # the killed worker's kernel could not remove its sockets: the batch did
    assert code == 1
    assert "Misslyckades: Ryd / area_analysis: arbetsprocessen dog" in stderr
    assert "Traceback" not in stderr
    _assert_ryd_failed_alone(out, before, "arbetsprocessen dog")
    assert "2 nyframställda" in _index(out)
    assert not all_gone(processes)  # the dead worker's kernel was stopped too
    _recovers(project, out, before)


@pytest.mark.slow
def test_report_past_its_timeout_fails_alone_with_notebook_kept(project, tmp_path: Path) -> None:
    out, before, code, _, stderr, processes = _break_ryd(
        project, tmp_path, lambda proc, kernel: None, "--timeout", "15"
    )
    assert code == 1
    assert "Ryd / area_analysis" in stderr and "Timeout" in stderr
    _assert_ryd_failed_alone(out, before, "Timeout")
    assert (out / "term" / "ryd" / "area_analysis.failed.ipynb").exists()
    assert not all_gone(processes)
    _recovers(project, out, before)


@pytest.mark.slow
def test_killed_kernel_fails_only_its_report(project, tmp_path: Path) -> None:
    out, before, code, _, stderr, processes = _break_ryd(
        project, tmp_path, lambda proc, kernel: os.kill(kernel, signal.SIGKILL)
    )
    assert code == 1
    assert "Misslyckades: Ryd / area_analysis" in stderr
    _assert_ryd_failed_alone(out, before, "")
    assert not all_gone(processes)
    _recovers(project, out, before)


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signal_stops_the_whole_tree_and_writes_a_truthful_index(
    project, tmp_path: Path, signum
) -> None:
    out, before, code, _, stderr, processes = _break_ryd(
        project, tmp_path, lambda proc, kernel: os.kill(proc.pid, signum)
    )
    assert code == 130, stderr
    assert "Avbruten" in stderr and "Traceback" not in stderr
    left = all_gone(processes)
    assert not left, [p.cmdline() for p in left]  # workers, kernels, resource tracker
    index = _index(out)
    assert "avbruten" in index and "Senaste lyckade:" in index
    assert snapshot(out) == before  # nothing lost; reports finished before are the good ones
    _recovers(project, out, before)


@pytest.mark.slow
def test_second_batch_on_the_same_folder_is_refused(project, tmp_path: Path) -> None:
    second = {}

    def start_second(proc, kernel):
        second["result"] = project.run(proc.args[proc.args.index("-o") + 1], "--workers", "1")
        os.kill(proc.pid, signal.SIGTERM)

    out, before, *_ = _break_ryd(project, tmp_path, start_second)
    result = second["result"]
    assert result.returncode == 1
    assert "En annan körning skriver redan till mappen" in result.stderr
    assert snapshot(out) == before
    _recovers(project, out, before)


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_interrupted_single_run_keeps_the_good_report(project, tmp_path: Path, signum) -> None:
    import subprocess
    import sys

    out = tmp_path / "out"
    shutil.copytree(project.good / "term", out)
    before = (out / "ryd" / "area_analysis.html").read_bytes()
    manifest = (out / "ryd" / "area_analysis.manifest.json").read_bytes()
    marker = tmp_path / "marker"
    proc = subprocess.Popen(
        [sys.executable, "-m", "evaluation", "run", "b.yaml", "-o", str(out), "--force"],
        env=project.env(marker, hang=300),
        cwd=project.root,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(marker, proc)
        processes = tree(proc.pid)
        os.kill(proc.pid, signum)
        _, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            kill_all(tree(proc.pid))
    assert proc.returncode == 130, stderr
    assert "Avbruten" in stderr and "Traceback" not in stderr
    assert (out / "ryd" / "area_analysis.html").read_bytes() == before
    assert (out / "ryd" / "area_analysis.manifest.json").read_bytes() == manifest
    assert "avbruten" in (out / "ryd" / "area_analysis.attempt.json").read_text()
    assert not all_gone(processes)
