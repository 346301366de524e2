"""Interrupted time series: Bernal, Cummins & Gasparrini (2017) and statsmodels agreement."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from evaluation.methods import interrupted_time_series


def test_reproduces_bernal_quasipoisson_with_fourier(sicily):
    r = interrupted_time_series(
        sicily,
        37,
        outcome="aces",
        time="time",
        offset="stdpop",
        seasonality="fourier",
        harmonics=2,
        family="quasipoisson",
        slope_change=False,
    )
    assert round(r.estimate, 3) == 0.885
    assert round(r.ci_low, 3) == 0.839
    assert round(r.ci_high, 3) == 0.933
    assert r.scale == "rate_ratio" and r.p_value < 0.001


def test_reproduces_bernal_plain_poisson(sicily):
    r = interrupted_time_series(
        sicily,
        37,
        outcome="aces",
        time="time",
        offset="stdpop",
        seasonality=None,
        family="poisson",
        slope_change=False,
    )
    assert round(r.estimate, 3) == 0.894
    assert any("kvasi-Poisson" in w for w in r.warnings)


@pytest.mark.parametrize("se", ["model", "hac"])
def test_matches_statsmodels_directly(sicily, se):
    t = sicily["time"].to_numpy(float)
    X = pd.DataFrame(
        {"const": 1.0, "trend": t - 37, "level": (t >= 37) * 1.0, "slope": (t >= 37) * (t - 37)}
    )
    for k in (1, 2):
        X[f"c{k}"], X[f"s{k}"] = np.cos(2 * np.pi * k * t / 12), np.sin(2 * np.pi * k * t / 12)
    kw = {"cov_type": "HAC", "cov_kwds": {"maxlags": 3}} if se == "hac" else {}
    direct = sm.GLM(
        sicily["aces"], X, family=sm.families.Poisson(), offset=np.log(sicily["stdpop"])
    ).fit(scale="X2", **kw)
    r = interrupted_time_series(
        sicily, 37, outcome="aces", time="time", offset="stdpop", se=se, maxlags=3
    )
    assert np.log(r.estimate) == pytest.approx(direct.params["level"], abs=1e-6)
    assert np.log(r.slope_change) == pytest.approx(direct.params["slope"], abs=1e-6)
    ours_se = np.sqrt(r.model_result.cov_params().loc["level_change", "level_change"])
    assert ours_se == pytest.approx(direct.bse["level"], abs=1e-6)


def test_fitted_and_counterfactual(sicily):
    r = interrupted_time_series(
        sicily, 37, outcome="aces", time="time", offset="stdpop", per=100_000
    )
    f = r.fitted
    assert list(f.columns) == [
        "time",
        "post",
        "fitted",
        "counterfactual",
        "counterfactual_low",
        "counterfactual_high",
    ]
    pre = ~f["post"]
    assert np.allclose(f.loc[pre, "fitted"], f.loc[pre, "counterfactual"])
    assert (f["counterfactual_low"] <= f["counterfactual"]).all()
    assert 150 < f["fitted"].mean() < 300  # admissions per 100 000


def test_controlled_its_with_identical_comparison_shows_no_effect(sicily):
    r = interrupted_time_series(
        sicily,
        37,
        outcome="aces",
        time="time",
        offset="stdpop",
        comparison=sicily.assign(aces=sicily["aces"] * 1.1),
    )
    assert r.estimate == pytest.approx(1.0, abs=1e-9)
    assert r.method.startswith("Kontrollerad")


def test_date_index_negbin_and_linear(panel):
    area = panel[panel["area"] == "A01"].set_index("month")
    nb = interrupted_time_series(
        area,
        "2022-09-01",
        outcome="referrals",
        time=None,
        offset="children",
        family="negbin",
        seasonality="month",
    )
    assert 0.4 < nb.estimate < 1.5
    lin = interrupted_time_series(
        area, "2022-09-01", outcome="rate_per_1000", time=None, family="linear"
    )
    assert lin.scale == "difference"


def test_bad_input(sicily):
    with pytest.raises(ValueError, match="family"):
        interrupted_time_series(sicily, 37, outcome="aces", family="gamma")
    with pytest.raises(ValueError, match="offset"):
        interrupted_time_series(sicily, 37, outcome="aces", offset="nope")
    with pytest.raises(ValueError, match="start"):
        interrupted_time_series(sicily, 99, outcome="aces")
