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


def conformal_set(
    y1: np.ndarray,
    Y0: np.ndarray,
    post: np.ndarray,
    center: float,
    step: float,
    alpha: float,
    n_grid: int = 81,
    max_doublings: int = 6,
) -> list[tuple[float, float]]:
    """Invert the conformal test: the set of θ with p-value > ``alpha``, as intervals.

    A grid of ``n_grid`` points over ``center`` ± 20·``step`` is widened (doubling, at most
    ``max_doublings`` times) while its end points are still accepted; an end point accepted
    after that becomes ±inf. Every change between accepted and rejected on the grid is
    refined by bisection. The result may be empty, one interval, or a union of intervals;
    between grid points narrower pieces can be missed (grid spacing ``step``/2).
    """
    # A near-perfect pre-period fit gives a tiny ``step``; never search finer than 5 % of
    # the series' spread or of the estimate, or the grid would never leave the centre.
    spread = float(np.std(y1)) if np.std(y1) > 0 else 1.0
    step = max(step if np.isfinite(step) else 0.0, 0.05 * spread, 0.05 * abs(center))

    def accepted(theta: float) -> bool:
        return conformal_p_value(y1, Y0, post, theta) > alpha

    half = 20.0 * step
    for _ in range(max_doublings + 1):
        grid = np.linspace(center - half, center + half, n_grid)
        ok = np.array([accepted(t) for t in grid])
        if not (ok[0] or ok[-1]):
            break
        half *= 2
    tol = (grid[1] - grid[0]) * 1e-3

    def edge(a: float, b: float) -> float:
        """Bisect between an accepted ``a`` and a rejected ``b``."""
        while abs(b - a) > tol:
            mid = (a + b) / 2
            if accepted(mid):
                a = mid
            else:
                b = mid
        return (a + b) / 2

    pieces = []
    i = 0
    while i < n_grid:
        if not ok[i]:
            i += 1
            continue
        j = i
        while j + 1 < n_grid and ok[j + 1]:
            j += 1
        low = -np.inf if i == 0 else edge(grid[i], grid[i - 1])
        high = np.inf if j == n_grid - 1 else edge(grid[j], grid[j + 1])
        pieces.append((float(low), float(high)))
        i = j + 1
    return pieces


def conformal_interval(
    y1: np.ndarray,
    Y0: np.ndarray,
    post: np.ndarray,
    center: float,
    step: float,
    alpha: float,
) -> tuple[float, float]:
    """Smallest interval holding the conformal set (its hull); NaN when the set is empty."""
    pieces = conformal_set(y1, Y0, post, center, step, alpha)
    if not pieces:
        return float("nan"), float("nan")
    return pieces[0][0], pieces[-1][1]
