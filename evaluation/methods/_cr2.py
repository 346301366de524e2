"""CR2 cluster-robust variance with Bell–McCaffrey degrees of freedom.

Bell & McCaffrey (2002); Imbens & Kolesár (2016, REStat) for the degrees of freedom;
Pustejovsky & Tipton (2018) for GLMs through the IRLS working weights. Written by hand:
statsmodels has CR1 only, and the R package clubSandwich has no Python port. With unit
fixed effects ``I − H_gg`` is singular along the unit's own dummy; a pseudo-inverse square
root is used there, which is harmless because the residuals are orthogonal to it.
"""

from __future__ import annotations

import numpy as np


def _inv_sqrt_psd(M: np.ndarray) -> np.ndarray:
    vals, vecs = np.linalg.eigh((M + M.T) / 2)
    keep = vals > 1e-10 * max(1.0, vals.max())
    inv = np.zeros_like(vals)
    inv[keep] = 1.0 / np.sqrt(vals[keep])
    return (vecs * inv) @ vecs.T


def cr2(
    X: np.ndarray,
    resid: np.ndarray,
    clusters: np.ndarray,
    index: int,
    weights: np.ndarray | None = None,
) -> tuple[float, float]:
    """Standard error and Bell–McCaffrey df of coefficient ``index`` under CR2.

    ``X`` and ``resid`` are the design and working residuals; ``weights`` are IRLS working
    weights (None for OLS), so a Poisson fit passes ``mu`` and ``(y − mu)/mu``.
    """
    X = np.asarray(X, float)
    e = np.asarray(resid, float)
    if weights is not None:
        sw = np.sqrt(np.asarray(weights, float))
        X, e = X * sw[:, None], e * sw
    M = np.linalg.pinv(X.T @ X)
    ell = np.zeros(X.shape[1])
    ell[index] = 1.0
    Ml = M @ ell
    IH = np.eye(len(e)) - X @ M @ X.T
    codes = np.unique(clusters)
    meat_vec = 0.0
    G = np.zeros((len(e), len(codes)))
    for j, g in enumerate(codes):
        idx = np.flatnonzero(clusters == g)
        A = _inv_sqrt_psd(IH[np.ix_(idx, idx)])
        q = A @ (X[idx] @ Ml)  # contribution weights for this cluster
        meat_vec += float(q @ e[idx]) ** 2
        G[:, j] = IH[:, idx] @ q
    GtG = G.T @ G
    df = float(np.trace(GtG) ** 2 / np.sum(GtG * GtG))
    return float(np.sqrt(meat_vec)), df
