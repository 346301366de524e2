"""A small project rendered once, and helpers to run a batch as an operator would, then break it."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from tests.integration.render.conftest import make_notebook_dir, referrals_csv, write_params

#: params file -> (area folder, kind); Ryd's report is the one that hangs when asked.
REPORTS = {
    "a.yaml": ("skaggetorp", "outcome_followup"),
    "b.yaml": ("ryd", "area_analysis"),
    "c.yaml": ("berga", "outcome_followup"),
}


@dataclass
class Project:
    """A data folder, parameters, a batch file and notebooks, plus one good render."""

    root: Path
    batch: Path
    good: Path  # output root holding one complete, good render of the batch

    def env(self, marker: Path | None = None, hang: float | None = None) -> dict[str, str]:
        """Environment of a batch; ``hang`` makes Ryd's notebook write ``marker`` and sleep."""
        env = {**os.environ, "EVALUATION_NOTEBOOK_DIR": str(self.root / "notebooks")}
        env.pop("EVALUATION_TEST_HANG", None)
        if hang:
            env["EVALUATION_TEST_HANG"] = str(hang)
            env["EVALUATION_TEST_MARKER"] = str(marker)
        return env

    def copy_good(self, target: Path) -> Path:
        """A fresh copy of the good render to break."""
        shutil.copytree(self.good, target)
        return target

    def start(self, out: Path, *args: str, env: dict[str, str]) -> subprocess.Popen:
        """Start ``evaluation batch`` in its own session (so the test can signal it alone)."""
        return subprocess.Popen(
            [sys.executable, "-m", "evaluation", "batch", str(self.batch), "-o", str(out)]
            + ["--no-progress", *args],
            env=env,
            cwd=self.root,
            start_new_session=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def run(self, out: Path, *args: str, env: dict[str, str] | None = None, timeout=600):
        """Run ``evaluation batch`` to the end."""
        return subprocess.run(
            [sys.executable, "-m", "evaluation", "batch", str(self.batch), "-o", str(out)]
            + ["--no-progress", *args],
            env=env or self.env(),
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=timeout,
        )


def html_of(out: Path, params: str) -> Path:
    """The report file of one parameters file under an output root."""
    area, kind = REPORTS[params]
    return out / "term" / area / f"{kind}.html"


def snapshot(out: Path) -> dict[str, bytes]:
    """Bytes of every report page, and of Ryd's manifest (the report that is broken)."""
    pages = {
        str(p.relative_to(out)): p.read_bytes()
        for p in sorted(out.rglob("*.html"))
        if p.name != "index.html"
    }
    manifest = out / "term" / "ryd" / "area_analysis.manifest.json"
    pages[str(manifest.relative_to(out))] = manifest.read_bytes()
    return pages


def wait_for(path: Path, proc: subprocess.Popen, seconds: float = 240) -> int:
    """Wait until the hanging notebook wrote its kernel pid into ``path``; return it."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().strip():
            return int(path.read_text())
        if proc.poll() is not None:
            out, err = proc.communicate()
            raise AssertionError(f"batch ended before the hang: {out}\n{err}")
        time.sleep(0.2)
    raise AssertionError("the hanging notebook never started")


def tree(pid: int) -> list[psutil.Process]:
    """The process and every descendant."""
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def all_gone(processes: list[psutil.Process], seconds: float = 20) -> list[psutil.Process]:
    """Processes still alive after ``seconds`` (zombies count as gone)."""
    deadline = time.monotonic() + seconds
    alive = processes
    while time.monotonic() < deadline:
        alive = [p for p in alive if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        if not alive:
            return []
        time.sleep(0.25)
    return alive


def kill_all(processes: list[psutil.Process]) -> None:
    """Clean up after a failed test."""
    for p in processes:
        try:
            p.send_signal(signal.SIGKILL)
        except psutil.Error:
            pass


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Project:
    """Three evaluations on one data folder, rendered once (the good reports)."""
    root = tmp_path_factory.mktemp("faults")
    data = root / "data"
    data.mkdir()
    (data / "metadata.yaml").write_text("name: Testkommun\nsynthetic: true\n", encoding="utf-8")
    (data / "referrals.csv").write_text(referrals_csv("r1", "A"), encoding="utf-8")
    make_notebook_dir(root / "notebooks", outcome_followup="ok", area_analysis="hang")
    write_params(root, "a.yaml", "outcome_followup", "Skäggetorp")
    write_params(root, "b.yaml", "area_analysis", "Ryd")
    write_params(root, "c.yaml", "outcome_followup", "Berga")
    batch = root / "batch.yaml"
    listed = "".join(f"  - {name}\n" for name in REPORTS)
    batch.write_text(f"batch: term\ntitle: Testtermin\nevaluations:\n{listed}", encoding="utf-8")
    project = Project(root, batch, root / "good")
    done = project.run(project.good, "--workers", "2")
    assert done.returncode == 0, done.stderr
    return project
