"""Primary suppression (docs/privacy.md R2, R4): which values are too small to show.

Pure functions on numpy arrays returning boolean masks (True = hide). They do
not look at neighbouring cells; that is ``secondary.py``'s job.
"""

from __future__ import annotations

import numpy as np

from evaluation.privacy.margins import Layout
from evaluation.privacy.rules import PrivacyRules


def small_counts(values: np.ndarray, rules: PrivacyRules) -> np.ndarray:
    """Counts from 1 to ``min_count - 1``; zero is shown (R2)."""
    values = np.asarray(values, dtype=float)
    return (values > 0) & (values < rules.min_count)


def sensitive_extremes(full: np.ndarray, layout: Layout, rules: PrivacyRules) -> np.ndarray:
    """0 % and 100 % cells of small groups in a sensitive crosstab (R4).

    In every line (row or column with its total) whose total is 1 … below
    ``sensitive_min_n``, a zero cell says "nobody in this group" and a cell equal
    to the total says "everybody in this group": both are hidden.
    """
    mask = np.zeros(full.shape, dtype=bool)
    for line in layout.lines:
        total = full[line.total]
        if not 0 < total < rules.sensitive_min_n:
            continue
        for pos in line.members:
            if full[pos] == 0 or full[pos] == total:
                mask[pos] = True
    return mask


def hide_shares(
    numerator: np.ndarray, denominator: np.ndarray, rules: PrivacyRules, *, sensitive: bool = False
) -> np.ndarray:
    """Shares that must not be shown (R2, R4); missing inputs are hidden too."""
    num = np.asarray(numerator, dtype=float)
    den = np.asarray(denominator, dtype=float)
    with np.errstate(invalid="ignore"):
        hide = np.isnan(num) | np.isnan(den) | (den < rules.min_n)
        hide |= small_counts(num, rules) | small_counts(den - num, rules)
        if sensitive:
            hide |= (den < rules.sensitive_min_n) & ((num == 0) | (num == den))
    return hide


def hide_rates(count: np.ndarray, population: np.ndarray, rules: PrivacyRules) -> np.ndarray:
    """Rates whose count could be read back as rate × public population (R4)."""
    cnt = np.asarray(count, dtype=float)
    pop = np.asarray(population, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.isnan(cnt) | np.isnan(pop) | small_counts(cnt, rules) | (pop < rules.min_n)


def hide_values(
    kind: str,
    numerator: np.ndarray,
    denominator: np.ndarray,
    rules: PrivacyRules,
    *,
    sensitive: bool = False,
) -> np.ndarray:
    """The one visibility rule for a share (``kind="share"``) or a rate (``kind="rate"``).

    For callers that must know whether a value would be shown without protecting
    a frame, such as a chart that draws a weighted mix of areas.
    """
    if kind == "share":
        return hide_shares(numerator, denominator, rules, sensitive=sensitive)
    if kind == "rate":
        return hide_rates(numerator, denominator, rules)
    raise ValueError(f"kind must be 'share' or 'rate', got {kind!r}")


def hide_statistics(n: np.ndarray, rules: PrivacyRules) -> np.ndarray:
    """Means and medians with fewer than ``min_n`` contributors (R2)."""
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.isnan(n) | (n < rules.min_n)
