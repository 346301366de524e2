"""Intervention (insats) indicators: mix, placements without open care, endings, execution."""

from __future__ import annotations

import pandas as pd

from evaluation.indicators.base import (
    category_by_period,
    count_by,
    grid,
    grouped_periods,
    in_window,
)
from evaluation.indicators.groups import Group
from evaluation.indicators.periods import Freq
from evaluation.indicators.population import exposure
from evaluation.indicators.shares import add_rate, share_by
from evaluation.metadata import codes

EXECUTION_LIMIT = pd.DateOffset(months=3)  # IVO reporting of ej verkställda beslut


def intervention_crosstab(
    interventions: pd.DataFrame,
    codes_: tuple[str, ...],
    by: str,
    start,
    end,
    freq: Freq,
    labels: dict[str, str],
) -> pd.DataFrame:
    """Interventions decided in ``codes_`` areas: rows = periods, columns = ``by`` categories."""
    rows = in_window(
        interventions[
            interventions["area_code"].isin(codes_) & interventions[by].isin(list(labels))
        ],
        "decision_date",
        start,
        end,
    )
    return category_by_period(rows, "decision_date", by, freq, labels)


def placements_without_open_care(
    interventions: pd.DataFrame, groups: list[Group], start, end, freq: Freq
) -> pd.DataFrame:
    """Share of placements whose child had no open care before (prior_open_care known)."""
    rows = grouped_periods(interventions, groups, "decision_date", freq, start, end)
    placed = rows["intervention_type"].isin(codes.PLACEMENT_TYPES) & rows["prior_open_care"].notna()
    success = rows["prior_open_care"].eq(False).fillna(False).astype(bool)
    return share_by(
        rows, ["group", "period"], success, placed, complete=grid(groups, start, end, freq)
    )


def placement_rates(
    interventions: pd.DataFrame,
    area_statistics: pd.DataFrame,
    groups: list[Group],
    start,
    end,
    freq: Freq,
) -> pd.DataFrame:
    """Placements decided per 1 000 children 0–17 and year."""
    placed = interventions[interventions["intervention_type"].isin(codes.PLACEMENT_TYPES)]
    rows = grouped_periods(placed, groups, "decision_date", freq, start, end)
    counts = count_by(rows, ["group", "period"], grid(groups, start, end, freq))
    frame = counts.merge(
        exposure(area_statistics, groups, start, end, freq), on=["group", "period"], how="left"
    )
    return add_rate(frame.rename(columns={"count": "numerator", "person_years": "denominator"}))


def unplanned_endings(
    interventions: pd.DataFrame, groups: list[Group], start, end, freq: Freq
) -> pd.DataFrame:
    """Share of ended interventions that ended unplanned, by period of ending."""
    ended = interventions[interventions["end_date"].notna() & interventions["end_reason"].notna()]
    rows = grouped_periods(ended, groups, "end_date", freq, start, end)
    return share_by(
        rows,
        ["group", "period"],
        rows["end_reason"].eq("unplanned"),
        complete=grid(groups, start, end, freq),
    )


def unexecuted_decisions(
    interventions: pd.DataFrame, groups: list[Group], start, end, freq: Freq, data_end
) -> pd.DataFrame:
    """Share of decisions (bistånd) not executed within three months of the decision."""
    rows = grouped_periods(
        interventions[interventions["basis"] == "decision"],
        groups,
        "decision_date",
        freq,
        start,
        end,
    )
    deadline = rows["decision_date"] + EXECUTION_LIMIT
    eligible = deadline <= pd.Timestamp(data_end)
    late = rows["start_date"].isna() | (rows["start_date"] > deadline)
    return share_by(
        rows,
        ["group", "period"],
        late.astype(bool),
        eligible,
        complete=grid(groups, start, end, freq),
    )
