"""Intervals checked against published values and established libraries."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as st
from statsmodels.stats.proportion import proportion_confint

from evaluation.stats import poisson_ci, rate_ci, two_proportion_test, wilson_ci


@pytest.mark.parametrize(
    "k, n, low, high",
    [
        # Newcombe (1998), Statistics in Medicine 17:857-872, table I (Wilson score, method 3).
        pytest.param(81, 263, 0.2553, 0.3662, id="newcombe-81/263"),
        pytest.param(15, 148, 0.0624, 0.1605, id="newcombe-15/148"),
        pytest.param(0, 20, 0.0, 0.1611, id="newcombe-0/20"),
        pytest.param(1, 29, 0.0061, 0.1718, id="newcombe-1/29"),
    ],
)
def test_wilson_matches_newcombe(k, n, low, high):
    lo, hi = wilson_ci(k, n)
    assert lo == pytest.approx(low, abs=1e-4) and hi == pytest.approx(high, abs=1e-4)


def test_wilson_vectorised_agrees_with_statsmodels():
    k, n = np.array([0, 3, 17, 50]), np.array([5, 10, 40, 50])
    lo, hi = wilson_ci(k, n, level=0.9)
    ref = proportion_confint(k, n, alpha=0.1, method="wilson")
    np.testing.assert_allclose(lo, ref[0]) and np.testing.assert_allclose(hi, ref[1])


@pytest.mark.parametrize(
    "count, low, high",
    [
        # Garwood (1936) exact limits as tabulated e.g. by Ulm (1990), Am J Epidemiol 131:373.
        pytest.param(0, 0.0, 3.689, id="0"),
        pytest.param(1, 0.0253, 5.572, id="1"),
        pytest.param(5, 1.624, 11.668, id="5"),
        pytest.param(10, 4.795, 18.390, id="10"),
    ],
)
def test_garwood_poisson_limits(count, low, high):
    lo, hi = poisson_ci(count)
    assert lo == pytest.approx(low, abs=1e-3) and hi == pytest.approx(high, abs=1e-3)


def test_poisson_interval_is_exact_by_construction():
    # The upper limit u for count c satisfies P(X <= c | u) = alpha/2.
    lo, hi = poisson_ci(7, level=0.95)
    assert st.poisson.cdf(7, hi) == pytest.approx(0.025, abs=1e-9)
    assert st.poisson.sf(6, lo) == pytest.approx(0.025, abs=1e-9)


def test_rate_scales_the_count_interval():
    value, lo, hi = rate_ci(np.array([10]), np.array([2500.0]))
    assert value[0] == pytest.approx(4.0)
    assert lo[0] == pytest.approx(4.795 / 2.5, abs=1e-3)


def test_two_proportion_test_detects_a_real_difference():
    assert two_proportion_test(55, 100, 80, 100) < 0.001
    assert two_proportion_test(50, 100, 52, 100) > 0.5
