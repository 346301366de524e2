"""What the command line prints, in Swedish: errors by their fields, paths relative to here.

Exception classes and log records stay in English for developers; a person at the
terminal reads Swedish, like the reports.
"""

from __future__ import annotations

import os
from pathlib import Path

from evaluation.exceptions import (
    DataError,
    EvaluationError,
    FetchError,
    ParameterError,
    PrivacyError,
    RenderError,
)

_KIND = {
    DataError: "datafel",
    ParameterError: "parameterfel",
    PrivacyError: "integritetsfel",
    RenderError: "körningsfel",
    FetchError: "hämtningsfel",
}


def show_path(path: str | os.PathLike | None) -> str:
    """``path`` relative to the current folder when it lies below it, else absolute."""
    if path is None:
        return ""
    p = Path(path)
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve())) or "."
    except (ValueError, OSError):
        return str(p)


def rows_text(err: BaseException) -> str:
    """'rad 5' or '3 rader: 5, 9, 12' (the first few) for an error carrying ``rows``."""
    rows = getattr(err, "rows", None)
    count = getattr(err, "count", None) or (len(rows) if rows else 0)
    row = getattr(err, "row", None)
    if not rows or count <= 1:
        return f"rad {row}" if row is not None else ""
    shown = ", ".join(map(str, rows[:5]))
    more = ", …" if count > 5 else ""
    return f"{count} rader ({shown}{more})"


def describe(exc: BaseException, *, with_file: bool = True, name_only: bool = False) -> str:
    """One line for a person: where (file, row, column or parameter), what, and details.

    Paths are shown relative to the current folder, or as bare file names with
    ``name_only`` (for pages such as the batch index, read elsewhere).
    """
    from evaluation.render.single import redact

    def show(path):
        return Path(path).name if name_only else show_path(path)

    if isinstance(exc, EvaluationError) and getattr(exc, "problems", None):
        text = f"{len(exc.problems)} problem i datamappen: " + " | ".join(
            describe(p, with_file=with_file, name_only=name_only) for p in exc.problems
        )
    elif isinstance(exc, DataError):
        where = []
        if with_file and exc.file:
            where.append(f"fil {show(exc.file)}")
        if exc.column:
            where.append(f"kolumn '{exc.column}'")
        if rows := rows_text(exc):
            where.append(rows)
        text = f"{', '.join(where)}: {exc.message}" if where else exc.message
        details = []
        if exc.expected:
            details.append(f"väntat: {exc.expected}")
        if exc.found is not None:
            details.append(f"hittat: {exc.found}")
        if details:
            text += " (" + "; ".join(details) + ")"
    elif isinstance(exc, ParameterError):
        where = []
        if with_file and exc.file:
            where.append(f"fil {show(exc.file)}")
        if exc.parameter:
            where.append(f"parameter '{exc.parameter}'")
        text = f"{', '.join(where)}: {exc.message}" if where else exc.message
    elif isinstance(exc, RenderError):
        text = exc.message if exc.cell is None else f"cell {exc.cell}: {exc.message}"
    elif isinstance(exc, EvaluationError):
        text = str(exc)
    else:
        text = f"{type(exc).__name__}: {exc}"
    return redact(" ".join(text.split()))


def headline(exc: BaseException) -> str:
    """'Fel (parameterfel): ...' – the kind of error in Swedish, the class for developers."""
    kind = next((w for cls, w in _KIND.items() if isinstance(exc, cls)), "fel")
    return f"Fel ({kind}, {type(exc).__name__}): {describe(exc)}"
