"""The rendered outcome follow-up of a crafted small-count folder discloses nothing.

Checks run on the HTML a steering group receives, independently of the code that
protected it: no shown count of 1–4, every count table passes the LP audit, and
no shown rate gives back a small count through the public population.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from evaluation.idnumbers import contains_identity_number
from evaluation.privacy import audit_shown_table
from evaluation.render import render_report
from tests.tiny_data import AREAS, write_params

MIN_COUNT = 5


@pytest.fixture(scope="module")
def rendered(tiny_folder, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    params = write_params(out, tiny_folder)
    result = render_report(params, out / "r")
    html = (out / "r" / "norrby" / "outcome_followup.html").read_text(encoding="utf-8")
    return result, html, BeautifulSoup(html, "html.parser")


def _number(text: str) -> float | None:
    t = text.split("(")[0].replace("\u00a0", "").replace(" ", "").replace("%", "")
    t = t.replace(",", ".")
    try:
        return float(t)
    except ValueError:
        return None


def _tables(soup, kind):
    for fig in soup.select(f'figure.ev-table[data-kind="{kind}"]'):
        rows = fig.find_all("tr")
        head = [c.get_text(strip=True) for c in rows[0].find_all(["th", "td"])]
        body = [[c.get_text(strip=True) for c in r.find_all(["th", "td"])] for r in rows[1:]]
        frame = pd.DataFrame([b[1:] for b in body], index=[b[0] for b in body], columns=head[1:])
        yield fig.find("caption").get_text(strip=True), frame


def test_report_rendered_with_hidden_cells(rendered):
    _, html, soup = rendered
    assert soup.select('figure.ev-table[data-kind="counts"]')
    assert ".." in html  # the crafted folder forces suppression
    assert "Syntetiska data" in html
    assert not soup.select(".jp-InputArea, .input_area, .jp-CodeCell .jp-Editor")
    assert "open_report(" not in soup.get_text()


def test_no_small_count_is_shown(rendered):
    _, _, soup = rendered
    for caption, frame in _tables(soup, "counts"):
        for value in frame.to_numpy().ravel():
            n = _number(value)
            assert n is None or n == 0 or n >= MIN_COUNT, f"{caption}: {value}"


def test_every_count_table_passes_an_independent_audit(rendered):
    _, _, soup = rendered
    audited = 0
    for caption, frame in _tables(soup, "counts"):
        failures = audit_shown_table(frame, MIN_COUNT)
        assert not failures, f"{caption}: {[str(f) for f in failures]}"
        audited += "Totalt" in frame.index or "Totalt" in frame.columns
    assert audited >= 3


def _person_years(period: str, children: float) -> float:
    year = int(period[:4])
    if "H" in period:
        start = pd.Timestamp(year, 1 if period.endswith("H1") else 7, 1)
        end = pd.Timestamp(year, 6, 30) if period.endswith("H1") else pd.Timestamp(year, 12, 31)
    elif "-" in period:
        start = pd.Timestamp(period + "-01")
        end = start + pd.offsets.MonthEnd(0)
    else:
        start, end = pd.Timestamp(year, 1, 1), pd.Timestamp(year, 12, 31)
    return children * ((end - start).days + 1) / 365.25


def test_no_rate_reveals_a_hidden_count(rendered):
    _, _, soup = rendered
    children = {name: kids for _, name, kids in AREAS}
    children["Hela kommunen"] = sum(children.values())
    checked = 0
    for caption, frame in _tables(soup, "rates"):
        if frame.index.isin(list(children)).any():
            frame = frame.T
        for period, row in frame.iterrows():
            for group, value in row.items():
                rate = _number(value)
                if rate is None or group not in children:
                    continue
                count = rate * _person_years(str(period), children[group]) / 1000
                assert count < 0.5 or count > MIN_COUNT - 0.5, f"{caption} {group} {period}"
                checked += 1
    assert checked > 0


def test_shares_rest_on_at_least_ten(rendered):
    _, html, _ = rendered
    # Lillby has 40 children: its shares must all be hidden.
    assert "Lillby" in html


def test_no_identity_number_and_no_external_asset(rendered):
    _, html, _ = rendered
    assert not contains_identity_number(re.sub(r"data:image/[^\"']+", "", html))
    assert not re.search(r"(src|href)=[\"']https?://", html)
