"""The "Sammanfattning" that opens every report: 3–6 key figures with a verdict each.

Every figure is read from a protected output the report's body also shows (the
same memoised object, so nothing is protected twice or recomputed from raw data).
A hidden figure stays hidden: ".." and no verdict. A change is called
"säkerställd" only when a score test on the published counts gives p < 0.05
(statsmodels: two independent shares, or two Poisson rates with person-years).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from evaluation.exceptions import ParameterError
from evaluation.present.charts import assign_groups
from evaluation.present.format import HIDDEN, fmt_number, fmt_percent, partial_period, term_label
from evaluation.present.keyfigures import KeyFigure, KeyFigures
from evaluation.present.output import Note
from evaluation.privacy.symbols import SUPPRESSED_SENTENCE as WITHHELD
from evaluation.reports.context import Report

ALPHA = 0.05
MAX_FIGURES = 6


# --- Shared wording ------------------------------------------------------------------------


def _shown(row) -> bool:
    return row is not None and not bool(row["suppressed"]) and pd.notna(row["value"])


def _fmt(value, percent: bool, decimals: int = 0) -> str:
    return fmt_percent(value, decimals) if percent else fmt_number(value, decimals)


def period_text(period: str, end=None) -> str:
    """A period label for a reader: "2025H1" → "2025 (jan–jun)"; cut-short periods named."""
    cut = partial_period(period, end)
    if cut:
        return cut.replace("H1 ", " ").replace("H2 ", " ")
    return term_label(period)


def periods_in_words(table, end=None):
    """A Table whose period columns or rows ("2019H1") read "2019 (jan–jun)"; else unchanged."""
    from evaluation.present.output import Table

    if not isinstance(table, Table):
        return table
    return table.relabelled(lambda c: period_text(str(c), end))


def _period_end(period: str) -> pd.Timestamp | None:
    if m := re.fullmatch(r"(\d{4})", period):
        return pd.Timestamp(int(m.group(1)), 12, 31)
    if m := re.fullmatch(r"(\d{4})H([12])", period):
        return pd.Timestamp(
            int(m.group(1)), 6 if m.group(2) == "1" else 12, 1
        ) + pd.offsets.MonthEnd(0)
    return None


def change_test(before, now, kind: str) -> float | None:
    """p-value of the change from ``before`` to ``now`` (protected rows with published counts)."""
    from statsmodels.stats.proportion import test_proportions_2indep
    from statsmodels.stats.rates import test_poisson_2indep

    cols = ("numerator", "denominator")
    if not (_shown(before) and _shown(now)) or any(
        c not in before or pd.isna(before[c]) or pd.isna(now[c]) for c in cols
    ):
        return None
    n1, d1 = (float(before[c]) for c in cols)
    n2, d2 = (float(now[c]) for c in cols)
    if min(d1, d2) <= 0:
        return None
    if kind == "rate":
        if n1 + n2 == 0:
            return None
        return float(test_poisson_2indep(n2, d2, n1, d1, method="score").pvalue)
    if (n1 + n2 == 0) or (n1 + n2 == d1 + d2):
        return None
    return float(test_proportions_2indep(n2, d2, n1, d1, method="score").pvalue)


def change_word(before, now, p: float | None) -> tuple[str, int]:
    """("Säkerställd ökning" | "Säkerställd minskning" | "Ingen säkerställd skillnad", sign)."""
    if p is None:
        return "", 0
    if p < ALPHA and now["value"] != before["value"]:
        up = now["value"] > before["value"]
        return ("Säkerställd ökning" if up else "Säkerställd minskning"), (1 if up else -1)
    return "Ingen säkerställd skillnad", 0


def _tone(sign: int, higher_is_better: bool | None) -> str:
    if not sign or higher_is_better is None:
        return "neutral"
    return "good" if (sign > 0) == higher_is_better else "bad"


def _join(*parts: str) -> str:
    words = [p for p in parts if p]
    if not words:
        return ""
    text = " · ".join(w[:1].lower() + w[1:] for w in words)
    return text[0].upper() + text[1:]


def _pick(report: Report, available: dict, default: list[str]) -> list[str]:
    """The keys params name (``summary: [...]``, in that order) or the kind's default."""
    wanted = report.params.summary
    if wanted is None:
        return [k for k in default if k in available][:MAX_FIGURES]
    unknown = [k for k in wanted if k not in available]
    if unknown:
        raise ParameterError(
            f"okänt nyckeltal '{unknown[0]}' för en rapport av typen {report.params.kind}; "
            f"välj bland {', '.join(available)}",
            file=report.params.source_file,
            parameter="summary",
        )
    return list(dict.fromkeys(wanted))[:MAX_FIGURES]


# --- Outcome follow-up ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Outcome:
    label: str
    source: Callable  # Report -> ProtectedFrame (memoised by the body's section)
    kind: str  # share or rate
    higher_is_better: bool | None
    target: Callable = lambda report: None
    table: str = "assessments"


def _outcomes() -> dict[str, _Outcome]:
    from evaluation.reports import outcome_followup as f

    return {
        "joint_assessment_share": _Outcome(
            "Förhandsbedömningar gjorda gemensamt med utföraren",
            f.joint_shares,
            "share",
            True,
            lambda r: r.params.targets.joint_assessment_share,
        ),
        "assessment_within_14_days_share": _Outcome(
            "Förhandsbedömningar klara inom 14 dagar",
            f.within_14_shares,
            "share",
            True,
            lambda r: r.params.targets.assessment_within_14_days_share,
        ),
        "investigation_within_120_days_share": _Outcome(
            "Utredningar klara inom 120 dagar",
            f.within_120_shares,
            "share",
            True,
            lambda r: r.params.targets.investigation_within_120_days_share,
            "investigations",
        ),
        "referrals_per_1000_children": _Outcome(
            "Orosanmälningar per 1 000 barn och år",
            f.referral_term_rates,
            "rate",
            None,
            table="referrals",
        ),
        "placements_per_1000_children": _Outcome(
            "Placeringar per 1 000 barn och år",
            f.placement_rates,
            "rate",
            None,
            table="interventions",
        ),
    }


def _group_rows(protected, group: str) -> list[pd.Series]:
    frame = protected.frame[protected.frame["group"].astype(str) == group]
    return [r for _, r in frame.sort_values("period_start").iterrows()]


def _baseline(rows: list[pd.Series], start) -> tuple[pd.Series | None, str]:
    """The last period that ended before the work started (else the first period)."""
    if not rows:
        return None, ""
    if start is not None:
        before = [
            r for r in rows if (e := _period_end(str(r["period"]))) and e < pd.Timestamp(start)
        ]
        if before:
            return before[-1], "Före starten"
    return rows[0], "Första perioden"


def _outcome_figure(report: Report, spec: _Outcome) -> KeyFigure | None:
    protected = spec.source(report)
    rows = _group_rows(protected, report.area_name)
    if not rows:
        return None
    percent = spec.kind == "share"
    decimals = 0 if percent else 1
    now = rows[-1]
    when = period_text(str(now["period"]), report.end)
    if spec.kind == "rate" and partial_period(str(now["period"]), report.end):
        when = when[:-1] + ", omräknat till helår)"
    before, word = _baseline(rows[:-1], report.params.intervention_start)
    target = spec.target(report)
    target_text = f"Mål: {_fmt(target, percent)}" if target is not None else ""
    if not _shown(now):
        return KeyFigure(spec.label, HIDDEN, when, change=WITHHELD, target=target_text)
    change = ""
    if before is not None:
        then = _fmt(before["value"], percent, decimals) if _shown(before) else HIDDEN
        change = f"{word}, {period_text(str(before['period']))}: {then}"
    verdict, sign = change_word(before, now, change_test(before, now, spec.kind))
    reached = ""
    if target is not None:
        reached = "målet nått" if now["value"] >= target else "målet inte nått"
    compare = _comparison_value(report, protected, percent, decimals)
    tone = _tone(sign, spec.higher_is_better)
    if target is not None:
        tone = "good" if reached == "målet nått" else "bad"
    return KeyFigure(
        spec.label,
        _fmt(now["value"], percent, decimals),
        when,
        change=change,
        compare=compare,
        target=target_text,
        verdict=_join(verdict, reached),
        tone=tone,
    )


def _comparison_value(report: Report, protected, percent: bool, decimals: int) -> str:
    """The same period's value for the comparison areas together (or the first one)."""
    comps = [g for g in report.groups if g.role == "comparison_total"] or [
        g for g in report.groups if g.role == "comparison"
    ]
    if not comps:
        return ""
    group = comps[0]
    rows = _group_rows(protected, group.label)
    if not rows or not _shown(rows[-1]):
        return ""
    names = " och ".join(g.label for g in report.groups if g.role == "comparison")
    return f"{names}: {_fmt(rows[-1]['value'], percent, decimals)}"


def _outcome_summary(report: Report) -> KeyFigures | Note:
    specs = _outcomes()
    present = {k: s for k, s in specs.items() if report.data.table(s.table) is not None}
    keys = [k for k in _pick(report, specs, list(specs)) if k in present]
    figures, hidden, untested = [], [], []
    for key in keys:
        fig = _outcome_figure(report, present[key])
        if fig is None:
            continue
        figures.append(fig)
        if fig.value == HIDDEN:
            hidden.append(fig.label.lower())
        elif not fig.verdict.split(" · ")[0].startswith(("Säkerställd", "Ingen")):
            untested.append(fig.label.lower())
    if not figures:
        return Note("Inga nyckeltal kan redovisas för perioden.", kind="withheld")
    comps = " och ".join(g.label for g in report.groups if g.role == "comparison")
    parts = [
        "Förändringarna visar vad som hänt i "
        f"{report.area_name} sedan starten, inte hur mycket av det som beror på arbetet"
        + (f"; det prövas mot {comps} i avsnittet om effektskattningar." if comps else ".")
    ]
    if hidden:
        parts.append(f"{_cap(_list(hidden))} redovisas inte eftersom underlaget är för litet.")
    if untested:
        parts.append(f"För {_list(untested)} kan förändringen inte prövas statistiskt.")
    lead = (
        f"De viktigaste måtten för {report.area_name}, senaste perioden, jämfört med "
        "perioden före starten av det områdesbaserade arbetet."
        if report.params.intervention_start
        else f"De viktigaste måtten för {report.area_name}, senaste perioden."
    )
    return KeyFigures(tuple(figures), " ".join(parts), lead=lead)


def _list(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " och " + words[-1]


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


# --- Area analysis -------------------------------------------------------------------------


def _area_summary(report: Report) -> KeyFigures | Note:
    from evaluation.reports import area_analysis as aa

    if report.data.area_statistics is None:
        return Note("Områdesstatistik saknas, så inga nyckeltal visas.", kind="withheld")
    catalogue = aa._catalogue(report)
    keys_all = [k for k in aa._stat_keys(report) if catalogue[k].kind != "count"]
    default = [k for k in keys_all if catalogue[k].key]
    keys = _pick(report, {k: k for k in keys_all}, default[:5])
    muni = report.municipality_code
    figures, hidden, small, untested = [], [], [], []
    for key in keys:
        info = catalogue[key]
        pf = aa._key_rows(report, key, [report.area_code, muni])
        own = [r for _, r in pf.frame[pf.frame["area_code"] == report.area_code].iterrows()]
        if not own:
            continue
        now = own[-1]
        percent = info.kind == "share"
        decimals = 0 if info.unit == "tkr" else 1
        unit = "" if percent else f" {info.unit}"
        label = info.label
        when = str(int(now["year"]))
        if not _shown(now):
            figures.append(KeyFigure(label, HIDDEN, when, change=WITHHELD))
            hidden.append(label.lower())
            continue
        first = next((r for r in own if _shown(r)), None)
        change = ""
        verdict, sign = "", 0
        if first is not None and first["year"] != now["year"]:
            change = f"{int(first['year'])}: {_fmt(first['value'], percent, decimals)}{unit}"
            kind = "share" if percent else ("rate" if info.kind == "rate" else "")
            if kind:
                verdict, sign = change_word(first, now, change_test(first, now, kind))
                if verdict:
                    verdict += f" sedan {int(first['year'])}"
        compare = ""
        m_rows = pf.frame[(pf.frame["area_code"] == muni) & (pf.frame["year"] == now["year"])]
        against = ""
        if len(m_rows) and _shown(m_rows.iloc[0]):
            m = m_rows.iloc[0]
            compare = f"Hela kommunen: {_fmt(m['value'], percent, decimals)}{unit}"
            if pd.notna(now.get("ci_low")) and pd.notna(now.get("ci_high")):
                if now["ci_low"] <= m["value"] <= now["ci_high"]:
                    against = "ingen säkerställd skillnad mot kommunen"
                else:
                    higher = now["ci_low"] > m["value"]
                    against = f"säkerställt {'högre' if higher else 'lägre'} än kommunen"
                    sign = sign or (1 if higher else -1)
        if pd.notna(now.get("denominator")) and now["denominator"] < aa.SMALL_BASE:
            small.append(label.lower())
        if not (against or verdict):
            untested.append(label.lower())
        figures.append(
            KeyFigure(
                label,
                _fmt(now["value"], percent, decimals) + unit,
                when,
                change=change,
                compare=compare,
                verdict=_join(against, verdict),
                tone=_tone(sign, info.higher_is_better),
            )
        )
    if not figures:
        return Note("Inga nyckeltal kan redovisas för området.", kind="withheld")
    parts = [
        "Statistiken beskriver läget i området, inte orsakerna till det, och de senaste "
        "åren kan revideras av källorna."
    ]
    if hidden:
        parts.append(f"{_cap(_list(hidden))} redovisas inte eftersom underlaget är för litet.")
    if small:
        parts.append(f"{_cap(_list(small))} bygger på ett litet underlag och är osäkert.")
    if untested:
        parts.append(
            f"För {_list(untested)} finns inget osäkerhetsmått, så skillnader prövas inte "
            "statistiskt."
        )
    return KeyFigures(
        tuple(figures),
        " ".join(parts),
        lead=f"Nyckeltal för {report.area_name} det senaste året, jämfört med hela kommunen.",
    )


# --- User survey ---------------------------------------------------------------------------


def _survey_summary(report: Report) -> KeyFigures | Note:
    from evaluation.reports import user_survey as us

    if note := us._missing(report):
        return note
    s = us.scope(report)
    rates, positive = us._rates(report), us._positive(report)
    available = {"response_rate": None} | {q.question_id: q for q in s.closed}
    keys = _pick(report, available, list(available)[:5])
    refs = report.params.survey.references
    figures, hidden = [], []
    for key in keys:
        if key == "response_rate":
            rows = [r for _, r in rates.frame.iterrows()]
            label = "Svarsfrekvens"
        else:
            q = available[key]
            rows = us._rows(positive, q.question_id)
            label = f"Positiva svar: {q.text}"
        if not rows:
            continue
        now = rows[-1]
        if not _shown(now):
            figures.append(KeyFigure(label, HIDDEN, str(now["period"]), change=WITHHELD))
            hidden.append("svarsfrekvensen" if key == "response_rate" else "question")
            continue
        before = rows[-2] if len(rows) > 1 else None
        change, verdict, sign = "", "", 0
        if before is not None:
            change = (
                f"{before['period']}: {fmt_percent(before['value']) if _shown(before) else HIDDEN}"
            )
            if key == "response_rate":
                verdict, sign = change_word(before, now, change_test(before, now, "share"))
            else:
                verdict = us.change_verdict(before, now)[0]
                verdict = "" if verdict == "–" else verdict
                sign = 1 if "ökning" in verdict else (-1 if "minskning" in verdict else 0)
            if verdict:
                verdict += f" sedan {before['period']}"
        target, against = "", ""
        if key == "response_rate":
            low = report.params.survey.low_response_rate
            target = f"Gräns för stort bortfall: {fmt_percent(low)}"
            against = "stort bortfall" if now["value"] < low else ""
        elif key in refs:
            ref = refs[key]
            target = f"Referens: {fmt_percent(ref.value)} ({ref.source} {ref.year})"
            against = us.reference_verdict(now, ref)[0].lower()
            if against == "–":
                against = ""
            else:  # "säkerställt högre än referensen", "ingen säkerställd skillnad mot …"
                against += " mot referensen" if against.startswith("ingen") else " än referensen"
        figures.append(
            KeyFigure(
                label,
                fmt_percent(now["value"]),
                str(now["period"]),
                change=change,
                target=target,
                verdict=_join(verdict, against),
                tone="bad" if against == "stort bortfall" else _tone(sign, True),
            )
        )
    if not figures:
        return Note("Inga nyckeltal kan redovisas för enkäten.", kind="withheld")
    parts = ["Svaren beskriver dem som svarade, inte alla som fick enkäten."]
    shown_rates = rates.frame[~rates.frame["suppressed"].astype(bool)]
    if len(shown_rates):
        last = shown_rates.iloc[-1]
        parts.append(
            f"Svarsfrekvensen {last['period']} var {fmt_percent(last['value'])}, så de som inte "
            "svarade kan ha tyckt annorlunda."
        )
    if hidden:  # the questions counted, not listed: their texts read badly in a sentence
        n = hidden.count("question")
        what = [w for w in hidden if w != "question"]
        if n:
            what.append(f"andelen positiva svar på {'en fråga' if n == 1 else f'{n} frågor'}")
        parts.append(f"{_cap(_list(what))} redovisas inte eftersom underlaget är för litet.")
    limit = report.params.survey.min_answers_generalise
    few = positive.frame[
        ~positive.frame["suppressed"].astype(bool) & (positive.frame["denominator"] < limit)
    ]
    if len(few):
        parts.append(f"Andelar som bygger på färre än {limit} svar är en fingervisning.")
    return KeyFigures(
        tuple(figures),
        " ".join(parts),
        lead=f"Svarsfrekvens och andel positiva svar för {s.name}, senaste perioden.",
    )


# --- Entry point ---------------------------------------------------------------------------


def summary(report: Report) -> KeyFigures | Note:
    """The report's opening summary (also fixes each group's chart colour for the report)."""
    assign_groups([g.label for g in report.groups])
    kind = report.params.kind
    if kind == "outcome_followup":
        return _outcome_summary(report)
    if kind == "area_analysis":
        return _area_summary(report)
    return _survey_summary(report)
