"""Floor benchmark: the reports' own code without Jupyter, in warm plain Python processes.

Usage::

    .venv/bin/python benchmarks/floor.py [BATCH.yaml] [--processes 2] [--only KIND] [--repeat N]

Each evaluation's notebook is read with nbformat and its code cells are executed
with ``exec`` in a fresh namespace (the parameters cell replaced by the values the
renderer injects), in one of ``--processes`` plain Python processes that import the
notebooks' modules once. A cell's displayed value is turned into its HTML as the
kernel would (``_repr_mimebundle_``), so the charts are drawn and encoded. No
kernel, no papermill, no nbconvert, no manifest, no scan, no joint audit: what is
left is the least any runner of these notebooks must spend, and ``evaluation
batch`` is measured against it (``benchmarks/batch.py --floor``).

Prints wall and CPU seconds (the worker processes' rusage) per run and per kind.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _cpu_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def evaluations(batch: Path, only: list[str] | None) -> list[tuple[str, str, str]]:
    """(params file, kind, data folder) of every evaluation in the batch, optionally one kind."""
    from evaluation.params import load_batch, load_params

    found = []
    for params_file in load_batch(batch).evaluations:
        params = load_params(params_file)
        if only and params.kind not in only:
            continue
        found.append((str(params_file), params.kind, str(params.data)))
    return found


# --- inside a worker process ---------------------------------------------------------------


def _display_html(value) -> int:
    """The HTML a kernel would publish for ``value`` (its length); 0 for None."""
    if value is None:
        return 0
    bundle = getattr(value, "_repr_mimebundle_", None)
    if bundle is not None:
        data = bundle()
        data = data[0] if isinstance(data, tuple) else data
        return len(data.get("text/html", ""))
    html = getattr(value, "_repr_html_", None)
    return len(html()) if html is not None else len(repr(value))


def _code_cells(notebook: Path) -> list[tuple[str, bool]]:
    """(source, is_parameters_cell) of each code cell."""
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    return [
        (c.source, "parameters" in c.get("metadata", {}).get("tags", []))
        for c in nb.cells
        if c.cell_type == "code"
    ]


def _run_notebook(notebook: Path, parameters: dict, out: Path) -> int:
    """Execute the notebook's code cells in a fresh namespace; write and return the HTML size."""
    import ast
    import random

    import matplotlib.pyplot as plt
    import numpy as np

    random.seed(0)
    np.random.seed(0)
    namespace: dict = {"__name__": "__main__"}
    shown: list[str] = []
    cwd = os.getcwd()
    os.chdir(notebook.parent)
    try:
        for source, is_parameters in _code_cells(notebook):
            code = "\n".join(
                ln for ln in source.splitlines() if not ln.lstrip().startswith(("%", "!"))
            )
            tree = ast.parse(code)
            last = None
            if tree.body and isinstance(tree.body[-1], ast.Expr):
                last = ast.Expression(tree.body.pop().value)
            exec(compile(tree, str(notebook), "exec"), namespace)  # noqa: S102 - benchmark
            if is_parameters:
                namespace.update(parameters)  # as papermill's injected cell would
            if last is not None:
                value = eval(compile(last, str(notebook), "eval"), namespace)  # noqa: S307
                size = _display_html(value)
                if size:
                    shown.append(str(size))
    finally:
        os.chdir(cwd)
        plt.close("all")
    out.write_text("\n".join(shown), encoding="utf-8")
    return len(shown)


def worker(jobs_file: Path) -> None:
    """Warm up once (the notebooks' imports), then run each job; print per-job timings as JSON."""
    import matplotlib

    matplotlib.use("Agg")
    from evaluation.metadata.kinds import notebook_path
    from evaluation.render.kernel import warm_modules
    from evaluation.render.kernel_setup import warm_up

    jobs = json.loads(jobs_file.read_text(encoding="utf-8"))
    started = time.process_time()
    warm_up(warm_modules())
    import gc

    gc.freeze()  # the same treatment the project's kernels get after warm-up
    timings = [{"kind": "warm-up", "cpu": time.process_time() - started}]
    for job in jobs:
        t0, c0 = time.perf_counter(), time.process_time()
        parameters = {
            "params_file": job["params_file"],
            "cache_dir": job["cache_dir"],
            "publication_dir": job["publication_dir"],
        }
        _run_notebook(notebook_path(job["kind"]), parameters, Path(job["out"]))
        timings.append(
            {
                "kind": job["kind"],
                "params_file": job["params_file"],
                "wall": time.perf_counter() - t0,
                "cpu": time.process_time() - c0,
            }
        )
    print(json.dumps(timings))


# --- the parent ------------------------------------------------------------------------------


def run_floor(
    batch: Path, processes: int = 2, only: list[str] | None = None, publication_dir=None
) -> dict:
    """Run the floor once from a cold data cache; return wall, CPU and per-report timings."""
    jobs = evaluations(batch, only)
    with tempfile.TemporaryDirectory(prefix="evaluation-floor-") as tmp:
        tmp_path = Path(tmp)
        cache = tmp_path / "cache"
        pub = str(publication_dir) if publication_dir else None
        items = [
            {
                "params_file": p,
                "kind": k,
                "cache_dir": str(cache),
                "publication_dir": pub,
                "out": str(tmp_path / f"{i}.html"),
            }
            for i, (p, k, _) in enumerate(jobs)
        ]
        # Parse each data folder once before the workers start (as the batch's prepare step);
        # the same job list split round-robin, longest kinds first spread evenly.
        cpu0, t0 = _cpu_children(), time.perf_counter()
        folders = sorted({d for _, _, d in jobs})
        code = (
            "import sys; from evaluation.load.dataset import load_data\n"
            "for f in sys.argv[2:]: load_data(f, cache_dir=sys.argv[1])"
        )
        subprocess.run([sys.executable, "-c", code, str(cache), *folders], check=True, cwd=ROOT)
        shares = [items[i::processes] for i in range(processes)]
        procs = []
        for n, share in enumerate(shares):
            if not share:
                continue
            jobs_file = tmp_path / f"jobs{n}.json"
            jobs_file.write_text(json.dumps(share), encoding="utf-8")
            procs.append(
                subprocess.Popen(
                    [sys.executable, __file__, "--worker", str(jobs_file)],
                    cwd=ROOT,
                    stdout=subprocess.PIPE,
                    text=True,
                )
            )
        timings = []
        for proc in procs:
            out, _ = proc.communicate()
            if proc.returncode != 0:
                raise SystemExit(f"floor worker failed (exit {proc.returncode})")
            timings += json.loads(out.strip().splitlines()[-1])
        return {
            "reports": len(jobs),
            "wall": time.perf_counter() - t0,
            "cpu": _cpu_children() - cpu0,
            "timings": timings,
        }


def per_kind(timings: list[dict]) -> dict[str, tuple[int, float, float]]:
    """Per report kind: (reports, mean wall, mean CPU seconds)."""
    by: dict[str, list[dict]] = {}
    for t in timings:
        if "wall" in t:
            by.setdefault(t["kind"], []).append(t)
    return {
        k: (len(v), sum(x["wall"] for x in v) / len(v), sum(x["cpu"] for x in v) / len(v))
        for k, v in sorted(by.items())
    }


def main() -> None:
    """Run the floor ``--repeat`` times and print each run and the per-kind means."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("batch", nargs="?", default=str(ROOT / "params" / "batch_sample.yaml"))
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--only", action="append", help="only this report kind (repeatable)")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--publication-dir", default=None, help="batch folder with a hidden set")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(Path(args.worker))
        return
    for i in range(args.repeat):
        load = os.getloadavg()[0]
        r = run_floor(Path(args.batch).resolve(), args.processes, args.only, args.publication_dir)
        print(
            f"floor run {i + 1}: {r['reports']} reports, {args.processes} processes: "
            f"wall {r['wall']:.1f} s, CPU {r['cpu']:.1f} s "
            f"({r['cpu'] / r['reports']:.2f} CPU-s per report), load {load:.1f}"
        )
        warm = [t["cpu"] for t in r["timings"] if t["kind"] == "warm-up"]
        print(f"  warm-up per process: {', '.join(f'{c:.1f}' for c in warm)} CPU-s")
        for kind, (n, wall, cpu) in per_kind(r["timings"]).items():
            print(f"  {kind:18s} {n:3d} reports  {wall:5.2f} s wall  {cpu:5.2f} CPU-s each")


if __name__ == "__main__":
    main()
