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


def _runs(grid: np.ndarray, ok: np.ndarray) -> list[tuple[float, float]]:
    """Accepted runs of a brute-force grid, as (first, last) accepted grid point."""
    out, i = [], 0
    while i < len(ok):
        if ok[i]:
            j = i
            while j + 1 < len(ok) and ok[j + 1]:
                j += 1
            out.append((grid[i], grid[j]))
            i = j + 1
        else:
            i += 1
    return out


def _diverging_donor_case():
    """Treated = donor 0 before the start and donor 1 (= donor 0 + a growing gap) after."""
    rng = np.random.default_rng(4)
    T, T0, J = 30, 20, 8
    Y0 = rng.normal(size=(T, J)).cumsum(0) * 2 + rng.normal(0, 3, size=J)
    Y0[:, 1] = Y0[:, 0] + rng.normal(0, 0.05, T)
    Y0[T0:, 1] += np.linspace(5, 40, T - T0)
    y1 = Y0[:, 0].copy()
    y1[T0:] = Y0[T0:, 1] + rng.normal(0, 0.05, T - T0)
    return y1, Y0, np.r_[np.zeros(T0), np.ones(T - T0)]


def _check_against_brute_force(y1, Y0, post, center, step, half, n=401):
    from evaluation.methods._conformal import conformal_p_value, conformal_set

    pieces = conformal_set(y1, Y0, post, center, step, 0.05)
    grid = np.linspace(center - half, center + half, n)
    ok = np.array([conformal_p_value(y1, Y0, post, t) > 0.05 for t in grid])
    runs = _runs(grid, ok)
    spacing = grid[1] - grid[0]
    assert len(pieces) == len(runs)
    for (lo, hi), (glo, ghi) in zip(pieces, runs, strict=True):
        assert glo - spacing <= lo <= glo + 1e-9 and ghi - 1e-9 <= hi <= ghi + spacing
    return pieces


def test_conformal_set_equals_brute_force_grid_prop99(prop99, prop99_long):
    wide = prop99_long.pivot(index="Year", columns="state", values="cigsale")
    y1 = wide["California"].to_numpy()
    Y0 = wide[list(prop99.weights.index)].to_numpy()
    post = np.asarray(wide.index >= 1989, float)
    pieces = _check_against_brute_force(y1, Y0, post, prop99.estimate, prop99.pre_rmspe, 100)
    assert (prop99.ci_low, prop99.ci_high) == (pieces[0][0], pieces[-1][1])
    assert prop99.conformal_set == tuple(pieces)


def test_conformal_set_when_the_estimate_lies_outside_it():
    from evaluation.methods._weights import simplex_least_squares

    y1, Y0, post = _diverging_donor_case()
    pre = post == 0
    w = simplex_least_squares(Y0[pre], y1[pre])
    estimate = float((y1 - Y0 @ w)[~pre].mean())
    pieces = _check_against_brute_force(y1, Y0, post, estimate, 1e-6, 60, n=601)
    assert len(pieces) == 2  # a union of two intervals
    assert not any(lo <= estimate <= hi for lo, hi in pieces)


def test_synthetic_control_says_when_the_set_is_split_or_misses_the_estimate():
    import pandas as pd

    y1, Y0, post = _diverging_donor_case()
    T, J = Y0.shape
    wide = pd.DataFrame(Y0, columns=[f"d{j}" for j in range(J)]).assign(treated=y1)
    long = wide.assign(t=np.arange(T)).melt(id_vars="t", var_name="unit", value_name="y")
    res = synthetic_control(long, "y", "unit", "t", "treated", 20, placebos=False)
    assert len(res.conformal_set) == 2
    assert any("skilda delar" in w for w in res.warnings)
    assert any("utanför osäkerhetsintervallet" in w for w in res.warnings)


def test_placebo_p_values_by_pre_fit_cutoff(prop99):
    p = prop99.placebo_p_values
    assert set(p) == {"alla", 20, 5, 2}
    table = prop99.placebos
    treated = table[table["is_treated"]].iloc[0]
    for k in (20, 5, 2):
        kept = table[table["pre_rmspe"] <= k * treated["pre_rmspe"] + 1e-12]
        assert p[k] == pytest.approx((kept["ratio"] >= treated["ratio"] - 1e-12).mean())
    assert all(0 < v <= 1 for v in p.values())


def test_vectorised_conformal_p_values_equal_the_scalar_test():
    from evaluation.methods._conformal import conformal_p_value, conformal_p_values

    rng = np.random.default_rng(11)
    for trial in range(6):
        T, J = 12 + 4 * trial, 3 + 3 * trial
        Y0 = rng.normal(size=(T, J)).cumsum(0) * 2 + rng.normal(0, 3, size=J)
        y1 = Y0[:, :2].mean(1) + rng.normal(0, 1, T) + 4 * (trial % 2)  # some outside the hull
        post = np.r_[np.zeros(T - 5), np.ones(5)]
        thetas = np.linspace(-25, 25, 61)
        batch = conformal_p_values(y1, Y0, post, thetas)
        single = [conformal_p_value(y1, Y0, post, t) for t in thetas]
        np.testing.assert_allclose(batch, single, atol=1e-12)
        assert len(set(batch)) > 1  # the grid crosses the acceptance boundary


def test_simplex_qp_matches_slsqp_on_singular_problems():
    from evaluation.methods._weights import _loss, _slsqp, simplex_qp

    rng = np.random.default_rng(5)
    for _ in range(20):
        A = rng.normal(size=(4, 12)) + rng.normal(size=(1, 12)) * 3  # rank 4 < 12 weights
        b = rng.normal(size=4) * 3 + 5
        G, h = A.T @ A, A.T @ b
        w = simplex_qp(G, h)
        assert w.min() >= 0 and w.sum() == pytest.approx(1)
        assert _loss(G, h, w) <= _loss(G, h, _slsqp(G, h, 12)) + 1e-9 * (1 + abs(_loss(G, h, w)))


def test_adh_predictors_with_windows_and_missing_years(prop99_long):
    from evaluation.exceptions import DataError
    from evaluation.methods.synthetic_control import _adh_weights, _predictor_matrix

    data = prop99_long.assign(retprice=prop99_long["cigsale"] * 0.5 + prop99_long["Year"] - 1970)
    utah_1981 = (data["state"] == "Utah") & (data["Year"] == 1981)
    data.loc[utah_1981, "retprice"] = np.nan  # a missing year: left out of Utah's mean
    spec = {"cigsale": [(1975, 1975), (1980, 1980), (1988, 1988)], "retprice": (1980, 1988)}
    kw = dict(placebos=False, interval=False)
    r = synthetic_control(
        data, "cigsale", "state", "Year", "California", 1989, predictors=spec, **kw
    )
    v = r.predictor_weights
    assert len(v) == 4 and v.sum() == pytest.approx(1) and (v >= 0).all()
    assert r.weights.sum() == pytest.approx(1)
    X = _predictor_matrix(data, spec, "state", "Year", list(range(1970, 1989)), r.weights.index)
    utah = data[(data["state"] == "Utah") & data["Year"].between(1980, 1988)]["retprice"]
    assert X.loc["retprice 1980–1988", "Utah"] == pytest.approx(utah.mean())  # NaN skipped
    # V is chosen on the pre-period outcome fit: no worse than equal importance weights.
    wide = data.pivot(index="Year", columns="state", values="cigsale")
    pre = wide.index < 1989
    donors = list(r.weights.index)
    Xall = _predictor_matrix(data, spec, "state", "Year", list(wide.index[pre]), wide.columns)
    y1, Y0 = wide.loc[pre, "California"].to_numpy(), wide.loc[pre, donors].to_numpy()
    w, _ = _adh_weights(Xall["California"].to_numpy(), Xall[donors].to_numpy(), y1, Y0)
    from evaluation.methods._weights import simplex_least_squares

    sd = Xall[donors].to_numpy().std(axis=1, ddof=1)
    w_eq = simplex_least_squares(Xall[donors].to_numpy() / sd[:, None], Xall["California"] / sd)
    assert np.mean((y1 - Y0 @ w) ** 2) <= np.mean((y1 - Y0 @ w_eq) ** 2) + 1e-9
    # A window with no value at all for a unit is named in the error.
    data.loc[(data["state"] == "Utah") & data["Year"].between(1980, 1988), "retprice"] = np.nan
    with pytest.raises(DataError, match="retprice"):
        synthetic_control(
            data, "cigsale", "state", "Year", "California", 1989, predictors=spec, **kw
        )


def test_adh_search_skipped_only_when_predictors_are_matched_exactly():
    from evaluation.methods.synthetic_control import _adh_weights

    rng = np.random.default_rng(11)
    X0 = rng.normal(size=(3, 8))
    Y0 = rng.normal(size=(10, 8))
    # Predictors equal to a convex combination of donors: matched exactly whatever V is.
    w_true = np.r_[0.5, 0.3, 0.2, np.zeros(5)]
    w, v = _adh_weights(X0 @ w_true, X0, Y0 @ w_true + 0.1, Y0)
    assert np.allclose(v, 1 / 3)
    assert np.abs(X0 @ w - X0 @ w_true).max() < 1e-8
    # Predictors outside the donors' hull: V is searched and beats equal importance.
    x1 = X0.max(axis=1) + 1.0
    y1 = Y0 @ w_true
    w, v = _adh_weights(x1, X0, y1, Y0)
    assert not np.allclose(v, 1 / 3)
    from evaluation.methods._weights import simplex_least_squares

    sd = X0.std(axis=1, ddof=1)
    w_eq = simplex_least_squares(X0 / sd[:, None], x1 / sd)
    assert np.mean((y1 - Y0 @ w) ** 2) <= np.mean((y1 - Y0 @ w_eq) ** 2) + 1e-12
