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

from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any

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


# -- linked tables over areas (R0) ----------------------------------------------------------
#
# Written by hand, like the rest of this module: no maintained Python library does
# linked or hierarchical secondary suppression (sdcTable is R, τ-ARGUS Java/Windows).
# A figure over a group of areas (a comparison pool, the municipality) is the sum of
# its member areas' cells, and other reports of the batch publish those cells one by
# one (each area analysis shows its own area): we assume, conservatively, that every
# member cell is published somewhere. So a group's figure may be shown only if the
# member cells hidden inside it (and, with the municipality shown, those outside it)
# cannot be narrowed below ``min_count`` by subtraction.
#
# The municipality is shown in nearly every report, so its line is settled the way
# τ-ARGUS settles a hierarchical table: hide more member cells (the smallest non-zero
# ones), which every report that shows them also hides, since the choice depends only
# on the member cells. A pool is shown in one report, so the pool itself is hidden, and
# it is hidden whenever it holds a hidden member: pools of other reports may overlap it
# without nesting (their difference isolates one member), and a report cannot see
# them. (Except when every area outside it is shown: then the municipality gives the
# pool back anyway.) A pool without a hidden member reveals nothing hidden whatever else is shown,
# since every hidden cell then lies outside it and the municipality's line covers
# them. The decision reads only the member cells (computed from the data) and the
# group's area set, never the report's other rows, so every report takes the same
# decision for the same figure, whichever report runs first.


def _exposed(values: Sequence[np.ndarray], hidden_members: np.ndarray, min_count: int) -> bool:
    """Whether the hidden members of one sum could be narrowed below ``min_count``.

    A sum shown with every other member shown pins the hidden ones' total: one hidden
    member is then exact, several are each known to within their total.
    """
    if not hidden_members.any():
        return False
    if int(hidden_members.sum()) == 1:
        return True
    return any(float(v[hidden_members].sum()) < min_count for v in values)


def _settle_line(values: Sequence[np.ndarray], hidden: np.ndarray, min_count: int) -> np.ndarray:
    """Hide the smallest non-zero shown members until the line's hidden ones are safe.

    Returns the members hidden in addition; the line itself stays shown when that
    succeeds (the caller checks ``_exposed`` again: with nothing left to hide, it is not).
    """
    extra = np.zeros(len(hidden), dtype=bool)
    while _exposed(values, hidden | extra, min_count):
        now = hidden | extra
        failing = [v for v in values if float(v[now].sum()) < min_count] or list(values)
        size = np.sum([v for v in failing], axis=0)
        options = np.flatnonzero(~now & (size > 0))
        if not len(options):
            break
        extra[options[np.argmin(size[options])]] = True  # ties: the first area code
    return extra


def hide_linked_groups(
    row_areas: Sequence[tuple[str, ...] | None],
    row_keys: Sequence[Hashable],
    member_rows: Mapping[tuple[Any, str], int],
    member_values: Sequence[np.ndarray],
    member_hidden: np.ndarray,
    all_areas: Sequence[str],
    min_count: int,
) -> np.ndarray:
    """Rows to hide so no hidden member cell is derivable from a group figure.

    ``row_areas`` are each row's area codes (None: not an area figure), ``row_keys``
    its other keys; ``member_rows`` maps (key, area code) to a member row whose
    additive components (e.g. numerator and rest) are ``member_values`` and whose
    hidden flag is ``member_hidden``. A member without a row counts as a shown zero.
    Per key, the municipality's line (``all_areas``) is settled first by hiding more
    members (a row of one such area is hidden); the municipality's row is hidden only
    when that cannot succeed. Any other group's row is hidden when it holds a hidden
    member, unless every area outside it is shown (the municipality minus them gives
    the group back, and the municipality's line already covers its hidden members).
    """
    everyone = tuple(sorted(dict.fromkeys(str(a) for a in all_areas)))
    where = {a: i for i, a in enumerate(everyone)}
    out = np.zeros(len(row_areas), dtype=bool)
    lines: dict[Hashable, tuple[list[np.ndarray], np.ndarray]] = {}

    def line(key: Hashable) -> tuple[list[np.ndarray], np.ndarray]:
        """Member values and hidden flags (the municipality's line settled) for ``key``."""
        if key not in lines:
            idx = np.asarray([member_rows.get((key, a), -1) for a in everyone], dtype=int)
            have, at = idx >= 0, np.maximum(idx, 0)
            vals = [np.where(have, np.asarray(v, dtype=float)[at], 0.0) for v in member_values]
            hid = have & np.asarray(member_hidden, dtype=bool)[at]
            lines[key] = (vals, hid | _settle_line(vals, hid, min_count))
        return lines[key]

    def exposed(key: Hashable, areas: Sequence[str]) -> bool:
        vals, hid = line(key)
        mask = np.zeros(len(everyone), dtype=bool)
        mask[[where[a] for a in areas if a in where]] = True
        return _exposed(vals, hid & mask, min_count)

    for i, areas in enumerate(row_areas):
        if not areas:
            continue
        key = row_keys[i]
        if len(areas) == 1:  # one area: hidden when the municipality's line took it
            a = str(areas[0])
            out[i] = a in where and bool(line(key)[1][where[a]])
            continue
        inside = sorted(set(map(str, areas)))
        if set(inside) >= set(everyone):
            out[i] = exposed(key, everyone)
        else:
            hid = line(key)[1]
            mine = np.zeros(len(everyone), dtype=bool)
            mine[[where[a] for a in inside if a in where]] = True
            # hiding a pool is futile when the municipality minus the areas outside it
            # (all shown) gives it back; then its hidden members are the municipality's
            out[i] = bool((hid & mine).any()) and (
                bool((hid & ~mine).any()) or exposed(key, everyone)
            )
    return out
