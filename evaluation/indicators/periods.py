"""Reporting periods: month, quarter, term (half-year) and year labels."""

from __future__ import annotations

from typing import Literal

import pandas as pd

Freq = Literal["month", "quarter", "term", "year"]

_PANDAS_FREQ = {"month": "MS", "quarter": "QS", "term": "6MS", "year": "YS"}


def period_label(dates: pd.Series, freq: Freq) -> pd.Series:
    """Label each date with its period: ``2024-03``, ``2024K1``, ``2024H1`` or ``2024``."""
    d = pd.to_datetime(dates)
    year = d.dt.year.astype("Int64").astype("string")
    if freq == "month":
        month = d.dt.month.astype("Int64").astype("string").str.pad(2, fillchar="0")
        return year + "-" + month
    if freq == "quarter":
        return year + "K" + d.dt.quarter.astype("Int64").astype("string")
    if freq == "term":
        return year + "H" + ((d.dt.month > 6).astype("Int64") + 1).astype("string")
    if freq == "year":
        return year
    raise ValueError(f"unknown period frequency {freq!r}")


def period_start(dates: pd.Series, freq: Freq) -> pd.Series:
    """First day of each date's period."""
    d = pd.to_datetime(dates)
    if freq == "month":
        return d.dt.to_period("M").dt.start_time
    if freq == "quarter":
        return d.dt.to_period("Q").dt.start_time
    if freq == "term":
        return pd.to_datetime(dict(year=d.dt.year, month=((d.dt.month > 6) * 6 + 1), day=1))
    return d.dt.to_period("Y").dt.start_time


def period_frame(start: pd.Timestamp, end: pd.Timestamp, freq: Freq) -> pd.DataFrame:
    """Every complete or partial period between two dates: label, start, end, share of a year."""
    first = period_start(pd.Series([start]), freq).iloc[0]
    step = {"month": 1, "quarter": 3, "term": 6, "year": 12}[freq]
    starts = pd.date_range(first, end, freq=pd.DateOffset(months=step))
    frame = pd.DataFrame({"period_start": starts})
    frame["period_end"] = frame["period_start"] + pd.DateOffset(months=step) - pd.Timedelta(days=1)
    # pandas-stubs type clip's bounds as numbers; a Timestamp bound works on datetimes.
    frame["period_end"] = frame["period_end"].clip(upper=pd.Timestamp(end))  # type: ignore[call-overload]
    frame["period"] = period_label(frame["period_start"], freq)
    days_in_year = 365.25
    frame["years"] = ((frame["period_end"] - frame["period_start"]).dt.days + 1) / days_in_year
    return frame[["period", "period_start", "period_end", "years"]]
