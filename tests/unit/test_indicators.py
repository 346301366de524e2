"""Indicator functions on tiny inline frames with hand-computed answers."""

from __future__ import annotations

import pandas as pd
import pytest

from evaluation.indicators import casework as cw
from evaluation.indicators import interventions as iv
from evaluation.indicators import referrals as rf
from evaluation.indicators.groups import Group
from evaluation.indicators.periods import period_frame, period_label
from evaluation.indicators.population import exposure

G = [Group("A", ("a",), "evaluated"), Group("Kommunen", ("a", "b"), "municipality")]
STATS = pd.DataFrame(
    {
        "area_code": ["a", "b", "a", "b"],
        "year": [2023, 2023, 2024, 2024],
        "indicator": "population_0_17",
        "value": [1000.0, 3000.0, 1200.0, 3000.0],
    }
)


def test_period_labels():
    d = pd.Series(pd.to_datetime(["2024-01-31", "2024-07-01", "2024-12-31"]))
    assert list(period_label(d, "term")) == ["2024H1", "2024H2", "2024H2"]
    assert list(period_label(d, "quarter")) == ["2024K1", "2024K3", "2024K4"]
    assert list(period_label(d, "month")) == ["2024-01", "2024-07", "2024-12"]


def test_exposure_is_person_years_by_calendar_year():
    e = exposure(STATS, G, "2023-07-01", "2024-06-30", "year")
    a = e[e["group"] == "A"].set_index("period")["person_years"]
    assert a["2023"] == pytest.approx(1000 * 184 / 365.25)
    assert a["2024"] == pytest.approx(1200 * 182 / 365.25)


def test_referral_rate_per_1000_children_and_year():
    refs = pd.DataFrame(
        {
            "received_date": pd.to_datetime(["2024-01-10"] * 6 + ["2024-02-01"]),
            "area_code": ["a"] * 6 + ["b"],
            "reporter_category": ["public"] * 6 + ["school"],
        }
    )
    out = rf.referral_rates(refs, STATS, G, "2024-01-01", "2024-12-31", "year")
    a = out[out["group"] == "A"].iloc[0]
    assert a["numerator"] == 6
    assert a["value"] == pytest.approx(6 / (1200 * 366 / 365.25) * 1000)
    assert a["ci_low"] < a["value"] < a["ci_high"]
    kommun = out[out["group"] == "Kommunen"].iloc[0]
    assert kommun["numerator"] == 7


def test_reporter_mix_shares_sum_to_one_and_keep_zeros():
    refs = pd.DataFrame(
        {
            "received_date": pd.to_datetime(["2024-03-01"] * 4),
            "area_code": ["a"] * 4,
            "reporter_category": ["public", "public", "school", "self"],
        }
    )
    out = rf.reporter_mix(
        refs, G[:1], "2024-01-01", "2024-12-31", "year", classes=rf.REPORTER_CLASS
    )
    assert out["value"].sum() == pytest.approx(1.0)
    assert out.set_index("reporter_category").loc["Allmänhet", "numerator"] == 2
    assert out.set_index("reporter_category").loc["Polis", "numerator"] == 0


def test_assessment_timeliness_counts_open_cases_past_the_limit():
    a = pd.DataFrame(
        {
            "area_code": ["a"] * 4,
            "start_date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-01", "2024-06-25"]),
            "decision_date": pd.to_datetime(["2024-01-10", "2024-01-30", None, None]),
            "joint_with_provider": pd.array([True, False, None, True], dtype="boolean"),
        }
    )
    out = cw.assessments_within_limit(
        a, G[:1], "2024-01-01", "2024-06-30", "term", data_end="2024-06-30"
    )
    row = out.iloc[0]
    # decided in 9 days (yes), 29 days (no), open 181 days (no); open 5 days not yet judged
    assert (row["numerator"], row["denominator"]) == (1, 3)
    joint = cw.joint_assessment_share(a, G[:1], "2024-01-01", "2024-06-30", "term").iloc[0]
    assert (joint["numerator"], joint["denominator"]) == (2, 3)  # unknown left out


def test_unexecuted_decisions_within_three_months():
    i = pd.DataFrame(
        {
            "area_code": ["a"] * 4,
            "basis": ["decision"] * 3 + ["service"],
            "decision_date": pd.to_datetime(
                ["2024-01-01", "2024-01-01", "2024-01-01", "2024-01-01"]
            ),
            "start_date": pd.to_datetime(["2024-02-01", "2024-05-01", None, None]),
        }
    )
    out = iv.unexecuted_decisions(
        i, G[:1], "2024-01-01", "2024-12-31", "year", data_end="2024-12-31"
    ).iloc[0]
    assert (out["numerator"], out["denominator"]) == (2, 3)


def test_period_frame_covers_partial_periods():
    f = period_frame(pd.Timestamp("2025-01-01"), pd.Timestamp("2025-06-30"), "year")
    assert list(f["period"]) == ["2025"] and f["years"].iloc[0] == pytest.approx(181 / 365.25)
