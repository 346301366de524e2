"""Sections of the user survey report (brukarundersökning): each function is one sentence of it.

Every function computes an indicator (``evaluation.indicators.survey``), passes
it through the report's Protector and returns a table, chart or note; the
notebook calls these and nothing else. Outputs used twice (the response rates,
the shares of positive answers) are protected once per report (``per_report``).

What is compared, and how it is said:

- shares of positive answers carry a 95 % Wilson interval;
- a change between two periods is called a change only when the score test for
  two independent shares gives p < 0.05 (``CHANGE_ALPHA``), otherwise "ingen
  säkerställd skillnad";
- a reference value counts as different only when it lies outside the share's
  95 % Wilson interval (the interval is the inversion of the one-sample score
  test, so this is that test at the 5 % level);
- fewer than ``min_answers_generalise`` answers: "ska läsas som en fingervisning";
  shares the Protector hides are not shown, and nothing else reveals them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from evaluation.indicators import survey as si
from evaluation.present.diverging import Segment, diverging_bar_chart
from evaluation.present.format import (
    HIDDEN,
    MISSING,
    fmt_int,
    fmt_interval,
    fmt_number,
    fmt_percent,
)
from evaluation.present.output import Heading, Note, Outputs, Table
from evaluation.present.tables import withheld_note
from evaluation.reports.context import Report, per_report
from evaluation.reports.survey_scope import SurveyScope, scope, survey_tables

CHANGE_ALPHA = 0.05
CHANGE_TEST = "score-test för två oberoende andelar"
NOT_SHOWN = "redovisas inte eftersom underlaget är för litet"


# --- Scope: which rows the report covers (resolved in survey_scope) -----------------------


def _missing(report: Report) -> Note | None:
    names = ("survey_questions", "survey_invitations", "survey_responses")
    absent = [n for n, t in zip(names, survey_tables(report), strict=True) if t is None]
    if absent:
        return Note(
            "Avsnittet visas inte eftersom datamappen saknar "
            + ", ".join(f"{n}.csv" for n in absent)
            + ".",
            kind="withheld",
        )
    return None


# --- Protected outputs used more than once -------------------------------------------------


@per_report
def _rates(report: Report):
    s = scope(report)
    frame = si.response_rates(s.invitations, s.responses, s.periods)
    return report.protector.shares(frame, label="Svarsfrekvens per period")


@per_report
def _positive(report: Report):
    s = scope(report)
    frame = si.positive_shares(s.questions, s.responses, s.periods)
    return report.protector.shares(
        frame,
        label="Andel positiva svar per fråga och period",
        value_cols=("value", "ci_low", "ci_high", "p_change"),
    )


@per_report
def _few_skipped(report: Report) -> set[tuple[str, str]]:
    """(question, period) where 1 to min_count - 1 respondents skipped the question.

    There the number who answered is not printed: respondents minus answered would show
    the hidden small count (R2).
    """
    s = scope(report)
    frame = si.skipped_counts(s.questions, s.responses, s.periods)
    small = frame["skipped"].between(1, report.protector.rules.min_count - 1)
    rows = frame[small]
    return {(str(q), str(p)) for q, p in zip(rows["question_id"], rows["period"], strict=True)}


def _rows(protected, question_id: str) -> list[pd.Series]:
    f = protected.frame
    return [r for _, r in f[f["question_id"] == question_id].iterrows()]


# --- Wording -------------------------------------------------------------------------------


def _share(row: pd.Series) -> str:
    return fmt_percent(row["value"])


def _ci(row: pd.Series) -> str:
    return fmt_interval(row["ci_low"], row["ci_high"], percent=True)


def _p(p: float) -> str:
    return "p < 0,001" if p < 0.001 else f"p = {fmt_number(p, 3)}"


def _shown(row: pd.Series | None) -> bool:
    return row is not None and not bool(row["suppressed"])


def _periods_text(periods: list[str]) -> str:
    return periods[0] if len(periods) == 1 else ", ".join(periods[:-1]) + " och " + periods[-1]


def change_verdict(previous: pd.Series | None, current: pd.Series) -> tuple[str, str]:
    """(table cell, sentence) for the change from ``previous`` to ``current`` (protected rows)."""
    if previous is None:
        return MISSING, ""
    if not (_shown(previous) and _shown(current)) or pd.isna(current["p_change"]):
        return MISSING, (
            f"Förändringen mellan {previous['period']} och {current['period']} "
            "kan inte bedömas eftersom andelen inte redovisas för båda perioderna."
        )
    p = float(current["p_change"])
    a, b = _share(previous), _share(current)
    if p < CHANGE_ALPHA and current["value"] != previous["value"]:
        word = "ökat" if current["value"] > previous["value"] else "minskat"
        return (
            f"Säkerställd {_noun(word).lower()}",
            f"Andelen har {word} från {a} {previous['period']} till {b} "
            f"{current['period']}. Skillnaden är statistiskt säkerställd ({CHANGE_TEST}, "
            f"{_p(p)}).",
        )
    return (
        "Ingen säkerställd skillnad",
        f"Ingen säkerställd skillnad mellan {previous['period']} ({a}) och "
        f"{current['period']} ({b}) enligt ett {CHANGE_TEST} ({_p(p)}).",
    )


def _noun(word: str) -> str:
    return {"ökat": "Ökning", "minskat": "Minskning"}[word]


def reference_verdict(row: pd.Series, reference) -> tuple[str, str]:
    """(table cell, sentence) comparing a protected share with a reference from params."""
    ref = fmt_percent(reference.value)
    who = f"{reference.source} {reference.year}"
    if not _shown(row):
        return (
            MISSING,
            f"Referensvärdet är {ref} ({who}); andelen {row['period']} "
            f"{NOT_SHOWN}, så någon jämförelse går inte att göra.",
        )
    if row["ci_low"] <= reference.value <= row["ci_high"]:
        return (
            "Ingen säkerställd skillnad",
            f"Referensvärdet {ref} ({who}) ligger inom 95 % osäkerhetsintervallet "
            f"({_ci(row)}), så det finns ingen säkerställd skillnad mot referensvärdet.",
        )
    word = "högre" if reference.value < row["ci_low"] else "lägre"
    side = "under" if word == "högre" else "över"
    return (
        f"Säkerställt {word}",
        f"Andelen {row['period']} är säkerställt {word} än referensvärdet {ref} ({who}): "
        f"referensvärdet ligger {side} 95 % osäkerhetsintervallet ({_ci(row)}).",
    )


def _share_sentence(row: pd.Series, verb: str | None, count: bool = True) -> str:
    """'2024: 85 % av de 95 som besvarade frågan instämde helt ... (95 % intervall 77–91 %).'.

    ``count=False`` leaves out how many answered (a small number skipped the question).
    """
    if not _shown(row):
        return f"{row['period']}: andelen {NOT_SHOWN}."
    if verb is None:  # the earlier period, after the full sentence
        of = f" av {fmt_int(row['denominator'])}" if count else ""
        return f"{row['period']}: {_share(row)}{of} (95 % intervall {_ci(row)})."
    who = f"av de {fmt_int(row['denominator'])}" if count else "av dem"
    return (
        f"{row['period']}: {_share(row)} {who} som besvarade "
        f"frågan {verb} (95 % intervall {_ci(row)})."
    )


def _indication(rows: list[pd.Series], limit: int) -> str | None:
    few = [r for r in rows if _shown(r) and r["denominator"] < limit]
    if not few:
        return None
    when = _periods_text([str(r["period"]) for r in few])
    return (
        f"Resultatet för {when} bygger på färre än {fmt_int(limit)} svar och ska läsas "
        "som en fingervisning, inte som ett säkert mått för alla brukare."
    )


@dataclass(frozen=True)
class _QuestionTable(Table):
    """A Table whose row labels (long question texts) may wrap instead of scrolling sideways."""

    def _repr_html_(self) -> str:
        return (
            super()
            ._repr_html_()
            .replace("<tr><th>", '<tr><th style="white-space:normal;min-width:14em">')
        )


# --- Header and reading guide --------------------------------------------------------------


def header_details(report: Report) -> tuple[tuple[str, str], ...] | None:
    """Header lines (registered with the kind): survey, unit, area, periods."""
    if _missing(report):
        return None
    s = scope(report)
    where = s.where if s.area_code is not None else "hela kommunen (enheten har inget eget område)"
    return (
        ("Enkät", survey_name(report)),
        ("Enhet", s.unit or "alla enheter"),
        ("Område", where),
        ("Perioder", _periods_text(s.periods) if s.periods else MISSING),
    )


def survey_name(report: Report) -> str:
    """The survey as readers know it: ``survey.name``, else its code made readable."""
    sp = report.params.survey
    if sp.name:
        return sp.name
    words = re.sub(r"[_\-]+", " ", sp.survey).strip()
    return words[:1].upper() + words[1:]


def header(report: Report):
    """Title block: survey, unit, area (or the whole municipality), periods, synthetic warning."""
    if note := _missing(report):
        return Outputs((report.header(), note))
    return report.header()


def reading_guide(report: Report):
    """The thresholds this report applies, in words (they come from the parameters)."""
    sp, rules = report.params.survey, report.protector.rules
    return Note(
        "Andelen positiva svar visas med ett 95 % osäkerhetsintervall (Wilson). En skillnad "
        f"mellan två perioder beskrivs som en förändring bara när ett {CHANGE_TEST} ger "
        f"p < {fmt_number(CHANGE_ALPHA, 2)}; annars står det ”ingen säkerställd skillnad”. "
        f"Resultat som bygger på färre än {fmt_int(sp.min_answers_generalise)} svar ska läsas "
        f"som en fingervisning. En andel visas bara när minst {fmt_int(rules.min_n)} har "
        f"besvarat frågan och minst {fmt_int(rules.min_count)} har svarat positivt och minst "
        f"{fmt_int(rules.min_count)} något annat. Svarsfrekvenser under "
        f"{fmt_percent(sp.low_response_rate)} markeras, eftersom de som svarar då kan skilja "
        "sig från dem som inte svarar."
    )


# --- Response rate -------------------------------------------------------------------------


def response_rate_table(report: Report):
    """Invited, respondents and response rate per period, with Wilson intervals."""
    if note := _missing(report):
        return note
    s = scope(report)
    protected = _rates(report)
    where = "" if s.where in s.name else f" ({s.where})"
    caption = f"Svarsfrekvens för {s.name}{where}, 95 % intervall (Wilson)"
    if protected.withheld:
        return withheld_note(protected)
    rows = {}
    for _, r in protected.frame.iterrows():
        hidden = bool(r["suppressed"])
        rate = HIDDEN if hidden else (MISSING if pd.isna(r["value"]) else f"{_share(r)} ({_ci(r)})")
        rows[str(r["period"])] = {
            "Inbjudna": fmt_int(r["denominator"], hidden=hidden),
            "Svarande": fmt_int(r["numerator"], hidden=hidden),
            "Svarsfrekvens": rate,
        }
    cells = pd.DataFrame.from_dict(rows, orient="index")
    return Table(cells, caption, index_label="Period")


def nonresponse_note(report: Report):
    """A sentence on the latest response rate; a warning on nonresponse when it is low."""
    if note := _missing(report):
        return note
    threshold = report.params.survey.low_response_rate
    protected = _rates(report)
    frame = protected.frame
    shown = frame[~frame["suppressed"] & frame["value"].notna()]
    hidden = [str(p) for p in frame.loc[frame["suppressed"], "period"]]
    parts = []
    if hidden:
        parts.append(
            Note(
                f"Svarsfrekvensen för {_periods_text(hidden)} {NOT_SHOWN}, så "
                "bortfallet kan inte bedömas.",
                kind="withheld",
            )
        )
    low = shown[shown["value"] < threshold]
    if not low.empty:
        which = "; ".join(f"{r['period']}: {_share(r)}" for _, r in low.iterrows())
        parts.append(
            Note(
                f"Stort bortfall: svarsfrekvensen var under {fmt_percent(threshold)} ({which}). "
                "När många av de inbjudna inte svarar kan de som svarade skilja sig från dem som "
                "inte gjorde det, till exempel om de mest nöjda eller de mest missnöjda svarar "
                "oftare. Resultaten beskriver dem som svarade och kan inte utan vidare överföras "
                "till alla som fick enkäten.",
                kind="warning",
            )
        )
    elif not shown.empty:
        last = shown.iloc[-1]
        parts.append(
            Note(
                f"Svarsfrekvensen {last['period']} var {_share(last)}: "
                f"{fmt_int(last['numerator'])} av {fmt_int(last['denominator'])} "
                "inbjudna svarade. Rapporten varnar för stort bortfall när "
                f"svarsfrekvensen är under {fmt_percent(threshold)}."
            )
        )
    return Outputs(tuple(parts)) if parts else Note(MISSING)


# --- Summary and questions -----------------------------------------------------------------


def _withheld_all(report: Report, s: SurveyScope) -> Note:
    rules = report.protector.rules
    return Note(
        f"Inga andelar redovisas för {s.name}: ingen fråga har tillräckligt många "
        f"svar. En andel visas bara när minst {fmt_int(rules.min_n)} har besvarat "
        f"frågan och minst {fmt_int(rules.min_count)} har svarat positivt och minst "
        f"{fmt_int(rules.min_count)} något annat.",
        kind="withheld",
    )


def summary_table(report: Report):
    """Share of positive answers for every closed question and period, and the change."""
    if note := _missing(report):
        return note
    s = scope(report)
    protected = _positive(report)
    if protected.withheld:
        return _withheld_all(report, s)
    limit = report.params.survey.min_answers_generalise
    table, few = {}, False
    for q in s.closed:
        rows = _rows(protected, q.question_id)
        line = {}
        for r in rows:
            cell = HIDDEN if not _shown(r) else f"{_share(r)} ({_ci(r)})"
            if _shown(r) and r["denominator"] < limit:
                cell, few = cell + " *", True
            line[str(r["period"])] = cell
        if len(rows) > 1:
            line[f"Förändring {rows[-2]['period']}–{rows[-1]['period']}"] = change_verdict(
                rows[-2], rows[-1]
            )[0]
        table[f"{q.number}. {q.text}"] = line
    cells = pd.DataFrame.from_dict(table, orient="index").fillna(MISSING)
    notes = []
    if few:
        notes.append(f"* = färre än {fmt_int(limit)} svar: en fingervisning.")
    if protected.n_hidden:
        notes.append(f"{HIDDEN} = andelen {NOT_SHOWN}.")
    notes.append(f"Förändring prövad med {CHANGE_TEST}, 5 % nivå.")
    caption = "Andel positiva svar per fråga och period, 95 % intervall (Wilson)"
    return _QuestionTable(cells, caption, note=" ".join(notes), index_label="Fråga")


def reference_table(report: Report):
    """The latest share of each question with a reference value, against that value."""
    if note := _missing(report):
        return note
    s = scope(report)
    refs = report.params.survey.references
    if not refs:
        return Note("Inga referensvärden har angetts att jämföra med.")
    protected = _positive(report)
    if protected.withheld:
        return Note(
            "Jämförelsen med referensvärden går inte att göra eftersom inga andelar redovisas.",
            kind="withheld",
        )
    table, sources = {}, {}
    for q in s.closed:
        ref = refs.get(q.question_id)
        rows = _rows(protected, q.question_id)
        if ref is None or not rows:
            continue
        last = rows[-1]
        table[f"{q.number}. {q.text}"] = {
            str(last["period"]): HIDDEN if not _shown(last) else f"{_share(last)} ({_ci(last)})",
            "Referensvärde": fmt_percent(ref.value),
            "Bedömning": reference_verdict(last, ref)[0],
        }
        sources.setdefault(f"{ref.source} ({ref.year})", []).append(str(q.number))
    if not table:
        return Note("Ingen av enkätens frågor har ett angivet referensvärde.")
    cells = pd.DataFrame.from_dict(table, orient="index")
    if len(sources) == 1:
        source = f"Källa: {next(iter(sources))}."
    else:
        source = (
            "Källor: "
            + "; ".join(f"fråga {', '.join(nums)}: {src}" for src, nums in sources.items())
            + "."
        )
    note = (
        f"{source} Skillnaden räknas som säkerställd när referensvärdet ligger utanför "
        "95 % intervallet."
    )
    if protected.n_hidden:
        note += f" {HIDDEN} = andelen {NOT_SHOWN}."
    return _QuestionTable(cells, "Jämförelse med referensvärden", note=note, index_label="Fråga")


def _segments(q: si.Question) -> list[Segment]:
    sc = q.scale
    return [
        Segment(a, sc.label(a), si.POSITIVE if a in sc.positive else si.NEGATIVE)
        for a in sc.answers
    ]


def question_section(report: Report, q: si.Question):
    """One question: heading, diverging chart, shares, change, reference, small-sample caveat."""
    sp = report.params.survey
    s = scope(report)
    positive_text = q.scale.positive_text
    dist = si.answer_distribution(s.responses, q, s.periods)
    label = f"Svarsfördelning, fråga {q.number}"
    protected_dist = report.protector.shares(dist, label=label)
    side_labels = {si.NEGATIVE: "Övriga svar", si.POSITIVE: positive_text.capitalize()}
    chart = diverging_bar_chart(
        protected_dist,
        segments=_segments(q),
        side_labels=side_labels,
        title=f"Fråga {q.number}. {q.text}",
        what=f"hur svaren på frågan ”{q.text}” fördelade sig",
    )
    rows = _rows(_positive(report), q.question_id)
    heading = Heading(f"Fråga {q.number}. {q.text}", level=3)
    if not any(_shown(r) for r in rows):
        return Outputs(
            (
                heading,
                Note(f"Svarsfördelningen och andelen positiva svar {NOT_SHOWN}.", kind="withheld"),
            )
        )
    few_skipped = _few_skipped(report)
    sentences = [
        _share_sentence(
            r,
            q.scale.positive_verb if i == 0 else None,
            count=(q.question_id, str(r["period"])) not in few_skipped,
        )
        for i, r in enumerate(reversed(rows))
    ]
    if len(rows) > 1:
        sentences.append(change_verdict(rows[-2], rows[-1])[1])
        if (
            all(_shown(r) for r in rows[-2:])
            and min(r["denominator"] for r in rows[-2:]) < sp.min_answers_generalise
            and not float(rows[-1]["p_change"]) < CHANGE_ALPHA
        ):
            sentences.append("Med så få svar måste skillnaden vara stor för att bli säkerställd.")
    ref = sp.references.get(q.question_id)
    if ref is not None and rows:
        sentences.append(reference_verdict(rows[-1], ref)[1])
    items = [heading, chart, Note(" ".join(sentences))]
    if caveat := _indication(rows, sp.min_answers_generalise):
        items.append(Note(caveat, kind="warning"))
    return Outputs(tuple(items))


def question_sections(report: Report):
    """Every closed question of the survey, in questionnaire order."""
    if note := _missing(report):
        return note
    s = scope(report)
    if _positive(report).withheld:
        listing = " ".join(f"{q.number}. {q.text}" for q in s.closed)
        return Note(
            f"Svarsfördelningarna redovisas inte heller, av samma skäl. Enkätens "
            f"frågor var: {listing}",
            kind="withheld",
        )
    return Outputs(tuple(question_section(report, q) for q in s.closed))


# --- Free text, method, appendix -----------------------------------------------------------


def free_text_note(report: Report):
    """How many wrote an answer to each open question; the answers themselves are never shown."""
    if note := _missing(report):
        return note
    s = scope(report)
    if not any(q.free_text for q in s.questions):
        return Note("Enkäten har inga öppna frågor.")
    frame = si.free_text_counts(s.questions, s.responses, s.periods)
    protected = report.protector.shares(
        frame, label="Antal fritextsvar per fråga och period", value_cols=()
    )
    parts = []
    for qid in dict.fromkeys(protected.frame["question_id"]):
        rows = _rows(protected, qid)
        counts = "; ".join(
            f"{r['period']}: {HIDDEN}"
            if not _shown(r)
            else f"{r['period']}: {fmt_int(r['numerator'])} av {fmt_int(r['denominator'])} svarande"
            for r in rows
        )
        text = str(rows[0]["question"]).split(". ", 1)[1]
        if any(_shown(r) for r in rows):
            parts.append(f"Så många skrev något i den öppna frågan ”{text}”: {counts}.")
        else:
            parts.append(f"Hur många som skrev något i den öppna frågan ”{text}” {NOT_SHOWN}.")
    parts.append(
        "Fritextsvaren visas aldrig i rapporten, eftersom de kan innehålla uppgifter "
        "som pekar ut enskilda personer."
    )
    if protected.n_hidden and not protected.withheld:
        parts.append(f"{HIDDEN} = antalet {NOT_SHOWN}.")
    return Note(" ".join(parts))


def method_note(report: Report):
    """How shares, intervals, changes and reference comparisons were computed."""
    return Note(
        "Andelen positiva svar räknas bland dem som besvarade frågan; den som hoppade över "
        "frågan räknas inte. Hoppade bara några få över en fråga anges inte hur många som "
        "besvarade den, eftersom skillnaden mot antalet svarande då skulle visa ett för litet "
        "antal. Osäkerhetsintervallen är 95 % Wilson-intervall, som fungerar "
        "även för små grupper och andelar nära 0 eller 100 %. Förändringen mellan två "
        f"perioder prövas med ett {CHANGE_TEST}; den "
        "beskrivs som en förändring bara om p < 0,05. Referensvärdet jämförs med 95 % "
        "intervallet: ligger det utanför intervallet är skillnaden säkerställd på 5 % nivå "
        "(motsvarar ett score-test för en andel). Svaren behandlas som oberoende mellan "
        "perioderna även om samma person kan ha svarat båda åren."
    )


def privacy_appendix(report: Report):
    """What the privacy layer applied in this report: rules, thresholds and hidden cells."""
    from evaluation.present.appendix import privacy_appendix as _appendix

    rules = report.protector.rules
    small = f"1–{rules.min_count - 1}"
    survey_rules = Note(
        "För brukarundersökningen gäller dessutom: en fråga redovisas bara när minst "
        f"{fmt_int(rules.min_n)} har besvarat den, och varken antalet positiva eller antalet "
        f"övriga svar är {small}. Har ett enskilt svarsalternativ {small} svar slås "
        "svarsalternativen på den sidan av nollstrecket samman i diagrammet. Samma antal och "
        "andelar används i tabeller, diagram och text, och inga summor över perioder visas, så "
        "en dold period kan inte räknas fram. Fritextsvar visas aldrig, bara hur många de var."
    )
    return _appendix(report.protector, lead=(survey_rules,))


def key_figures(report: Report):
    """The opening "Sammanfattning": key figures read from this report's protected outputs."""
    from evaluation.reports.summary import summary

    return summary(report)
