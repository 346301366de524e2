"""Staggered DiD (Callaway & Sant'Anna 2021) against the R ``did`` package on mpdta."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evaluation.methods import difference_in_differences, staggered_did

from .conftest import FIXTURES

SCENARIOS = {"never_treated": "mpdta_nev_dr", "not_yet_treated": "mpdta_nyt_dr"}


@pytest.fixture(scope="module")
def mpdta() -> pd.DataFrame:
    return pd.read_csv(FIXTURES / "mpdta" / "mpdta.csv")


@pytest.fixture(scope="module")
def ref_gt() -> pd.DataFrame:
    return pd.read_csv(FIXTURES / "mpdta" / "ref_attgt_r_did.csv")


@pytest.fixture(scope="module")
def ref_agg() -> pd.DataFrame:
    return pd.read_csv(FIXTURES / "mpdta" / "ref_aggte_r_did.csv")


@pytest.mark.parametrize("control", list(SCENARIOS))
def test_group_time_effects_equal_r_did(mpdta, ref_gt, control):
    res = staggered_did(
        mpdta,
        "lemp",
        "countyreal",
        "year",
        "first.treat",
        control_group=control,
        small_sample=False,
    )
    ref = ref_gt[ref_gt["scenario"] == SCENARIOS[control]]
    merged = res.group_time.merge(ref, left_on=["group", "time"], right_on=["group", "t"])
    assert len(merged) == len(ref) == len(res.group_time) == 12
    np.testing.assert_allclose(merged["estimate"], merged["att"], atol=1e-4)
    np.testing.assert_allclose(merged["se_x"], merged["se_y"], atol=1e-4)


@pytest.mark.parametrize("control", list(SCENARIOS))
def test_aggregations_equal_r_did(mpdta, ref_agg, control):
    res = staggered_did(
        mpdta,
        "lemp",
        "countyreal",
        "year",
        "first.treat",
        control_group=control,
        small_sample=False,
    )
    ref = ref_agg[ref_agg["scenario"] == SCENARIOS[control]]
    simple = ref[ref["type"] == "simple"].iloc[0]
    assert res.estimate == pytest.approx(simple["overall_att"], abs=1e-6)
    assert res.se == pytest.approx(simple["overall_se"], abs=1e-6)
    dyn = ref[ref["type"] == "dynamic"]
    merged = res.event_time.merge(dyn, left_on="event_time", right_on="egt")
    assert len(merged) == 7
    np.testing.assert_allclose(merged["estimate"], merged["att_egt"], atol=1e-6)
    np.testing.assert_allclose(merged["se"], merged["se_egt"], atol=1e-6)
    assert res.dynamic_estimate == pytest.approx(dyn["overall_att"].iloc[0], abs=1e-6)
    assert res.dynamic_se == pytest.approx(dyn["overall_se"].iloc[0], abs=1e-6)
    grp = ref[ref["type"] == "group"]
    np.testing.assert_allclose(res.by_group["estimate"], grp["att_egt"], atol=1e-6)
    np.testing.assert_allclose(res.by_group["se"], grp["se_egt"], atol=1e-6)


def test_published_simple_att_and_pretest(mpdta):
    res = staggered_did(mpdta, "lemp", "countyreal", "year", "first.treat", small_sample=False)
    assert res.estimate == pytest.approx(-0.0400, abs=5e-5)
    assert 0.010 < res.se < 0.013
    assert res.ci_low < res.estimate < res.ci_high < 0
    # R did: W = 7.7912, p = 0.16812 (ref_pretest.csv in csdid's parity tests).
    assert res.pretrend_statistic == pytest.approx(7.79124, abs=1e-4)
    assert res.pretrend_p_value == pytest.approx(0.16812, abs=1e-4)
    assert list(res.event_time.columns[:1]) == ["event_time"]
    assert {"ci_low", "ci_high"} <= set(res.event_time.columns)


def test_mapping_of_starts_equals_column(mpdta):
    starts = mpdta.loc[mpdta["first.treat"] > 0].groupby("countyreal")["first.treat"].first()
    a = staggered_did(mpdta, "lemp", "countyreal", "year", starts.to_dict())
    b = staggered_did(mpdta, "lemp", "countyreal", "year", "first.treat")
    assert a.estimate == pytest.approx(b.estimate, abs=1e-12)


def test_dates_map_to_the_period_that_holds_them(mpdta):
    df = mpdta.assign(date=pd.to_datetime(mpdta["year"].astype(str) + "-01-01"))
    starts = mpdta.loc[mpdta["first.treat"] > 0].groupby("countyreal")["first.treat"].first()
    as_dates = {u: f"{y}-03-01" for u, y in starts.items()}  # March: inside year y
    res = staggered_did(df, "lemp", "countyreal", "date", as_dates)
    assert res.estimate == pytest.approx(-0.03995, abs=1e-4)


def test_common_start_is_refused_when_data_say_otherwise(mpdta):
    df = mpdta.assign(
        on=((mpdta["first.treat"] > 0) & (mpdta["year"] >= mpdta["first.treat"])).astype(int)
    )
    treated = df.loc[df["first.treat"] > 0, "countyreal"].unique()
    # Forced to one start the plain DiD is badly biased (about −0.005 against −0.040) ...
    forced = difference_in_differences(df, "lemp", "countyreal", "year", treated, 2004)
    assert abs(forced.estimate) < 0.01
    # ... so it is refused as soon as the data or the starts say the units differ.
    with pytest.raises(ValueError, match="staggered_did"):
        difference_in_differences(df, "lemp", "countyreal", "year", treated, 2004, treatment="on")
    starts = df.loc[df["first.treat"] > 0].groupby("countyreal")["first.treat"].first()
    with pytest.raises(ValueError, match="staggered_did"):
        difference_in_differences(df, "lemp", "countyreal", "year", treated, starts.to_dict())


def test_castle_doctrine_runs_with_its_staggered_starts():
    castle = pd.read_csv(FIXTURES / "castle" / "castle.csv")
    res = staggered_did(castle, "l_homicide", "sid", "year", "effyear")
    assert res.n_treated == 21 and res.n_units == 50
    assert sorted(res.by_group["group"]) == [2006, 2007, 2008, 2009, 2010]
    # One cell by hand: cohort 2008 in 2009 against never-treated, base year 2007.
    wide = castle.pivot(index="sid", columns="year", values="l_homicide")
    eff = castle.groupby("sid")["effyear"].first()
    dy = wide[2009] - wide[2007]
    by_hand = dy[eff == 2008].mean() - dy[eff.isna()].mean()
    cell = res.group_time.query("group == 2008 and time == 2009")["estimate"].iloc[0]
    assert cell == pytest.approx(by_hand, abs=1e-12)
    assert np.isfinite(res.se) and res.se > 0
    assert res.ci_low < res.estimate < res.ci_high


def test_errors_name_the_parameter(mpdta):
    with pytest.raises(ValueError, match="control_group"):
        staggered_did(mpdta, "lemp", "countyreal", "year", "first.treat", control_group="x")
    with pytest.raises(ValueError, match="starts"):
        staggered_did(mpdta, "lemp", "countyreal", "year", {})
    with pytest.raises(ValueError, match="starts"):
        staggered_did(mpdta, "lemp", "countyreal", "year", {999999: 2004})


def test_small_sample_correction_is_small_with_large_cohorts(mpdta):
    exact = staggered_did(mpdta, "lemp", "countyreal", "year", "first.treat", small_sample=False)
    hc2 = staggered_did(mpdta, "lemp", "countyreal", "year", "first.treat")
    assert hc2.estimate == exact.estimate
    assert exact.se < hc2.se < 1.02 * exact.se  # cohorts of 20 to 300 counties: about 1 %


def test_default_pretest_holds_its_level_with_a_few_areas_per_cohort():
    """No pre-trend in the simulation: the default pre-test rejects rarely (Wald: always)."""
    from evaluation.methods.simulate import simulate_referral_panel

    starts = {f"A{i + 1:02d}": s for i, s in enumerate(["2021-03-01"] * 4 + ["2022-09-01"] * 4)}
    rejected = []
    for seed in range(20):
        df = simulate_referral_panel(n_areas=20, rate_ratio=1.0, starts=starts, seed=seed)
        df["half"] = df["month"].dt.to_period("6M").dt.start_time
        half = df.groupby(["area", "half"], as_index=False)["rate_per_1000"].mean()
        res = staggered_did(half, "rate_per_1000", "area", "half", starts)
        rejected.append(res.pretrend_p_value < 0.05)
    assert sum(rejected) <= 3
