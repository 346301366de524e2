"""Views on protected outputs: select, reorder, combine and reshape without recomputing.

The only way outside ``evaluation.privacy`` to get a differently shaped protected
output. A view never changes a shown value or a ``suppressed`` flag; it only
selects, orders or relabels rows, and it may add key columns or empty (all
missing) value columns.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype

from evaluation.exceptions import PrivacyError
from evaluation.privacy.results import ProtectedFrame, ProtectedTable
from evaluation.privacy.symbols import SUPPRESSED_SENTENCE

_PROTECTED_COLUMNS = ("value", "suppressed")


def _require_frame(protected: Any) -> ProtectedFrame:
    if not isinstance(protected, ProtectedFrame):
        raise PrivacyError(
            f"en vy behöver en ProtectedFrame från rapportens Protector; fick "
            f"{type(protected).__name__}"
        )
    return protected


def _with_rows(protected: ProtectedFrame, frame: pd.DataFrame) -> ProtectedFrame:
    """``protected`` showing ``frame``, some of its rows; withheld is re-derived for them.

    An all-hidden (or empty) selection shows the standard sentence, not an empty chart.
    """
    withheld = bool(frame["suppressed"].all()) if len(frame) else True
    return dataclasses.replace(
        protected,
        frame=frame.reset_index(drop=True),
        withheld=withheld,
        note=SUPPRESSED_SENTENCE if withheld else protected.note,
    )


def select_rows(protected: ProtectedFrame, mask: Any) -> ProtectedFrame:
    """Rows of an already protected frame (selecting what to show, never recomputing)."""
    _require_frame(protected)
    return _with_rows(
        protected, protected.frame[mask.to_numpy() if hasattr(mask, "to_numpy") else mask]
    )


def take_rows(protected: ProtectedFrame, positions: Sequence[int] | np.ndarray) -> ProtectedFrame:
    """The rows at ``positions``, in that order: a selection and an order in one step.

    A position may not repeat (counting from the end is refused, as it could name a
    row twice), so a view never shows one published row twice.
    """
    _require_frame(protected)
    at = np.asarray(positions, dtype=np.intp)
    rows = len(protected.frame)
    if (at >= rows).any():
        raise IndexError(
            f"{protected.label}: radnummer {int(at.max())} finns inte; "
            f"vyn har {rows} rader, numrerade från 0"
        )
    if len(np.unique(at)) != len(at) or (at < 0).any():
        raise PrivacyError(
            f"{protected.label}: en vy kan inte visa samma rad två gånger "
            "(radnummer från noll och uppåt, varje högst en gång)"
        )
    return _with_rows(protected, protected.frame.take(at))


def sort_rows(
    protected: ProtectedFrame,
    by: Sequence[str],
    key: Callable[[pd.Series], pd.Series] | None = None,
) -> ProtectedFrame:
    """The same rows in another order (``DataFrame.sort_values(by, key=key)``, stable)."""
    _require_frame(protected)
    frame = protected.frame.sort_values(list(by), key=key, kind="stable").reset_index(drop=True)
    return dataclasses.replace(protected, frame=frame)


def with_columns(protected: ProtectedFrame, **columns: Any) -> ProtectedFrame:
    """Add key columns (text, dates) or empty value columns (all missing) to a protected frame.

    Refuses to overwrite a column, and refuses numbers that did not come from the
    Protector: a new numeric column must be entirely missing.
    """
    _require_frame(protected)
    frame = protected.frame
    for name, value in columns.items():
        if name in frame.columns:
            raise PrivacyError(
                f"{protected.label}: kolumnen {name!r} finns redan; en vy kan inte ändra den"
            )
        series = pd.Series(value, index=frame.index) if np.isscalar(value) else pd.Series(value)
        numeric = is_numeric_dtype(series.dtype) and not is_bool_dtype(series.dtype)
        if numeric and series.notna().any():
            raise PrivacyError(
                f"{protected.label}: kolumnen {name!r} skulle lägga till tal som "
                "Protector aldrig sett"
            )
    return dataclasses.replace(protected, frame=frame.assign(**columns))


def concat(parts: Sequence[ProtectedFrame], kind: str = "mixed") -> ProtectedFrame:
    """One frame holding the rows of several protected frames (the first one's label)."""
    if not parts:
        raise ValueError("concat needs at least one protected frame")
    for part in parts:
        _require_frame(part)
    frame = pd.concat([p.frame for p in parts], ignore_index=True)
    return ProtectedFrame(
        frame=frame, label=parts[0].label, kind=kind, withheld=bool(frame["suppressed"].all())
    )


def as_tidy(
    table: ProtectedTable, keys: Callable[[Hashable, Hashable], dict[str, Any]]
) -> ProtectedFrame:
    """A protected count table read as tidy rows, one per cell; values are not changed.

    ``keys(row_label, column_label)`` gives each row's key columns; ``value`` and
    ``suppressed`` come from the table.
    """
    if not isinstance(table, ProtectedTable):
        raise PrivacyError(f"as_tidy behöver en ProtectedTable; fick {type(table).__name__}")
    values = table.values
    hidden = table.hidden.reindex(index=values.index, columns=values.columns).to_numpy(bool)
    columns = [values.iloc[:, j].to_numpy() for j in range(values.shape[1])]  # own dtypes
    rows = []
    for i, row in enumerate(values.index):
        for j, col in enumerate(values.columns):
            cell_keys = keys(row, col)
            clash = [k for k in _PROTECTED_COLUMNS if k in cell_keys]
            if clash:
                raise PrivacyError(f"{table.label}: keys får inte sätta {clash[0]!r}")
            rows.append({**cell_keys, "value": columns[j][i], "suppressed": bool(hidden[i, j])})
    return ProtectedFrame(
        frame=pd.DataFrame(rows),
        label=table.label,
        kind="counts",
        withheld=table.withheld,
        note=table.note,
    )
