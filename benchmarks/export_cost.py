r"""CPU seconds to export one executed report: the package's exporter against nbconvert's own.

Usage::

    .venv/bin/python benchmarks/export_cost.py [PARAMS.yaml] [--repeat 7]

Executes one sample report in a warm kernel (as a batch does), then exports the same
executed notebook in turn with ``HTMLExporter`` as nbconvert ships it (which ends with a
BeautifulSoup pass over the whole page) and with the package's exporter
(``render.export``, which skips that pass), and prints the first call of each and the
median of the rest, side by side. Nothing is written under ``reports/``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "params", nargs="?", default=str(ROOT / "params" / "area_analysis" / "skaggetorp.yaml")
    )
    parser.add_argument("--repeat", type=int, default=7)
    a = parser.parse_args()
    os.environ.setdefault("EVALUATION_KEEP_KERNEL", "0")
    sys.path.insert(0, str(ROOT))

    from nbconvert import HTMLExporter

    from evaluation.params import load_params
    from evaluation.privacy.publication import take_ledger
    from evaluation.render import export
    from evaluation.render.execute import execute_notebook
    from evaluation.render.kernel import shutdown_all
    from evaluation.render.provenance import report_context

    params = load_params(a.params)
    notebook = ROOT / "notebooks" / f"{params.kind}.ipynb"
    with tempfile.TemporaryDirectory() as tmp:
        nb = execute_notebook(
            notebook,
            {"params_file": str(params.source_file), "cache_dir": None},
            Path(tmp) / "failed.ipynb",
        )
    shutdown_all()
    take_ledger(nb)  # as the renderer does before export: the ledger never reaches the page
    context = report_context(params, notebook, fingerprint={})

    stock = HTMLExporter(
        template_file=export.TEMPLATE_FILE,
        extra_template_paths=[str(export.TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
        optimistic_validation=True,
    )
    ours = export._new_exporter()
    times: dict[str, list[float]] = {"nbconvert's HTMLExporter": [], "package exporter": []}
    pages: dict[str, int] = {}
    for _ in range(a.repeat):
        for name, exporter in zip(times, (stock, ours), strict=True):
            export._local.exporter = exporter
            started = time.process_time()
            page = export.export_html(nb, context)
            times[name].append(time.process_time() - started)
            pages[name] = len(page.encode("utf-8"))
    print(f"{params.kind} {params.area}: CPU s per export (first call, then median of the rest)")
    for name, found in times.items():
        print(
            f"  {name:26} first {found[0]:.3f}  median {statistics.median(found[1:]):.3f}"
            f"  page {pages[name]:,} bytes"
        )
    first = [t[0] for t in times.values()]
    rest = [statistics.median(t[1:]) for t in times.values()]
    print(f"  ratio stock/package: first ×{first[0] / first[1]:.2f}, then ×{rest[0] / rest[1]:.2f}")


if __name__ == "__main__":
    main()
