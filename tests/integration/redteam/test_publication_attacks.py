"""Red team: attack the rendered publication the way a careful outside reader would (R0).

A crafted small municipality (three areas, one of 40 children, rare intervention
types) is rendered as two consecutive terms (``period_end`` one term apart) with
the batch pipeline. The attacks read only the HTML pages: they set up the
linear relations a reader knows (pooled comparison column = its areas, the
municipality = all its areas, table totals, the same year in two terms) and
check that no hidden cell is determined by them. The joint audit must pass too.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from evaluation.privacy.publication_audit import audit_reports_dir
from evaluation.privacy.symbols import HIDDEN, TOTAL
from tests.integration.redteam.conftest import TINY_START, TINY_TERMS
from tests.integration.redteam.pages import (
    assert_no_effect_figure_for_hidden_terms,
    event_study_leaks,
    its_points,
    monthly_series,
    synthetic_control_leaks,
)
from tests.tiny_data import AREAS

POOL, MUNICIPALITY = "Jämförelseområden", "Hela kommunen"
TERMS = TINY_TERMS


@pytest.fixture
def publication(tiny_publication):
    """The shared rendering (``conftest.py``) as (reports folder, results, pages)."""
    p = tiny_publication
    return p.reports, p.results, p.pages


def _tables(soup, kinds):
    """(caption, header, rows) of every table of the given kinds, as text."""
    for fig in soup.select("figure.ev-table"):
        if fig.get("data-kind") not in kinds:
            continue
        rows = fig.find_all("tr")
        head = [c.get_text(strip=True) for c in rows[0].find_all(["th", "td"])]
        body = [[c.get_text(strip=True) for c in r.find_all(["th", "td"])] for r in rows[1:]]
        yield fig.find("caption").get_text(strip=True), head, body


def _count(text: str) -> float | None:
    t = text.replace("\u00a0", "").replace(" ", "")
    return float(t) if re.fullmatch(r"\d+", t) else None


def _determined(equations: list[dict], unknowns: list) -> list:
    """Unknowns whose value follows from the equations (a unit vector in their row space)."""
    if not equations or not unknowns:
        return []
    pos = {u: i for i, u in enumerate(unknowns)}
    a = np.zeros((len(equations), len(unknowns)))
    for r, eq in enumerate(equations):
        for var, coef in eq.items():
            if var in pos:
                a[r, pos[var]] += coef
    a = a[np.abs(a).sum(axis=1) > 0]
    if not len(a):
        return []
    rank = np.linalg.matrix_rank(a)
    out = []
    for u, i in pos.items():
        e = np.zeros(len(unknowns))
        e[i] = 1
        if np.linalg.matrix_rank(np.vstack([a, e])) == rank:
            out.append(u)
    return out


def test_both_terms_render_and_pass_the_joint_audit(publication):
    reports, results, _ = publication
    for batch, result in results.items():
        assert result.ok, [r.message for r in result.failed]
        assert (reports / batch / "norrby" / "outcome_followup.ledger.json").is_file()
    audits = audit_reports_dir(reports)
    assert set(audits) == set(TERMS)
    assert all(a.ok for a in audits.values()), [str(f) for a in audits.values() for f in a.failures]
    assert all(a.targets > 0 for a in audits.values())  # there was something to protect


def test_route1_pooled_column_minus_visible_areas(publication):
    """Pooled comparison column and municipality column against the areas shown beside them."""
    _, _, pages = publication
    names = [a[1] for a in AREAS]
    attacked = 0
    for batch, soup in pages.items():
        for caption, head, body in _tables(soup, {"shares", "rates"}):
            groups = head[1:]
            if POOL not in groups and MUNICIPALITY not in groups:
                continue
            for row in body:
                cell = dict(zip(groups, row[1:], strict=False))
                unknown = [g for g, v in cell.items() if v == HIDDEN]
                eqs = []
                if POOL in cell:
                    eqs.append({POOL: 1, "Söderby": -1, "Lillby": -1})
                if MUNICIPALITY in cell:  # the crafted municipality has exactly these areas
                    eqs.append({MUNICIPALITY: 1, **{n: -1 for n in names}})
                free = [g for g in names if g not in cell]  # areas not shown: unknown too
                attacked += bool(unknown)
                found = [g for g in _determined(eqs, unknown + free) if g in unknown]
                assert not found, f"{batch} {caption!r} {row[0]}: {found} follow by difference"
    assert attacked, "the crafted data should leave hidden cells to attack"


def _count_tables(soup):
    for caption, head, body in _tables(soup, {"counts"}):
        yield caption, head[1:], body


def test_route3_two_terms_cumulative_totals(publication):
    """The same count table in two terms: shared complete years, totals of each term."""
    _, _, pages = publication
    first, second = (pages[b] for b in TERMS)
    one = {c: (h, b) for c, h, b in _count_tables(first)}
    two = {c: (h, b) for c, h, b in _count_tables(second)}
    shared = set(one) & set(two)
    assert shared
    for caption in shared:
        equations, unknown = [], set()
        for term, (head, body) in (("H1", one[caption]), ("H2", two[caption])):

            def var(row, col, term=term):
                # complete years are the same cells in both terms; 2023 (and totals) differ
                return (row, col) if col.isdigit() and col != "2023" else (term, row, col)

            cols = head
            for row in body:
                label, cells = row[0], row[1:]
                for col, text in zip(cols, cells, strict=False):
                    if text == HIDDEN:
                        unknown.add(var(label, col))
                if TOTAL in cols:
                    eq = {var(label, c): 1 for c in cols if c != TOTAL}
                    eq[var(label, TOTAL)] = -1
                    equations.append(eq)
            rows = [r[0] for r in body]
            if TOTAL in rows:
                for col in cols:
                    eq = {var(r, col): 1 for r in rows if r != TOTAL}
                    eq[var(TOTAL, col)] = -1
                    equations.append(eq)
        found = _determined(equations, sorted(unknown, key=str))
        assert not found, f"{caption!r}: {found} follow from the two terms together"


def test_route4_totals_of_two_tables_of_one_report(publication):
    """Interventions by level (all types) minus by type (without placements) = placements."""
    _, _, pages = publication
    for batch, soup in pages.items():
        totals = {}
        for caption, head, body in _count_tables(soup):
            if caption.startswith("Beslutade insatser") and TOTAL in [r[0] for r in body]:
                total_row = next(r for r in body if r[0] == TOTAL)
                totals[caption] = dict(zip(head, total_row[1:], strict=False))
        by_type = [v for k, v in totals.items() if "efter typ" in k]
        by_level = [v for k, v in totals.items() if "efter nivå" in k]
        for t in by_type:
            for lv in by_level:
                for year, text in t.items():
                    a, b = _count(text), _count(lv.get(year, HIDDEN))
                    if a is not None and b is not None:
                        placements = b - a
                        assert not 0 < placements < 5, f"{batch} {year}: placements = {placements}"


def test_no_page_shows_a_small_count(publication):
    _, _, pages = publication
    for soup in pages.values():
        for _, _, body in _count_tables(soup):
            for row in body:
                for text in row[1:]:
                    v = _count(text)
                    assert v is None or v == 0 or v >= 5


def test_ledgers_hold_no_hidden_value(publication):
    reports, _, _ = publication
    from evaluation.privacy.ledger import Ledger

    for path in Path(reports).rglob("*.ledger.json"):
        for e in Ledger.load(path).entries:
            assert e.target is False or e.value is None


def test_route5_no_monthly_series_with_a_hidden_month_on_the_pages(publication):
    """Monthly points only where every month passes (R5): CSV downloads, and chart points."""
    import pandas as pd

    _, _, pages = publication
    for batch, soup in pages.items():
        # the interrupted time series draws every month of the window, or none
        months = len(pd.period_range("2021-01", TERMS[batch][:7], freq="M"))
        assert its_points(soup) in (None, 0, months), batch
        for caption, series in monthly_series(soup).items():
            for label, cells in series.items():
                hidden = [m for m, t in cells.items() if t == HIDDEN]
                shown = [m for m, t in cells.items() if t not in (HIDDEN, "", "–")]
                assert not (hidden and shown), (batch, caption, label, hidden)


def test_route6_effects_section_gives_nothing_for_a_hidden_term(publication):
    """Alt texts and downloads, and the event-study points read off the chart image."""
    _, _, pages = publication
    for batch, soup in pages.items():
        assert_no_effect_figure_for_hidden_terms(soup, "Norrby")
        drawn, leaks, relations = event_study_leaks(soup, "Norrby", TINY_START)
        assert not leaks, (batch, drawn, leaks)
        assert not synthetic_control_leaks(soup), batch
        print(batch, "event study: drawn", drawn, "relations", relations)


def test_every_page_figure_is_accounted_for_by_the_ledger(publication):
    """The audit's page side: shares, rates, counts, alt texts and sentences all in the ledger."""
    from evaluation.privacy.page_check import read_pages

    reports, _, _ = publication
    for batch in TERMS:
        reading = read_pages(reports / batch)
        assert reading.figures > 50
        assert not reading.failures, [str(f) for f in reading.failures[:5]]
