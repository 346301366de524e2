"""Area × period panel of counts and denominators for the causal methods."""

from __future__ import annotations

import pandas as pd

from evaluation.indicators.base import in_window
from evaluation.indicators.groups import Group
from evaluation.indicators.periods import Freq, period_frame, period_label
from evaluation.indicators.population import exposure
from evaluation.metadata import codes

_SCHOOL = ("school", "preschool")


def _counts(
    frame: pd.DataFrame | None, date_col: str, freq: Freq, start, end, columns: dict
) -> pd.DataFrame | None:
    """Counts per area and period for each named row mask (one pass per table)."""
    if frame is None:
        return None
    rows = in_window(frame, date_col, start, end)
    keys = [rows["area_code"].astype(str), period_label(rows[date_col], freq)]
    parts = {name: mask(rows).astype(int).groupby(keys).sum() for name, mask in columns.items()}
    out = pd.DataFrame(parts)
    out.index.names = ["area_code", "period"]
    return out


def area_panel(data, area_codes: list[str], start, end, freq: Freq) -> pd.DataFrame:
    """One row per area and period: child person-years and every count the outcomes need."""
    periods = period_frame(pd.Timestamp(start), pd.Timestamp(end), freq)
    index = pd.MultiIndex.from_product(
        [list(area_codes), list(periods["period"])], names=["area_code", "period"]
    )
    panel = pd.DataFrame(index=index)
    every = lambda f: pd.Series(True, index=f.index)  # noqa: E731
    is_placement = lambda f: f["intervention_type"].isin(codes.PLACEMENT_TYPES)  # noqa: E731
    tables = [
        (
            data.referrals,
            "received_date",
            {
                "referrals": every,
                "referrals_public": lambda f: f["reporter_category"] == "public",
                "referrals_school": lambda f: f["reporter_category"].isin(_SCHOOL),
            },
        ),
        (
            data.assessments,
            "start_date",
            {
                "joint_assessments": lambda f: f["joint_with_provider"].eq(True).fillna(False),
                "assessments_known": lambda f: f["joint_with_provider"].notna(),
            },
        ),
        (
            data.interventions,
            "decision_date",
            {
                "placements": is_placement,
                "placements_known": lambda f: is_placement(f) & f["prior_open_care"].notna(),
                "placements_without_open_care": lambda f: (
                    is_placement(f) & f["prior_open_care"].eq(False).fillna(False)
                ),
            },
        ),
    ]
    for frame, date_col, columns in tables:
        counts = _counts(frame, date_col, freq, start, end, columns)
        if counts is not None:
            panel = panel.join(counts.reindex(index, fill_value=0))
    groups = [Group(code, (code,), "area") for code in area_codes]
    expo = (
        exposure(data.area_statistics, groups, start, end, freq)
        .rename(columns={"group": "area_code"})
        .set_index(["area_code", "period"])
    )
    panel = panel.join(expo[["person_years"]]).reset_index()
    panel = panel.merge(periods[["period", "period_start"]], on="period", how="left")
    count_cols = [
        c for c in panel.columns if c not in ("area_code", "period", "period_start", "person_years")
    ]
    panel[count_cols] = panel[count_cols].fillna(0).astype(int)
    return panel.sort_values(["area_code", "period"]).reset_index(drop=True)
