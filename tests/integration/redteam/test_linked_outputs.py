"""Red team at the library level: linked outputs of several reports, derived series (R0).

These build what reports publish through the Protector (as the report code
does), attack the published figures, and check that the batch mechanism —
joint audit, then hiding the figures it names in every report — stops it.
Fast: no notebook is executed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evaluation.privacy import Protector
from evaluation.privacy.derived import (
    enough_cases,
    mask_event_study,
    mask_series,
    monthly_or_nothing,
)
from evaluation.privacy.ledger import Ledger, months_between
from evaluation.privacy.publication import repair_keys
from evaluation.privacy.publication_audit import audit_ledgers
from evaluation.privacy.recording import Context, Spec
from evaluation.privacy.rules import PrivacyRules

WINDOW = months_between(pd.Timestamp("2024-01-01"), pd.Timestamp("2024-12-31"))
UNITS = {"Enhet A": 14, "Enhet B": 11, "Enhet C": 40}  # answers
POSITIVE = {"Enhet A": 6, "Enhet B": 4, "Enhet C": 30}


def _survey_report(unit: str | None, forced: set[str]) -> Protector:
    """One survey report: a unit's answers, or the municipality-wide survey (every unit)."""
    fixed = {"enkät": ("bu",)}
    if unit is not None:
        fixed["enhet"] = (unit,)
    ctx = Context(fixed=fixed, window=WINDOW, forced=forced)
    p = Protector(None, ctx)
    units = [unit] if unit else list(UNITS)
    num = sum(POSITIVE[u] for u in units)
    den = sum(UNITS[u] for u in units)
    frame = pd.DataFrame(
        {"question_id": ["q1"], "period": ["2024"], "numerator": [num], "denominator": [den]}
    )
    frame["value"] = frame["numerator"] / frame["denominator"]
    p.shares(frame, label="Andel positiva svar", spec=Spec(domains={"enhet": list(UNITS)}))
    return p


def _publish(forced: set[str]) -> list[tuple[str, Ledger]]:
    reports = [(u or "hela kommunen", _survey_report(u, forced)) for u in [*UNITS, None]]
    return [(name, p.publication) for name, p in reports]


def test_route2_municipality_wide_survey_minus_unit_reports():
    ledgers = _publish(set())
    # the attack: whole − the units shown = the hidden unit
    whole = next(e for e in ledgers[-1][1].entries if e.role == "numerator").value
    shown = [e.value for _, led in ledgers[:-1] for e in led.entries if e.role == "numerator"]
    assert whole is not None and sum(v is None for v in shown) == 1  # B (4 of 11) hidden
    audit = audit_ledgers(ledgers)
    assert not audit.ok  # the joint audit sees what the per-report rules do not
    # the batch mechanism: hide what the audit names, in every report, until it passes
    forced: set[str] = set()
    for _ in range(4):
        if audit.ok:
            break
        forced |= repair_keys(audit.failures, [led for _, led in ledgers], forced)
        ledgers = _publish(forced)
        audit = audit_ledgers(ledgers)
    assert audit.ok, [str(f) for f in audit.failures]
    whole = next(e for e in ledgers[-1][1].entries if e.role == "numerator").value
    shown = [e.value for _, led in ledgers[:-1] for e in led.entries if e.role == "numerator"]
    if whole is not None:  # the attack no longer pins a unit
        assert sum(v is None for v in shown) == 0 or whole - sum(v or 0 for v in shown) >= 0


EARLIER = {"2021": [31, 14, 22, 27], "2022": [33, 15, 19, 26], "2023": [28, 11, 21, 24]}


def _interventions(end: str, tables: dict[str, pd.DataFrame], forced: set[str]) -> Protector:
    window = months_between(pd.Timestamp("2021-01-01"), pd.Timestamp(end))
    p = Protector(None, Context(areas=("a",), all_areas=("a", "b"), window=window, forced=forced))
    for label, table in tables.items():
        p.counts(table, label=label, spec=Spec(measure="insatser", rows="typ"))
    return p


def test_route3_two_terms_difference_cumulative_figures():
    rows = ["Öppenvård", "Familjehem", "Stödboende", "Kontaktfamilj"]
    # term 1 ends 2025-06: the year 2025 is its first half only (Familjehem 3: hidden)
    term1 = {
        "Insatser per år": pd.DataFrame(
            {**EARLIER, "2024": [30, 12, 20, 25], "2025": [14, 3, 11, 12]}, index=rows
        )
    }
    first = _interventions("2025-06-30", term1, set())
    assert first.publication.hidden_keys()
    # term 2: the whole year 2025 by year and by term; 2025H1 is the same cell as last term's
    term2 = {
        "Insatser per år": pd.DataFrame(
            {**EARLIER, "2024": [30, 12, 20, 25], "2025": [29, 9, 22, 24]}, index=rows
        ),
        "Insatser per halvår": pd.DataFrame(
            {
                "2024H1": [14, 6, 10, 12],
                "2024H2": [16, 6, 10, 13],
                "2025H1": [14, 3, 11, 12],
                "2025H2": [15, 6, 11, 12],
            },
            index=rows,
        ),
    }
    history = [("term1", first.publication)]
    naive = _interventions("2025-12-31", term2, set())
    # the attack: the full year (shown) minus its second half (shown) = last term's hidden cell
    assert not audit_ledgers([("term2", naive.publication)], history).ok
    forced = first.publication.hidden_keys()  # what the batch seeds from the earlier term
    for _ in range(4):
        second = _interventions("2025-12-31", term2, forced)
        audit = audit_ledgers([("term2", second.publication)], history)
        if audit.ok:
            break
        forced |= repair_keys(audit.failures, [second.publication], forced)
    assert audit.ok, [str(f) for f in audit.failures]
    shown_now = {e.figure.key for e in second.publication.entries if e.value is not None}
    assert not first.publication.hidden_keys() & shown_now  # hidden last term: not shown now


def test_route5_monthly_points_only_when_every_month_passes():
    p = Protector(None, Context(window=WINDOW))
    months = pd.period_range("2024-01", "2024-06", freq="M").astype(str)
    frame = pd.DataFrame(
        {"period": months, "numerator": [6, 7, 2, 9, 8, 6], "denominator": [1000.0] * 6}
    )
    frame["value"] = frame["numerator"]
    label = "Observerat per månad"
    protected = p.rates(frame, label=label, value_cols=("value",))
    observed = pd.Series(protected.frame["value"].to_numpy(), index=months)
    assert monthly_or_nothing(p, label, observed) is None
    # nothing of the monthly series stays published: the term total cannot be differenced
    assert all(e.value is None for e in p.publication.entries if e.output == label)


def test_route6_derived_series_hidden_where_the_cell_is():
    idx = pd.to_datetime(["2021-01-01", "2021-07-01", "2022-01-01", "2022-07-01", "2023-01-01"])
    observed = pd.Series([12.0, np.nan, 9.0, np.nan, 14.0], index=idx)
    gap = pd.Series([0.5, -1.0, 2.0, 3.0, 1.0], index=idx)
    masked = mask_series(gap, observed)
    assert masked.isna().tolist() == [False, True, False, True, False]
    coefs = pd.DataFrame({"event_time": [-3, -2, -1, 0, 1], "coef": [0.1, 0.2, 0.0, 0.3, 0.4]})
    kept = mask_event_study(coefs, observed, pd.Timestamp("2022-01-01"))
    # start 2022-01 → event time 0 = 2022H1; hidden terms are 2021H2 (−1) and 2022H2 (+1)
    assert kept["event_time"].tolist() == [-2, 0]


@pytest.mark.parametrize(
    ("before", "after", "ok"), [(40, 8, False), (9, 30, False), (10, 10, True)]
)
def test_aggregate_estimate_needs_cases_before_and_after(before, after, ok):
    assert enough_cases(before, after, PrivacyRules()) is ok
