"""Time series of counts (docs/privacy.md R5): choose a grain every period passes.

A series is shown by month only if no month is 1 … min_count − 1; otherwise
months are summed to the first grain in ``grains`` where every period of every
group passes (one grain for the whole output, so groups stay comparable).
If none does, the coarsest grain is used and small periods are hidden. The
whole period's total of a series usually appears elsewhere in the report, so
within each series the R3 rule is applied along time as well: a lone hidden
period, or hidden periods adding up to less than ``min_count``, take the next
smallest non-zero period with them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from pandas.api.types import is_datetime64_any_dtype

from evaluation.exceptions import PrivacyError
from evaluation.privacy import frames
from evaluation.privacy.rules import PrivacyRules

GRAINS = ("month", "quarter", "term", "year")
PERIOD_START = "period_start"


def _months(values: pd.Series, label: str) -> pd.Series:
    if isinstance(values.dtype, pd.PeriodDtype):
        return values.dt.asfreq("M")
    try:
        stamps = (
            values
            if is_datetime64_any_dtype(values)
            else pd.to_datetime(values.astype(str), format="mixed")
        )
    except (TypeError, ValueError):
        raise PrivacyError(
            f"{label}: tidskolumnen har värden som inte är datum "
            "eller månader (väntat t.ex. 2024-01 eller 2024-01-31)"
        ) from None
    if stamps.isna().any():
        raise PrivacyError(f"{label}: tidskolumnen har tomma värden")
    if getattr(stamps.dt, "tz", None) is not None:
        stamps = stamps.dt.tz_localize(None)
    return stamps.dt.to_period("M")


def _period(months: pd.Series, grain: str) -> tuple[pd.Series, pd.Series]:
    """Label ("2024-01", "2024K1", "2024H1", "2024") and first day of each month's period."""
    year = months.dt.year
    month = months.dt.month
    if grain == "month":
        labels = year.astype(str) + "-" + month.map("{:02d}".format)
        first = month
    elif grain == "quarter":
        q = (month - 1) // 3 + 1
        labels = year.astype(str) + "K" + q.astype(str)
        first = 3 * (q - 1) + 1
    elif grain == "term":
        h = np.where(month <= 6, 1, 2)
        labels = year.astype(str) + "H" + pd.Series(h, index=months.index).astype(str)
        first = pd.Series(np.where(h == 1, 1, 7), index=months.index)
    else:
        labels = year.astype(str)
        first = pd.Series(1, index=months.index)
    start = pd.to_datetime(pd.DataFrame({"year": year, "month": first, "day": 1}))
    return labels.astype(str), start


def _secondary_along_time(
    counts: np.ndarray, hidden: np.ndarray, rules: PrivacyRules
) -> np.ndarray:
    """Hand-written R3 rule along one series (see module docstring)."""
    hidden = hidden.copy()
    while hidden.any():
        mass = counts[hidden].sum()
        if hidden.sum() >= 2 and mass >= rules.min_count:
            break
        options = np.flatnonzero(~hidden & (counts > 0))
        if options.size == 0:
            break
        hidden[options[np.argmin(counts[options])]] = True
    return hidden


def protect_series(
    frame: pd.DataFrame,
    rules: PrivacyRules,
    *,
    label: str,
    time: str,
    count: str,
    group_cols: Sequence[str] = (),
    grains: Sequence[str] = GRAINS,
    forced=None,
):
    """Protect a time series so that no hidden period can be derived from the rest.

    ``forced(table)`` may name further periods to hide (kept hidden by the batch, R0).
    """
    group_cols = [group_cols] if isinstance(group_cols, str) else list(group_cols)
    grains = [grains] if isinstance(grains, str) else list(grains)
    unknown = [g for g in grains if g not in GRAINS]
    if not grains or unknown:
        raise PrivacyError(f"{label}: tidsindelningar ska väljas bland {GRAINS}, fick {grains}")
    if frames.SUPPRESSED in frame.columns:
        raise PrivacyError(f"{label}: tabellen är redan skyddad (R1)")
    frames.require(frame, [time, count, *group_cols], label)
    counts = frames.counts_of(frame, count, label)
    if np.isnan(counts).any():
        raise PrivacyError(f"{label}: kolumnen {count!r} har tomma värden")
    months = _months(frame[time], label)

    chosen, table = grains[-1], None
    for grain in grains:
        labels, start = _period(months, grain)
        data = frame[group_cols].copy()
        data[time], data[PERIOD_START], data[count] = labels, start, counts
        agg = (
            data.groupby([*group_cols, time, PERIOD_START], dropna=False, sort=True)[count]
            .sum()
            .reset_index()
        )
        table = agg
        if not rules.is_small(agg[count].to_numpy()).any():
            chosen = grain
            break

    assert table is not None  # grains is not empty, so the loop ran
    values = table[count].to_numpy(dtype=float)
    hide = rules.is_small(values)
    if forced is not None:
        hide = hide | np.asarray(forced(table), dtype=bool)
    if hide.any():
        keys = [table[c] for c in group_cols] or [pd.Series(0, index=table.index)]
        for _, idx in table.groupby(keys, dropna=False, sort=False).indices.items():
            hide[idx] = _secondary_along_time(values[idx], hide[idx], rules)
    return frames.apply(table, hide, [count], label, "series", grain=chosen)
