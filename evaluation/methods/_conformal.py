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


def _block_stats(U: np.ndarray, post: np.ndarray) -> np.ndarray:
    """P-values from residual rows ``U`` (θ × periods): every cyclic block against the post one.

    The block of shift j is u[T − n_post + j ... T − 1 + j] modulo T; all shifts come from
    cumulative sums of the doubled series.
    """
    n_post = int(post.sum())
    T = U.shape[1]
    observed = np.abs(U[:, post.astype(bool)].sum(axis=1)) / np.sqrt(n_post)
    cs = np.concatenate([np.zeros((len(U), 1)), np.cumsum(np.hstack([U, U]), axis=1)], axis=1)
    first = T - n_post + np.arange(T)
    stats = np.abs(cs[:, first + n_post] - cs[:, first]) / np.sqrt(n_post)
    return np.mean(stats >= observed[:, None] - 1e-12, axis=1)


def conformal_p_values(
    y1: np.ndarray, Y0: np.ndarray, post: np.ndarray, thetas: np.ndarray
) -> np.ndarray:
    """``conformal_p_value`` for many θ at once (the same exact weights, shared work).

    On a fixed support the simplex least-squares weights are linear in θ (the KKT equations
    have θ only on the right-hand side), so one solve per support serves every θ whose
    optimality conditions it meets; only the remaining θ get a fit of their own.
    """
    thetas = np.asarray(thetas, float)
    n = Y0.shape[1]
    G = Y0.T @ Y0
    h1, h2 = Y0.T @ y1, Y0.T @ post
    W = np.zeros((len(thetas), n))
    todo = np.arange(len(thetas))
    while todo.size:
        t0 = thetas[todo[0]]
        w0 = simplex_least_squares(Y0, y1 - t0 * post)
        W[todo[0]] = w0
        support = w0 > 1e-9
        k = int(support.sum())
        K = np.zeros((k + 1, k + 1))
        K[:k, :k] = G[np.ix_(support, support)]
        K[:k, k] = K[k, :k] = 1.0
        rhs = np.column_stack([np.r_[h1[support], 1.0], np.r_[h2[support], 0.0]])
        sol = np.linalg.lstsq(K, rhs, rcond=None)[0][:k]
        rest = thetas[todo[1:]]
        Ws = np.zeros((len(rest), n))
        Ws[:, support] = sol[:, 0][None, :] - rest[:, None] * sol[:, 1][None, :]
        # The optimality test of ``simplex_least_squares`` (``_is_optimal``), on its scale.
        scale = np.maximum(
            np.abs(Y0).max(), np.abs(y1[None, :] - rest[:, None] * post[None, :]).max(axis=1)
        )
        scale = np.maximum(scale, 1e-12)[:, None]
        grad = (Ws @ G - (h1[None, :] - rest[:, None] * h2[None, :])) / scale**2
        lam = grad[:, support].mean(axis=1, keepdims=True)
        size = np.maximum(1.0, np.abs(grad).max(axis=1, keepdims=True))
        tol = 1e-9 * size
        ok = (Ws[:, support] > 1e-9).all(axis=1)
        ok &= (np.abs(grad[:, support] - lam) <= tol).all(axis=1)
        ok &= (grad[:, ~support] >= lam - tol).all(axis=1)
        W[todo[1:][ok]] = Ws[ok]
        todo = todo[1:][~ok]
    U = y1[None, :] - thetas[:, None] * post[None, :] - W @ Y0.T
    return _block_stats(U, post)


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
    refined to 1/1000 of the grid spacing (two passes of a 32-point sub-grid). The result
    may be empty, one interval, or a union of intervals; between grid points narrower
    pieces can be missed (grid spacing ``step``/2). Each grid is tested in one vectorised
    pass (``conformal_p_values``).
    """
    # A near-perfect pre-period fit gives a tiny ``step``; never search finer than 5 % of
    # the series' spread or of the estimate, or the grid would never leave the centre.
    spread = float(np.std(y1)) if np.std(y1) > 0 else 1.0
    step = max(step if np.isfinite(step) else 0.0, 0.05 * spread, 0.05 * abs(center))

    def accepted(thetas) -> np.ndarray:
        return conformal_p_values(y1, Y0, post, np.asarray(thetas, float)) > alpha

    # Grid points are centre + k·d (d = step/2); each doubling of the range doubles the
    # spacing, so half of its points were tested before and are taken from ``seen``.
    d = step / 2.0
    seen: dict[int, bool] = {}
    m = (n_grid - 1) // 2
    n_grid = 2 * m + 1
    for doubling in range(max_doublings + 1):
        ks = (np.arange(-m, m + 1) << doubling).tolist()
        new = [k for k in ks if k not in seen]
        if new:
            seen.update(zip(new, accepted(center + np.asarray(new, float) * d), strict=True))
        grid = center + np.asarray(ks, float) * d
        ok = np.array([seen[k] for k in ks])
        if not (ok[0] or ok[-1]):
            break

    def edge(a: float, b: float) -> float:
        """Where acceptance ends between an accepted ``a`` and a rejected ``b``."""
        for _ in range(2):
            sub = np.linspace(a, b, 33)
            ok_sub = accepted(sub[1:-1])
            last = int(np.argmin(ok_sub)) if not ok_sub.all() else len(ok_sub)
            a, b = sub[last], sub[last + 1]  # accepted at a (index last), rejected at b
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
