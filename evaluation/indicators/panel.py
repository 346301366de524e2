"""Area × period panel of counts and denominators for the causal methods."""

from __future__ import annotations

import pandas as pd

from evaluation import codes
from evaluation.indicators.base import count_by, grid, grouped_periods
from evaluation.indicators.groups import Group
from evaluation.indicators.periods import Freq
from evaluation.indicators.population import exposure


def _count(frame: pd.DataFrame | None, groups, date_col, freq, start, end, name,
           mask=None) -> pd.DataFrame | None:
    if frame is None:
        return None
    data = frame if mask is None else frame[mask(frame)]
    rows = grouped_periods(data, groups, date_col, freq, start, end)
    return count_by(rows, ["group", "period"], grid(groups, start, end, freq)).rename(
        columns={"count": name})


def area_panel(data, area_codes: list[str], start, end, freq: Freq) -> pd.DataFrame:
    """One row per area and period: exposure and every count the outcomes need."""
    groups = [Group(code, (code,), "area") for code in area_codes]
    panel = exposure(data.area_statistics, groups, start, end, freq).rename(
        columns={"person_years": "person_years"})
    parts = []
    refs = data.referrals
    if refs is not None:
        school = {"school", "preschool"}
        parts += [
            _count(refs, groups, "received_date", freq, start, end, "referrals"),
            _count(refs, groups, "received_date", freq, start, end, "referrals_public",
                   lambda f: f["reporter_category"] == "public"),
            _count(refs, groups, "received_date", freq, start, end, "referrals_school",
                   lambda f: f["reporter_category"].isin(school)),
        ]
    a = data.assessments
    if a is not None:
        parts += [
            _count(a, groups, "start_date", freq, start, end, "joint_assessments",
                   lambda f: f["joint_with_provider"].eq(True).fillna(False).astype(bool)),
            _count(a, groups, "start_date", freq, start, end, "assessments_known",
                   lambda f: f["joint_with_provider"].notna()),
        ]
    iv = data.interventions
    if iv is not None:
        placed = iv["intervention_type"].isin(codes.PLACEMENT_TYPES)
        parts += [
            _count(iv, groups, "decision_date", freq, start, end, "placements",
                   lambda f: f["intervention_type"].isin(codes.PLACEMENT_TYPES)),
            _count(iv[placed], groups, "decision_date", freq, start, end, "placements_known",
                   lambda f: f["prior_open_care"].notna()),
            _count(iv[placed], groups, "decision_date", freq, start, end,
                   "placements_without_open_care",
                   lambda f: f["prior_open_care"].eq(False).fillna(False).astype(bool)),
        ]
    for part in parts:
        panel = panel.merge(part.drop(columns="period_start"), on=["group", "period"],
                            how="left")
    starts = grid(groups, start, end, freq)[["period", "period_start"]].drop_duplicates()
    panel = panel.merge(starts, on="period", how="left")
    panel["group"] = panel["group"].astype(str)
    return panel.rename(columns={"group": "area_code"}).sort_values(
        ["area_code", "period"]).reset_index(drop=True)
