"""Area and group work (activities): the evaluation's process variables."""

from __future__ import annotations

import pandas as pd

from evaluation.indicators.base import category_by_period, in_window
from evaluation.indicators.periods import Freq
from evaluation.metadata import codes


def activity_crosstab(
    activities: pd.DataFrame, codes_: tuple[str, ...], by: str, start, end, freq: Freq
) -> pd.DataFrame:
    """Activities in the areas: rows = periods, columns = type, level or partner (Swedish)."""
    labels = {
        "activity_type": codes.ACTIVITY_TYPE,
        "level": codes.LEVEL,
        "partners": codes.PARTNER,
    }[by]
    rows = in_window(activities[activities["area_code"].isin(codes_)], "date", start, end)
    if by == "partners":
        rows = rows.assign(partners=rows["partners"].str.split(";")).explode("partners")
        rows = rows[rows["partners"].notna()]
    return category_by_period(rows, "date", by, freq, labels)
