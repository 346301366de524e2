"""Population denominators (person-years) from area statistics."""

from __future__ import annotations

import numpy as np
import pandas as pd

from evaluation.exceptions import DataError
from evaluation.indicators.groups import Group
from evaluation.indicators.periods import Freq, period_frame, period_label


def population_by_year(
    area_statistics: pd.DataFrame, indicator: str = "population_0_17"
) -> pd.DataFrame:
    """Area × year population for ``indicator``; later years without data carry the last value."""
    rows = area_statistics[area_statistics["indicator"] == indicator]
    if rows.empty:
        raise DataError(
            f"indikatorn '{indicator}' saknar rader men behövs som nämnare",
            file="area_statistics.csv",
            column="indicator",
            expected=indicator,
        )
    return rows[["area_code", "year", "value"]].rename(columns={"value": "population"})


def exposure(
    area_statistics: pd.DataFrame,
    groups: list[Group],
    start,
    end,
    freq: Freq,
    indicator: str = "population_0_17",
) -> pd.DataFrame:
    """Person-years per group and period: each month weighs its year's population by 1/12.

    A year without data takes the last earlier year's population (months before a
    group's first year take its first year's). All groups in one pass: the sums run
    in the same row order as a per-group loop, so the figures are the same to the bit.
    """
    pop = population_by_year(area_statistics, indicator)
    months = period_frame(pd.Timestamp(start), pd.Timestamp(end), "month")
    month_year = months["period_start"].dt.year.to_numpy()
    bucket = period_label(months["period_start"], freq)
    last_year = int(month_year.max())
    # Each group's yearly population: its areas' rows in the table's order, summed per year.
    member = pd.DataFrame(
        [(i, code) for i, g in enumerate(groups) for code in dict.fromkeys(g.codes)],
        columns=["_group", "area_code"],
    )
    rows = pop.reset_index(drop=True).rename_axis("_row").reset_index()
    rows = rows.merge(member.astype({"area_code": rows["area_code"].dtype}), on="area_code")
    rows = rows.sort_values(["_group", "_row"], kind="stable")
    by_year = rows.groupby(["_group", "year"], sort=True)["population"].sum()
    out, labels, person_years = [], [], []
    for i, yearly in by_year.groupby(level="_group", sort=True):
        years = yearly.index.get_level_values("year").to_numpy()
        values = yearly.to_numpy(dtype=float)
        if years.min() > last_year:  # no month in a year with data: 0 person-years
            # (0, not NaN: a NaN in the column sends pandas' group sum down another
            # summation path, and the other groups' sums would change in the last bit)
            population = np.zeros(len(month_year))
        else:  # the latest year at or before each month's, else the first year's
            at = np.searchsorted(years, month_year, side="right") - 1
            population = values[np.maximum(at, 0)]
        out.append(i)
        labels.append(np.full(len(month_year), i))
        person_years.append(population * months["years"].to_numpy())
    if not out:
        raise ValueError("No objects to concatenate")
    n = len(out)
    frame = pd.DataFrame(
        {
            "_group": np.concatenate(labels),
            "period": pd.concat([bucket] * n, ignore_index=True),
            "person_years": np.concatenate(person_years),
        }
    )
    agg = frame.groupby(["_group", "period"], sort=True)["person_years"].sum().reset_index()
    agg["group"] = [groups[i].label for i in agg["_group"]]
    return agg.drop(columns="_group")
