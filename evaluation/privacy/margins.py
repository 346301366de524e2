"""Shape of a crosstab with margins: validation, totals, lines, merging rows.

A *line* is one additive relation a reader can use: the members of a row (or
column) of the table with margins add up to that row's (or column's) total.
Suppression works line by line; the independent audit in ``audit.py`` builds
its own relations from the labels and does not use this module.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype

from evaluation.exceptions import PrivacyError
from evaluation.privacy.symbols import TOTAL

Pos = tuple[int, int]


@dataclass(frozen=True)
class Line:
    """Cells ``members`` add up to the cell ``total``."""

    members: tuple[Pos, ...]
    total: Pos

    @property
    def cells(self) -> tuple[Pos, ...]:
        """Positions of every cell, inner cells and totals alike."""
        return (*self.members, self.total)


@dataclass(frozen=True)
class Layout:
    """An ``n`` × ``m`` inner table plus its margins.

    A totals column is added when there is more than one column, a totals row
    when there is more than one row; with both, the corner is the grand total.
    """

    n: int
    m: int

    @property
    def has_total_col(self) -> bool:
        """Whether the last column is a row total."""
        return self.m > 1

    @property
    def has_total_row(self) -> bool:
        """Whether the last row is a column total."""
        return self.n > 1

    @property
    def shape(self) -> tuple[int, int]:
        """Rows and columns of the table including margins."""
        return self.n + self.has_total_row, self.m + self.has_total_col

    def is_total(self, pos: Pos) -> bool:
        """Whether a position is a margin (total) cell."""
        return (self.has_total_row and pos[0] == self.n) or (
            self.has_total_col and pos[1] == self.m
        )

    def inner_mask(self) -> np.ndarray:
        """Boolean mask of the inner (non-total) cells."""
        mask = np.zeros(self.shape, dtype=bool)
        mask[: self.n, : self.m] = True
        return mask

    @cached_property
    def lines(self) -> tuple[Line, ...]:
        """Every row and column that sums to a published total."""
        rows, cols = self.shape
        out = []
        if self.has_total_col:
            out += [Line(tuple((r, c) for c in range(self.m)), (r, self.m)) for r in range(rows)]
        if self.has_total_row:
            out += [Line(tuple((r, c) for r in range(self.n)), (self.n, c)) for c in range(cols)]
        return tuple(out)

    @cached_property
    def lines_through(self) -> dict[Pos, tuple[int, ...]]:
        """Indices (into ``lines``) of the lines each cell belongs to."""
        through: dict[Pos, list[int]] = {}
        for i, line in enumerate(self.lines):
            for pos in line.cells:
                through.setdefault(pos, []).append(i)
        return {pos: tuple(ix) for pos, ix in through.items()}


def label_for(index: pd.Index, name: str) -> Hashable:
    """A label ``name`` that fits ``index`` (a tuple padded with "" for a MultiIndex)."""
    if isinstance(index, pd.MultiIndex):
        return (name,) + ("",) * (index.nlevels - 1)
    return name


def _head(label: Hashable) -> Hashable:
    return label[0] if isinstance(label, tuple) and label else label


def append_label(index: pd.Index, label: Hashable) -> pd.Index:
    """Index with one more label appended (a total or an 'övriga' row)."""
    if isinstance(index, pd.MultiIndex):
        assert isinstance(label, tuple)  # a MultiIndex label is a tuple (see total_label)
        return index.append(pd.MultiIndex.from_tuples([label], names=index.names))
    return pd.Index([*index.tolist(), label], name=index.name)


def validate_counts(table: pd.DataFrame, label: str) -> pd.DataFrame:
    """The crosstab as int64, or PrivacyError naming what is wrong with it."""
    if not isinstance(table, pd.DataFrame):
        raise PrivacyError(f"{label}: väntade en DataFrame med antal, fick {type(table).__name__}")
    if table.shape[0] == 0 or table.shape[1] == 0:
        raise PrivacyError(f"{label}: tabellen med antal är tom")
    for axis, index in (("row", table.index), ("column", table.columns)):
        if not index.is_unique:
            raise PrivacyError(f"{label}: etiketterna för {axis} måste vara unika")
        if any(_head(x) == TOTAL for x in index):
            raise PrivacyError(
                f"{label}: tabellen har redan en {TOTAL!r} ({axis}); "
                "ange antalen utan summor, de läggs till här"
            )
    bad = [c for c, dt in table.dtypes.items() if is_bool_dtype(dt) or not is_numeric_dtype(dt)]
    if bad:
        raise PrivacyError(f"{label}: kolumnen {bad[0]!r} innehåller inte antal (tal)")
    arr = table.to_numpy(dtype=float, na_value=np.nan)
    if np.isnan(arr).any():
        raise PrivacyError(
            f"{label}: tabellen med antal har tomma värden; fyll i 0 där det inte fanns några fall"
        )
    if (arr < 0).any() or (arr != np.round(arr)).any():
        raise PrivacyError(f"{label}: antal ska vara heltal som inte är negativa")
    return pd.DataFrame(arr.astype(np.int64), index=table.index, columns=table.columns)


def with_margins(table: pd.DataFrame) -> tuple[pd.DataFrame, Layout]:
    """The table with totals (float), and its layout."""
    layout = Layout(*table.shape)
    arr = table.to_numpy(dtype=float)
    index, columns = table.index, table.columns
    if layout.has_total_col:
        arr = np.column_stack([arr, arr.sum(axis=1)])
        columns = append_label(columns, label_for(columns, TOTAL))
    if layout.has_total_row:
        arr = np.vstack([arr, arr.sum(axis=0)])
        index = append_label(index, label_for(index, TOTAL))
    return pd.DataFrame(arr, index=index, columns=columns), layout


def merge_rows(table: pd.DataFrame, rows: Sequence[Hashable], merge_label: str) -> pd.DataFrame:
    """Rows ``rows`` summed into one row ``merge_label``, placed last."""
    target = label_for(table.index, merge_label)
    keep = [r for r in table.index if r not in set(rows) and r != target]
    merged = table.loc[[r for r in table.index if r not in keep]].sum(axis=0)
    out = table.loc[keep]
    index = append_label(out.index, target)
    arr = np.vstack([out.to_numpy(), merged.to_numpy()[None, :]])
    return pd.DataFrame(arr, index=index, columns=table.columns)
