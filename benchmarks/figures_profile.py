r"""CPU profile of one report's code without Jupyter: where the figures' time goes.

Usage::

    .venv/bin/python benchmarks/figures_profile.py NOTEBOOK PARAMS \
        [--repeat 2] [--profile out.prof] [--skip effect_estimates]

Runs the notebook's code cells in this process (the parameters cell, then every other
cell with its last expression rendered to HTML as the report would), once to warm up
(imports, data cache, fonts) and then ``--repeat`` times, printing the CPU seconds per
report, each cell's share of it (the cell's last line, 10 ms or more), and the size of
the page the cells make. ``--profile`` writes a cProfile of the measured runs timed in
CPU seconds; ``--skip`` leaves out cells containing a text.
"""

from __future__ import annotations

import argparse
import ast
import cProfile
import json
import os
import time
from pathlib import Path


def main() -> None:
    """Parse the arguments, run the report's cells, print CPU seconds and page size."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("notebook", type=Path)
    p.add_argument("params", type=Path)
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--profile")
    p.add_argument("--skip")
    p.add_argument("--cache-dir", default=os.environ.get("EVALUATION_CACHE_DIR"))
    a = p.parse_args()
    import matplotlib

    matplotlib.use("Agg")
    from evaluation.present.charts import STYLE
    from evaluation.present.output import STYLE as CSS

    matplotlib.rcParams.update(STYLE)  # as the report kernel's set-up does
    from evaluation.render.kernel_setup import _single_threaded_blas

    # one BLAS thread, as in a report kernel: with OpenBLAS's default threads on a shared
    # 2-core machine one Poisson fit of the outcome follow-up took 4 s instead of 0.2 s
    _single_threaded_blas()
    nb = json.loads(a.notebook.read_text(encoding="utf-8"))
    cells = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    if a.skip:
        cells = [c for c in cells if a.skip not in c]
    params = str(a.params.resolve())
    os.chdir(a.notebook.resolve().parent)

    per_cell = [0.0] * len(cells)

    def run_once() -> list[str]:
        ns: dict = {}
        exec(cells[0], ns)  # the parameters cell
        ns["params_file"], ns["cache_dir"] = params, a.cache_dir
        html = []
        for i, src in enumerate(cells[1:], start=1):
            cell_started = time.process_time()
            tree = ast.parse(src)
            last = tree.body[-1] if tree.body else None
            value = None
            if isinstance(last, ast.Expr):
                exec(compile(ast.Module(tree.body[:-1], []), "<cell>", "exec"), ns)
                value = eval(compile(ast.Expression(last.value), "<cell>", "eval"), ns)
            else:
                exec(src, ns)
            if hasattr(value, "_repr_html_"):
                html.append(value._repr_html_())
            per_cell[i] += time.process_time() - cell_started
        return html

    page = CSS + "\n".join(run_once())  # warm-up
    per_cell[:] = [0.0] * len(cells)
    started = time.process_time()
    profiler = cProfile.Profile(time.process_time) if a.profile else None
    if profiler:
        profiler.enable()
    for _ in range(a.repeat):
        run_once()
    if profiler:
        profiler.disable()
        profiler.dump_stats(a.profile)
    cpu = (time.process_time() - started) / a.repeat
    print(f"CPU s per report (warm): {cpu:.2f}  page bytes: {len(page.encode('utf-8'))}")
    for src, spent in zip(cells, per_cell, strict=True):
        if spent / a.repeat >= 0.01:
            print(f"  {spent / a.repeat:6.3f}  {src.strip().splitlines()[-1][:70]}")


if __name__ == "__main__":
    main()
