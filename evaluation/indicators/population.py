"""Population denominators (person-years) from area statistics."""

from __future__ import annotations

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
    """Person-years per group and period: each month weighs its year's population by 1/12."""
    pop = population_by_year(area_statistics, indicator)
    months = period_frame(pd.Timestamp(start), pd.Timestamp(end), "month")
    months["year"] = months["period_start"].dt.year
    months["bucket"] = period_label(months["period_start"], freq)
    out = []
    for g in groups:
        by_year = (
            pop[pop["area_code"].isin(g.codes)].groupby("year")["population"].sum().sort_index()
        )
        if by_year.empty:
            continue
        years = pd.Series(
            by_year.reindex(range(int(by_year.index.min()), int(months["year"].max()) + 1))
            .ffill()
            .bfill()
        )
        m = months.assign(population=months["year"].map(years).bfill())
        m["person_years"] = m["population"] * m["years"]
        agg = m.groupby("bucket", sort=True)["person_years"].sum().reset_index()
        agg["group"] = g.label
        out.append(agg.rename(columns={"bucket": "period"}))
    return pd.concat(out, ignore_index=True)
