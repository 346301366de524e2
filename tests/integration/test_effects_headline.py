"""The sample's Skäggetorp effects: one headline per outcome that recovers the known effects."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from evaluation.reports import effects
from evaluation.reports.context import open_report

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def report():
    return open_report(ROOT / "params" / "skaggetorp_outcome_followup.yaml")


@pytest.mark.parametrize(
    ("key", "direction", "truth"),
    [
        ("joint_assessment_share", 1, 40.0),  # 15 % → 55 % against 10 % elsewhere
        ("referrals_public_per_1000_children", 1, None),  # rate ratio 1.5
    ],
)
def test_known_effects_recovered_by_the_headline(report, key, direction, truth):
    group = effects.outcome_effects(report, key, plots=False)
    html = group._repr_html_()
    start = pd.Timestamp(report.params.intervention_start)
    pool = tuple(effects.donor_pool(report))
    results, _, _ = effects._run_all(report, effects.OUTCOMES[key], start, pool)  # cached
    headline, reasons = effects.headline_choice(results)
    assert headline is not None, reasons
    res = results[headline]
    res = res[0] if isinstance(res, tuple) else res
    assert res.ci_low * direction > 0 or res.ci_high * direction > 0
    assert (res.estimate - res.null_value) * direction > 0
    if truth is not None:
        assert res.ci_low <= truth <= res.ci_high
    head = group.items[1]._repr_html_()
    assert "Huvudskattning" in head and "obegränsat" not in head
    assert "<details><summary>Känslighetsanalys</summary>" in html
    assert "0580" not in head  # areas by name, never by code


def test_effort_areas_leave_the_pool_and_the_pool_is_named(report):
    pool = effects.donor_pool(report)
    assert report.area_code not in pool and len(pool) >= 5
    section_note = effects.effect_section.__doc__
    assert section_note
    assert report.area_code in effects.effort_areas(report)
