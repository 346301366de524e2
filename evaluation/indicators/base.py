"""Shared steps of the indicator functions: window, group, label periods, complete grids."""

from __future__ import annotations

import pandas as pd

from evaluation.indicators.groups import Group, assign_groups
from evaluation.indicators.periods import Freq, period_frame, period_label


def in_window(frame: pd.DataFrame, date_col: str, start, end) -> pd.DataFrame:
    """Rows whose ``date_col`` lies within [start, end]."""
    d = frame[date_col]
    return frame[(d >= pd.Timestamp(start)) & (d <= pd.Timestamp(end))]


def grouped_periods(
    frame: pd.DataFrame, groups: list[Group], date_col: str, freq: Freq, start, end
) -> pd.DataFrame:
    """Window the rows, stack them per group and label each with its period."""
    rows = assign_groups(in_window(frame, date_col, start, end), groups)
    rows["period"] = period_label(rows[date_col], freq)
    return rows


def grid(
    groups: list[Group], start, end, freq: Freq, extra: dict[str, list] | None = None
) -> pd.DataFrame:
    """Every group × period (× extra categories) combination, so zeros are explicit."""
    periods = period_frame(pd.Timestamp(start), pd.Timestamp(end), freq)
    frame = pd.DataFrame(
        {
            "group": pd.Categorical(
                [g.label for g in groups], categories=[g.label for g in groups], ordered=True
            )
        }
    )
    frame = frame.merge(periods[["period", "period_start"]], how="cross")
    for name, values in (extra or {}).items():
        frame = frame.merge(pd.DataFrame({name: values}), how="cross")
    return frame


def count_by(rows: pd.DataFrame, keys: list[str], complete: pd.DataFrame) -> pd.DataFrame:
    """Row counts per ``keys``, with zeros for combinations in ``complete``."""
    counts = rows.groupby(keys, observed=True).size().rename("count").reset_index()
    out = complete.merge(counts, on=keys, how="left")
    out["count"] = out["count"].fillna(0).astype(int)
    return out


def category_by_period(
    rows: pd.DataFrame, date_col: str, by: str, freq: Freq, labels: dict[str, str]
) -> pd.DataFrame:
    """Crosstab of rows: periods × ``by`` categories in code order, Swedish column labels."""
    rows = rows.assign(period=period_label(rows[date_col], freq))
    table = pd.crosstab(rows["period"], rows[by])
    table = table.reindex(columns=[c for c in labels if c in table.columns], fill_value=0)
    table.columns = [labels[c] for c in table.columns]
    table.index.name = None
    table.columns.name = None
    return table
