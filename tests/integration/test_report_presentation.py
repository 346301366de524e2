"""The sample outcome follow-up for a steering group: summary first, CSV behind tables, A4 PDF."""

from __future__ import annotations

import base64
import csv
import io
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from evaluation.render import render_report

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def followup(tmp_path_factory):
    out = tmp_path_factory.mktemp("presentation")
    render_report(ROOT / "params" / "skaggetorp_outcome_followup.yaml", out)
    path = out / "skaggetorp" / "outcome_followup.html"
    html = path.read_text(encoding="utf-8")
    return path, html, BeautifulSoup(html, "html.parser")


def _text(node) -> str:
    return node.get_text(" ", strip=True).replace("\u00a0", " ")


def test_summary_opens_the_report_before_the_contents(followup):
    _, html, soup = followup
    summary = soup.select_one("section.ev-summary")
    assert summary is not None and summary.find("h2").get_text() == "Sammanfattning"
    assert html.index("ev-summary") < html.index('<nav class="toc"')
    cards = summary.select("li.ev-kf")
    assert 3 <= len(cards) <= 6
    joint = _text(cards[0])
    # Skäggetorp's clearest result: 15 % before the start, 54 % now, over the 50 % target.
    assert "gemensamt" in joint and "54 %" in joint and "15 %" in joint
    assert "Mål: 50 %" in joint and "Säkerställd ökning" in joint and "målet nått" in joint
    assert summary.select_one(".ev-summary-uncertain")


def test_summary_figures_are_the_bodys_figures(followup):
    _, _, soup = followup
    body = soup.find("caption", string=re.compile("Andel gemensamma förhandsbedömningar"))
    table = body.find_parent("table")
    last = table.select("tbody tr")[-1]
    own = _text(last.select("td")[0])  # Skäggetorp's latest term in the body
    card = _text(soup.select("li.ev-kf")[0].select_one(".ev-kf-value"))
    assert own.startswith(card.split(" ")[0] + " %")


def test_the_evaluation_plans_area_outcomes_are_followed(followup):
    _, _, soup = followup
    text = _text(soup)
    for label in (
        "Andel behöriga till gymnasiets yrkesprogram",
        "Andel invånare med ekonomiskt bistånd",
        "Andel förvärvsarbetande 20–64 år",
        "Anmälda brott per 1 000 invånare",
    ):
        assert f"{label} per år (" in text, label  # the table caption under the chart
    assert "år före starten" in text  # the honest note on effect estimates
    assert "Skillnaden i förändring är" in text and "utan osäkerhetsintervall" in text


def _csv_of(figure) -> list[list[str]]:
    link = figure.select_one('a[download][href^="data:text/csv"]')
    assert link is not None, "no CSV download"
    raw = base64.b64decode(link["href"].split(",", 1)[1])
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


def test_every_table_offers_exactly_its_shown_cells_as_csv(followup):
    _, _, soup = followup
    tables = soup.select("figure.ev-table")
    assert len(tables) >= 10
    for figure in tables:
        shown = [
            [_text(c) for c in tr.find_all(["th", "td"])]
            for tr in figure.find("table").find_all("tr")
        ]
        rows = _csv_of(figure)
        assert rows[1:] == shown[1:], figure.find("caption").get_text()
        assert rows[0][1:] == shown[0][1:]


def test_charts_offer_their_figures_and_hidden_values_stay_hidden(followup):
    _, _, soup = followup
    charts = [f for f in soup.select("figure.ev-chart") if f.select_one("a[download]")]
    assert len(charts) >= 6
    for figure in charts:
        rows = _csv_of(figure)
        assert rows[0][:2] in (["Grupp", "Period"], ["Kategori", rows[0][1]])
        for row in rows[1:]:
            for cell in row:
                assert re.fullmatch(r"[^.]*|\.\.", cell), cell  # '..' alone, never a number


def test_pdf_is_a4_with_every_column_header_and_no_clipped_table(followup):
    pytest.importorskip("weasyprint")
    from pypdf import PdfReader

    from evaluation.render.export import write_pdf

    path, _, soup = followup
    pdf = write_pdf(path)
    reader = PdfReader(str(pdf))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    text = re.sub(r"\s+", "", " ".join(page.extract_text() for page in reader.pages))
    text = text.replace("\u00a0", "")
    missing = []
    for table in soup.select("main table"):
        for th in table.select("thead th"):
            header = re.sub(r"\s+", "", _text(th))
            if header and header not in text:
                missing.append(header)
    assert not missing, missing
    assert "Sida1av" in text  # page numbers
    assert "Syntetiskadata" in re.sub(r"\s+", "", reader.pages[0].extract_text())


def test_no_code_words_reach_the_reader(followup):
    """Body text, captions, headers and alt texts: no period codes, file names or identifiers."""
    _, _, soup = followup
    main = soup.find("main")
    text = _text(main) + " " + " ".join(img.get("alt", "") for img in main.find_all("img"))
    for code in (r"\b\d{4}H[12]\b", r"\w+\.(?:csv|yaml|ipynb|gpkg)\b", r"\b[a-z]+_[a-z_]+\b"):
        found = re.findall(code, text)
        assert not found, (code, found[:5])
    assert "Ljung–Box" not in text and "se='hac'" not in text and "EPSG" not in text
