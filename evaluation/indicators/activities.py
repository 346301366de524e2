"""Area and group work (activities): the evaluation's process variables."""

from __future__ import annotations

import pandas as pd

from evaluation import codes
from evaluation.indicators.base import in_window
from evaluation.indicators.periods import Freq, period_label


def activity_crosstab(activities: pd.DataFrame, codes_: tuple[str, ...], by: str, start, end,
                      freq: Freq) -> pd.DataFrame:
    """Activities in the areas: rows = periods, columns = type, level or partner (Swedish)."""
    labels = {"activity_type": codes.ACTIVITY_TYPE, "level": codes.LEVEL,
              "partners": codes.PARTNER}[by]
    rows = in_window(activities[activities["area_code"].isin(codes_)], "date", start, end)
    rows = rows.assign(period=period_label(rows["date"], freq))
    if by == "partners":
        rows = rows.assign(partners=rows["partners"].str.split(";")).explode("partners")
        rows = rows[rows["partners"].notna()]
    table = pd.crosstab(rows["period"], rows[by])
    table = table.reindex(columns=[c for c in labels if c in table.columns], fill_value=0)
    table.columns = [labels[c] for c in table.columns]
    table.index.name = None
    table.columns.name = None
    return table
