"""Figures derived from protected cells (docs/privacy.md R0, R5).

A per-period series computed from a cell — a synthetic-control gap (treated −
synthetic), an event-study point, a fitted-vs-observed point — gives the cell
back when the rest is visible, so it is hidden wherever that cell is. An
aggregate estimate needs enough contributing cases in the treated group before
and after the start. Monthly points are drawn only when every month passes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evaluation.privacy.symbols import SUPPRESSED_SENTENCE

ESTIMATE_WITHHELD = SUPPRESSED_SENTENCE
"""Said instead of an effect estimate that rests on too few cases."""


def _key(index) -> pd.Index:
    idx = pd.Index(index)
    try:
        return pd.DatetimeIndex(idx)
    except (TypeError, ValueError):
        return idx.astype(str)


def mask_series(values: pd.Series, observed: pd.Series) -> pd.Series:
    """``values`` with NaN wherever the protected ``observed`` cell of that period is hidden.

    Periods ``observed`` does not cover count as hidden too.
    """
    shown = pd.Series(observed.to_numpy(dtype=float), index=_key(observed.index))
    shown = shown[~shown.index.duplicated()]
    ok = shown.reindex(_key(values.index)).notna().to_numpy()
    out = values.astype(float).copy()
    out[~ok] = np.nan
    return out


def mask_event_study(
    coefficients: pd.DataFrame,
    observed: pd.Series,
    start,
    *,
    comparison: pd.Series | None = None,
    event_time: str = "event_time",
) -> pd.DataFrame:
    """Event-study rows kept only for event times whose periods are shown on both sides.

    A point is the treated area's change against the comparison areas' change from the
    reference period (event time −1), so it gives back either side's cell of its own
    period and of the reference when the rest is visible: a point is drawn only where
    the treated ``observed`` and the ``comparison`` total are both shown, and none at all
    when the reference period is hidden on either side. Event time 0 is the first period
    starting on or after ``start``; −1 the one before.
    """
    periods = pd.Series(observed.to_numpy(dtype=float), index=_key(observed.index)).sort_index()
    periods = periods[~periods.index.duplicated()]
    if comparison is not None:
        periods = mask_series(periods, comparison)
    first_post = int(periods.index.searchsorted(pd.Timestamp(start)))
    shown = {i - first_post for i, v in enumerate(periods.to_numpy()) if not np.isnan(v)}
    if comparison is not None and -1 not in shown:
        shown = set()
    keep = coefficients[event_time].astype(int).isin(shown)
    return coefficients[keep.to_numpy()].reset_index(drop=True)


def monthly_or_nothing(protector, label: str, observed: pd.Series) -> pd.Series | None:
    """Monthly observed points only when every month is shown (R5); else none, and unpublished."""
    if len(observed) and not observed.isna().any():
        return observed
    protector.publication.withdraw(label, range(len(observed)))
    return None


def enough_cases(before: float, after: float, rules) -> bool:
    """Whether the treated group has at least ``min_n`` cases both before and after the start."""
    return bool(before >= rules.min_n and after >= rules.min_n)


def masked_result(result, **masked):
    """A copy of a method's result whose per-period fields were masked by this module (R0).

    Kept here so that copies of results with changed figures are made only in privacy/.
    """
    import dataclasses

    return dataclasses.replace(result, **masked)


def _shown_number(text: object) -> float | None:
    """The number a formatted estimate cell shows ("−8", "30,8"), or None."""
    import re

    t = str(text).strip().replace("\u2212", "-").replace("\u00a0", "").replace(",", ".")
    return float(t) if re.fullmatch(r"-?\d+(?:\.\d+)?", t) else None


def record_estimates(protector, label: str, rows, *, measure: str, areas, start, end) -> None:
    """Record effect estimates in the report's ledger (R0), or that they were withheld.

    ``rows`` are the estimate table's rows as shown ("Metod", "Skattning",
    "95 % intervall"), or None when withheld (too few cases, :func:`enough_cases`).
    Each estimate and interval end is recorded as shown, with the cells it rests
    on: ``measure`` in ``areas`` (treated and comparison) over ``start`` … ``end``.
    """
    from evaluation.privacy.ledger import AREA, ESTIMATE_ROLES, PERIOD, Figure, months_between

    ledger = protector.publication
    ledger.drop_output(label)
    depends = Figure.of(
        measure, {AREA: [str(a) for a in areas], PERIOD: months_between(start, end)}
    )
    if rows is None:
        ledger.add(label, depends, "estimate", None)
        return
    for i, row in enumerate(rows):
        ledger.add(label, depends, "estimate", _shown_number(row.get("Skattning")), row=i)
        ends = str(row.get("95 % intervall", "")).split(" till ")
        if len(ends) == 2:
            for role, text in zip(ESTIMATE_ROLES[1:], ends, strict=True):
                ledger.add(label, depends, role, _shown_number(text), row=i)
