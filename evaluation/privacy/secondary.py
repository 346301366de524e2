"""Secondary suppression (docs/privacy.md R3): hide more cells so hidden ones can't be recomputed.

Written by hand: no maintained Python library does cell suppression (τ-ARGUS
is a Windows/Java program driven through files, and its Python wrapper
``pytauargus`` needs that installation and writes the true values to solver
files). The heuristic below is the one docs/privacy.md describes; it is not
optimal (fewest cells hidden), only safe when followed by the LP audit in
``audit.py``, which is the judge. ``hide_more`` is used to repair the cases
the audit still finds.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from evaluation.privacy.margins import Layout, Line, Pos


def _needs_more(full: np.ndarray, hidden: np.ndarray, line: Line, min_count: int) -> bool:
    """Tell whether this line still lets a hidden cell be pinned down.

    - exactly one hidden cell: it equals total minus the shown cells;
    - total shown and the hidden cells add up to less than ``min_count``
      (e.g. two hidden 1s: each lies in 0…2): too narrow.
    """
    hid = [p for p in line.cells if hidden[p]]
    if not hid:
        return False
    if len(hid) == 1:
        return True
    if not hidden[line.total]:
        return float(sum(full[p] for p in hid)) < min_count
    return False


def _candidate(
    full: np.ndarray, hidden: np.ndarray, layout: Layout, line: Line, line_index: int
) -> Pos | None:
    """Smallest shown non-zero member of ``line``; its total only if no member is left.

    Ties are broken towards a cell whose other line has exactly one hidden cell
    already, so one extra hidden cell settles two lines.
    """

    def helps_other_line(pos: Pos) -> int:
        return sum(
            1
            for i in layout.lines_through.get(pos, ())
            if i != line_index and sum(hidden[p] for p in layout.lines[i].cells) == 1
        )

    members = [p for p in line.members if not hidden[p] and full[p] > 0]
    if members:
        return min(members, key=lambda p: (full[p], -helps_other_line(p), p))
    if not hidden[line.total] and full[line.total] > 0:
        return line.total
    return None


def secondary_suppress(
    full: np.ndarray, hidden: np.ndarray, layout: Layout, min_count: int
) -> np.ndarray:
    """Repeat over all lines until no line needs another hidden cell.

    Terminates: each pass either hides a new cell or changes nothing.
    """
    hidden = hidden.copy()
    changed = True
    while changed:
        changed = False
        for i, line in enumerate(layout.lines):
            if _needs_more(full, hidden, line, min_count):
                pos = _candidate(full, hidden, layout, line, i)
                if pos is not None:
                    hidden[pos] = True
                    changed = True
    return hidden


def hide_more(
    full: np.ndarray, hidden: np.ndarray, layout: Layout, failing: Iterable[Pos]
) -> np.ndarray | None:
    """Widen the intervals of cells the audit found too narrow.

    For each failing cell, hide the smallest shown non-zero cell among the lines
    through it (members before totals). ``None`` when nothing is left to hide.
    """
    hidden = hidden.copy()
    changed = False
    for pos in failing:
        options = []
        for i in layout.lines_through.get(pos, ()):
            cand = _candidate(full, hidden, layout, layout.lines[i], i)
            if cand is not None:
                options.append((layout.is_total(cand), full[cand], cand))
        if options:
            hidden[min(options)[2]] = True
            changed = True
    return hidden if changed else None
