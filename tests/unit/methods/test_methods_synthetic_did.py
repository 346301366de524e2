"""Synthetic DiD (Arkhangelsky et al. 2021) on Proposition 99, and its special cases."""

from __future__ import annotations

import numpy as np
import pytest

from evaluation.methods import synthetic_did
from evaluation.methods.simulate import simulate_referral_panel


@pytest.fixture(scope="module")
def sdid(prop99_long):
    return synthetic_did(prop99_long, "cigsale", "state", "Year", "California", 1989)


def test_prop99_matches_the_paper(sdid):
    # Arkhangelsky et al. (2021), Table 1 / synthdid R package: −15.6 (placebo SE 8.4).
    assert sdid.estimate == pytest.approx(-15.604, abs=0.01)
    assert sdid.se == pytest.approx(8.4, abs=0.6)
    assert sdid.se_method == "placebo"
    assert sdid.ci_low < sdid.estimate < sdid.ci_high
    w = sdid.unit_weights
    assert w.min() >= 0 and w.sum() == pytest.approx(1)
    assert sdid.time_weights.sum() == pytest.approx(1)
    # Time weights sit on the last pre-years, as in the paper's figure.
    assert sdid.time_weights.loc[1986:1988].sum() > 0.95
    assert w.idxmax() in {"Nevada", "New Hampshire"}


@pytest.mark.parametrize(("estimator", "expected"), [("sc", -19.62), ("did", -27.35)])
def test_sc_and_did_are_special_cases(prop99_long, estimator, expected):
    res = synthetic_did(
        prop99_long,
        "cigsale",
        "state",
        "Year",
        "California",
        1989,
        estimator=estimator,
        replications=20,
    )
    assert res.estimate == pytest.approx(expected, abs=0.01)
    if estimator == "did":
        assert np.allclose(res.unit_weights, 1 / 38) and np.allclose(res.time_weights, 1 / 19)
    else:
        assert (res.time_weights == 0).all()


def test_estimate_equals_weighted_double_difference(sdid, prop99_long):
    wide = prop99_long.pivot(index="state", columns="Year", values="cigsale")
    w, lam = sdid.unit_weights, sdid.time_weights
    post = [c for c in wide.columns if c >= 1989]
    treated = wide.loc["California"]
    synth = w @ wide.loc[w.index]
    by_hand = (treated[post].mean() - synth[post].mean()) - (
        lam @ treated[lam.index] - lam @ synth[lam.index]
    )
    assert sdid.estimate == pytest.approx(by_hand, abs=1e-9)


def test_jackknife_with_several_treated_units():
    df = simulate_referral_panel(n_areas=16, rate_ratio=0.8, seed=3)
    df["half"] = df["month"].dt.to_period("Q").dt.start_time
    agg = df.groupby(["area", "half"], as_index=False)[["referrals", "children"]].sum()
    agg["rate"] = 1000 * agg["referrals"] / agg["children"]
    res = synthetic_did(agg, "rate", "area", "half", ["A01", "A02", "A03"], "2022-10-01")
    assert res.se_method == "jackknife" and np.isfinite(res.se) and res.se > 0
    assert res.n_treated == 3 and res.n_controls == 13


def test_outside_donor_range_still_matched_in_trend(prop99_long):
    # Lift California far above every donor: SDID's intercept absorbs the level.
    lifted = prop99_long.assign(
        cigsale=np.where(
            prop99_long["state"] == "California",
            prop99_long["cigsale"] + 500,
            prop99_long["cigsale"],
        )
    )
    res = synthetic_did(lifted, "cigsale", "state", "Year", "California", 1989, replications=10)
    assert res.estimate == pytest.approx(-15.604, abs=0.01)


def test_errors_name_the_parameter(prop99_long):
    with pytest.raises(ValueError, match="treated_units"):
        synthetic_did(prop99_long, "cigsale", "state", "Year", "Atlantis", 1989)
    with pytest.raises(ValueError, match="estimator"):
        synthetic_did(prop99_long, "cigsale", "state", "Year", "California", 1989, estimator="x")
    with pytest.raises(ValueError, match="donors"):
        synthetic_did(
            prop99_long, "cigsale", "state", "Year", "California", 1989, donors=["Nevada"]
        )


def test_interval_and_p_value_use_t_with_placebo_degrees_of_freedom(sdid):
    # Placebo SE from 38 comparison states: t with 37 degrees of freedom, not the normal.
    from scipy import stats

    half = (sdid.ci_high - sdid.ci_low) / 2
    assert half == pytest.approx(stats.t.ppf(0.975, 37) * sdid.se, rel=1e-12)
    assert half > stats.norm.ppf(0.975) * sdid.se
    assert sdid.p_value == pytest.approx(2 * stats.t.sf(abs(sdid.estimate / sdid.se), 37))
    assert "37 frihetsgrader" in sdid.inference


def test_jackknife_interval_uses_t_with_units_minus_one():
    from scipy import stats

    df = simulate_referral_panel(n_areas=10, rate_ratio=0.8, seed=5)
    df["q"] = df["month"].dt.to_period("Q").dt.start_time
    agg = df.groupby(["area", "q"], as_index=False)[["referrals", "children"]].sum()
    agg["rate"] = 1000 * agg["referrals"] / agg["children"]
    res = synthetic_did(agg, "rate", "area", "q", ["A01", "A02"], "2022-10-01")
    half = (res.ci_high - res.ci_low) / 2
    assert res.se_method == "jackknife"
    assert half == pytest.approx(stats.t.ppf(0.975, 9) * res.se, rel=1e-12)
