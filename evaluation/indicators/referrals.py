"""Referral (orosanmälan) indicators: rates per 1 000 children and the reporter mix."""

from __future__ import annotations

import pandas as pd

from evaluation.indicators.base import count_by, grid, grouped_periods
from evaluation.indicators.groups import Group
from evaluation.indicators.periods import Freq
from evaluation.indicators.population import exposure
from evaluation.indicators.shares import add_rate, add_share
from evaluation.metadata import codes


def referral_rates(
    referrals: pd.DataFrame,
    area_statistics: pd.DataFrame,
    groups: list[Group],
    start,
    end,
    freq: Freq,
    reporters: tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """Referrals per 1 000 children 0–17 and year, per group and period, Garwood intervals."""
    data = (
        referrals
        if reporters is None
        else referrals[referrals["reporter_category"].isin(reporters)]
    )
    rows = grouped_periods(data, groups, "received_date", freq, start, end)
    counts = count_by(rows, ["group", "period"], grid(groups, start, end, freq))
    expo = exposure(area_statistics, groups, start, end, freq)
    frame = counts.merge(expo, on=["group", "period"], how="left")
    frame = frame.rename(columns={"count": "numerator", "person_years": "denominator"})
    return add_rate(frame, per=1000.0)


#: Broad reporter classes for the mix: fewer small cells than the nine contract codes.
REPORTER_CLASS = {
    "school": "Skola och förskola",
    "preschool": "Skola och förskola",
    "police": "Polis",
    "healthcare": "Hälso- och sjukvård",
    "public": "Allmänhet",
    "social_services": "Övriga",
    "family": "Övriga",
    "self": "Övriga",
    "other": "Övriga",
}


def reporter_mix(
    referrals: pd.DataFrame,
    groups: list[Group],
    start,
    end,
    freq: Freq,
    classes: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Each reporter category's (or class's) share of the period's referrals, Wilson intervals."""
    mapping = classes or {c: c for c in codes.REPORTER_CATEGORY}
    data = referrals.assign(reporter_category=referrals["reporter_category"].map(mapping))
    rows = grouped_periods(data, groups, "received_date", freq, start, end)
    complete = grid(
        groups, start, end, freq, extra={"reporter_category": list(dict.fromkeys(mapping.values()))}
    )
    counts = count_by(rows, ["group", "period", "reporter_category"], complete)
    totals = counts.groupby(["group", "period"], observed=True)["count"].transform("sum")
    frame = counts.rename(columns={"count": "numerator"}).assign(denominator=totals)
    return add_share(frame)
