"""Integration: the Skäggetorp outcome follow-up rendered from the bundled sample."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from evaluation.render import render_report

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample")
    render_report(ROOT / "params" / "skaggetorp_outcome_followup.yaml", out)
    html = (out / "skaggetorp" / "outcome_followup.html").read_text(encoding="utf-8")
    return html, BeautifulSoup(html, "html.parser")


def test_report_is_self_contained_and_has_no_code(report):
    html, soup = report
    assert not re.search(r"(src|href)=[\"']https?://", html)
    assert not soup.select(".jp-InputArea, .input_area")
    assert "Syntetiska data" in html


def test_at_least_six_charts_with_alt_text_and_a_sentence(report):
    _, soup = report
    charts = soup.select("figure.ev-chart")
    assert len(charts) >= 6
    for fig in charts:
        img = fig.find("img")
        assert img["src"].startswith("data:image/png;base64,")
        assert len(img.get("alt", "")) > 20
        assert fig.find("figcaption").get_text(strip=True).startswith("Diagrammet visar")


def test_every_section_of_the_issue_is_present(report):
    _, soup = report
    text = soup.get_text(" ")
    for phrase in [
        "Orosanmälningar per 1 000 barn",
        "gemensamt med utföraren",
        "inom 14 dagar",
        "inom 120 dagar",
        "Mediantid",
        "barnsamtal",
        "Pågående utredningar",
        "inte haft öppenvård före placeringen",
        "oplanerat avslut",
        "inte verkställts inom tre månader",
        "Aktiviteter i Skäggetorp",
        "Sekretessregler",
    ]:
        assert phrase.lower() in text.lower(), phrase


def test_joint_assessment_effect_is_visible_in_the_numbers(report):
    # The sample's documented effect: joint assessments in Skäggetorp rise from ~15 % to ~55 %.
    _, soup = report
    fig = next(
        f
        for f in soup.select('figure.ev-table[data-kind="shares"]')
        if "gemensamma" in f.find("caption").get_text()
    )
    rows = {
        r.find("th").get_text(strip=True): [c.get_text(strip=True) for c in r.find_all("td")]
        for r in fig.find_all("tr")[1:]
    }
    first, last = rows["2019 (jan–jun)"][0], rows["2025 (jan–jun)"][0]
    pct = lambda t: int(t.split("\u00a0%")[0])  # noqa: E731
    assert pct(first) < 25 and pct(last) > 40


def test_method_warnings_carry_no_figures_from_raw_counts(report):
    # A mean count per period times the number of periods would give a total back.
    _, soup = report
    assert not re.search(r"i genomsnitt \d", soup.get_text())


def test_a_method_that_cannot_be_fitted_costs_one_method_not_the_report(monkeypatch):
    import numpy as np

    from evaluation import methods
    from evaluation.reports import effects
    from evaluation.reports.context import open_report

    def singular(*args, **kwargs):
        raise np.linalg.LinAlgError("Singular matrix at value 4711")

    monkeypatch.setattr(methods, "synthetic_control", singular)
    report = open_report(ROOT / "params" / "skaggetorp_outcome_followup.yaml")
    html = effects.outcome_effects(report, "joint_assessment_share", plots=False)._repr_html_()
    assert "Syntetisk kontroll kunde inte skattas på dessa data (LinAlgError)" in html
    assert "4711" not in html  # library messages may quote data; only the type is shown
    assert "Skillnad-i-skillnader" in html and "Avbruten tidsserie" in html
