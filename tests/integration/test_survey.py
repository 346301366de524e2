"""User survey report: statistics against statsmodels, scales, shares, privacy, rendered HTML."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats import proportion as smp

from evaluation.exceptions import DataError, ParameterError
from evaluation.indicators import survey as si
from evaluation.metadata.scales import SCALES, scale
from evaluation.present.diverging import Segment, diverging_bar_chart
from evaluation.privacy import Protector
from evaluation.reports import user_survey as sections
from evaluation.reports.context import open_report
from evaluation.synthetic import surveys as synthetic

ROOT = Path(__file__).resolve().parents[2]
PARAMS = ROOT / "params" / "user_survey"
UNITS = {
    "skaggetorp": "skaggetorp",
    "ryd": "ryd",
    "berga": "berga",
    "familjehemsenheten": "hela-kommunen",
}


def _responses(rows: list[tuple[str, str, str, str | None]]) -> pd.DataFrame:
    """(period, respondent, question, answer) → a survey_responses frame."""
    frame = pd.DataFrame(rows, columns=["period", "respondent_id", "question_id", "answer"])
    frame.insert(0, "survey", "s")
    frame.insert(2, "unit", "U")
    frame.insert(3, "area_code", "A")
    return frame.astype("string")


def _answers(period: str, question: str, counts: dict[str | None, int], start: int = 0):
    rows, i = [], start
    for answer, n in counts.items():
        for _ in range(n):
            rows.append((period, f"R{period}{i:04d}", question, answer))
            i += 1
    return rows


Q_AGREE = si.Question(1, "q1", "Jag blev bemött med respekt.", "agree5")
Q_FREE = si.Question(2, "q2", "Vad kan vi göra bättre?", "free_text")


# --- Statistics against statsmodels ---------------------------------------------------------


@pytest.mark.parametrize(
    ("k1", "n1", "k2", "n2"),
    [
        pytest.param(52, 94, 76, 95, id="real-change"),
        pytest.param(78, 92, 81, 95, id="no-change"),
        pytest.param(3, 12, 9, 11, id="small"),
        pytest.param(0, 20, 4, 20, id="zero-cell"),
    ],
)
def test_wilson_intervals_and_change_test_match_statsmodels(k1, n1, k2, n2):
    rows = _answers("2023", "q1", {"5": k1, "2": n1 - k1, None: 2}) + _answers(
        "2024", "q1", {"4": k2, "1": n2 - k2}
    )
    frame = si.positive_shares([Q_AGREE], _responses(rows), ["2023", "2024"])
    for (k, n), (_, row) in zip([(k1, n1), (k2, n2)], frame.iterrows(), strict=True):
        low, high = smp.proportion_confint(k, n, alpha=0.05, method="wilson")
        assert (row["numerator"], row["denominator"]) == (k, n)  # skipped answers left out
        assert row["value"] == pytest.approx(k / n)
        assert row["ci_low"] == pytest.approx(low) and row["ci_high"] == pytest.approx(high)
    # statsmodels also computes a ratio and odds ratio, which divide by zero for a zero cell
    with np.errstate(divide="ignore"):
        expected = smp.test_proportions_2indep(
            k2, n2, k1, n1, method="score", compare="diff"
        ).pvalue
    assert np.isnan(frame["p_change"].iloc[0])
    assert frame["p_change"].iloc[1] == pytest.approx(expected)


def test_sample_change_is_significant_and_no_change_is_not(sample_folder):
    resp = pd.read_csv(sample_folder / "survey_responses.csv", dtype=str)
    unit = resp[resp["unit"] == "Socialtjänst Skäggetorp"]
    q = pd.read_csv(sample_folder / "survey_questions.csv", dtype=str)
    frame = si.positive_shares(si.questions_of(q, synthetic.SURVEY), unit, ["2023", "2024"])
    p = frame.set_index(["question_id", "period"])["p_change"]
    assert p[("q2_snabb_hjalp", "2024")] < 0.05
    assert p[("q1_respekt", "2024")] > 0.05


def test_change_p_value_edge_cases():
    assert np.isnan(si.change_p_value(0, 0, 3, 10))
    assert si.change_p_value(10, 10, 12, 12) == 1.0


# --- Scales and shares ---------------------------------------------------------------------


def test_every_scale_lists_answers_negative_first_and_positive_last():
    for sc in SCALES.values():
        assert sc.answers[-len(sc.positive) :] == sc.positive
        assert set(sc.labels) == set(sc.answers)
        assert set(sc.negative) | set(sc.positive) == set(sc.answers)
    assert SCALES["agree5"].positive == ("4", "5")
    assert SCALES["satisfied4"].positive == ("3", "4")
    assert SCALES["yesno"].answers == ("nej", "ja")


def test_unknown_scale_and_unknown_answer_raise_data_errors():
    with pytest.raises(DataError, match="okänd svarsskala"):
        scale("agree7", question="q9")
    rows = _answers("2024", "q1", {"4": 3, "instämmer": 1})
    with pytest.raises(DataError, match="inte är koder i skalan agree5"):
        si.positive_shares([Q_AGREE], _responses(rows), ["2024"])


def test_answers_are_normalised_and_distribution_follows_scale_order():
    rows = _answers("2024", "q1", {" 5 ": 2, "Instämmer helt": 1, "1": 4, "": 3, None: 1})
    yesno = si.Question(3, "q3", "Vet du?", "yesno")
    rows += _answers("2024", "q3", {"Ja": 3, "NEJ": 2}, start=100)
    resp = _responses(rows)
    dist = si.answer_distribution(resp, Q_AGREE, ["2024"])
    answers = dist[dist["kind"] == "answer"]
    assert list(answers["segment"]) == ["1", "2", "3", "4", "5"]
    assert list(answers["numerator"]) == [4, 0, 0, 0, 3]
    assert set(answers["denominator"]) == {7}  # empty answers are skipped questions
    sides = dist[dist["kind"] == "side"].set_index("segment")["numerator"]
    assert (sides["negative"], sides["positive"]) == (4, 3)
    share = si.positive_shares([yesno], resp, ["2024"]).iloc[0]
    assert (share["numerator"], share["denominator"]) == (3, 5)


def test_response_rate_counts_distinct_respondents():
    rows = _answers("2024", "q1", {"4": 6, None: 2}) + _answers("2024", "q2", {"text": 1})
    inv = pd.DataFrame(
        {"survey": ["s"], "period": ["2024"], "unit": ["U"], "area_code": ["A"], "invited": [20]}
    )
    rate = si.response_rates(inv, _responses(rows), ["2024"]).iloc[0]
    assert (rate["numerator"], rate["denominator"]) == (8, 20)
    low, high = smp.proportion_confint(8, 20, method="wilson")
    assert rate["ci_low"] == pytest.approx(low) and rate["ci_high"] == pytest.approx(high)


# --- Privacy -------------------------------------------------------------------------------


def _segments():
    sc = SCALES["agree5"]
    return [
        Segment(a, sc.label(a), "positive" if a in sc.positive else "negative") for a in sc.answers
    ]


def test_chart_merges_a_side_with_a_hidden_answer_and_hides_a_bar_without_shares():
    rows = (
        _answers("2023", "q1", {"1": 2, "3": 10, "4": 20, "5": 30})  # "1" is 1–4
        + _answers("2024", "q1", {"1": 3, "4": 4})
    )  # n < 10
    dist = si.answer_distribution(_responses(rows), Q_AGREE, ["2023", "2024"])
    protected = Protector().shares(dist, label="t")
    chart = diverging_bar_chart(
        protected,
        segments=_segments(),
        title="t",
        what="svaren",
        side_labels={"negative": "Övriga svar", "positive": "Positiva"},
    )
    assert "2023: övriga svar 19" in chart.alt  # 12 of 62, merged: the hidden "1" not drawn
    assert "instämmer helt 48" in chart.alt
    assert "2024: visas inte (..)" in chart.alt
    assert "instämmer inte alls" not in chart.alt and "3 %" not in chart.alt


def test_free_text_is_counted_never_shown():
    secret = "Min handläggare Kalle på Storgatan 3"
    rows = _answers("2024", "q2", {secret: 6, None: 6}) + _answers("2024", "q1", {"4": 12})
    frame = si.free_text_counts([Q_AGREE, Q_FREE], _responses(rows), ["2024"])
    assert list(frame["numerator"]) == [6] and list(frame["denominator"]) == [12]
    assert not frame.astype(str).apply(lambda c: c.str.contains("Kalle")).any().any()


# --- Sections on the sample ------------------------------------------------------------------


@pytest.fixture(scope="module")
def survey_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("survey-cache")


def test_familjehemsenheten_is_reported_municipality_wide(survey_cache):
    report = open_report(PARAMS / "familjehemsenheten.yaml", survey_cache)
    scope = sections.scope(report)
    assert scope.area_code is None and scope.where == "hela kommunen"
    assert "hela kommunen" in sections.header(report)._repr_html_()


def test_unit_without_answers_in_the_area_is_a_parameter_error(survey_cache, tmp_path):
    params = tmp_path / "wrong.yaml"
    params.write_text(
        (PARAMS / "skaggetorp.yaml")
        .read_text(encoding="utf-8")
        .replace("area: Skäggetorp", "area: Berga")
        .replace("../../data/sample", str(ROOT / "data" / "sample")),
        encoding="utf-8",
    )
    with pytest.raises(ParameterError, match="inga svar för området Berga"):
        sections.scope(open_report(params, survey_cache))


# --- The rendered sample reports -------------------------------------------------------------


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, survey_cache) -> dict[str, str]:
    from evaluation.render import render_report

    out = tmp_path_factory.mktemp("survey-reports")
    pages = {}
    for name, folder in UNITS.items():
        result = render_report(PARAMS / f"{name}.yaml", out, cache_dir=survey_cache)
        assert result.ok
        assert Path(result.html) == out / folder / "user_survey.html"
        pages[name] = Path(result.html).read_text(encoding="utf-8")
    return pages


def _text(page: str) -> str:
    from bs4 import BeautifulSoup

    return " ".join(BeautifulSoup(page, "html.parser").get_text(" ").split())


def _question(text: str, number: int) -> str:
    # The last "Frågorna en och en" is the section; the first is its entry in the contents.
    start = text.index(f"Fråga {number}.", text.rindex("Frågorna en och en"))
    end = text.find(f"Fråga {number + 1}.", start)
    return text[start : end if end > 0 else None]


def test_tiny_sample_shows_no_shares_and_says_so(rendered):
    text = _text(rendered["ryd"])
    assert "Inga andelar redovisas för Familjebehandlingen Ryd" in text
    after_rates = text[text.index("Positiva svar per fråga", text.index("Svarsfrekvens", 1500)) :]
    body = after_rates[: after_rates.index("Om metod")]
    assert not re.search(r"\d\s?%", body.replace("95 %", "").replace("5 %", "")), body


def test_low_response_rate_gets_the_nonresponse_note(rendered):
    for name in ("berga", "ryd"):
        assert "Stort bortfall: svarsfrekvensen var under 50 %" in _text(rendered[name])
    assert "Stort bortfall" not in _text(rendered["skaggetorp"])


def test_real_change_is_a_change_and_no_change_is_not(rendered):
    text = _text(rendered["skaggetorp"])
    q1, q2 = _question(text, 1), _question(text, 2)
    assert "Andelen har ökat från 55 % 2023 till 80 % 2024" in q2
    assert "statistiskt säkerställd (score-test för två oberoende andelar" in q2
    assert "Ingen säkerställd skillnad mellan 2023" in q1
    assert "ökat" not in q1 and "minskat" not in q1


def test_fewer_than_30_answers_is_an_indication(rendered):
    assert "ska läsas som en fingervisning" in _question(_text(rendered["berga"]), 1)
    sk = _text(rendered["skaggetorp"])
    assert "ska läsas som en fingervisning" not in sk[sk.rindex("Frågorna en och en") :]


def test_reference_comparison_names_source_and_method(rendered):
    q2 = _question(_text(rendered["skaggetorp"]), 2)
    assert "säkerställt högre än referensvärdet 66 %" in q2
    assert "(2023)" in _text(rendered["skaggetorp"]) or "2023)" in q2
    assert "ligger inom 95 % osäkerhetsintervallet" in _question(_text(rendered["skaggetorp"]), 1)


def test_no_free_text_answer_appears_in_any_report(rendered):
    for page in rendered.values():
        for answer in synthetic.FREE_TEXT:
            assert answer not in page
        assert "Vad kan vi göra bättre?" in page  # the question, with only a count
    assert "42 av 96 svarande" in _text(rendered["skaggetorp"])


def test_every_question_has_a_diverging_chart_with_alt_text(rendered):
    charts = re.findall(r'<img\b[^>]*\balt="([^"]*)"', rendered["skaggetorp"])
    assert sum(a.startswith("Divergerande stapeldiagram") for a in charts) == 4
