"""Batch workers are forked where that is safe, and a forked worker holds nothing of the batch's."""

from __future__ import annotations

import json
import multiprocessing
import subprocess
import sys
import time
from pathlib import Path

import pytest

from evaluation.render.lock import FolderBusyError, folder_lock

linux_only = pytest.mark.skipif(sys.platform != "linux", reason="workers are forked on Linux only")

_START_METHOD = """
import sys, threading, time
from evaluation.render.executors import start_method
from evaluation.render.task import preload_renderer
alone = start_method()
preload_renderer(fork_safe=True)
preloaded = start_method()
assert "papermill" in sys.modules and "pyarrow" not in sys.modules
import pyarrow.fs  # still importable for whatever needs it later
threading.Thread(target=time.sleep, args=(5,), daemon=True).start()
print(alone, preloaded, start_method())
"""

# A batch run as the command line runs it: one fresh process. Every worker started
# records how it was started.
_BATCH = """
import json, sys
from evaluation.render import executors
from evaluation.render.batch import run_batch

methods = []
original = executors._Worker.__init__
def recording(self, context):
    methods.append(context.get_start_method())
    original(self, context)
executors._Worker.__init__ = recording
result = run_batch(sys.argv[1], sys.argv[2], workers=1, progress=True)
print(json.dumps({"methods": methods, "statuses": [r.status for r in result.results]}))
"""


@linux_only
def test_fork_only_while_the_process_has_one_thread() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _START_METHOD], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    # The preload, papermill included, must stay free of threads (pyarrow, which papermill
    # imports for HDFS paths, starts one).
    assert done.stdout.split() == ["fork", "fork", "spawn"]


@linux_only
def test_a_batch_forks_its_workers_before_it_starts_threads(project: Path, params) -> None:
    params(project, "ok-too.yaml", "outcome_followup", "Ryd")  # one report would run in-process
    batch = project / "batch.yaml"
    batch.write_text("batch: term\nevaluations:\n  - ok.yaml\n  - ok-too.yaml\n", "utf-8")
    done = subprocess.run(
        [sys.executable, "-c", _BATCH, str(batch), str(project / "reports")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found == {"methods": ["fork"], "statuses": ["ok", "ok"]}


def _running(started) -> None:
    started.set()  # the fork handlers have run by now
    time.sleep(30)


@linux_only
# pytest runs threads; the child here only sleeps (Python 3.12+ warns of fork with threads)
@pytest.mark.filterwarnings("ignore:.*use of fork\\(\\) may lead to deadlocks:DeprecationWarning")
def test_a_forked_child_does_not_keep_the_folder_locked(tmp_path: Path) -> None:
    # A worker that outlives its killed batch must not block the next run on the folder.
    context = multiprocessing.get_context("fork")
    with folder_lock(tmp_path):
        started = context.Event()
        child = context.Process(target=_running, args=(started,), daemon=True)
        child.start()
        assert started.wait(30)
        with pytest.raises(FolderBusyError):  # still held by this process
            with folder_lock(tmp_path):
                pass
    try:
        with folder_lock(tmp_path):  # released although the child still lives
            assert child.is_alive()
    finally:
        child.kill()
        child.join()
