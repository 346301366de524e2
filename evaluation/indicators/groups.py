"""Comparison groups: the evaluated area, comparison areas and the municipality."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Group:
    """A named set of area codes that is reported as one unit."""

    label: str
    codes: tuple[str, ...]
    role: str  # "evaluated", "comparison", "comparison_total", "municipality"


def assign_groups(
    frame: pd.DataFrame, groups: list[Group], area_col: str = "area_code"
) -> pd.DataFrame:
    """Stack one copy of the rows per group they belong to, with a ``group`` column.

    A row can belong to several groups (an area and the municipality it lies in).
    """
    parts = []
    for g in groups:
        part = frame[frame[area_col].isin(g.codes)].copy()
        part["group"] = g.label
        parts.append(part)
    out = pd.concat(parts, ignore_index=True) if parts else frame.iloc[0:0].assign(group="")
    order = [g.label for g in groups]
    out["group"] = pd.Categorical(out["group"], categories=order, ordered=True)
    return out
