"""Conformal inference for a synthetic control's average post-period effect.

Chernozhukov, Wüthrich & Zhu (2021, JASA), "An exact and robust conformal inference method
for counterfactual and synthetic controls": under H0 (constant effect θ in every post
period) the treated series minus θ is refitted on all periods and the post-period residuals
are compared with their cyclic (moving-block) shifts. Written by hand: no library we depend
on implements it.
"""

from __future__ import annotations

import numpy as np

from evaluation.methods._weights import simplex_least_squares


def conformal_p_value(y1: np.ndarray, Y0: np.ndarray, post: np.ndarray, theta: float) -> float:
    """Permutation p-value of H0: effect = ``theta`` in every post period."""
    y = y1 - theta * post
    w = simplex_least_squares(Y0, y)
    u = y - Y0 @ w
    n_post = int(post.sum())
    T = len(u)
    # Statistic |Σ post residuals|/√T*; the post block is the last n_post periods.
    observed = abs(u[post.astype(bool)].sum()) / np.sqrt(n_post)
    stats = np.array([abs(np.roll(u, -j)[T - n_post :].sum()) / np.sqrt(n_post) for j in range(T)])
    return float(np.mean(stats >= observed - 1e-12))


def conformal_interval(
    y1: np.ndarray,
    Y0: np.ndarray,
    post: np.ndarray,
    center: float,
    step: float,
    alpha: float,
    tol: float | None = None,
) -> tuple[float, float]:
    """Invert the conformal test around ``center``: the θ with p-value > ``alpha``.

    Searches outwards from ``center`` in multiples of ``step`` and bisects each boundary;
    returns ±inf if no rejection is found within 2^12 steps.
    """
    step = step if step > 0 else 1.0
    tol = step * 1e-2 if tol is None else tol
    bounds = []
    for sign in (-1.0, 1.0):
        inside, dist = 0.0, step
        while conformal_p_value(y1, Y0, post, center + sign * dist) > alpha:
            inside, dist = dist, dist * 2
            if dist > step * 4096:
                bounds.append(sign * np.inf)
                break
        else:
            lo, hi = inside, dist
            while hi - lo > tol:
                mid = (lo + hi) / 2
                if conformal_p_value(y1, Y0, post, center + sign * mid) > alpha:
                    lo = mid
                else:
                    hi = mid
            bounds.append(center + sign * (lo + hi) / 2)
    return float(bounds[0]), float(bounds[1])
