"""Cost per cell of running a notebook: a request per cell (nbclient) against one request.

Usage::

    .venv/bin/python benchmarks/cell_requests.py [--cells 300] [--rounds 5] [--shown]

One warm kernel runs a notebook of trivial cells (``x{i} = {i}``; with ``--shown`` each
also shows a result, as a report's cells do) in turn through
papermill's client (nbclient's request per cell) and through the package's
``engine.ReportClient`` (all code cells in one request, outputs sorted back into
cells). Prints the kernel's and this process's CPU milliseconds per cell, medians over
the rounds, side by side with their ratio. The cells do no work, so what is measured is
the messaging and bookkeeping each path adds to every cell of a report.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import nbformat
import psutil
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NotebookExecutionManager
from papermill.iorw import load_notebook_node

from evaluation.render.engine import ReportClient
from evaluation.render.kernel import WarmKernel


def _cpu(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


def main() -> None:
    """Alternate the two paths ``--rounds`` times and print CPU ms per cell."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--shown", action="store_true", help="each cell shows its value")
    args = parser.parse_args()
    shown = "\nx{i}" if args.shown else ""
    with tempfile.TemporaryDirectory(prefix="evaluation-cells-") as tmp:
        source = Path(tmp) / "cells.ipynb"
        cells = [
            nbformat.v4.new_code_cell(f"x{i} = {i}" + shown.format(i=i)) for i in range(args.cells)
        ]
        nbformat.write(nbformat.v4.new_notebook(cells=cells), source)
        kernel = WarmKernel(cwd=tmp, modules=())
        try:
            kernel.run("1")
            in_kernel, here = psutil.Process(kernel.pid), psutil.Process()
            paths = {
                "request per cell (nbclient)": PapermillNotebookClient,
                "one request": ReportClient,
            }
            seen: dict[str, list[tuple[float, float]]] = {name: [] for name in paths}
            for _ in range(args.rounds):
                for name, client_class in paths.items():
                    kernel.reset(tmp)
                    nb = load_notebook_node(str(source))
                    manager = NotebookExecutionManager(nb, progress_bar=False)
                    manager.notebook_start()
                    client = client_class(manager, km=kernel.km)
                    client.kc = kernel.kc
                    k0, w0 = _cpu(in_kernel), _cpu(here)
                    client.papermill_execute_cells()
                    time.sleep(0.3)  # the kernel's I/O thread finishes its sends
                    seen[name].append((_cpu(in_kernel) - k0, _cpu(here) - w0))
        finally:
            kernel.shutdown()
    per_cell = {
        name: tuple(statistics.median(r[i] for r in rounds) * 1000 / args.cells for i in (0, 1))
        for name, rounds in seen.items()
    }
    what = "cells showing a result" if args.shown else "trivial cells"
    print(f"{args.cells} {what}, {args.rounds} alternating rounds; CPU per cell, medians")
    for name, (k, w) in per_cell.items():
        print(f"  {name:28s} kernel {k:5.2f} ms  runner {w:5.2f} ms  together {k + w:5.2f} ms")
    (k1, w1), (k2, w2) = per_cell.values()
    print(f"  request per cell / one request: x{(k1 + w1) / max(k2 + w2, 1e-9):.1f} CPU")


if __name__ == "__main__":
    main()
