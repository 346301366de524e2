"""Protector.series (docs/privacy.md R5)."""

import pandas as pd
import pytest

from evaluation.exceptions import PrivacyError
from evaluation.privacy import Protector


def _monthly(counts, start="2024-01", **cols):
    months = pd.period_range(start, periods=len(counts), freq="M").astype(str)
    return pd.DataFrame({**cols, "month": months, "n": counts})


def test_all_months_pass_stay_monthly():
    result = Protector().series(_monthly([5, 6, 0, 9, 12, 7]), label="t", time="month", count="n")
    assert result.grain == "month"
    assert result.frame["month"].tolist()[:2] == ["2024-01", "2024-02"]
    assert result.n_hidden == 0


def test_one_small_month_gives_quarters():
    result = Protector().series(_monthly([5, 6, 3, 9, 12, 7]), label="t", time="month", count="n")
    assert result.grain == "quarter"
    assert result.frame["month"].tolist() == ["2024K1", "2024K2"]
    assert result.frame["n"].tolist() == [14, 28]
    assert result.frame["period_start"].iloc[1] == pd.Timestamp("2024-04-01")


@pytest.mark.parametrize(
    "counts, grain, labels",
    [
        pytest.param([1, 0, 2, 1, 0, 1, 2, 1, 0, 2, 0, 1], "term", ["2024H1", "2024H2"], id="term"),
        pytest.param([1, 0, 0, 1, 0, 0, 1, 1, 0, 2, 0, 0], "year", ["2024"], id="year"),
    ],
)
def test_coarser_grains(counts, grain, labels):
    result = Protector().series(_monthly(counts), label="t", time="month", count="n")
    assert result.grain == grain and result.frame["month"].tolist() == labels


def test_one_grain_for_all_groups():
    frame = pd.concat(
        [_monthly([5, 6, 3, 9, 12, 7], area="a"), _monthly([50, 60, 30, 90, 120, 70], area="b")]
    )
    result = Protector().series(frame, label="t", time="month", count="n", group_cols=["area"])
    assert result.grain == "quarter" and len(result.frame) == 4


def test_small_year_is_hidden_with_a_partner():
    # even yearly, 2024 has 3: hidden, and 2025 goes with it (the series' total is known)
    frame = _monthly([1, 0, 2] + [0] * 9 + [2, 5, 4] + [1] * 9)
    result = Protector().series(frame, label="t", time="month", count="n", grains=("month", "year"))
    assert result.grain == "year"
    assert result.frame["suppressed"].tolist() == [True, True]
    assert result.withheld


def test_dates_are_accepted():
    frame = pd.DataFrame(
        {"date": pd.to_datetime(["2024-01-03", "2024-01-20", "2024-02-01"]), "n": [3, 4, 9]}
    )
    result = Protector().series(frame, label="t", time="date", count="n")
    assert result.grain == "month" and result.frame["n"].tolist() == [7, 9]


def test_bad_grain_is_refused():
    with pytest.raises(PrivacyError):
        Protector().series(_monthly([5]), label="t", time="month", count="n", grains=("week",))
