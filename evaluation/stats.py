"""Confidence intervals and tests for shares and counts.

Thin wrappers over scipy/statsmodels so every report uses the same methods:
Wilson for shares, exact (Garwood) Poisson for counts and rates.
"""

from __future__ import annotations

import numpy as np


def wilson_ci(successes, n, level: float = 0.95):
    """Wilson score interval for a share ``successes / n``; NaN where ``n`` is 0.

    Scalars in, a ``(low, high)`` tuple of floats out; arrays in, arrays out.
    """
    from statsmodels.stats.proportion import proportion_confint  # slow import, only when used

    k = np.asarray(successes, dtype=float)
    n_arr = np.asarray(n, dtype=float)
    if np.any(k < 0) or np.any(k > n_arr):
        raise ValueError("successes must lie between 0 and n")
    safe_n = np.where(n_arr > 0, n_arr, 1)
    low, high = proportion_confint(k, safe_n, alpha=1 - level, method="wilson")
    low = np.where(n_arr > 0, low, np.nan)
    high = np.where(n_arr > 0, high, np.nan)
    if np.ndim(low) == 0:
        return float(low), float(high)
    return low, high


def poisson_ci(count, level: float = 0.95):
    """Exact (Garwood) interval for a Poisson count, from chi-square quantiles."""
    from scipy import stats as _st

    c = np.asarray(count, dtype=float)
    if np.any(c < 0):
        raise ValueError("count must be non-negative")
    alpha = 1 - level
    low = np.where(c > 0, _st.chi2.ppf(alpha / 2, 2 * c) / 2, 0.0)
    high = _st.chi2.ppf(1 - alpha / 2, 2 * (c + 1)) / 2
    if np.ndim(low) == 0:
        return float(low), float(high)
    return low, high


def rate_ci(count, exposure, per: float = 1000.0, level: float = 0.95):
    """Rate ``count / exposure * per`` with its exact Poisson interval."""
    low, high = poisson_ci(count, level)
    exp = np.asarray(exposure, dtype=float)
    scale = np.where(exp > 0, per / np.where(exp > 0, exp, 1), np.nan)
    return (
        np.asarray(count, dtype=float) * scale,
        np.asarray(low) * scale,
        np.asarray(high) * scale,
    )


def two_proportion_test(k1, n1, k2, n2) -> float:
    """Two-sided p-value for a difference between two independent shares (score test)."""
    from statsmodels.stats.proportion import test_proportions_2indep

    # statsmodels also computes the ratio and odds ratio of the two shares, which divide
    # by zero when a share is 0; only the difference is used here, so that is harmless.
    with np.errstate(divide="ignore", invalid="ignore"):
        result = test_proportions_2indep(k1, n1, k2, n2, method="score", compare="diff")
    return float(result.pvalue)
