"""Report text: month-precision dates (R7) and survey skip counts under the count rules (R2)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from evaluation.indicators import survey as si
from evaluation.present.format import fmt_month, fmt_month_span
from evaluation.reports import user_survey as sections
from evaluation.reports.context import open_report

ROOT = Path(__file__).resolve().parents[2]
EXACT_DATE = re.compile(r"\b(?:19|20)\d\d-\d\d-\d\d\b")


def _text(obj) -> str:
    return " ".join(BeautifulSoup(obj._repr_html_(), "html.parser").get_text(" ").split())


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("text-cache")


def test_month_formatting() -> None:
    assert fmt_month(pd.Timestamp("2019-01-31")) == "jan 2019"
    assert fmt_month(dt.date(2025, 6, 30)) == "jun 2025"
    assert fmt_month_span(pd.Timestamp("2019-01-01"), pd.Timestamp("2025-06-30")) == (
        "jan 2019 – jun 2025"
    )
    assert fmt_month_span(dt.date(2025, 5, 1), dt.date(2025, 5, 31)) == "maj 2025"
    assert fmt_month(pd.NaT) == "–"


def test_header_and_sources_show_no_exact_date(cache) -> None:
    from evaluation.reports import area_analysis

    followup = open_report(ROOT / "params" / "skaggetorp_outcome_followup.yaml", cache)
    header = _text(followup.header())
    assert not EXACT_DATE.search(header), header
    assert re.search(r"Period: [a-zå]{3} \d{4} – [a-zå]{3} \d{4}", header)
    assert re.search(r"startade: [a-zå]{3} \d{4}", header)
    area = open_report(ROOT / "params" / "area_analysis" / "skaggetorp.yaml", cache)
    sources = _text(area_analysis.sources(area))
    assert not EXACT_DATE.search(sources), sources


def test_skipped_counts_are_respondents_minus_answers() -> None:
    rows = [("2024", f"R{i}", "q1", "4" if i < 7 else None) for i in range(10)]
    rows += [("2024", f"R{i}", "q2", "x") for i in range(10)]
    frame = pd.DataFrame(rows, columns=["period", "respondent_id", "question_id", "answer"])
    frame.insert(0, "survey", "s")
    question = si.Question(1, "q1", "Jag blev bemött med respekt.", "agree5")
    skipped = si.skipped_counts([question], frame.astype("string"), ["2024"]).iloc[0]
    assert (skipped["respondents"], skipped["answered"], skipped["skipped"]) == (10, 7, 3)


def test_a_small_skip_count_cannot_be_derived(cache) -> None:
    report = open_report(ROOT / "params" / "user_survey" / "skaggetorp.yaml", cache)
    s = sections.scope(report)
    counts = si.skipped_counts(s.questions, s.responses, s.periods)
    small = counts[counts["skipped"].between(1, report.protector.rules.min_count - 1)]
    assert not small.empty  # the sample has questions that 1-4 respondents skipped
    large = counts[counts["skipped"] >= report.protector.rules.min_count]
    by_id = {q.question_id: q for q in s.closed}
    for _, row in small.iterrows():
        text = _text(sections.question_section(report, by_id[row["question_id"]]))
        period, answered = row["period"], int(row["answered"])
        assert not re.search(rf"{period}: [^.]*\bav (?:de )?{answered}\b", text), text
    for _, row in large.iterrows():  # where the difference is safe, the count stays
        text = _text(sections.question_section(report, by_id[row["question_id"]]))
        if f"{row['period']}: andelen" not in text:
            assert re.search(rf"\bav (?:de )?{int(row['answered'])}\b", text), text
