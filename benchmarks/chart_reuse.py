"""Chart cost with and without the reused figure: one report's chart calls redrawn in turn.

Usage::

    .venv/bin/python benchmarks/chart_reuse.py [KIND] [CHART] [--rounds 5]

Runs the first report of ``KIND`` in the sample batch without Jupyter (``floor.py``'s
runner), records every call of ``CHART`` (``charts.trend_chart``,
``charts.stacked_bar_chart`` or ``diverging.diverging_bar_chart``), then redraws the
recorded calls ``--rounds`` times, alternating a fresh figure per chart and the
report's reused figure, and prints the CPU seconds (min and median) of each. Also
checks that both give the same PNG bytes.
"""

from __future__ import annotations

import argparse
import importlib
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> None:
    """Record one report's chart calls, then time them with fresh and reused figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", nargs="?", default="outcome_followup")
    parser.add_argument("chart", nargs="?", default="charts.trend_chart")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    import matplotlib

    matplotlib.use("Agg")
    import floor

    from evaluation.metadata.kinds import notebook_path
    from evaluation.present import charts

    os.chdir(ROOT)
    params = next(
        p for p, k, _ in floor.evaluations(ROOT / "params" / "batch_sample.yaml", [args.kind])
    )
    module_name, name = args.chart.split(".")
    original = getattr(importlib.import_module(f"evaluation.present.{module_name}"), name)
    calls = []

    def record(*a, **kw):
        calls.append((a, kw))
        return original(*a, **kw)

    for module in list(sys.modules.values()):  # the report modules imported the name
        if getattr(module, "__name__", "").startswith("evaluation"):
            if getattr(module, name, None) is original:
                setattr(module, name, record)
    with tempfile.TemporaryDirectory() as tmp:
        floor._run_notebook(
            notebook_path(args.kind),
            {"params_file": params, "cache_dir": f"{tmp}/cache", "publication_dir": None},
            Path(tmp) / "out.html",
        )

    def draw(reuse: bool) -> tuple[float, list[bytes]]:
        charts._REUSED.clear()
        start, pngs = time.process_time(), []
        for a, kw in calls:
            if not reuse:
                charts._REUSED.clear()
            pngs.append(getattr(original(*a, **kw), "png", b""))
        return time.process_time() - start, pngs

    times: dict[bool, list[float]] = {False: [], True: []}
    images: dict[bool, list[bytes]] = {}
    for _ in range(args.rounds):
        for reuse in (False, True):
            seconds, images[reuse] = draw(reuse)
            times[reuse].append(seconds)
    print(f"{args.kind}, {len(calls)} calls of {args.chart}:")
    for reuse, label in ((False, "fresh figure per chart"), (True, "reused figure")):
        v = times[reuse]
        print(f"  {label:24s} min {min(v):.3f}  median {statistics.median(v):.3f} CPU-s")
    print("  same PNG bytes:", images[False] == images[True])


if __name__ == "__main__":
    main()
