"""Sections of the outcome follow-up report: each function is one sentence of the report.

Every function computes an indicator, passes it through the report's Protector
and returns a table, chart or note; notebooks call these and nothing else.
"""

from __future__ import annotations

import pandas as pd

from evaluation import codes
from evaluation.indicators import activities as act
from evaluation.indicators import casework as cw
from evaluation.indicators import interventions as iv
from evaluation.indicators import referrals as rf
from evaluation.indicators.periods import Freq
from evaluation.present.charts import stacked_bar_chart, trend_chart
from evaluation.present.output import Group as Outputs
from evaluation.present.output import Note
from evaluation.present.tables import count_table, statistic_table, value_table
from evaluation.report import Report

RATE_UNIT = "per 1 000 barn 0–17 år och år"


def _start_label(report: Report) -> str:
    return "Start områdesbaserat arbete"


def _series_grain(report: Report, counts: pd.Series) -> Freq:
    """Monthly only if every month's count passes the count rule (R5); else terms."""
    rules = report.protector.rules
    small = ((counts > 0) & (counts < rules.min_count)).any()
    return "term" if small else "month"


def _missing(report: Report, table: str, what: str) -> Note | None:
    if report.data.table(table) is None:
        return Note(f"Avsnittet om {what} visas inte eftersom datamappen saknar {table}.csv.",
                    kind="withheld")
    return None


def _trend(report: Report, frame: pd.DataFrame, *, label: str, kind: str, title: str,
           ylabel: str, what: str, percent: bool, target: float | None = None,
           sensitive: bool = False, decimals: int = 1):
    protect = report.protector.rates if kind == "rate" else report.protector.shares
    extra = {"sensitive": sensitive} if kind == "share" else {}
    protected = protect(frame, label=label, **extra)
    chart = trend_chart(protected, title=title, ylabel=ylabel, what=what, percent=percent,
                        decimals=decimals, start=report.params.intervention_start,
                        start_label=_start_label(report), target=target)
    return protected, chart


# --- Referrals -----------------------------------------------------------------------------

def referral_rate_chart(report: Report, reporters: tuple[str, ...] | None = None):
    """Referrals per 1 000 children by month (or term when months are small), per group."""
    if (note := _missing(report, "referrals", "orosanmälningar")):
        return note
    d = report.data
    monthly = rf.referral_rates(d.referrals, d.area_statistics, report.groups, report.start,
                                report.end, "month", reporters)
    freq = _series_grain(report, monthly["numerator"])
    frame = monthly if freq == "month" else rf.referral_rates(
        d.referrals, d.area_statistics, report.groups, report.start, report.end, freq, reporters)
    who = "" if reporters is None else " från " + " och ".join(
        codes.REPORTER_CATEGORY[r].lower() for r in reporters)
    grain = "månad" if freq == "month" else "halvår"
    _, chart = _trend(report, frame, label=f"referral_rate{'_'.join(reporters or ())}_{freq}",
                      kind="rate", title=f"Orosanmälningar{who} per 1 000 barn, per {grain}",
                      ylabel=RATE_UNIT, what=f"antalet orosanmälningar{who} {RATE_UNIT}",
                      percent=False)
    return chart


def referral_rate_table(report: Report):
    """Referrals per 1 000 children and year, by term, with exact Poisson intervals."""
    if (note := _missing(report, "referrals", "orosanmälningar")):
        return note
    d = report.data
    frame = rf.referral_rates(d.referrals, d.area_statistics, report.groups, report.start,
                              report.end, "year")
    protected = report.protector.rates(frame, label="referral_rate_year")
    return value_table(protected, f"Orosanmälningar {RATE_UNIT} (95 % intervall, exakt "
                       "Poisson)", decimals=1, index_label="Grupp")


def reporter_mix_chart(report: Report):
    """Referrals to the evaluated area by reporter category and term."""
    if (note := _missing(report, "referrals", "orosanmälningar")):
        return note
    mix = rf.reporter_mix(report.data.referrals, [report.evaluated], report.start, report.end,
                          "term")
    table = mix.pivot(index="period", columns="reporter_category", values="count")
    table = table[[c for c in codes.REPORTER_CATEGORY if c in table.columns]]
    table.columns = [codes.REPORTER_CATEGORY[c] for c in table.columns]
    table.index.name, table.columns.name = None, None
    protected = report.protector.counts(table, label="reporter_mix_counts")
    return Outputs((
        stacked_bar_chart(protected, title=f"Orosanmälningar i {report.area_name} efter "
                          "anmälare", ylabel="Antal orosanmälningar",
                          what=f"antalet orosanmälningar om barn i {report.area_name} "
                          "efter vem som anmälde"),
        count_table(protected, f"Antal orosanmälningar i {report.area_name} efter anmälare "
                    "och halvår", index_label="Halvår")))


def reporter_share_table(report: Report, category: str):
    """Share of referrals from one reporter category, per group and year."""
    if (note := _missing(report, "referrals", "orosanmälningar")):
        return note
    mix = rf.reporter_mix(report.data.referrals, report.groups, report.start, report.end,
                          "year")
    frame = mix[mix["reporter_category"] == category].drop(columns="reporter_category")
    protected = report.protector.shares(frame, label=f"reporter_share_{category}")
    label = codes.REPORTER_CATEGORY[category].lower()
    return value_table(protected, f"Andel orosanmälningar från {label} (95 % intervall, "
                       "Wilson)", percent=True, index_label="Grupp")


# --- Assessments ---------------------------------------------------------------------------

def assessment_count_table(report: Report):
    """Assessments started per area and year, with totals."""
    if (note := _missing(report, "assessments", "förhandsbedömningar")):
        return note
    counts = cw.assessment_counts(report.data.assessments, report.area_groups, report.start,
                                  report.end, "year")
    table = counts.pivot(index="group", columns="period", values="count")
    table.index = table.index.astype(str)
    table.index.name, table.columns.name = None, None
    protected = report.protector.counts(table, label="assessment_counts")
    return count_table(protected, "Antal förhandsbedömningar per område och år",
                       index_label="Område")


def assessment_timeliness_chart(report: Report):
    """Share of assessments decided within 14 days, per group and term."""
    if (note := _missing(report, "assessments", "förhandsbedömningar")):
        return note
    frame = cw.assessments_within_limit(report.data.assessments, report.groups, report.start,
                                        report.end, "term", report.end)
    _, chart = _trend(report, frame, label="assessment_within_14", kind="share",
                      title="Förhandsbedömningar beslutade inom 14 dagar",
                      ylabel="Andel", what="andelen förhandsbedömningar som beslutades inom "
                      "14 dagar", percent=True,
                      target=report.params.targets.assessment_within_14_days_share)
    return chart


def joint_assessment_chart(report: Report):
    """Share of assessments done jointly with the provider, against the target."""
    if (note := _missing(report, "assessments", "förhandsbedömningar")):
        return note
    frame = cw.joint_assessment_share(report.data.assessments, report.groups, report.start,
                                      report.end, "term")
    protected, chart = _trend(
        report, frame, label="joint_assessment_share", kind="share",
        title="Förhandsbedömningar gjorda gemensamt med utföraren", ylabel="Andel",
        what="andelen förhandsbedömningar som gjordes gemensamt med utförarens stödenhet",
        percent=True, target=report.params.targets.joint_assessment_share)
    return Outputs((chart, value_table(protected, "Andel gemensamma förhandsbedömningar per "
                                       "halvår (95 % intervall, Wilson)", percent=True,
                                       index_label="Grupp")))


# --- Investigations ------------------------------------------------------------------------

def investigation_timeliness_chart(report: Report):
    """Share of investigations completed within 120 days, per group and term."""
    if (note := _missing(report, "investigations", "utredningar")):
        return note
    frame = cw.investigations_within_limit(report.data.investigations, report.groups,
                                           report.start, report.end, "term", report.end)
    _, chart = _trend(report, frame, label="investigation_within_120", kind="share",
                      title="Utredningar avslutade inom 120 dagar", ylabel="Andel",
                      what="andelen barnavårdsutredningar som avslutades inom 120 dagar",
                      percent=True,
                      target=report.params.targets.investigation_within_120_days_share)
    return chart


def investigation_duration_table(report: Report):
    """Median days of completed investigations per group and year (10 or more cases)."""
    if (note := _missing(report, "investigations", "utredningar")):
        return note
    frame = cw.investigation_duration(report.data.investigations, report.groups, report.start,
                                      report.end, "year")
    protected = report.protector.statistics(frame, label="investigation_median_days", n="n",
                                            value_cols=("median",))
    return statistic_table(protected, "Mediantid i dagar för avslutade utredningar, per år "
                           "då utredningen avslutades", index_label="Grupp")


def child_interview_chart(report: Report):
    """Share of completed investigations where the child was interviewed."""
    if (note := _missing(report, "investigations", "utredningar")):
        return note
    frame = cw.child_interviewed_share(report.data.investigations, report.groups, report.start,
                                       report.end, "term")
    _, chart = _trend(report, frame, label="child_interviewed", kind="share",
                      title="Utredningar där barnet fick komma till tals (barnsamtal)",
                      ylabel="Andel", what="andelen avslutade utredningar med barnsamtal",
                      percent=True)
    return chart


def ongoing_investigations_table(report: Report):
    """Investigations still open at the end of the data, per area."""
    if (note := _missing(report, "investigations", "utredningar")):
        return note
    table = cw.ongoing_investigations(report.data.investigations, report.area_groups, report.end)
    protected = report.protector.counts(table, label="ongoing_investigations", margins=False)
    return count_table(protected, f"Pågående utredningar {report.end:%Y-%m-%d}",
                       index_label="Område")


# --- Interventions -------------------------------------------------------------------------

_INTERVENTION_BY = {
    "intervention_type": ("typ", codes.INTERVENTION_TYPE),
    "level": ("nivå", codes.LEVEL),
    "basis": ("grund", codes.BASIS),
}


def intervention_mix(report: Report, by: str):
    """Interventions decided in the evaluated area per year, by type, level or basis."""
    if (note := _missing(report, "interventions", "insatser")):
        return note
    word, labels = _INTERVENTION_BY[by]
    table = iv.intervention_crosstab(report.data.interventions, report.evaluated.codes, by,
                                     report.start, report.end, "year", labels)
    protected = report.protector.counts(table, label=f"interventions_by_{by}")
    return Outputs((
        stacked_bar_chart(protected, title=f"Insatser i {report.area_name} efter {word}",
                          ylabel="Antal beslutade insatser",
                          what=f"antalet beslutade insatser i {report.area_name} efter {word}"),
        count_table(protected, f"Beslutade insatser i {report.area_name} efter {word} och år",
                    index_label="År")))


def placement_rate_chart(report: Report):
    """Placements per 1 000 children and year, per group and term."""
    if (note := _missing(report, "interventions", "insatser")):
        return note
    frame = iv.placement_rates(report.data.interventions, report.data.area_statistics,
                               report.groups, report.start, report.end, "year")
    _, chart = _trend(report, frame, label="placement_rate", kind="rate",
                      title="Placeringar per 1 000 barn, per år", ylabel=RATE_UNIT,
                      what=f"antalet beslutade placeringar {RATE_UNIT}", percent=False,
                      decimals=1)
    return chart


def placements_without_open_care_table(report: Report):
    """Share of placements where the child had no open care before, per group and year."""
    if (note := _missing(report, "interventions", "insatser")):
        return note
    frame = iv.placements_without_open_care(report.data.interventions, report.groups,
                                            report.start, report.end, "year")
    protected = report.protector.shares(frame, label="placement_without_open_care",
                                        sensitive=True)
    return value_table(protected, "Andel placeringar där barnet inte haft öppenvård före "
                       "placeringen (95 % intervall, Wilson)", percent=True,
                       index_label="Grupp")


def unplanned_endings_table(report: Report):
    """Share of ended interventions that ended unplanned, per group and year."""
    if (note := _missing(report, "interventions", "insatser")):
        return note
    frame = iv.unplanned_endings(report.data.interventions, report.groups, report.start,
                                 report.end, "year")
    protected = report.protector.shares(frame, label="unplanned_endings")
    return value_table(protected, "Andel avslutade insatser med oplanerat avslut "
                       "(95 % intervall, Wilson)", percent=True, index_label="Grupp")


def unexecuted_decisions_table(report: Report):
    """Share of decisions not executed within three months, per group and year."""
    if (note := _missing(report, "interventions", "insatser")):
        return note
    frame = iv.unexecuted_decisions(report.data.interventions, report.groups, report.start,
                                    report.end, "year", report.end)
    protected = report.protector.shares(frame, label="unexecuted_decisions")
    return value_table(protected, "Andel beslut om bistånd som inte verkställts inom tre "
                       "månader (95 % intervall, Wilson)", percent=True, index_label="Grupp")


# --- Activities ----------------------------------------------------------------------------

_ACTIVITY_BY = {"activity_type": "typ", "level": "nivå", "partners": "samverkanspart"}


def activity_mix(report: Report, by: str):
    """Area and group activities in the evaluated area per term, by type, level or partner."""
    if (note := _missing(report, "activities", "områdesarbete")):
        return note
    table = act.activity_crosstab(report.data.activities, report.evaluated.codes, by,
                                  report.start, report.end, "term")
    word = _ACTIVITY_BY[by]
    margins = by != "partners"  # one activity can have several partners: columns overlap
    protected = report.protector.counts(table, label=f"activities_by_{by}", margins=margins)
    return Outputs((
        stacked_bar_chart(protected, title=f"Aktiviteter i {report.area_name} efter {word}",
                          ylabel="Antal aktiviteter",
                          what=f"antalet aktiviteter i {report.area_name} efter {word}"),
        count_table(protected, f"Aktiviteter i {report.area_name} efter {word} och halvår",
                    index_label="Halvår")))


# --- Effects and appendix ------------------------------------------------------------------

def effect_estimates(report: Report):
    """Causal estimates against the comparison areas (see evaluation.effects)."""
    from evaluation.effects import effect_section

    return effect_section(report)


def privacy_appendix(report: Report):
    """What the privacy layer applied in this report: rules, thresholds and hidden cells."""
    from evaluation.present.appendix import privacy_appendix as _appendix

    return _appendix(report.protector)
