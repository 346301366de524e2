"""Sections of the outcome follow-up report: each function is one sentence of the report.

Every function computes an indicator, passes it through the report's Protector
and returns a table, chart or note; notebooks call these and nothing else.
"""

from __future__ import annotations

import pandas as pd

from evaluation.indicators import activities as act
from evaluation.indicators import casework as cw
from evaluation.indicators import interventions as iv
from evaluation.indicators import referrals as rf
from evaluation.metadata import codes
from evaluation.present.charts import stacked_bar_chart, trend_chart
from evaluation.present.guard import select_rows
from evaluation.present.output import Group as Outputs
from evaluation.present.output import Note
from evaluation.present.tables import count_table, statistic_table, value_table
from evaluation.privacy.measures import measure_spec
from evaluation.reports.context import Report

RATE_UNIT = "per 1 000 barn 0–17 år och år"


START_LABEL = "Start områdesbaserat arbete"


def _missing(report: Report, table: str, what: str) -> Note | None:
    if report.data.table(table) is None:
        return Note(
            f"Avsnittet om {what} visas inte eftersom datamappen saknar {table}.csv.",
            kind="withheld",
        )
    return None


def _trend(
    report: Report,
    frame: pd.DataFrame,
    *,
    kind: str,
    title: str,
    ylabel: str,
    what: str,
    percent: bool,
    target: float | None = None,
    sensitive: bool = False,
    decimals: int = 1,
    spec=None,
):
    protect = report.protector.rates if kind == "rate" else report.protector.shares
    extra = {"sensitive": sensitive} if kind == "share" else {}
    extra["spec"] = spec
    protected = protect(frame, label=title, **extra)
    chart = trend_chart(
        protected,
        title=title,
        ylabel=ylabel,
        what=what,
        percent=percent,
        decimals=decimals,
        start=report.params.intervention_start,
        start_label=START_LABEL,
        target=target,
    )
    return protected, chart


# --- Referrals -----------------------------------------------------------------------------


def referral_rate_chart(report: Report, reporters: tuple[str, ...] | None = None):
    """Referrals per 1 000 children by month, for the groups where every month passes (R5)."""
    if note := _missing(report, "referrals", "orosanmälningar"):
        return note
    d = report.data
    monthly = rf.referral_rates(
        d.referrals, d.area_statistics, report.groups, report.start, report.end, "month", reporters
    )
    who = (
        ""
        if reporters is None
        else " från " + " och ".join(codes.REPORTER_CATEGORY[r].lower() for r in reporters)
    )
    title = f"Orosanmälningar{who} per 1 000 barn, per månad"
    protected = report.protector.rates(monthly, label=title, spec=_referral_spec(reporters))
    failing = set(protected.frame.loc[protected.frame["suppressed"], "group"].astype(str))
    shown = report.protector.select(
        protected, ~protected.frame["group"].astype(str).isin(failing)
    )  # groups left out here are shown nowhere by month (R0 ledger)
    chart = trend_chart(
        shown,
        title=title,
        ylabel=RATE_UNIT,
        decimals=0,
        ci=True,
        what=f"antalet orosanmälningar{who} {RATE_UNIT}, månad för månad",
        start=report.params.intervention_start,
        start_label=START_LABEL,
    )
    if failing and not shown.withheld:
        chart = Outputs(
            (
                chart,
                Note(
                    f"{', '.join(sorted(failing))} visas inte per månad eftersom antalet "
                    "någon månad är för litet; se halvårstabellen nedan."
                ),
            )
        )
    return chart


def referral_rate_table(report: Report, reporters: tuple[str, ...] | None = None):
    """Referrals per 1 000 children and year, by term, with exact Poisson intervals."""
    if note := _missing(report, "referrals", "orosanmälningar"):
        return note
    d = report.data
    frame = rf.referral_rates(
        d.referrals, d.area_statistics, report.groups, report.start, report.end, "term", reporters
    )
    caption = f"Orosanmälningar {RATE_UNIT}, per halvår (95 % intervall, exakt Poisson)"
    protected = report.protector.rates(frame, label=caption, spec=_referral_spec(reporters))
    return value_table(protected, caption, decimals=1, index_label="Grupp")


def _referral_spec(reporters):
    """All referrals link across outputs (R0 ledger); a reporter subset is its own measure."""
    return measure_spec("referrals") if reporters is None else None


def _reporter_shares(report: Report):
    """The reporter mix for every group and year, protected once and shown twice."""
    if "reporter_mix" not in report.memo:
        mix = rf.reporter_mix(
            report.data.referrals,
            report.groups,
            report.start,
            report.end,
            "year",
            classes=rf.REPORTER_CLASS,
        )
        report.memo["reporter_mix"] = report.protector.shares(
            mix,
            label="Orosanmälningar efter anmälare (andelar per grupp och år)",
            complementary="reporter_category",
        )
    return report.memo["reporter_mix"]


def reporter_mix_table(report: Report):
    """Share of the evaluated area's referrals from each reporter class, per year."""
    if note := _missing(report, "referrals", "orosanmälningar"):
        return note
    protected = _reporter_shares(report)
    own = select_rows(protected, protected.frame["group"].astype(str) == report.area_name)
    return value_table(
        own,
        f"Andel av orosanmälningarna i {report.area_name} efter anmälare (95 % intervall, Wilson)",
        row="reporter_category",
        percent=True,
        index_label="Anmälare",
    )


def reporter_share_chart(report: Report, reporter_class: str):
    """One reporter class's share of referrals over the years, per group."""
    if note := _missing(report, "referrals", "orosanmälningar"):
        return note
    protected = _reporter_shares(report)
    one = select_rows(protected, protected.frame["reporter_category"] == reporter_class)
    who = reporter_class.lower()
    return trend_chart(
        one,
        title=f"Andel orosanmälningar från {who}",
        ylabel="Andel",
        what=f"hur stor andel av orosanmälningarna som kom från {who}",
        percent=True,
        start=report.params.intervention_start,
        start_label=START_LABEL,
    )


# --- Assessments ---------------------------------------------------------------------------


def assessment_count_table(report: Report):
    """Assessments started per area and year, with totals."""
    if note := _missing(report, "assessments", "förhandsbedömningar"):
        return note
    counts = cw.assessment_counts(
        report.data.assessments, report.area_groups, report.start, report.end, "year"
    )
    table = counts.pivot(index="group", columns="period", values="count")
    table.index = table.index.astype(str)
    table.index.name, table.columns.name = None, None
    caption = "Antal förhandsbedömningar per område och år"
    protected = report.protector.counts(table, label=caption)
    return count_table(protected, caption, index_label="Område")


def assessment_timeliness_chart(report: Report):
    """Share of assessments decided within 14 days, per group and term."""
    if note := _missing(report, "assessments", "förhandsbedömningar"):
        return note
    frame = cw.assessments_within_limit(
        report.data.assessments, report.groups, report.start, report.end, "term", report.end
    )
    _, chart = _trend(
        report,
        frame,
        kind="share",
        title="Förhandsbedömningar beslutade inom 14 dagar",
        ylabel="Andel",
        what="andelen förhandsbedömningar som beslutades inom 14 dagar",
        percent=True,
        target=report.params.targets.assessment_within_14_days_share,
    )
    return chart


def joint_assessment_chart(report: Report):
    """Share of assessments done jointly with the provider, against the target."""
    if note := _missing(report, "assessments", "förhandsbedömningar"):
        return note
    frame = cw.joint_assessment_share(
        report.data.assessments, report.groups, report.start, report.end, "term"
    )
    protected, chart = _trend(
        report,
        frame,
        kind="share",
        title="Förhandsbedömningar gjorda gemensamt med utföraren",
        ylabel="Andel",
        what="andelen förhandsbedömningar som gjordes gemensamt med utförarens stödenhet",
        percent=True,
        target=report.params.targets.joint_assessment_share,
    )
    return Outputs(
        (
            chart,
            value_table(
                protected,
                "Andel gemensamma förhandsbedömningar per halvår (95 % intervall, Wilson)",
                percent=True,
                index_label="Grupp",
            ),
        )
    )


# --- Investigations ------------------------------------------------------------------------


def investigation_timeliness_chart(report: Report):
    """Share of investigations completed within 120 days, per group and term."""
    if note := _missing(report, "investigations", "utredningar"):
        return note
    frame = cw.investigations_within_limit(
        report.data.investigations, report.groups, report.start, report.end, "term", report.end
    )
    _, chart = _trend(
        report,
        frame,
        kind="share",
        title="Utredningar avslutade inom 120 dagar",
        ylabel="Andel",
        what="andelen barnavårdsutredningar som avslutades inom 120 dagar",
        percent=True,
        target=report.params.targets.investigation_within_120_days_share,
    )
    return chart


def investigation_duration_table(report: Report):
    """Median days of completed investigations per group and year (10 or more cases)."""
    if note := _missing(report, "investigations", "utredningar"):
        return note
    frame = cw.investigation_duration(
        report.data.investigations, report.groups, report.start, report.end, "year"
    )
    caption = "Mediantid i dagar för avslutade utredningar, per år då utredningen avslutades"
    protected = report.protector.statistics(frame, label=caption, n="n", value_cols=("median",))
    return statistic_table(protected, caption, index_label="Grupp")


def child_interview_chart(report: Report):
    """Share of completed investigations where the child was interviewed."""
    if note := _missing(report, "investigations", "utredningar"):
        return note
    frame = cw.child_interviewed_share(
        report.data.investigations, report.groups, report.start, report.end, "term"
    )
    _, chart = _trend(
        report,
        frame,
        kind="share",
        title="Utredningar där barnet fick komma till tals (barnsamtal)",
        ylabel="Andel",
        what="andelen avslutade utredningar med barnsamtal",
        percent=True,
    )
    return chart


def ongoing_investigations_table(report: Report):
    """Investigations still open at the end of the data, per area."""
    if note := _missing(report, "investigations", "utredningar"):
        return note
    table = cw.ongoing_investigations(report.data.investigations, report.area_groups, report.end)
    caption = f"Pågående utredningar {report.end:%Y-%m-%d}"
    protected = report.protector.counts(table, label=caption, margins=False)
    return count_table(protected, caption, index_label="Område")


# --- Interventions -------------------------------------------------------------------------

_OPEN_TYPES = {k: v for k, v in codes.INTERVENTION_TYPE.items() if k not in codes.PLACEMENT_TYPES}

_INTERVENTION_BY = {
    "intervention_type": ("typ (utom placeringar)", _OPEN_TYPES),
    "level": ("nivå", codes.LEVEL),
    "basis": ("grund", codes.BASIS),
}


def intervention_mix(report: Report, by: str):
    """Interventions decided in the evaluated area per year, by type, level or basis."""
    if note := _missing(report, "interventions", "insatser"):
        return note
    word, labels = _INTERVENTION_BY[by]
    table = iv.intervention_crosstab(
        report.data.interventions,
        report.evaluated.codes,
        by,
        report.start,
        report.end,
        "year",
        labels,
    ).T
    caption = f"Beslutade insatser i {report.area_name} efter {word} och år"
    protected = report.protector.counts(
        table, label=caption, spec=measure_spec("interventions", rows=by)
    )
    return Outputs(
        (
            stacked_bar_chart(
                protected,
                title=f"Insatser i {report.area_name} efter {word}",
                ylabel="Antal beslutade insatser",
                what=f"antalet beslutade insatser i {report.area_name} efter {word}",
            ),
            count_table(protected, caption, index_label="Insats"),
        )
    )


def placement_rate_chart(report: Report):
    """Placements per 1 000 children and year, per group and term."""
    if note := _missing(report, "interventions", "insatser"):
        return note
    frame = iv.placement_rates(
        report.data.interventions,
        report.data.area_statistics,
        report.groups,
        report.start,
        report.end,
        "year",
    )
    _, chart = _trend(
        report,
        frame,
        kind="rate",
        spec=measure_spec("placements"),
        title="Placeringar per 1 000 barn, per år",
        ylabel=RATE_UNIT,
        what=f"antalet beslutade placeringar {RATE_UNIT}",
        percent=False,
        decimals=1,
    )
    return chart


def placements_without_open_care_table(report: Report):
    """Share of placements where the child had no open care before, per group and year."""
    if note := _missing(report, "interventions", "insatser"):
        return note
    frame = iv.placements_without_open_care(
        report.data.interventions, report.groups, report.start, report.end, "year"
    )
    caption = (
        "Andel placeringar där barnet inte haft öppenvård före placeringen (95 % intervall, Wilson)"
    )
    protected = report.protector.shares(frame, label=caption, sensitive=True)
    return value_table(protected, caption, percent=True, index_label="Grupp")


def unplanned_endings_table(report: Report):
    """Share of ended interventions that ended unplanned, per group and year."""
    if note := _missing(report, "interventions", "insatser"):
        return note
    frame = iv.unplanned_endings(
        report.data.interventions, report.groups, report.start, report.end, "year"
    )
    caption = "Andel avslutade insatser med oplanerat avslut (95 % intervall, Wilson)"
    protected = report.protector.shares(frame, label=caption)
    return value_table(protected, caption, percent=True, index_label="Grupp")


def unexecuted_decisions_table(report: Report):
    """Share of decisions not executed within three months, per group and year."""
    if note := _missing(report, "interventions", "insatser"):
        return note
    frame = iv.unexecuted_decisions(
        report.data.interventions, report.groups, report.start, report.end, "year", report.end
    )
    caption = (
        "Andel beslut om bistånd som inte verkställts inom tre månader (95 % intervall, Wilson)"
    )
    protected = report.protector.shares(frame, label=caption)
    return value_table(protected, caption, percent=True, index_label="Grupp")


# --- Activities ----------------------------------------------------------------------------

_ACTIVITY_BY = {"activity_type": "typ", "level": "nivå", "partners": "samverkanspart"}


def activity_mix(report: Report, by: str):
    """Area and group activities in the evaluated area per term, by type, level or partner."""
    if note := _missing(report, "activities", "områdesarbete"):
        return note
    table = act.activity_crosstab(
        report.data.activities, report.evaluated.codes, by, report.start, report.end, "year"
    ).T
    word = _ACTIVITY_BY[by]
    margins = by != "partners"  # one activity can have several partners: rows overlap
    caption = f"Aktiviteter i {report.area_name} efter {word} och år"
    spec = measure_spec("activities", rows=by) if margins else None
    protected = report.protector.counts(table, label=caption, margins=margins, spec=spec)
    return Outputs(
        (
            stacked_bar_chart(
                protected,
                title=f"Aktiviteter i {report.area_name} efter {word}",
                ylabel="Antal aktiviteter",
                what=f"antalet aktiviteter i {report.area_name} efter {word}",
            ),
            count_table(protected, caption, index_label="Aktivitet"),
        )
    )


# --- Effects and appendix ------------------------------------------------------------------


def effect_estimates(report: Report):
    """Causal estimates against the comparison areas (see evaluation.reports.effects)."""
    from evaluation.reports.effects import effect_section

    return effect_section(report)


def privacy_appendix(report: Report):
    """What the privacy layer applied in this report: rules, thresholds and hidden cells."""
    from evaluation.present.appendix import privacy_appendix as _appendix

    return _appendix(report.protector)
