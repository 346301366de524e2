"""Build tidy share and rate frames with their intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd

from evaluation.stats import rate_ci, wilson_ci


def add_share(
    frame: pd.DataFrame, numerator: str = "numerator", denominator: str = "denominator"
) -> pd.DataFrame:
    """Add ``value``, ``ci_low``, ``ci_high`` (as fractions) from counts, Wilson intervals."""
    out = frame.copy()
    k = out[numerator].astype(float).to_numpy()
    n = out[denominator].astype(float).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        out["value"] = np.where(n > 0, k / np.where(n > 0, n, 1), np.nan)
    low, high = wilson_ci(k, n)
    out["ci_low"], out["ci_high"] = np.atleast_1d(low), np.atleast_1d(high)
    return out


def add_rate(
    frame: pd.DataFrame,
    count: str = "numerator",
    exposure: str = "denominator",
    per: float = 1000.0,
) -> pd.DataFrame:
    """Add ``value``, ``ci_low``, ``ci_high`` for a rate per ``per`` with Garwood intervals."""
    out = frame.copy()
    value, low, high = rate_ci(
        out[count].astype(float).to_numpy(), out[exposure].astype(float).to_numpy(), per=per
    )
    out["value"], out["ci_low"], out["ci_high"] = value, low, high
    return out


def share_by(
    frame: pd.DataFrame,
    keys: list[str],
    success: pd.Series,
    eligible: pd.Series | None = None,
    complete: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Share of ``success`` among ``eligible`` rows per ``keys`` (zeros kept via ``complete``)."""
    eligible = pd.Series(True, index=frame.index) if eligible is None else eligible
    work = frame.loc[eligible.fillna(False).astype(bool), keys].copy()
    work["numerator"] = success[work.index].fillna(False).astype(int)
    out = (
        work.groupby(keys, observed=True, sort=True)
        .agg(numerator=("numerator", "sum"), denominator=("numerator", "size"))
        .reset_index()
    )
    if complete is not None:
        out = complete.merge(out, on=keys, how="left")
        out[["numerator", "denominator"]] = out[["numerator", "denominator"]].fillna(0)
    out[["numerator", "denominator"]] = out[["numerator", "denominator"]].astype(int)
    return add_share(out)
