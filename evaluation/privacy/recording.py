"""Turn a protected output into ledger entries: which base cells each shown figure sums.

The Protector calls this for every output it protects (docs/privacy.md R0), so
each published figure is recorded once, in one place. Identities are inferred
from the output's keys: a ``group`` column or axis is the set of area codes of
that group (pooled comparison areas and the municipality are unions), a period
label ("2024", "2024H1", "2024K1", "2024-03") is its months clipped to the
report's window, anything else is a category of a dimension named after the
column. A share reveals its numerator and denominator (with its interval a
reader can recover both), a rate per 1 000 its count (populations are public).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from evaluation.privacy.ledger import AREA, PERIOD, Figure, Ledger, clip_months, months_of
from evaluation.privacy.symbols import TOTAL

_TIME_COLS = {"year", "år", "month", "månad", "quarter", "kvartal", "term", "termin", "period"}
_SKIP_COLS = {"suppressed", "period_start", "period_end", "person_years"}
OUTCOME = "utfall"
YES, NO = "ja", "nej"


@dataclass
class Context:
    """What a report's outputs are about: groups → area codes, the window, fixed filters.

    ``forced`` holds keys of figures the batch keeps hidden (ledgers/hidden.json).
    """

    groups: dict[str, tuple[str, ...]] = field(default_factory=dict)
    areas: tuple[str, ...] | None = None
    all_areas: tuple[str, ...] = ()
    window: tuple[str, ...] | None = None
    fixed: dict[str, tuple[str, ...]] = field(default_factory=dict)
    forced: set[str] = field(default_factory=set)
    domains: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def about(self, domains: Mapping[str, Sequence[Any]] | None = None, **fixed: Any) -> None:
        """Narrow every later output to ``fixed`` (e.g. one survey and unit); declare domains."""
        self.fixed.update({k: (str(v),) for k, v in fixed.items() if v is not None})
        self.domains.update({k: tuple(str(x) for x in v) for k, v in dict(domains or {}).items()})

    def name_group(self, label: str, codes: Sequence[str]) -> None:
        """Let a later output's ``group`` value ``label`` stand for the areas ``codes``.

        For a group a report computes itself (not one of its parameters' groups), so the
        ledger records which areas that output sums; one label means one set of areas.
        """
        codes = tuple(str(c) for c in codes)
        if self.groups.setdefault(label, codes) != codes:
            from evaluation.exceptions import ArgumentError

            raise ArgumentError(f"gruppen {label!r} avser redan andra områden", argument="label")


@dataclass(frozen=True)
class Spec:
    """Per-output identity hints from the call site (all optional).

    ``measure`` names what is counted so outputs of different tables (and
    reports) link; ``dims`` are fixed filters (e.g. intervention types);
    ``rows``/``columns`` name a crosstab's category axes; ``window`` is the
    output's own period when it differs from the report's; ``domains`` declare
    complete code lists of dimensions.
    """

    measure: str | None = None
    dims: Mapping[str, Sequence[Any]] = field(default_factory=dict)
    rows: str | None = None
    columns: str | None = None
    window: tuple[str, ...] | None = None
    areas: tuple[str, ...] | None = None
    domains: Mapping[str, Sequence[Any]] = field(default_factory=dict)


def _rows(frame: pd.DataFrame) -> list[dict]:
    """The frame's rows as dicts, each value of its own column's type.

    Not ``iterrows``: that builds a Series per row (most of the recording time) and
    casts an all-numeric row to float, so a year key read 2024.0 in one output and
    2024 in another.
    """
    columns = list(frame.columns)
    return [dict(zip(columns, values, strict=True)) for values in frame.itertuples(index=False)]


def _head(label: Hashable) -> Hashable:
    return label[0] if isinstance(label, tuple) and label else label


def _label_text(label: Hashable) -> str:
    if isinstance(label, tuple):
        return " / ".join(str(x) for x in label if str(x) != "")
    return str(label)


class Recorder:
    """Builds figures for one output under a :class:`Context` and a :class:`Spec`."""

    def __init__(self, ctx: Context | None, spec: Spec | None, label: str) -> None:
        self.ctx = ctx or Context()
        self.spec = spec or Spec()
        self.label = label
        self.measure = self.spec.measure or label
        window = self.spec.window if self.spec.window is not None else self.ctx.window
        self.window = window
        self._base: dict[str, tuple[str, ...]] | None = None

    # -- dimensions ----------------------------------------------------------------------
    def base(self) -> dict[str, tuple[str, ...]]:
        """Filters every figure of this output has unless its keys say otherwise."""
        dims: dict[str, tuple[str, ...]] = dict(self.ctx.fixed)
        areas = self.spec.areas if self.spec.areas is not None else self.ctx.areas
        if areas is not None:
            dims[AREA] = tuple(areas)
        if self.window:
            dims[PERIOD] = tuple(self.window)
        dims.update({k: tuple(str(x) for x in v) for k, v in self.spec.dims.items()})
        return dims

    def key_dim(self, column: Hashable, value: Any) -> tuple[str, tuple[str, ...]]:
        """The dimension and values one key (column, value) restricts."""
        name = str(column)
        low = name.lower()
        if low == "group":  # a place the report does not group: named, same in every report
            return AREA, self.ctx.groups.get(str(value), (f"namn:{value}",))
        if low == "area_code":
            return AREA, (str(value),)
        if low in _TIME_COLS or (months_of(value) is not None and not isinstance(value, bool)):
            months = months_of(value)
            if months is not None:
                return PERIOD, clip_months(months, self.window)
        return name, (str(value),)

    def row_dims(self, row: Any, keys: Sequence[Hashable]) -> dict:
        """Filters of one tidy row: base filters narrowed by the row's keys."""
        if self._base is None:  # the same for every row of the output
            self._base = self.base()
        dims = dict(self._base)
        seen_period = False
        for k in keys:
            dim, values = self.key_dim(k, row[k])
            if dim == PERIOD and seen_period:
                narrowed = set(values)
                values = tuple(v for v in dims[PERIOD] if v in narrowed) or values
            seen_period |= dim == PERIOD
            dims[dim] = values
        return dims

    def axis(self, labels: Sequence[Hashable], hint: str | None, fallback: str):
        """How a crosstab axis restricts figures: (dimension name, label → values)."""
        inner = [x for x in labels if not _is_total(x)]
        texts = [_label_text(x) for x in inner]
        if hint is None and inner and all(months_of(t) is not None for t in texts):
            return PERIOD, {
                x: clip_months(months_of(t) or (), self.window)
                for x, t in zip(inner, texts, strict=True)
            }
        if hint is None and inner and all(t in self.ctx.groups for t in texts):
            return AREA, {x: self.ctx.groups[t] for x, t in zip(inner, texts, strict=True)}
        name = hint or fallback
        return name, {x: (t,) for x, t in zip(inner, texts, strict=True)}

    def figure(self, dims: Mapping[str, Sequence[Any]]) -> Figure:
        """The figure of this output's measure with ``dims``."""
        return Figure.of(self.measure, dims)

    def declare(self, ledger: Ledger) -> None:
        """Declare the complete domains this output knows of."""
        if self.ctx.all_areas:
            ledger.declare(self.measure, AREA, self.ctx.all_areas)
        for dim, values in {**self.ctx.domains, **self.spec.domains}.items():
            ledger.declare(self.measure, dim, values)


def _is_total(label: Hashable) -> bool:
    head = _head(label)
    return isinstance(head, str) and head == TOTAL


# -- crosstabs of counts ---------------------------------------------------------------------


class CountCells:
    """Figure of every position of a crosstab with margins (and merged 'övriga' rows)."""

    def __init__(self, rec: Recorder, table: pd.DataFrame) -> None:
        self.rec = rec
        self.row_dim, self.row_map = rec.axis(list(table.index), rec.spec.rows, "rader")
        self.col_dim, self.col_map = rec.axis(list(table.columns), rec.spec.columns, "kolumner")
        self.base = rec.base()

    def _values(self, mapping, label, merged: Sequence[Hashable]) -> tuple[str, ...] | None:
        if _is_total(label):
            return None  # every listed category: the whole axis as shown
        if label in mapping:
            return mapping[label]
        if merged:  # the 'övriga' row: its merged categories
            out: list[str] = []
            for m in merged:
                out += list(mapping.get(m, (_label_text(m),)))
            return tuple(out)
        return (_label_text(label),)

    def figure(self, row: Hashable, col: Hashable, merged: Sequence[Hashable] = ()) -> Figure:
        """The figure a cell at (row, col) of the table with margins sums."""
        dims = dict(self.base)
        for dim, mapping, label in (
            (self.row_dim, self.row_map, row),
            (self.col_dim, self.col_map, col),
        ):
            values = self._values(mapping, label, merged if dim == self.row_dim else ())
            if values is None:
                values = tuple(v for vs in mapping.values() for v in vs)
            if dim == PERIOD and PERIOD in dims and values:
                values = tuple(dict.fromkeys(values))
            dims[dim] = values
        return self.rec.figure(dims)

    def forced_mask(self, values: pd.DataFrame, merged: Sequence[Hashable] = ()) -> np.ndarray:
        """True where the batch keeps this cell hidden."""
        forced = self.rec.ctx.forced
        mask = np.zeros(values.shape, dtype=bool)
        if not forced:
            return mask
        for i, r in enumerate(values.index):
            for j, c in enumerate(values.columns):
                mask[i, j] = self.figure(r, c, merged).key in forced
        return mask


def record_counts(ledger: Ledger, cells: CountCells, result, merge_label: str) -> None:
    """Every shown or hidden cell of a protected crosstab (margins included when shown)."""
    label = cells.rec.label
    ledger.drop_output(label)
    cells.rec.declare(ledger)
    if result.rung == "total":
        dims = dict(cells.base)
        dims[cells.row_dim] = tuple(v for vs in cells.row_map.values() for v in vs)
        dims[cells.col_dim] = tuple(v for vs in cells.col_map.values() for v in vs)
        v = result.values.iloc[0, 0]
        ledger.add(label, cells.rec.figure(dims), "count", v, target=True)
        return
    merged = tuple(result.merged_rows)
    hidden_cells = result.hidden.to_numpy(bool)
    columns = [result.values.iloc[:, j].to_numpy() for j in range(result.values.shape[1])]
    for i, r in enumerate(result.values.index):
        for j, c in enumerate(result.values.columns):
            hidden = bool(hidden_cells[i, j])
            value = None if hidden else columns[j][i]
            rows = merged if merged and _head(r) == merge_label else ()
            ledger.add(label, cells.figure(r, c, rows), "count", value, target=True)


# -- tidy frames ----------------------------------------------------------------------------


def frame_keys(frame: pd.DataFrame, measured: Sequence[str]) -> list[Hashable]:
    """Columns that identify a row (not values, counts or bookkeeping)."""
    skip = set(measured) | _SKIP_COLS
    return [c for c in frame.columns if c not in skip]


def split_column(
    frame: pd.DataFrame, keys: Sequence[Hashable], num: str, den: str, rec: Recorder
) -> Hashable | None:
    """A key whose categories split one denominator (a distribution), if any.

    Rows equal in every other key share the denominator and their numerators
    add up to it: the reader sees that too, so numerators are categories of
    one population and the denominator does not depend on that key.
    """
    for k in keys:
        dim, _ = rec.key_dim(k, frame[k].iloc[0]) if len(frame) else (None, None)
        if dim in (AREA, PERIOD):
            continue
        others = [o for o in keys if o != k]
        if frame[k].nunique(dropna=False) < 2:
            continue
        grouped = frame.groupby(others, dropna=False, sort=False, observed=True) if others else None
        dens = grouped[den].nunique(dropna=False) if grouped is not None else frame[den].nunique()
        if (np.asarray(dens) != 1).any():
            continue
        sums = grouped[num].sum() if grouped is not None else frame[num].sum()
        first = grouped[den].first() if grouped is not None else frame[den].iloc[0]
        if np.allclose(np.asarray(sums, dtype=float), np.asarray(first, dtype=float)):
            return k
    return None


class ShareCells:
    """Numerator, denominator and rest figures of each row of a share frame."""

    def __init__(self, rec: Recorder, frame: pd.DataFrame, num: str, den: str, measured) -> None:
        self.rec, self.num, self.den = rec, num, den
        self.keys = frame_keys(frame, measured)
        self.split = split_column(frame, self.keys, num, den, rec)
        self.split_values = (
            tuple(str(x) for x in dict.fromkeys(frame[self.split]))
            if self.split is not None
            else ()
        )

    def figures(self, row: Any) -> tuple[Figure, Figure, Figure]:
        """(numerator, denominator, rest) of one row."""
        keys = [k for k in self.keys if k != self.split]
        dims = self.rec.row_dims(row, keys)
        den = self.rec.figure(dims)
        if self.split is None:
            num = self.rec.figure({**dims, OUTCOME: (YES,)})
            rest = self.rec.figure({**dims, OUTCOME: (NO,)})
        else:
            mine = str(row[self.split])
            num = self.rec.figure({**dims, str(self.split): (mine,)})
            rest = self.rec.figure(
                {**dims, str(self.split): tuple(v for v in self.split_values if v != mine)}
            )
        return num, den, rest

    def forced(self, frame: pd.DataFrame) -> np.ndarray:
        """Rows the batch keeps hidden."""
        forced = self.rec.ctx.forced
        if not forced:
            return np.zeros(len(frame), dtype=bool)
        return np.array(
            [any(f.key in forced for f in self.figures(r)) for r in _rows(frame)], dtype=bool
        )

    def record(self, ledger: Ledger, result_frame: pd.DataFrame) -> None:
        """Shown rows reveal numerator and denominator; hidden rows are audit targets."""
        ledger.drop_output(self.rec.label)
        self.rec.declare(ledger)
        if self.split is None:
            ledger.declare(self.rec.measure, OUTCOME, (YES, NO))
        else:
            ledger.declare(self.rec.measure, str(self.split), self.split_values)
        label = self.rec.label
        for i, row in enumerate(_rows(result_frame)):
            num, den, rest = self.figures(row)
            if bool(row["suppressed"]):
                ledger.add(label, num, "numerator", None, target=True, row=i)
                ledger.add(label, rest, "rest", None, target=True, row=i)
                ledger.add(label, den, "denominator", None, row=i)
            else:
                ledger.add(label, num, "numerator", row[self.num], row=i)
                ledger.add(label, den, "denominator", row[self.den], row=i)


class CountRows:
    """One count figure per tidy row (rates' counts, statistics' n, series' periods)."""

    def __init__(self, rec: Recorder, frame: pd.DataFrame, count: str, measured) -> None:
        self.rec, self.count = rec, count
        self.keys = frame_keys(frame, measured)

    def figure(self, row: Any) -> Figure:  # a frame row (Series) or a mapping
        """The figure one row's count sums."""
        return self.rec.figure(self.rec.row_dims(row, self.keys))

    def forced(self, frame: pd.DataFrame) -> np.ndarray:
        """Rows the batch keeps hidden."""
        forced = self.rec.ctx.forced
        if not forced:
            return np.zeros(len(frame), dtype=bool)
        return np.array([self.figure(r).key in forced for r in _rows(frame)], dtype=bool)

    def record(self, ledger: Ledger, result_frame: pd.DataFrame, role: str, target: bool) -> None:
        """Record each row's count (hidden rows as targets when ``target``)."""
        ledger.drop_output(self.rec.label)
        self.rec.declare(ledger)
        for i, row in enumerate(_rows(result_frame)):
            hidden = bool(row["suppressed"])
            value = None if hidden else row[self.count]
            ledger.add(self.rec.label, self.figure(row), role, value, target=target, row=i)
