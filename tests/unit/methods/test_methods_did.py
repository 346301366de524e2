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
    assert hac.method and hac.assumption and hac.warnings


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
    with pytest.raises(ParameterError, match="offset"):
        difference_in_differences(
            panel, "referrals", "area", "month", "A01", START, model="poisson"
        )
    with pytest.raises(ParameterError) as err:
        difference_in_differences(panel, "nope", "area", "month", "A01", START)
    assert err.value.parameter == "outcome"
    with pytest.raises(ParameterError, match="treated_units"):
        difference_in_differences(panel, "referrals", "area", "month", "Z99", START)
    with pytest.raises(ParameterError, match="start"):
        difference_in_differences(panel, "referrals", "area", "month", "A01", "2030-01-01")
    with pytest.raises(ParameterError, match="se"):
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
