"""Batch benchmark: ``evaluation batch`` against a naive papermill + nbconvert loop.

Usage::

    .venv/bin/python benchmarks/batch.py [BATCH.yaml] [--workers N] [--skip-naive]

Both runs render every evaluation of the batch from a cold start, side by side in
one run; then the batch is run again with nothing changed (the no-op re-run).
Output goes to ``benchmarks/output/`` (ignored by git).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _run(cmd: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, check=False, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def naive(batch: Path, out: Path) -> tuple[float, int]:
    """Papermill CLI then ``jupyter nbconvert --to html --no-input``, one evaluation at a time."""
    from evaluation.metadata.kinds import notebook_path
    from evaluation.params import load_batch, load_params

    out.mkdir(parents=True, exist_ok=True)
    total, count = 0.0, 0
    for params_file in load_batch(batch).evaluations:
        params = load_params(params_file)
        executed = out / f"{params_file.stem}.ipynb"
        total += _run(
            [
                str(BIN / "papermill"),
                str(notebook_path(params.kind)),
                str(executed),
                "-p",
                "params_file",
                str(params_file),
                "--cwd",
                str(notebook_path(params.kind).parent),
                "--no-progress-bar",
            ]
        )
        total += _run(
            [str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed)]
        )
        count += 1
    return total, count


def ours(batch: Path, out: Path, workers: int | None, force: bool) -> float:
    """The ``evaluation batch`` command as a user runs it (cold interpreter included)."""
    cmd = [str(BIN / "evaluation"), "batch", str(batch), "--output-root", str(out), "--no-progress"]
    if workers:
        cmd += ["--workers", str(workers)]
    if force:
        cmd.append("--force")
    return _run(cmd)


def main() -> None:
    """Run both, print times, ratio, no-op re-run and per-report amortised time."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("batch", nargs="?", default=str(ROOT / "params" / "batch_sample.yaml"))
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--skip-naive", action="store_true")
    parser.add_argument("--output", default=str(ROOT / "benchmarks" / "output"))
    args = parser.parse_args()
    batch, out = Path(args.batch).resolve(), Path(args.output)
    shutil.rmtree(out, ignore_errors=True)

    from evaluation.params import load_batch

    n = len(load_batch(batch).evaluations)
    fast = ours(batch, out / "batch", args.workers, force=True)
    noop = ours(batch, out / "batch", args.workers, force=False)
    print(f"batch file:            {batch} ({n} evaluations)")
    print(f"evaluation batch:      {fast:7.1f} s  ({fast / n:.2f} s per report, amortised)")
    print(f"no-op re-run:          {noop:7.1f} s")
    if not args.skip_naive:
        slow, _ = naive(batch, out / "naive")
        print(f"naive papermill+nbconvert: {slow:7.1f} s  ({slow / n:.2f} s per report)")
        print(f"speed-up:              {slow / fast:7.1f}x")


if __name__ == "__main__":
    main()
