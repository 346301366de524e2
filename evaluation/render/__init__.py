"""Rendering of report notebooks to self-contained HTML, one report or a whole batch.

``render_report`` executes one evaluation's notebook with papermill (in a warm,
reused kernel), exports it with nbconvert, scans it for identity numbers and
writes it atomically; ``run_batch`` does that for every evaluation of a batch,
in parallel and incrementally, and writes the index page.
"""

import os

# Kernels started from here inherit this: their Protector refuses a second version of
# an output (R1) instead of replacing it as an interactive session does.
os.environ.setdefault("EVALUATION_RENDERING", "1")


def _skip_unused_format_checker() -> None:
    """Keep jsonschema from importing ``rfc3987_syntax``, which nothing here uses.

    nbformat imports jsonschema; jsonschema imports the optional ``rfc3987_syntax``
    when it is installed (a Jupyter extra pulls it in), which compiles a Lark grammar
    at import: 0.8-2 CPU-s in the batch process and again in every worker. It only
    serves the "iri" format checks of a ``FormatChecker``; nbformat validates notebooks
    without format checking, so marking it absent changes no validation here.
    """
    import sys

    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # None: "import fails" to Python


_skip_unused_format_checker()

from evaluation.metadata.kinds import (  # noqa: E402
    ReportKind,
    notebook_path,
    register_report_kind,
    report_kinds,
)
from evaluation.render.paths import area_slug  # noqa: E402
from evaluation.render.single import ReportResult, render_report  # noqa: E402

__all__ = [
    "ReportKind",
    "report_kinds",
    "ReportResult",
    "area_slug",
    "notebook_path",
    "register_report_kind",
    "render_report",
    "run_batch",
    "BatchResult",
    "EXECUTORS",
]


def __getattr__(name: str):
    if name in ("run_batch", "BatchResult"):
        from evaluation.render import batch

        return getattr(batch, name)
    if name == "EXECUTORS":
        from evaluation.render.executors import EXECUTORS

        return EXECUTORS
    raise AttributeError(name)
