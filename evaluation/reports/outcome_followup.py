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
from evaluation.present.format import fmt_month, fmt_number
from evaluation.present.guard import select_rows
from evaluation.present.output import Heading, Note, Outputs
from evaluation.present.tables import count_table, statistic_table, value_table
from evaluation.privacy.measures import measure_spec
from evaluation.reports.context import Report, per_report
from evaluation.reports.context import missing_table_note as _missing
from evaluation.reports.summary import periods_in_words

RATE_UNIT = "per 1 000 barn 0–17 år och år"
AREA_PRE_YEARS = 4  # shown years before the start needed to compare an area statistic


START_LABEL = "Start områdesbaserat arbete"


def _with_members(report: Report, compute):
    """``compute(groups)`` for the report's groups and for every area alone (R0).

    The second frame is the Protector's ``members``: it decides which pooled figures
    (comparison areas together, the municipality) can be shown, and is never published.
    """
    return compute(report.groups), compute(report.member_groups)


def _trend_chart(report: Report, protected, **kwargs):
    """A trend chart with the start of the work marked and a cut-short last period labelled."""
    kwargs.setdefault("end", report.end)
    return trend_chart(
        protected,
        start=report.params.intervention_start,
        start_label=START_LABEL,
        **kwargs,
    )


def _trend(
    report: Report,
    frame: pd.DataFrame | None,
    *,
    kind: str,
    title: str,
    ylabel: str,
    what: str,
    percent: bool,
    target: float | None = None,
    sensitive: bool = False,
    decimals: int = 1,
    protected=None,
    spec=None,
    members=None,
):
    if protected is None:
        protect = report.protector.rates if kind == "rate" else report.protector.shares
        extra = {"sensitive": sensitive} if kind == "share" else {}
        extra["spec"] = spec
        extra["members"] = members
        protected = protect(frame, label=title, **extra)
    chart = _trend_chart(
        report,
        protected,
        title=title,
        ylabel=ylabel,
        what=what,
        percent=percent,
        decimals=decimals,
        target=target,
    )
    return protected, chart


JOINT_TITLE = "Förhandsbedömningar gjorda gemensamt med utföraren"
WITHIN_14_TITLE = "Förhandsbedömningar beslutade inom 14 dagar"
WITHIN_120_TITLE = "Utredningar avslutade inom 120 dagar"
PLACEMENT_TITLE = "Placeringar per 1 000 barn, per år"
REFERRAL_TERM_CAPTION = f"Orosanmälningar {RATE_UNIT}, per halvår (95 % intervall, exakt Poisson)"


@per_report
def joint_shares(report: Report):
    """Protected share of joint assessments per group and term."""
    d = report.data
    frame, members = _with_members(
        report,
        lambda groups: cw.joint_assessment_share(
            d.assessments, groups, report.start, report.end, "term"
        ),
    )
    return report.protector.shares(frame, label=JOINT_TITLE, members=members)


@per_report
def within_14_shares(report: Report):
    """Protected share of assessments decided within 14 days per group and term."""
    frame, members = _with_members(
        report,
        lambda groups: cw.assessments_within_limit(
            report.data.assessments, groups, report.start, report.end, "term", report.end
        ),
    )
    return report.protector.shares(frame, label=WITHIN_14_TITLE, members=members)


@per_report
def within_120_shares(report: Report):
    """Protected share of investigations completed within 120 days per group and term."""
    frame, members = _with_members(
        report,
        lambda groups: cw.investigations_within_limit(
            report.data.investigations, groups, report.start, report.end, "term", report.end
        ),
    )
    return report.protector.shares(frame, label=WITHIN_120_TITLE, members=members)


@per_report
def placement_rates(report: Report):
    """Protected placements per 1 000 children and year, per group."""
    frame, members = _with_members(
        report,
        lambda groups: iv.placement_rates(
            report.data.interventions,
            report.data.area_statistics,
            groups,
            report.start,
            report.end,
            "year",
        ),
    )
    return report.protector.rates(
        frame, label=PLACEMENT_TITLE, spec=measure_spec("placements"), members=members
    )


@per_report
def referral_term_rates(report: Report):
    """Protected referrals per 1 000 children and year, per group and term."""
    d = report.data
    frame, members = _with_members(
        report,
        lambda groups: rf.referral_rates(
            d.referrals, d.area_statistics, groups, report.start, report.end, "term", None
        ),
    )
    return report.protector.rates(
        frame, label=REFERRAL_TERM_CAPTION, spec=measure_spec("referrals"), members=members
    )


def _referral_spec(reporters):
    """All referrals link across outputs (R0 ledger); a reporter subset is its own measure."""
    return measure_spec("referrals") if reporters is None else None


# --- Referrals -----------------------------------------------------------------------------


def referral_rate_chart(report: Report, reporters: tuple[str, ...] | None = None):
    """Referrals per 1 000 children by month, for the groups where every month passes (R5)."""
    if note := _missing(report, "referrals", "orosanmälningar"):
        return note
    d = report.data
    monthly, members = _with_members(
        report,
        lambda groups: rf.referral_rates(
            d.referrals, d.area_statistics, groups, report.start, report.end, "month", reporters
        ),
    )
    who = (
        ""
        if reporters is None
        else " från " + " och ".join(codes.REPORTER_CATEGORY[r].lower() for r in reporters)
    )
    title = f"Orosanmälningar{who} per 1 000 barn, per månad"
    protected = report.protector.rates(
        monthly, label=title, spec=_referral_spec(reporters), members=members
    )
    failing = set(protected.frame.loc[protected.frame["suppressed"], "group"].astype(str))
    shown = report.protector.select(
        protected, ~protected.frame["group"].astype(str).isin(failing)
    )  # groups left out here are shown nowhere by month (R0 ledger)
    chart = _trend_chart(
        report,
        shown,
        title=title,
        ylabel=RATE_UNIT,
        decimals=0,
        ci=True,
        what=f"antalet orosanmälningar{who} {RATE_UNIT}, månad för månad",
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
    if reporters is None:
        protected, caption = referral_term_rates(report), REFERRAL_TERM_CAPTION
    else:
        d = report.data
        frame, members = _with_members(
            report,
            lambda groups: rf.referral_rates(
                d.referrals,
                d.area_statistics,
                groups,
                report.start,
                report.end,
                "term",
                reporters,
            ),
        )
        caption = f"Orosanmälningar {RATE_UNIT}, per halvår (95 % intervall, exakt Poisson)"
        protected = report.protector.rates(frame, label=caption, members=members)
    table = value_table(protected, caption, decimals=1, index_label="Grupp")
    return periods_in_words(table, report.end)  # "2019H1" → "2019 (jan–jun)"


@per_report
def _reporter_shares(report: Report):
    """The reporter mix for every group and year, protected once and shown twice."""
    mix, members = _with_members(
        report,
        lambda groups: rf.reporter_mix(
            report.data.referrals,
            groups,
            report.start,
            report.end,
            "year",
            classes=rf.REPORTER_CLASS,
        ),
    )
    return report.protector.shares(
        mix,
        label="Orosanmälningar efter anmälare (andelar per grupp och år)",
        complementary="reporter_category",
        members=members,
    )


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
    return _trend_chart(
        report,
        one,
        title=f"Andel orosanmälningar från {who}",
        ylabel="Andel",
        what=f"hur stor andel av orosanmälningarna som kom från {who}",
        percent=True,
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
    return count_table(protected, caption, index_label="Område", end=report.end)


def assessment_timeliness_chart(report: Report):
    """Share of assessments decided within 14 days, per group and term."""
    if note := _missing(report, "assessments", "förhandsbedömningar"):
        return note
    _, chart = _trend(
        report,
        None,
        protected=within_14_shares(report),
        kind="share",
        title=WITHIN_14_TITLE,
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
    protected, chart = _trend(
        report,
        None,
        protected=joint_shares(report),
        kind="share",
        title=JOINT_TITLE,
        ylabel="Andel",
        what="andelen förhandsbedömningar som gjordes gemensamt med utförarens stödenhet",
        percent=True,
        target=report.params.targets.joint_assessment_share,
    )
    return Outputs(
        (
            chart,
            periods_in_words(
                value_table(
                    protected,
                    "Andel gemensamma förhandsbedömningar per halvår (95 % intervall, Wilson)",
                    percent=True,
                    index_label="Grupp",
                ),
                report.end,
            ),
        )
    )


# --- Investigations ------------------------------------------------------------------------


def investigation_timeliness_chart(report: Report):
    """Share of investigations completed within 120 days, per group and term."""
    if note := _missing(report, "investigations", "utredningar"):
        return note
    _, chart = _trend(
        report,
        None,
        protected=within_120_shares(report),
        kind="share",
        title=WITHIN_120_TITLE,
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
    frame, members = _with_members(
        report,
        lambda groups: cw.child_interviewed_share(
            report.data.investigations, groups, report.start, report.end, "term"
        ),
    )
    _, chart = _trend(
        report,
        frame,
        members=members,
        kind="share",
        title="Utredningar där barnet fick komma till tals (barnsamtal)",
        ylabel="Andel",
        what="andelen avslutade utredningar med barnsamtal",
        percent=True,
    )
    return chart


def ongoing_investigations_table(report: Report):
    """Investigations still open at the end of the data, per area; 'Totalt' is all of them."""
    if note := _missing(report, "investigations", "utredningar"):
        return note
    table = cw.ongoing_investigations(report.data.investigations, report.area_groups, report.end)
    caption = f"Pågående utredningar vid utgången av {fmt_month(report.end)}, efter tid sedan start"
    protected = report.protector.counts(table, label=caption, margins=True)
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
    return _mix(report, protected, caption, "beslutade insatser", word, "Insats")


def _mix(report: Report, protected, caption: str, counted: str, word: str, index_label: str):
    """A protected crosstab of the area shown as stacked bars per year and as the table under them.

    ``counted`` is what is counted ("beslutade insatser"), ``word`` what it is split by.
    """
    noun = counted.split()[-1]
    return Outputs(
        (
            stacked_bar_chart(
                protected,
                title=f"{noun.capitalize()} i {report.area_name} efter {word}",
                ylabel=f"Antal {counted}",
                what=f"antalet {counted} i {report.area_name} efter {word}",
                end=report.end,
            ),
            count_table(protected, caption, index_label=index_label, end=report.end),
        )
    )


def placement_rate_chart(report: Report):
    """Placements per 1 000 children and year, per group and term."""
    if note := _missing(report, "interventions", "insatser"):
        return note
    _, chart = _trend(
        report,
        None,
        protected=placement_rates(report),
        kind="rate",
        spec=measure_spec("placements"),
        title=PLACEMENT_TITLE,
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
    frame, members = _with_members(
        report,
        lambda groups: iv.placements_without_open_care(
            report.data.interventions, groups, report.start, report.end, "year"
        ),
    )
    caption = (
        "Andel placeringar där barnet inte haft öppenvård före placeringen (95 % intervall, Wilson)"
    )
    protected = report.protector.shares(frame, label=caption, sensitive=True, members=members)
    return value_table(protected, caption, percent=True, index_label="Grupp", end=report.end)


def unplanned_endings_table(report: Report):
    """Share of ended interventions that ended unplanned, per group and year."""
    if note := _missing(report, "interventions", "insatser"):
        return note
    frame, members = _with_members(
        report,
        lambda groups: iv.unplanned_endings(
            report.data.interventions, groups, report.start, report.end, "year"
        ),
    )
    caption = "Andel avslutade insatser med oplanerat avslut (95 % intervall, Wilson)"
    protected = report.protector.shares(frame, label=caption, members=members)
    return value_table(protected, caption, percent=True, index_label="Grupp", end=report.end)


def unexecuted_decisions_table(report: Report):
    """Share of decisions not executed within three months, per group and year."""
    if note := _missing(report, "interventions", "insatser"):
        return note
    frame, members = _with_members(
        report,
        lambda groups: iv.unexecuted_decisions(
            report.data.interventions, groups, report.start, report.end, "year", report.end
        ),
    )
    caption = (
        "Andel beslut om bistånd som inte verkställts inom tre månader (95 % intervall, Wilson)"
    )
    protected = report.protector.shares(frame, label=caption, members=members)
    return value_table(protected, caption, percent=True, index_label="Grupp", end=report.end)


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
    return _mix(report, protected, caption, "aktiviteter", word, "Aktivitet")


# --- The evaluation plan's outcomes in the area statistics ----------------------------------


def area_outcomes(report: Report):
    """Yearly area statistics the evaluation plan names, against the comparison areas.

    Read from the same protected panel as the area analysis (``area_analysis._panel``),
    so each figure is protected once and shown as it is there.
    """
    from evaluation.exceptions import ParameterError
    from evaluation.privacy import views
    from evaluation.reports import area_analysis as aa

    if note := aa._no_statistics(report):
        return note
    catalogue, panel = aa._catalogue(report), aa._panel(report)
    muni = report.municipality_code
    comparison = [c for g in report.groups if g.role == "comparison" for c in g.codes]
    places = [report.area_code, *comparison, muni]
    parts = []
    for i, key in enumerate(report.params.area_outcomes):
        if key not in catalogue:
            raise ParameterError(
                f"okänd indikator '{key}'; katalogen har: {', '.join(catalogue)}",
                file=report.params.source_file,
                parameter=f"area_outcomes.{i}",
            )
        info = catalogue[key]
        if key not in panel:
            parts.append(
                Note(f"{info.label}: indikatorn finns inte i områdesstatistiken.", kind="withheld")
            )
            continue
        protected = aa._key_rows(report, key, places)
        frame = protected.frame
        has_ci = "ci_low" in frame and frame["ci_low"].notna().any()
        if "ci_low" not in frame:
            protected = views.with_columns(protected, ci_low=float("nan"), ci_high=float("nan"))
        share = info.kind == "share"
        what = info.label[0].lower() + info.label[1:]
        unit = "Andel" if share else info.unit.capitalize()
        parts.append(Heading(info.label))
        parts.append(
            _trend_chart(  # yearly statistics describe whole years: no cut-short period
                report,
                protected,
                title=f"{info.label}, per år",
                ylabel=unit,
                what=what,
                percent=share,
                ci=has_ci,
                decimals=1,
                end=None,
            )
        )
        parts.append(
            value_table(
                protected,
                f"{info.label} per år ({info.source or 'områdesstatistik'})",
                percent=share,
                decimals=1,
                with_ci=False,
                index_label="År",
            )
        )
        parts.append(_area_effect_note(report, protected.frame, info))
    return Outputs(tuple(parts))


def _area_effect_note(report: Report, frame: pd.DataFrame, info) -> Note:
    """What the yearly figures allow: a before/after comparison with the comparison areas or not.

    With at least ``AREA_PRE_YEARS`` shown years before the start and two after, for
    the area and every comparison area, the note gives a plain difference in
    differences of the shown yearly values (no interval: one area's yearly figures
    cannot separate the work from everything else that happened there).
    """
    label = info.label
    start = report.params.intervention_start
    if start is None:
        return Note(
            f"{label}: inget startdatum för arbetet är angivet, så före och efter jämförs inte."
        )
    shown = frame[~frame["suppressed"].astype(bool) & frame["value"].notna()]
    own = shown[shown["area_code"] == report.area_code]
    pre = int((own["year"] < start.year).sum())
    post = int((own["year"] > start.year).sum())
    comparison = [g for g in report.groups if g.role == "comparison"]
    codes_ = [c for g in comparison for c in g.codes]
    hidden = int(frame[frame["area_code"].isin([report.area_code, *codes_])]["suppressed"].sum())
    reasons = [f"{pre} år före starten och {post} hela år efter"]
    if hidden:
        reasons.append(f"{hidden} värden för området eller jämförelseområdena är dolda")
    if not comparison or pre < AREA_PRE_YEARS or post < 2 or hidden:
        return Note(
            f"{label}: {'; '.join(reasons)}. Det räcker inte för att jämföra utvecklingen "
            "före och efter starten med jämförelseområdena, så diagrammet visar utvecklingen "
            "utan att tolka skillnaden som en effekt av arbetet.",
            kind="withheld",
        )
    share = info.kind == "share"
    scale, unit = (100.0, "procentenheter") if share else (1.0, info.unit)

    def mean(codes, before: bool) -> float:
        rows = shown[shown["area_code"].isin(codes)]
        rows = rows[rows["year"] < start.year] if before else rows[rows["year"] > start.year]
        return float(rows.groupby("area_code")["value"].mean().mean()) * scale

    a0, a1 = mean([report.area_code], True), mean([report.area_code], False)
    c0, c1 = mean(codes_, True), mean(codes_, False)
    names = " och ".join(g.label for g in comparison)
    d = 1 if share or info.unit != "tkr" else 0

    def num(x: float, signed: bool = False) -> str:
        text = fmt_number(abs(x) if signed else x, d)
        if signed:
            return ("+" if x >= 0 else "−") + text
        return f"{text}\u00a0%" if share else text

    return Note(
        f"{label}: {'; '.join(reasons)}. Medelvärdet för {report.area_name} gick från "
        f"{num(a0)} före starten till {num(a1)} efter ({num(a1 - a0, True)} {unit}); för "
        f"{names} från {num(c0)} till {num(c1)} ({num(c1 - c0, True)}). Skillnaden i "
        f"förändring är {num((a1 - a0) - (c1 - c0), True)} {unit}. Det är en enkel "
        "jämförelse utan osäkerhetsintervall: med ett värde per år och område går det inte "
        "att skilja arbetets effekt från annat som hänt i områdena."
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


def key_figures(report: Report):
    """The opening "Sammanfattning": key figures read from this report's protected outputs."""
    from evaluation.reports.summary import summary

    return summary(report)
