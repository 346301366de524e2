"""Independent audit of a protected table (docs/privacy.md R3).

Shares no code with the suppression modules: it sees a table only as a reader
does — shown numbers, hidden cells, and the "Totalt" row/column found by their
labels — and asks, for every hidden cell, how small and how large it could be
given everything shown. Each bound is a linear programme solved with SciPy's
HiGHS: variables are the hidden cells (inner cells and hidden totals), all
≥ 0; constraints are "members of a row/column add up to its total". The
interval must be at least ``min_count`` wide. For two-way tables with margins
the constraint matrix is totally unimodular, so the LP bounds are the integer
bounds too.

It also flags shown cells between 1 and ``min_count - 1`` (R2) and tables that
do not add up.
"""

from __future__ import annotations

import math
import re
from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from evaluation.exceptions import PrivacyError
from evaluation.privacy.symbols import HIDDEN, TOTAL

_TOL = 1e-6


@dataclass(frozen=True)
class AuditFailure:
    """One cell that breaks the rules.

    ``kind`` is ``"interval"`` (a hidden cell can be narrowed to less than
    ``min_count``), ``"shown_small"`` (a shown count in 1 … ``min_count - 1``)
    or ``"inconsistent"`` (shown figures do not add up).
    """

    row: Hashable
    column: Hashable
    kind: str
    lower: float
    upper: float
    row_pos: int
    col_pos: int

    def __str__(self) -> str:
        """Where and what, never the value (``lower`` and ``upper`` stay for code).

        The line can reach a failed report's row on the batch index, which is published.
        """
        where = f"cellen ({self.row!r}, {self.column!r})"
        if self.kind == "interval":
            return f"{where}: ett dolt värde kan ringas in för snävt med de visade uppgifterna"
        if self.kind == "shown_small":
            return f"{where}: ett antal under gränsen visas"
        return f"{where}: de visade uppgifterna går inte ihop"


def _is_total(label: Hashable) -> bool:
    head = label[0] if isinstance(label, tuple) and label else label
    return isinstance(head, str) and head.strip().casefold() == TOTAL.casefold()


def _total_position(index: pd.Index) -> int | None:
    where = [i for i, label in enumerate(index) if _is_total(label)]
    if len(where) > 1:
        raise PrivacyError(f"granskning: mer än en {TOTAL!r}-etikett på samma axel")
    return where[0] if where else None


def _relations(
    shape: tuple[int, int], total_row: int | None, total_col: int | None
) -> list[tuple[list[tuple[int, int]], tuple[int, int]]]:
    """Every (members, total) relation a reader can use (a total with no members is none)."""
    rows, cols = shape
    out = []
    if total_col is not None:
        for r in range(rows):
            out.append(([(r, c) for c in range(cols) if c != total_col], (r, total_col)))
    if total_row is not None:
        for c in range(cols):
            out.append(([(r, c) for r in range(rows) if r != total_row], (total_row, c)))
    return [(members, total) for members, total in out if members]


def _bounds(values: np.ndarray, hidden: np.ndarray, relations) -> tuple[dict, bool]:
    """LP bounds for each hidden cell; second item False when shown figures don't add up."""
    cells = [tuple(p) for p in np.argwhere(hidden)]
    var = {p: k for k, p in enumerate(cells)}
    a_rows, b = [], []
    consistent = True
    for members, total in relations:
        row = np.zeros(len(cells))
        rhs = 0.0
        for p in members:
            if p in var:
                row[var[p]] += 1.0
            else:
                rhs -= values[p]
        if total in var:
            row[var[total]] -= 1.0
        else:
            rhs += values[total]
        if row.any():
            a_rows.append(row)
            b.append(rhs)
        elif abs(rhs) > _TOL:
            consistent = False
    bounds: dict = {}
    if not cells:
        return bounds, consistent
    from scipy.optimize import linprog  # here, not at import: a batch worker's checks load
    # the privacy package without ever solving (scipy.optimize is ~0.5 s of imports)

    a_eq = np.array(a_rows) if a_rows else None
    b_eq = np.array(b) if b else None
    used = np.zeros(len(cells), bool) if a_eq is None else np.abs(a_eq).max(axis=0) > 0
    for p, k in var.items():
        if not used[k]:
            bounds[p] = (0.0, math.inf)
            continue
        ends = []
        for sign in (1.0, -1.0):
            c = np.zeros(len(cells))
            c[k] = sign
            res = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
            if res.status == 0:
                ends.append(sign * res.fun)
            elif res.status == 3:  # unbounded: only possible when maximising
                ends.append(math.inf)
            elif res.status == 2:  # infeasible: the shown figures contradict each other
                return {}, False
            else:
                raise PrivacyError(f"granskning: LP-lösaren misslyckades ({res.message})")
        bounds[p] = (ends[0], ends[1])
    return bounds, consistent


def audit_table(
    values: pd.DataFrame, hidden: pd.DataFrame, min_count: int, *, margins: bool = True
) -> list[AuditFailure]:
    """Audit a protected table; an empty list means it passes.

    Parameters
    ----------
    values
        The table as published, including the "Totalt" row and/or column when
        ``margins`` is true. Values of hidden cells are ignored (NaN is fine).
    hidden
        Boolean frame of the same shape: True where the reader sees "..".
    min_count
        Each hidden cell's feasible interval must be at least this wide.
    margins
        Whether the "Totalt" row/column (found by label) are published totals.
        With ``margins=False`` no totals are assumed and only R2 is checked.
    """
    if values.shape != hidden.shape:
        raise PrivacyError("granskning: värden och dolda celler har olika form")
    hid = hidden.to_numpy(dtype=bool)
    val = values.to_numpy(dtype=float, na_value=np.nan)
    if np.isnan(val[~hid]).any():
        raise PrivacyError("granskning: en cell är varken visad eller markerad som dold")
    total_row = _total_position(values.index) if margins else None
    total_col = _total_position(values.columns) if margins else None
    failures = []

    def failure(p, kind, lo, hi):
        return AuditFailure(
            values.index[p[0]], values.columns[p[1]], kind, lo, hi, int(p[0]), int(p[1])
        )

    for p in np.argwhere(~hid & (val > _TOL) & (val < min_count - _TOL)):
        failures.append(failure(tuple(p), "shown_small", val[tuple(p)], val[tuple(p)]))
    relations = _relations(val.shape, total_row, total_col)
    bounds, consistent = _bounds(np.where(hid, 0.0, val), hid, relations)
    if not consistent:
        return [*failures, failure((0, 0), "inconsistent", math.nan, math.nan)]
    for p, (lo, hi) in sorted(bounds.items()):
        if hi - lo < min_count - _TOL:
            failures.append(failure(p, "interval", lo, hi))
    return failures


_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")


def _parse(cell: object) -> float:
    """A shown number, or NaN for "..", "–", blanks and anything else unreadable."""
    if isinstance(cell, (int, float, np.integer, np.floating)) and not isinstance(cell, bool):
        return float(cell)
    if cell is None or cell is pd.NA:
        return math.nan
    text = str(cell).strip()
    if text == HIDDEN:
        return math.nan
    text = re.sub(r"[\s\u00a0\u202f\u2009]", "", text).replace("\u2212", "-")
    if not _NUMBER.match(text):
        return math.nan
    return float(text.replace(",", "."))


def audit_shown_table(
    shown: pd.DataFrame, min_count: int, *, margins: bool = True
) -> list[AuditFailure]:
    """Audit a table as a reader sees it, e.g. parsed back from a rendered report.

    ``shown`` holds numbers (or number strings with spaces as thousands
    separators), ".." for hidden cells, and a "Totalt" row and/or column.
    Anything that is not a number (".." , "–", blank) counts as unknown.
    """
    val = shown.map(_parse).astype(float)
    hid = val.isna()
    return audit_table(val, hid, min_count, margins=margins)
