"""DiD and event study: agreement with statsmodels, warnings, pre-trends and bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf

from evaluation.exceptions import DataError, ParameterError
from evaluation.methods import difference_in_differences, event_study
from evaluation.methods.did import default_maxlags

from .conftest import FIXTURES

START = "2022-09-01"


def _with_dummy(panel):
    d = panel.copy()
    d["treated_post"] = ((d["area"] == "A01") & (d["month"] >= START)).astype(float)
    return d.sort_values(["area", "month"]).reset_index(drop=True)


@pytest.mark.parametrize("model", ["linear", "poisson"])
def test_cluster_matches_statsmodels(panel, model):
    d = _with_dummy(panel)
    groups = d["area"].astype("category").cat.codes.to_numpy()
    kw = {"cov_type": "cluster", "cov_kwds": {"groups": groups}}
    if model == "linear":
        direct = smf.ols("rate_per_1000 ~ treated_post + C(area) + C(month)", d).fit(**kw)
        ours = difference_in_differences(
            panel, "rate_per_1000", "area", "month", "A01", START, se="cluster"
        )
        assert ours.estimate == pytest.approx(direct.params["treated_post"], abs=1e-6)
    else:
        direct = smf.glm(
            "referrals ~ treated_post + C(area) + C(month)",
            d,
            family=sm.families.Poisson(),
            offset=np.log(d["children"]),
        ).fit(**kw)
        ours = difference_in_differences(
            panel,
            "referrals",
            "area",
            "month",
            "A01",
            START,
            model="poisson",
            offset="children",
            se="cluster",
        )
        assert np.log(ours.estimate) == pytest.approx(direct.params["treated_post"], abs=1e-6)
    assert ours.se == pytest.approx(direct.bse["treated_post"], abs=1e-6)
    assert "CR1" in ours.inference
    assert any("Conley & Taber" in w for w in ours.warnings)


def test_hac_matches_statsmodels_hac_panel(panel):
    d = _with_dummy(panel)
    groups = d["area"].astype("category").cat.codes.to_numpy()
    lags = default_maxlags(d["month"].nunique())
    direct = smf.glm(
        "referrals ~ treated_post + C(area) + C(month)",
        d,
        family=sm.families.Poisson(),
        offset=np.log(d["children"]),
    ).fit(cov_type="hac-panel", cov_kwds={"groups": groups, "maxlags": lags})
    ours = difference_in_differences(
        panel, "referrals", "area", "month", "A01", START, model="poisson", offset="children"
    )
    assert ours.se == pytest.approx(direct.bse["treated_post"], abs=1e-6)
    assert ours.scale == "rate_ratio"
    assert ours.ci_low < ours.estimate < ours.ci_high
    assert "HAC" in ours.inference and "fixed-b" in ours.inference


def test_default_interval_wider_than_cluster_with_one_treated_area(panel):
    kw = dict(model="poisson", offset="children")
    hac = difference_in_differences(panel, "referrals", "area", "month", "A01", START, **kw)
    clu = difference_in_differences(
        panel, "referrals", "area", "month", "A01", START, se="cluster", **kw
    )
    assert hac.ci_high / hac.ci_low > clu.ci_high / clu.ci_low
    assert hac.method and hac.assumption and not hac.warnings  # HAC is valid here


def test_event_study_shape_and_reference(panel):
    es = event_study(
        panel,
        "referrals",
        "area",
        "month",
        "A01",
        START,
        model="poisson",
        offset="children",
        window=(-12, 12),
    )
    c = es.coefficients
    assert list(c["event_time"]) == list(range(-12, 13))
    ref = c.set_index("event_time").loc[-1]
    assert ref["coef"] == 1.0 and ref["ci_low"] == 1.0
    assert (c["ci_low"] <= c["coef"]).all() and (c["coef"] <= c["ci_high"]).all()
    assert c.loc[c["event_time"].isin([-12, 12]), "binned"].all()
    assert 0.0 <= es.pretrend_p_value <= 1.0


def test_event_study_flags_pre_trend(panel):
    d = panel.copy()
    pre = (d["area"] == "A01") & (d["month"] < START)
    months_before = (d.loc[pre, "month"].dt.year - 2022) * 12 + d.loc[pre, "month"].dt.month - 9
    d.loc[pre, "rate_per_1000"] += 0.15 * months_before  # strong divergent pre-trend
    es = event_study(d, "rate_per_1000", "area", "month", "A01", START)
    assert es.pretrend_p_value < 0.05
    assert any("parallella trender" in w for w in es.warnings)


def test_bad_input_names_the_argument(panel):
    with pytest.raises(ValueError, match="offset"):
        difference_in_differences(
            panel, "referrals", "area", "month", "A01", START, model="poisson"
        )
    with pytest.raises(ValueError) as err:
        difference_in_differences(panel, "nope", "area", "month", "A01", START)
    assert err.value.argument == "outcome"
    assert not isinstance(err.value, ParameterError)
    with pytest.raises(ValueError, match="treated_units"):
        difference_in_differences(panel, "referrals", "area", "month", "Z99", START)
    with pytest.raises(ValueError, match="start"):
        difference_in_differences(panel, "referrals", "area", "month", "A01", "2030-01-01")
    with pytest.raises(ValueError, match="se"):
        difference_in_differences(panel, "referrals", "area", "month", "A01", START, se="x")
    with pytest.raises(DataError):
        difference_in_differences(
            panel.assign(referrals=np.nan), "referrals", "area", "month", "A01", START
        )


def test_event_study_is_unweighted_twfe_ols(panel):
    es = event_study(panel, "rate_per_1000", "area", "month", "A01", START, window=(-6, 6))
    d = panel.sort_values(["area", "month"]).reset_index(drop=True)
    months = (d["month"].dt.year - 2022) * 12 + d["month"].dt.month - 9
    rel = months.clip(-6, 6)
    cols = {}
    for k in range(-6, 7):
        if k != -1:
            cols[f"e{k}"] = ((d["area"] == "A01") & (rel == k)).astype(float)
    X = pd.concat(
        [
            pd.DataFrame(cols),
            pd.get_dummies(d["area"], dtype=float),
            pd.get_dummies(d["month"], dtype=float).iloc[:, 1:],
        ],
        axis=1,
    )
    beta = np.linalg.lstsq(X.to_numpy(), d["rate_per_1000"].to_numpy(), rcond=None)[0]
    coefs = es.coefficients.set_index("event_time")["coef"]
    for i, k in enumerate(k for k in range(-6, 7) if k != -1):
        assert coefs[k] == pytest.approx(beta[i], abs=1e-8)
    post = [coefs[k] for k in range(0, 7)]
    assert es.estimate == pytest.approx(np.mean(post), abs=1e-8)


def test_cr2_with_one_observation_per_cluster_is_statsmodels_hc2():
    from evaluation.methods._cr2 import cr2

    rng = np.random.default_rng(1)
    n = 60
    d = (rng.random(n) < 0.3).astype(float)
    y = 1 + 2 * d + rng.normal(0, 1 + d, n)
    X = np.column_stack([np.ones(n), d])
    ref = sm.OLS(y, X).fit(cov_type="HC2")
    se, df = cr2(X, y - X @ ref.params, np.arange(n), 1)
    assert se == pytest.approx(ref.bse[1], rel=1e-10)
    # HC2 for a difference in means is the Neyman variance s1²/n1 + s0²/n0.
    neyman = np.sqrt(y[d == 1].var(ddof=1) / d.sum() + y[d == 0].var(ddof=1) / (n - d.sum()))
    assert se == pytest.approx(neyman, rel=1e-10)
    assert 1 < df < n - 2


def test_auto_inference_follows_the_design():
    from evaluation.methods.did import choose_inference

    assert choose_inference(21, 29, 11) == ("cr2", True)  # castle doctrine: many states
    assert choose_inference(1, 11, 84) == ("hac", True)  # one area, monthly data
    assert choose_inference(1, 20, 6) == ("hac", False)  # one area, six years: neither
    castle = pd.read_csv(FIXTURES / "castle" / "castle.csv")
    sub = castle[castle["effyear"].isna() | (castle["effyear"] == 2007)]
    treated = sub.loc[sub["effyear"].notna(), "sid"].unique()
    auto = difference_in_differences(sub, "l_homicide", "sid", "year", treated, 2007)
    hac = difference_in_differences(sub, "l_homicide", "sid", "year", treated, 2007, se="hac")
    assert "CR2" in auto.inference and auto.se > hac.se
    short = difference_in_differences(
        sub[sub["year"] >= 2004], "l_homicide", "sid", "year", treated[:1], 2007
    )
    assert any("underskattad" in w or "för snävt" in w for w in short.warnings)
