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
    # Statistic |Σ post residuals|/√T*; the post block is the last n_post periods. Every
    # cyclic shift's block sum at once from cumulative sums of the doubled series (the
    # block of shift j is u[T − n_post + j ... T − 1 + j] modulo T).
    observed = abs(u[post.astype(bool)].sum()) / np.sqrt(n_post)
    cs = np.r_[0.0, np.cumsum(np.r_[u, u])]
    first = T - n_post + np.arange(T)
    stats = np.abs(cs[first + n_post] - cs[first]) / np.sqrt(n_post)
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

    # Grid points are centre + k·d (d = step/2); each doubling of the range doubles the
    # spacing, so half of its points were tested before and are taken from ``seen``.
    d = step / 2.0
    seen: dict[int, bool] = {}

    def accepted(theta: float) -> bool:
        return conformal_p_value(y1, Y0, post, theta) > alpha

    def on_grid(k: int) -> bool:
        if k not in seen:
            seen[k] = accepted(center + k * d)
        return seen[k]

    m = (n_grid - 1) // 2
    n_grid = 2 * m + 1
    for doubling in range(max_doublings + 1):
        ks = (np.arange(-m, m + 1) << doubling).tolist()
        grid = center + np.asarray(ks, float) * d
        ok = np.array([on_grid(k) for k in ks])
        if not (ok[0] or ok[-1]):
            break
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
