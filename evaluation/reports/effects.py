"""Causal estimates for the outcome follow-up: one headline per outcome, the rest as checks.

Per outcome: synthetic DiD, DiD (with event study), interrupted time series and
synthetic control against the municipality's other areas (minus areas with their own
area-based work, from ``efforts`` and ``excluded_from_comparison``). One method is the
headline when its own checks pass (``HEADLINE_RULE``); the others are folded into a
sensitivity block. Every series drawn is fetched in one place (``_observed``) through
the report's Protector.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from evaluation import methods
from evaluation.exceptions import EvaluationError
from evaluation.indicators.panel import area_panel
from evaluation.metadata.outcomes import OUTCOMES, Outcome
from evaluation.present.charts import group_style, to_png
from evaluation.present.format import fmt_number
from evaluation.present.output import Chart, Heading, Note, Outputs, Table
from evaluation.privacy.derived import (
    ESTIMATE_WITHHELD,
    enough_cases,
    mask_event_study,
    mask_series,
    masked_result,
    monthly_or_nothing,
    record_estimates,
)
from evaluation.privacy.measures import measure_spec
from evaluation.privacy.primary import hide_values
from evaluation.reports.context import per_report

#: Failures of model fitting (numpy, scipy, statsmodels) that mean "not estimable here".
NUMERICAL_FAILURES = (ValueError, ArithmeticError, np.linalg.LinAlgError)

HOW_TO_READ = (
    "Så läser du effektskattningarna: Varje metod jämför hur det gick i området efter starten "
    "med hur det sannolikt hade gått utan arbetet. För varje utfall visas en huvudskattning "
    "med ett osäkerhetsintervall: om intervallet innehåller noll kan vi inte säga att arbetet "
    "gjorde någon skillnad. Under rubriken Känslighetsanalys finns samma jämförelse gjord "
    "med andra metoder; pekar de åt samma håll är resultatet mer trovärdigt."
)

SDID = "Syntetisk skillnad-i-skillnader"
DID = "Skillnad-i-skillnader"
ITS = "Avbruten tidsserie"
SC = "Syntetisk kontroll"

HEADLINE_RULE = (
    f"Så väljs huvudskattningen: {SDID.lower()} (ett vägt genomsnitt av jämförelseområdena "
    "som följde områdets utveckling före starten, där nivån får skilja) när den följer "
    "området väl före starten och osäkerheten kunde skattas med placebojämförelser; "
    f"annars {DID.lower()} när området och jämförelseområdena utvecklades parallellt före "
    "starten och osäkerheten går att skatta pålitligt; annars visas ingen huvudskattning. "
    f"{ITS} och {SC.lower()} visas bara i känslighetsanalysen: den första jämför bara med "
    "områdets egen trend, den andra kräver att området ligger inom jämförelseområdenas nivåer."
)

#: SDID's pre-period fit may deviate at most this many times the comparison areas' own
#: period-to-period variation before it counts as a poor fit.
SDID_MAX_PRE_FIT = 2.0


class Details:
    """A folded block (HTML ``<details>``) holding other outputs, e.g. a sensitivity analysis."""

    def __init__(self, summary: str, items: tuple) -> None:
        self.summary = summary
        self.items = tuple(items)

    def _repr_html_(self) -> str:
        from evaluation.present.output import esc

        inner = "".join(i._repr_html_() for i in self.items)
        return f"<details><summary>{esc(self.summary)}</summary>{inner}</details>"


def _area_names(report) -> dict[str, str]:
    areas = getattr(report.data, "areas", None)
    if areas is None:
        return {}
    return dict(zip(areas["area_code"], areas["area_name"], strict=False))


def effort_areas(report) -> dict[str, list[tuple[str, pd.Timestamp]]]:
    """Area code → (effort name, start) for every effort named in params."""
    names = _area_names(report)
    by_name = {v.casefold(): k for k, v in names.items()}
    out: dict[str, list] = {}
    for effort in getattr(report.params, "efforts", ()) or ():
        for a in effort.areas:
            code = a if a in names else by_name.get(str(a).casefold(), a)
            out.setdefault(code, []).append((effort.name, pd.Timestamp(effort.start)))
    return out


def donor_pool(report) -> list[str]:
    """Areas of the municipality other than the evaluated one and those with their own work.

    Areas of any effort in params are left out before and after their own start: a
    comparison area that later gets the work (or had it earlier) would blur the contrast.
    """
    excluded = {report.area_code, *report.excluded, *effort_areas(report)}
    return [c for c in report.groups[-1].codes if c not in excluded]


@per_report
def _area_panel(report, units: tuple[str, ...], freq: str) -> pd.DataFrame:
    return area_panel(report.data, list(units), report.start, report.end, freq)


def _panel(report, units: list[str], freq: str) -> pd.DataFrame:
    """The area × period panel, built once per report for each set of areas and grain."""
    return _area_panel(report, tuple(units), freq).copy()


def _value(panel: pd.DataFrame, outcome: Outcome) -> pd.Series:
    num, den = panel[outcome.numerator].astype(float), panel[outcome.denominator].astype(float)
    scale = 1000.0 if outcome.kind == "rate" else 100.0
    return (num / den.where(den > 0)) * scale


def _passes(panel: pd.DataFrame, outcome: Outcome, code: str, rules) -> bool:
    """Whether every period of one area passes the privacy rules (safe to draw its line)."""
    rows = panel[panel["area_code"] == code]
    num, den = rows[outcome.numerator], rows[outcome.denominator]
    return not hide_values(outcome.kind, num, den, rules, sensitive=outcome.sensitive).any()


def _interval(low: float, high: float, fmt) -> str:
    if not (np.isfinite(low) and np.isfinite(high)):
        return "saknas (obegränsat)"
    return f"{fmt(low)} till {fmt(high)}"


def _estimate_row(name: str, result, outcome: Outcome) -> dict:
    if result.scale == "rate_ratio":
        fmt = lambda v: fmt_number(100 * (v - 1), 0)  # noqa: E731
        unit = "% jämfört med utan arbetet"
    else:
        fmt = lambda v: fmt_number(v, 1)  # noqa: E731
        unit = "per 1 000 barn och år" if outcome.kind == "rate" else "procentenheter"
    p = "< 0,001" if result.p_value < 0.001 else fmt_number(result.p_value, 3)
    return {
        "Metod": name,
        "Skattning": fmt(result.estimate),
        "Enhet": unit,
        "95 % intervall": _interval(result.ci_low, result.ci_high, fmt),
        "p-värde": p,
    }


def _protected_terms(
    report, rows: pd.DataFrame, group: str, outcome: Outcome, label: str
) -> pd.Series:
    """One group's values per period (``rows``: period, period_start, counts), protected.

    Hidden values become NaN (gaps), indexed by the period's start.
    """
    frame = pd.DataFrame(
        {
            "group": group,
            "period": rows["period"].to_numpy(),
            "numerator": rows[outcome.numerator].to_numpy(),
            "denominator": rows[outcome.denominator].to_numpy(),
        }
    )
    scale = 1000.0 if outcome.kind == "rate" else 100.0
    frame["value"] = frame["numerator"] / frame["denominator"].where(frame["denominator"] > 0)
    frame["value"] *= scale
    if outcome.kind == "rate":
        protected = report.protector.rates(
            frame, label=label, value_cols=("value",), spec=measure_spec(outcome.numerator)
        )
    else:
        protected = report.protector.shares(
            frame, label=label, value_cols=("value",), sensitive=outcome.sensitive
        )
    shown = protected.frame.set_index("period")["value"]
    return pd.Series(shown.to_numpy(), index=rows["period_start"].to_numpy())


def _observed(report, panel: pd.DataFrame, outcome: Outcome, label: str) -> pd.Series:
    """The evaluated area's observed values, protected; hidden ones become NaN (gaps)."""
    own = panel[panel["area_code"] == report.area_code]
    return _protected_terms(report, own, report.area_name, outcome, label)


def _observed_comparison(
    report, panel: pd.DataFrame, outcome: Outcome, pool: list[str], label: str
) -> pd.Series:
    """The comparison areas' total per period, protected; hidden ones become NaN (R0).

    Drawn nowhere: an event-study point is the area's change against this total's, so
    the points are masked where it is hidden, and the total is in the ledger as what the
    points give back.
    """
    rows = panel[panel["area_code"].isin(pool)]
    sums = rows.groupby(["period", "period_start"], as_index=False)[
        [outcome.numerator, outcome.denominator]
    ].sum()
    name = "Jämförelseområdena i effektskattningen"
    report.protector.context.name_group(name, pool)
    return _protected_terms(report, sums, name, outcome, label)


def _fig(fig, alt: str, caption: str) -> Chart:
    return Chart(to_png(fig), alt=alt, caption=caption)  # tight_layout has fixed the margins


@per_report
def _run_all(
    report, outcome: Outcome, start, pool: tuple[str, ...]
) -> tuple[dict, list, pd.DataFrame]:
    """Every method's result for one outcome (once per report), and notes for failures."""
    pool = list(pool)
    rules = report.protector.rules
    term = _panel(report, [report.area_code, *pool], "term")
    term["value"] = _value(term, outcome)
    runs = {
        SDID: lambda: _sdid(term, outcome, report, start, pool),
        DID: lambda: _did(report, outcome, start, pool),
        ITS: lambda: _its(report, outcome, start),
        SC: lambda: _sc(term, outcome, report, start, pool, rules),
    }
    results, notes = {}, []
    for name, run in runs.items():
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                results[name] = run()
        except EvaluationError as exc:
            notes.append(Note(f"{name} kunde inte skattas: {exc}", kind="warning"))
        except NUMERICAL_FAILURES as exc:
            # A model that cannot be fitted on these data (a singular design, an
            # all-zero series) costs one method, not the report. Only the error's type
            # is shown: a library's message may quote data values.
            notes.append(
                Note(
                    f"{name} kunde inte skattas på dessa data ({type(exc).__name__}).",
                    kind="warning",
                )
            )
    return results, notes, term


def _failed_check(name: str, result) -> str | None:
    """One line on why a method cannot be the headline, or None when its checks pass."""
    res = result[0] if isinstance(result, tuple) else result
    if not (np.isfinite(res.ci_low) and np.isfinite(res.ci_high)):
        return "osäkerheten kunde inte avgränsas."
    if name == SDID:
        if res.n_controls < 5:
            return "för få jämförelseområden."
        if res.pre_fit_rmse > SDID_MAX_PRE_FIT * res.noise_level:
            return "den vägda jämförelsen följde inte området tillräckligt väl före starten."
        return None
    if name == DID:
        study = result[1]
        if np.isfinite(study.pretrend_p_value) and study.pretrend_p_value < 0.05:
            return "området och jämförelseområdena utvecklades inte parallellt före starten."
        if any("pålitligt" in w for w in res.warnings):
            return "för få områden med insatsen och för få perioder för en pålitlig osäkerhet."
        return None
    if name == ITS:
        return "jämför bara med områdets egen trend, utan jämförelseområden."
    if name == SC:
        if res.warnings:
            return res.warnings[0]
        return "används bara som kontroll (se regeln ovan)."
    return None


def headline_choice(results: dict) -> tuple[str | None, dict]:
    """The headline method (first of SDID, DiD whose checks pass) and every method's reason."""
    reasons = {name: _failed_check(name, r) for name, r in results.items()}
    for name in (SDID, DID):
        if name in results and reasons[name] is None:
            return name, reasons
    return None, reasons


def _wording(res, outcome: Outcome) -> dict:
    return outcome.wording if res.scale == "difference" else {}


def outcome_effects(report, key: str, *, plots: bool = True) -> Outputs:
    """One headline estimate for one outcome, with the other methods as sensitivity checks."""
    outcome = OUTCOMES[key]
    start = pd.Timestamp(report.params.intervention_start)
    pool = donor_pool(report)
    items: list = [Heading(outcome.label, level=3)]
    term = _panel(report, [report.area_code, *pool], "term")
    enough = _enough_cases(report, term, outcome, start)  # R0: too few treated cases
    results, failures, panel = (
        _run_all(report, outcome, start, tuple(pool)) if enough else ({},) * 3
    )
    rows = [
        _estimate_row(name, r[0] if isinstance(r, tuple) else r, outcome)
        for name, r in results.items()
    ]
    record_estimates(  # R0: every estimate in the ledger, or that it was withheld
        report.protector,
        f"Effektskattningar: {outcome.label}",
        rows if enough else None,
        measure=measure_spec(outcome.numerator).measure,
        areas=[report.area_code, *pool],
        start=report.start,
        end=report.end,
    )
    if not enough:
        return Outputs((*items, Note(ESTIMATE_WITHHELD, kind="withheld")))
    headline, reasons = headline_choice(results)
    if headline is not None:
        res = results[headline]
        res = res[0] if isinstance(res, tuple) else res
        text = methods.describe_effect(res, outcome.unit_phrase, **_wording(res, outcome))
        items.append(Note(f"Huvudskattning ({headline.lower()}): {text}"))
    else:
        why = "; ".join(
            f"{n.lower()}: {r.rstrip('.')}" for n, r in reasons.items() if n in (SDID, DID)
        )
        items.append(
            Note(
                "Ingen huvudskattning: ingen metod klarade sina egna kontroller"
                + (f" ({why})" if why else "")
                + ".",
                kind="withheld",
            )
        )
    rows, lines = [], []
    for name, result in results.items():
        res = result[0] if isinstance(result, tuple) else result
        rows.append(_estimate_row(name, res, outcome))
        if name == headline:
            continue
        text = methods.describe_effect(res, outcome.unit_phrase, **_wording(res, outcome))
        why = reasons.get(name)
        lines.append(Note(f"{name}: {text}" + (f" Inte huvudskattning: {why}" if why else "")))
    sensitivity: list = []
    if rows:
        table = pd.DataFrame(rows).set_index("Metod")
        sensitivity.append(
            Table(
                table, f"Effektskattningar: {outcome.label}", index_label="Metod", kind="estimates"
            )
        )
    sensitivity += lines + failures
    if plots:
        sensitivity += _plots(report, outcome, panel, results)
    items.append(Details("Känslighetsanalys", tuple(sensitivity)))
    return Outputs(tuple(items))


def _enough_cases(report, panel, outcome, start) -> bool:
    """At least ``min_n`` cases in the evaluated area before and after the start (R0)."""
    own = panel[panel["area_code"] == report.area_code]
    cases = own[outcome.numerator if outcome.kind == "rate" else outcome.denominator]
    post = own["period_start"] >= start
    return enough_cases(cases[~post].sum(), cases[post].sum(), report.protector.rules)


#: Placebo draws behind the synthetic DiD standard error in the report.
SDID_REPLICATIONS = 100


def sdid_estimate(data: pd.DataFrame, area: str, start, donors: list[str]):
    """Synthetic DiD as the report runs it: ``value`` by ``area_code`` and ``period_start``."""
    return methods.synthetic_did(
        data,
        "value",
        "area_code",
        "period_start",
        [area],
        start,
        donors=donors,
        replications=SDID_REPLICATIONS,
    )


def did_estimates(did_data: pd.DataFrame, study_data: pd.DataFrame, kw: dict, area: str, start):
    """DiD and event study as the report runs them (``kw``: outcome, model, offset)."""
    common = dict(unit="area_code", time="period_start", treated_units=[area], start=start)
    did = methods.difference_in_differences(did_data, **kw, **common)
    study = methods.event_study(study_data, **kw, **common)
    return did, study


def _sdid(panel, outcome, report, start, pool):
    data = panel.dropna(subset=["value"])
    complete = data.groupby("area_code")["value"].transform("size") == data["period"].nunique()
    data = data[complete]
    if report.area_code not in set(data["area_code"]):
        raise EvaluationError("utfallet saknas för någon period i området")
    donors = [c for c in pool if c in set(data["area_code"])]
    return sdid_estimate(data, report.area_code, start, donors)


def _did(report, outcome, start, pool):
    """DiD and event study for one outcome.

    DiD on rates by month (many periods make within-area errors valid), on shares by
    half-year (monthly shares rest on too few cases); the event study always by half-year.
    """
    out = []
    for freq in ("month" if outcome.kind == "rate" else "term", "term"):
        panel = _panel(report, [report.area_code, *pool], freq)
        if outcome.kind == "rate":
            kw = dict(outcome=outcome.numerator, model="poisson", offset="person_years")
            data = panel[panel["person_years"] > 0]
        else:
            panel["value"] = _value(panel, outcome)
            kw = dict(outcome="value", model="linear")
            data = panel.dropna(subset=["value"])
        out.append((data, kw))
    return did_estimates(out[0][0], out[1][0], out[0][1], report.area_code, start)


def _its(report, outcome, start):
    if outcome.kind != "rate":
        freq, family, season = "term", "linear", None
    else:
        freq, family, season = "month", "quasipoisson", "fourier"
    series = _panel(report, [report.area_code], freq)
    if outcome.kind == "rate":
        return methods.interrupted_time_series(
            series,
            start,
            outcome=outcome.numerator,
            time="period_start",
            offset="person_years",
            seasonality=season,
            family=family,
            per=1000.0,
        )
    series["value"] = _value(series, outcome)
    return methods.interrupted_time_series(
        series.dropna(subset=["value"]),
        start,
        outcome="value",
        time="period_start",
        seasonality=season,
        family=family,
    )


def _sc(panel, outcome, report, start, pool, rules):
    complete = panel.groupby("area_code")["value"].transform(lambda v: v.notna().all())
    donors = [c for c in pool if c in set(panel.loc[complete, "area_code"])]
    if len(donors) < 2:
        raise EvaluationError("för få jämförelseområden med utfall i varje period")
    if panel.loc[panel["area_code"] == report.area_code, "value"].isna().any():
        raise EvaluationError("utfallet saknas för någon period i området")
    data = panel[panel["area_code"].isin([report.area_code, *donors])]
    return methods.synthetic_control(
        data, "value", "area_code", "period_start", report.area_code, start, donors=donors
    )


def _plots(report, outcome, panel, results) -> list:
    out = []
    did = results.get(DID)
    sc = results.get(SC)
    start = pd.Timestamp(report.params.intervention_start)
    colour = group_style(report.area_name)[0]  # the area's colour in every chart of the report
    if did is not None or sc is not None:  # derived points hidden where the cell is (R0)
        observed_terms = _observed(
            report, panel, outcome, f"Observerat för syntetisk kontroll: {outcome.label}"
        )
    if did is not None:
        pool = donor_pool(report)  # the same areas for every outcome: one name, one set
        comparison = _observed_comparison(
            report, panel, outcome, pool, f"Jämförelseområdenas utfall: {outcome.label}"
        )
        study = masked_result(
            did[1],
            coefficients=mask_event_study(
                did[1].coefficients, observed_terms, start, comparison=comparison
            ),
        )
        ratio = study.scale == "rate_ratio"
        grain = "Halvår"
        fig = methods.plot_event_study(
            study,
            xlabel=f"{grain} i förhållande till starten (−1 = jämförelseperioden)",
            ylabel=(
                "Kvot mot jämförelseområdena (1 = ingen skillnad)"
                if ratio
                else f"Skillnad mot jämförelseområdena ({_unit_words(outcome)})"
            ),
            colour=colour,
        )
        pre = study.pretrend_p_value
        near = "nära 1 (ingen skillnad)" if ratio else "nära 0 (ingen skillnad)"
        out.append(
            _fig(
                fig,
                f"Punkter med intervall för {outcome.label.lower()}, ett per halvår "
                "före och efter starten",
                "Diagrammet visar skillnaden mot jämförelseområdena halvår för halvår före "
                f"och efter starten, med 95 % intervall. Före starten bör punkterna ligga "
                f"{near}; test av parallella förlopp före starten: p = {fmt_number(pre, 2)}.",
            )
        )
    rules = report.protector.rules
    weighty = [] if sc is None else list(sc.weights[sc.weights > 0.05].index)
    if sc is not None and not all(_passes(panel, outcome, c, rules) for c in weighty):
        # A donor with real weight and small counts would show through the synthetic line.
        out.append(
            Note(
                "Diagrammet för syntetisk kontroll visas inte eftersom ett område med "
                "stor vikt har för litet underlag.",
                kind="withheld",
            )
        )
        sc = None
    if sc is not None:
        observed = observed_terms
        sc = masked_result(sc, gap=mask_series(sc.gap, observed))
        out.append(
            _fig(
                methods.plot_synthetic_control(
                    sc,
                    observed=observed,
                    treated_label=report.area_name,
                    xlabel="Halvår",
                    ylabel=outcome.label,
                    colour=colour,
                ),
                f"Syntetisk kontroll för {outcome.label.lower()}",
                f"Diagrammet visar {report.area_name} (skyddade värden) och den "
                "syntetiska kontrollen: ett vägt genomsnitt av de övriga områden som "
                "bäst liknade området före starten.",
            )
        )
    its = results.get(ITS)
    if its is not None and outcome.kind == "rate":
        monthly = _panel(report, [report.area_code], "month")
        label = f"Observerat per månad: {outcome.label}"
        observed = monthly_or_nothing(
            report.protector, label, _observed(report, monthly, outcome, label)
        )  # R5: monthly points only when every month passes
        out.append(
            _fig(
                methods.plot_its(
                    its, observed=observed, xlabel="Månad", ylabel=outcome.label, colour=colour
                ),
                f"Avbruten tidsserie för {outcome.label.lower()}",
                "Diagrammet visar utfallet per månad, den skattade utvecklingen och hur "
                "den sannolikt hade sett ut utan arbetet (kontrafaktisk linje).",
            )
        )
    return out


def _unit_words(outcome: Outcome) -> str:
    return "per 1 000 barn och år" if outcome.kind == "rate" else "procentenheter"


def effect_section(report) -> Outputs:
    """The causal section: how to read it and the rule, once; then every outcome in params."""
    if report.params.intervention_start is None:
        return Outputs(
            (Note("Effektskattningar kräver parametern intervention_start.", kind="withheld"),)
        )
    pool = donor_pool(report)
    names = _area_names(report)
    pool_names = ", ".join(names.get(c, c) for c in pool)
    own = [c for c in effort_areas(report) if c != report.area_code] + [
        c for c in report.excluded if c != report.area_code
    ]
    basis = (
        f"Jämförelseområden i effektskattningarna: kommunens övriga {len(pool)} områden "
        f"({pool_names})"
    )
    if own:
        basis += (
            "; områden med egna områdesinsatser är undantagna ("
            + ", ".join(dict.fromkeys(names.get(c, c) for c in own))
            + ")"
        )
    basis += ". Det är fler områden än de som jämförs i beskrivningen ovan."
    outcomes_parts = [
        outcome_effects(report, key, plots=key == report.params.outcomes[0])
        for key in report.params.outcomes
    ]
    # Assumption sentences once per method, from the results actually computed.
    assumptions: dict[str, str] = {}
    for key in report.params.outcomes:
        outcome = OUTCOMES[key]
        start = pd.Timestamp(report.params.intervention_start)
        term = _panel(report, [report.area_code, *pool], "term")
        if not _enough_cases(report, term, outcome, start):
            continue
        results = _run_all(report, outcome, start, tuple(pool))[0]  # computed above: cached
        for name, result in results.items():
            res = result[0] if isinstance(result, tuple) else result
            assumptions.setdefault(name, res.assumption)
    method_note = [
        Note(HOW_TO_READ, kind="howto"),
        Note(basis),
        Note(HEADLINE_RULE),
        Note(methods.did.INFERENCE_RULE),
    ] + [Note(f"Antagande bakom {name.lower()}: {text}") for name, text in assumptions.items()]
    return Outputs(tuple(method_note + outcomes_parts))
