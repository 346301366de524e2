"""Person-years from area statistics: the one-pass computation against a plain per-group loop."""

from __future__ import annotations

import pandas as pd
import pytest

from evaluation.indicators.groups import Group
from evaluation.indicators.periods import period_frame, period_label
from evaluation.indicators.population import exposure


def _per_group(stats: pd.DataFrame, groups, start, end, freq) -> pd.DataFrame:
    """The definition, one group at a time (months weigh their year's population)."""
    pop = stats[stats["indicator"] == "population_0_17"]
    months = period_frame(pd.Timestamp(start), pd.Timestamp(end), "month")
    months["year"] = months["period_start"].dt.year
    months["bucket"] = period_label(months["period_start"], freq)
    out = []
    for g in groups:
        by_year = pop[pop["area_code"].isin(g.codes)].groupby("year")["value"].sum().sort_index()
        if by_year.empty:
            continue
        years = by_year.reindex(range(int(by_year.index.min()), int(months["year"].max()) + 1))
        years = years.ffill().bfill()
        m = months.assign(population=months["year"].map(years).bfill())
        m["person_years"] = m["population"] * m["years"]
        agg = m.groupby("bucket", sort=True)["person_years"].sum().reset_index()
        agg["group"] = g.label
        out.append(agg.rename(columns={"bucket": "period"}))
    return pd.concat(out, ignore_index=True)


@pytest.fixture
def stats() -> pd.DataFrame:
    rows = [  # area B has no 2021 (carried from 2020); C starts in 2022
        ("A", 2020, 100.0),
        ("A", 2021, 110.0),
        ("A", 2022, 121.0),
        ("B", 2020, 50.0),
        ("B", 2022, 70.0),
        ("C", 2022, 9.0),
        ("C", 2023, 11.0),
    ]
    frame = pd.DataFrame(rows, columns=["area_code", "year", "value"])
    frame["indicator"] = "population_0_17"
    other = frame.assign(indicator="population_total", value=frame["value"] * 7)
    return pd.concat([frame, other], ignore_index=True)


@pytest.mark.parametrize("freq", ["month", "quarter", "term", "year"])
@pytest.mark.parametrize(
    "window",
    [("2020-01-01", "2023-06-15"), ("2019-07-01", "2021-02-01"), ("2017-01-01", "2018-12-31")],
)
def test_exposure_matches_the_per_group_definition(stats, freq, window):
    groups = [
        Group("A", ("A",), "evaluated"),
        Group("B", ("B",), "comparison"),
        Group("C", ("C",), "comparison"),
        Group("A och B", ("A", "B", "A"), "comparison_total"),  # a code named twice counts once
        Group("Ingen", ("X",), "comparison"),  # no rows: left out
    ]
    got = exposure(stats, groups, *window, freq)
    want = _per_group(stats, groups, *window, freq)
    pd.testing.assert_frame_equal(got, want, check_exact=True)


def test_exposure_weighs_months_by_their_year(stats):
    got = exposure(stats, [Group("B", ("B",), "comparison")], "2021-01-01", "2021-12-31", "year")
    assert got["person_years"].iloc[0] == pytest.approx(50.0 * 365 / 365.25)  # 2021 from 2020
