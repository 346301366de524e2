"""Synthetic control against an independent solver on Proposition 99 (ADH 2010)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize

from evaluation.methods import synthetic_control


def _reference_weights(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Simplex least squares by SLSQP alone (the package uses NNLS plus an exact KKT solve)."""
    n = A.shape[1]
    s = np.abs(A).max()
    G, h = (A / s).T @ (A / s), (A / s).T @ (b / s)
    res = minimize(
        lambda w: w @ G @ w - 2 * h @ w,
        np.full(n, 1 / n),
        jac=lambda w: 2 * (G @ w - h),
        method="SLSQP",
        bounds=[(0, 1)] * n,
        constraints=[{"type": "eq", "fun": lambda w: w.sum() - 1}],
        options={"ftol": 1e-15, "maxiter": 5000},
    )
    assert res.success
    return res.x


@pytest.fixture(scope="module")
def prop99(prop99_long):
    return synthetic_control(prop99_long, "cigsale", "state", "Year", "California", 1989)


def test_weights_and_gap_match_independent_solver(prop99, prop99_long):
    wide = prop99_long.pivot(index="Year", columns="state", values="cigsale")
    donors = list(prop99.weights.index)
    pre = wide.index < 1989
    ref = _reference_weights(
        wide.loc[pre, donors].to_numpy(), wide.loc[pre, "California"].to_numpy()
    )
    assert np.abs(prop99.weights.to_numpy() - ref).max() < 1e-4
    assert prop99.weights.sum() == pytest.approx(1.0, abs=1e-12)
    assert (prop99.weights >= 0).all()
    ref_gap = wide["California"] - wide[donors].to_numpy() @ ref
    post = prop99.gap.index >= 1989
    assert np.abs(prop99.gap[post].to_numpy() - ref_gap[post].to_numpy()).max() < 1e-2


def test_california_far_below_synthetic_by_2000(prop99):
    assert -30 < prop99.gap.loc[2000] < -20
    assert prop99.estimate < -15
    assert prop99.ci_low < prop99.estimate < prop99.ci_high < 0
    assert prop99.pre_rmspe < 3
    top = prop99.weights.sort_values().index[-1]
    assert top == "Utah"  # ADH's largest weight too


def test_placebos_and_permutation_p_value(prop99):
    table = prop99.placebos
    assert len(table) == 39 and table["is_treated"].sum() == 1
    ratio = table.loc[table["is_treated"], "ratio"].iloc[0]
    assert prop99.p_value == pytest.approx((table["ratio"] >= ratio).mean())
    assert prop99.p_value <= 0.1
    assert set(prop99.placebo_gaps.columns) == set(table["unit"])
    assert "konformt" in prop99.inference and prop99.scale == "difference"


def test_predictors_and_warnings(prop99_long):
    long = prop99_long.assign(lagged=prop99_long.groupby("state")["cigsale"].shift(1).fillna(0))
    few = ["Utah", "Nevada", "Montana"]
    r = synthetic_control(
        long,
        "cigsale",
        "state",
        "Year",
        "California",
        1989,
        donors=few,
        predictors=["lagged"],
        interval=False,
    )
    assert list(r.weights.index) == few
    assert any("för få" in w for w in r.warnings)
    poor = synthetic_control(
        prop99_long,
        "cigsale",
        "state",
        "Year",
        "New Hampshire",
        1989,
        placebos=False,
        interval=False,
    )
    assert any("utanför" in w for w in poor.warnings) or any("dåligt" in w for w in poor.warnings)


def test_bad_input(prop99_long):
    with pytest.raises(ValueError, match="treated_unit"):
        synthetic_control(prop99_long, "cigsale", "state", "Year", "Atlantis", 1989)
    with pytest.raises(ValueError, match="donors"):
        synthetic_control(
            prop99_long,
            "cigsale",
            "state",
            "Year",
            "California",
            1989,
            donors=["California", "Utah"],
        )
