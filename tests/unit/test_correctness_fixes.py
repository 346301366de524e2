"""Three correctness bugs seen in the sample reports, each pinned by a test."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def skaggetorp():
    from evaluation.reports.context import open_report

    return open_report(ROOT / "params" / "skaggetorp_outcome_followup.yaml")


def test_ongoing_investigations_total_counts_each_investigation_once(skaggetorp):
    from evaluation.reports.outcome_followup import ongoing_investigations_table

    r = skaggetorp
    inv = r.data.investigations
    codes = [c for g in r.area_groups for c in g.codes]
    ongoing = inv[
        inv["area_code"].isin(codes) & (inv["start_date"] <= r.end) & inv["end_date"].isna()
    ]
    table = ongoing_investigations_table(r)
    shown = table.frame if hasattr(table, "frame") else table.cells
    grand = shown.loc["Totalt", "Totalt"] if "Totalt" in shown.columns else shown.iloc[-1, -1]
    assert int(str(grand).replace("\u00a0", "").replace(" ", "")) == len(ongoing)
