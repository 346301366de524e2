"""Assessment and investigation indicators: volumes, time limits, joint work, child interviews."""

from __future__ import annotations

import pandas as pd

from evaluation.indicators.base import count_by, grid, grouped_periods
from evaluation.indicators.groups import Group, assign_groups
from evaluation.indicators.periods import Freq
from evaluation.indicators.shares import share_by

ASSESSMENT_DAYS = 14  # legal limit for a förhandsbedömning
INVESTIGATION_DAYS = 120  # reports use "inom 120 dagar" for the four-month limit


def assessment_counts(
    assessments: pd.DataFrame, groups: list[Group], start, end, freq: Freq
) -> pd.DataFrame:
    """Number of assessments started per group and period."""
    rows = grouped_periods(assessments, groups, "start_date", freq, start, end)
    return count_by(rows, ["group", "period"], grid(groups, start, end, freq))


def _within_limit(
    rows: pd.DataFrame,
    start_col: str,
    end_col: str,
    days: int,
    data_end,
    groups: list[Group],
    start,
    end,
    freq: Freq,
) -> pd.DataFrame:
    """Share done within ``days``, among those done or open longer than ``days`` at data end."""
    took = (rows[end_col] - rows[start_col]).dt.days
    open_days = (pd.Timestamp(data_end) - rows[start_col]).dt.days
    eligible = rows[end_col].notna() | (open_days > days)
    success = rows[end_col].notna() & (took <= days)
    return share_by(
        rows, ["group", "period"], success, eligible, complete=grid(groups, start, end, freq)
    )


def assessments_within_limit(
    assessments: pd.DataFrame, groups: list[Group], start, end, freq: Freq, data_end
) -> pd.DataFrame:
    """Share decided within 14 days, among those decided or open longer than 14 days."""
    rows = grouped_periods(assessments, groups, "start_date", freq, start, end)
    return _within_limit(
        rows, "start_date", "decision_date", ASSESSMENT_DAYS, data_end, groups, start, end, freq
    )


def joint_assessment_share(
    assessments: pd.DataFrame, groups: list[Group], start, end, freq: Freq
) -> pd.DataFrame:
    """Share of assessments done jointly with the provider's support unit (known values only)."""
    rows = grouped_periods(assessments, groups, "start_date", freq, start, end)
    joint = rows["joint_with_provider"]
    return share_by(
        rows,
        ["group", "period"],
        joint.fillna(False).astype(bool),
        joint.notna(),
        complete=grid(groups, start, end, freq),
    )


def investigations_within_limit(
    investigations: pd.DataFrame, groups: list[Group], start, end, freq: Freq, data_end
) -> pd.DataFrame:
    """Share completed within 120 days, among completed or open longer than 120 days."""
    rows = grouped_periods(investigations, groups, "start_date", freq, start, end)
    return _within_limit(
        rows, "start_date", "end_date", INVESTIGATION_DAYS, data_end, groups, start, end, freq
    )


def child_interviewed_share(
    investigations: pd.DataFrame, groups: list[Group], start, end, freq: Freq
) -> pd.DataFrame:
    """Share of completed investigations where the child was interviewed."""
    rows = grouped_periods(investigations, groups, "start_date", freq, start, end)
    known = rows["end_date"].notna() & rows["child_interviewed"].notna()
    return share_by(
        rows,
        ["group", "period"],
        rows["child_interviewed"].fillna(False).astype(bool),
        known,
        complete=grid(groups, start, end, freq),
    )


def investigation_duration(
    investigations: pd.DataFrame, groups: list[Group], start, end, freq: Freq
) -> pd.DataFrame:
    """Median days from start to end of completed investigations, with the number behind it."""
    rows = grouped_periods(investigations, groups, "end_date", freq, start, end)
    rows = rows[rows["end_date"].notna()].assign(
        days=(rows["end_date"] - rows["start_date"]).dt.days
    )
    agg = (
        rows.groupby(["group", "period"], observed=True)["days"]
        .agg(n="size", median="median")
        .reset_index()
    )
    complete = grid(groups, start, end, freq)
    out = complete.merge(agg, on=["group", "period"], how="left")
    out["n"] = out["n"].fillna(0).astype(int)
    return out


def ongoing_investigations(
    investigations: pd.DataFrame, groups: list[Group], data_end
) -> pd.DataFrame:
    """Investigations still open at the end of the data: up to and over 120 days old.

    The two columns split the ongoing investigations, so a row's total is all of them
    (a "varav" column would be counted twice by any total, R9's total-only form too).
    """
    rows = assign_groups(
        investigations[investigations["start_date"] <= pd.Timestamp(data_end)], groups
    )
    ongoing = rows[rows["end_date"].isna()]
    over = (pd.Timestamp(data_end) - ongoing["start_date"]).dt.days > INVESTIGATION_DAYS
    table = (
        pd.DataFrame(
            {
                "högst 120 dagar": ongoing[~over].groupby("group", observed=False).size(),
                "längre än 120 dagar": ongoing[over].groupby("group", observed=False).size(),
            }
        )
        .fillna(0)
        .astype(int)
    )
    table.index.name = None
    return table
