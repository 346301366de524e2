"""Synthetic-control weights: least squares on the simplex (non-negative, summing to one)."""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize, nnls


def simplex_least_squares(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Minimise ‖A w − b‖² subject to w ≥ 0 and Σw = 1.

    The support comes from NNLS with the sum-to-one row heavily weighted; the weights are then
    solved exactly on that support from the KKT equations and the optimality conditions are
    checked; if they fail, a primal active-set method (Nocedal & Wright 2006, Algorithm 16.3)
    finishes from there (SLSQP only if that does not converge: it took seconds per call).
    SciPy has no simplex-constrained least squares, so this is written by hand.
    """
    A = np.asarray(A, dtype=float)
    b = np.asarray(b, dtype=float)
    m, n = A.shape
    if n == 1:
        return np.ones(1)
    scale = max(np.abs(A).max(), np.abs(b).max(), 1e-12)
    A_s, b_s = A / scale, b / scale
    G, h = A_s.T @ A_s, A_s.T @ b_s
    big = 1e3 * max(1.0, np.sqrt(m))
    M = np.empty((m + 1, n))
    M[:m], M[m] = A_s, big
    w, _ = nnls(M, np.append(b_s, big), maxiter=50 * n)
    total = w.sum()
    w = w / total if total > 0 else np.full(n, 1.0 / n)
    w = _polish(G, h, w)
    if not _is_optimal(G, h, w):
        w = simplex_qp(G, h, w)
    return w


def simplex_qp(G: np.ndarray, h: np.ndarray, w0: np.ndarray | None = None) -> np.ndarray:
    """Minimise w'Gw − 2h'w over the simplex by a primal active-set method from ``w0``.

    ``G`` is positive semidefinite and may be singular (fewer periods than donors); a ridge
    of 1e-12 of its largest diagonal element makes each step's problem strictly convex, so
    the method cannot cycle. Falls back to SLSQP if it has not converged after 50·n steps.
    """
    n = len(h)
    if n == 1:
        return np.ones(1)
    w = np.full(n, 1.0 / n) if w0 is None else np.clip(np.asarray(w0, float), 0.0, None)
    w = w / w.sum() if w.sum() > 0 else np.full(n, 1.0 / n)
    free = w > 1e-12
    w[~free] = 0.0
    G = G + 1e-12 * max(float(np.diag(G).max()), 1e-300) * np.eye(n)
    size = max(1.0, float(np.abs(h).max()), float(np.abs(G).max()))
    tol = 1e-11 * size
    for _ in range(50 * n + 10):
        k = int(free.sum())
        K = np.zeros((k + 1, k + 1))
        K[:k, :k] = G[np.ix_(free, free)]
        K[:k, k] = K[k, :k] = 1.0
        target = np.zeros(n)
        target[free] = np.linalg.solve(K, np.r_[h[free], 1.0])[:k]
        step = target - w
        if np.abs(step).max() <= 1e-13:
            grad = G @ w - h
            lam = grad[free].mean()
            slack = np.where(free, np.inf, grad - lam)
            j = int(np.argmin(slack))
            if slack[j] >= -tol:
                return w
            free[j] = True  # release the bound with the most negative multiplier
            continue
        blocking = free & (step < -1e-15)
        alpha, j = 1.0, -1
        if blocking.any():
            ratios = np.where(blocking, w / np.where(blocking, -step, 1.0), np.inf)
            j = int(np.argmin(ratios))
            alpha = min(1.0, float(ratios[j]))
        w = np.clip(w + alpha * step, 0.0, None)
        if alpha < 1.0:
            w[j] = 0.0
            free[j] = False
        w = w / w.sum()
    return _polish(G, h, _slsqp(G, h, n))


def _loss(G, h, w) -> float:
    return float(w @ G @ w - 2 * h @ w)


def _polish(G: np.ndarray, h: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Solve the KKT system on the support of ``w``; keep it only if feasible and no worse."""
    idx = np.flatnonzero(w > 1e-9)
    k = idx.size
    K = np.zeros((k + 1, k + 1))
    K[:k, :k] = G[idx[:, None], idx]
    K[:k, k] = K[k, :k] = 1.0
    sol = np.linalg.lstsq(K, np.append(h[idx], 1.0), rcond=None)[0]
    if (sol[:k] < 0).any():
        return w
    candidate = np.zeros_like(w)
    candidate[idx] = sol[:k]
    return candidate if _loss(G, h, candidate) <= _loss(G, h, w) + 1e-15 else w


def _is_optimal(G: np.ndarray, h: np.ndarray, w: np.ndarray, tol: float = 1e-9) -> bool:
    """KKT check: equal gradient on the support, no smaller gradient off it."""
    grad = G @ w - h
    support = w > 1e-9
    if not support.any() or abs(w.sum() - 1) > 1e-9 or (w < -1e-12).any():
        return False
    lam = grad[support].mean()
    spread = np.abs(grad[support] - lam).max()
    size = max(1.0, np.abs(grad).max())
    return bool(spread <= tol * size and (grad[~support] >= lam - tol * size).all())


def _slsqp(G: np.ndarray, h: np.ndarray, n: int) -> np.ndarray:
    res = minimize(
        lambda w: (_loss(G, h, w), 2 * (G @ w - h)),
        np.full(n, 1.0 / n),
        jac=True,
        method="SLSQP",
        bounds=[(0.0, 1.0)] * n,
        constraints=[
            {"type": "eq", "fun": lambda w: w.sum() - 1.0, "jac": lambda w: np.ones_like(w)}
        ],
        options={"ftol": 1e-15, "maxiter": 2000},
    )
    w = np.clip(res.x, 0.0, None)
    return w / w.sum()
