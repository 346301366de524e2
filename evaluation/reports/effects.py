"""Causal estimates for the outcome follow-up: DiD with event study, ITS and synthetic control.

Each outcome is estimated three ways against the other areas of the municipality
(minus those with their own area-based work); the report shows the estimate with
its interval in plain Swedish, the key assumption, and warnings when it fails.
Observed values drawn in plots come from the report's Protector.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd

from evaluation import methods
from evaluation.exceptions import EvaluationError
from evaluation.indicators.panel import area_panel
from evaluation.metadata.outcomes import OUTCOMES, Outcome
from evaluation.present.charts import to_png
from evaluation.present.format import fmt_number
from evaluation.present.output import Chart, Heading, Note, Outputs, Table
from evaluation.privacy.derived import (
    ESTIMATE_WITHHELD,
    enough_cases,
    mask_event_study,
    mask_series,
    monthly_or_nothing,
)
from evaluation.privacy.measures import measure_spec
from evaluation.privacy.primary import hide_values
from evaluation.reports.context import per_report

#: Failures of model fitting (numpy, scipy, statsmodels) that mean "not estimable here".
NUMERICAL_FAILURES = (ValueError, ArithmeticError, np.linalg.LinAlgError)

HOW_TO_READ = (
    "Så läser du effektskattningarna: Varje metod jämför hur det gick i området efter starten "
    "med hur det sannolikt hade gått utan arbetet. Skillnad-i-skillnader jämför förändringen "
    "i området med förändringen i övriga områden. Avbruten tidsserie jämför med områdets egen "
    "trend före starten. Syntetisk kontroll väger ihop de övriga områden som bäst liknade "
    "området före starten. Intervallet visar osäkerheten: om det innehåller noll (eller 0 %) "
    "kan vi inte säga att arbetet gjorde någon skillnad. Pekar metoderna åt samma håll är "
    "resultatet mer trovärdigt; varningar under en metod betyder att den ska läsas med "
    "försiktighet."
)


def donor_pool(report) -> list[str]:
    """Areas of the municipality other than the evaluated one and those with their own work."""
    excluded = {report.area_code, *report.excluded}
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


def _observed(report, panel: pd.DataFrame, outcome: Outcome, label: str) -> pd.Series:
    """The evaluated area's observed values, protected; hidden ones become NaN (gaps)."""
    own = panel[panel["area_code"] == report.area_code].copy()
    frame = pd.DataFrame(
        {
            "group": report.area_name,
            "period": own["period"].to_numpy(),
            "numerator": own[outcome.numerator].to_numpy(),
            "denominator": own[outcome.denominator].to_numpy(),
        }
    )
    scale = 1000.0 if outcome.kind == "rate" else 100.0
    frame["value"] = frame["numerator"] / frame["denominator"].where(frame["denominator"] > 0)
    frame["value"] *= scale
    spec = measure_spec(outcome.numerator) if outcome.kind == "rate" else None
    if outcome.kind == "rate":
        protected = report.protector.rates(frame, label=label, value_cols=("value",), spec=spec)
    else:
        protected = report.protector.shares(
            frame, label=label, value_cols=("value",), sensitive=outcome.sensitive
        )
    shown = protected.frame.set_index("period")["value"]
    return pd.Series(shown.to_numpy(), index=own["period_start"].to_numpy())


def _fig(fig, alt: str, caption: str) -> Chart:
    return Chart(to_png(fig), alt=alt, caption=caption)


def outcome_effects(report, key: str, *, plots: bool = True) -> Outputs:
    """DiD (+ event study), ITS and synthetic control for one outcome."""
    outcome = OUTCOMES[key]
    rules = report.protector.rules
    start = pd.Timestamp(report.params.intervention_start)
    pool = donor_pool(report)
    units = [report.area_code, *pool]
    panel = _panel(report, units, "term")
    panel["value"] = _value(panel, outcome)
    items: list = [Heading(outcome.label, level=3)]
    if not _enough_cases(report, panel, outcome, start):  # R0: too few treated cases
        return Outputs((*items, Note(ESTIMATE_WITHHELD, kind="withheld")))
    rows, sentences, notes = [], [], []
    runs = {
        "Skillnad-i-skillnader": lambda: _did(panel, outcome, report, start),
        "Avbruten tidsserie": lambda: _its(report, outcome, start),
        "Syntetisk kontroll": lambda: _sc(panel, outcome, report, start, pool, rules),
    }
    results = {}
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
    for name, result in results.items():
        if result is None:
            continue
        res = result[0] if isinstance(result, tuple) else result
        rows.append(_estimate_row(name, res, outcome))
        text = methods.describe_effect(
            res, outcome.unit_phrase, **(outcome.wording if res.scale == "difference" else {})
        )
        sentences.append(Note(f"{name}: {text} Antagande: {res.assumption}"))
        notes += [Note(f"{name}: {w}", kind="warning") for w in res.warnings]
    if rows:
        table = pd.DataFrame(rows).set_index("Metod")
        items.append(
            Table(
                table, f"Effektskattningar: {outcome.label}", index_label="Metod", kind="estimates"
            )
        )
    items += sentences + notes
    if plots:
        items += _plots(report, outcome, panel, results)
    return Outputs(tuple(items))


def _enough_cases(report, panel, outcome, start) -> bool:
    """At least ``min_n`` cases in the evaluated area before and after the start (R0)."""
    own = panel[panel["area_code"] == report.area_code]
    cases = own[outcome.numerator if outcome.kind == "rate" else outcome.denominator]
    post = own["period_start"] >= start
    return enough_cases(cases[~post].sum(), cases[post].sum(), report.protector.rules)


def _did(panel, outcome, report, start):
    common = dict(
        unit="area_code", time="period_start", treated_units=[report.area_code], start=start
    )
    if outcome.kind == "rate":
        kw = dict(outcome=outcome.numerator, model="poisson", offset="person_years")
        data = panel[panel["person_years"] > 0]
    else:
        kw = dict(outcome="value", model="linear")
        data = panel.dropna(subset=["value"])
    did = methods.difference_in_differences(data, **kw, **common)
    study = methods.event_study(data, **kw, **common)
    return did, study


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
    did = results.get("Skillnad-i-skillnader")
    sc = results.get("Syntetisk kontroll")
    if did is not None or sc is not None:  # derived points hidden where the cell is (R0)
        observed_terms = _observed(
            report, panel, outcome, f"Observerat för syntetisk kontroll: {outcome.label}"
        )
        start = pd.Timestamp(report.params.intervention_start)
    if did is not None:
        study = dataclasses.replace(
            did[1], coefficients=mask_event_study(did[1].coefficients, observed_terms, start)
        )
        fig = methods.plot_event_study(study)
        pre = did[1].pretrend_p_value
        out.append(
            _fig(
                fig,
                f"Händelsestudie för {outcome.label.lower()}",
                "Diagrammet visar skillnaden mot jämförelseområdena halvår för halvår "
                "före och efter starten, med 95 % intervall. Före starten bör punkterna "
                "ligga nära noll; test av parallella trender före starten: p = "
                f"{fmt_number(pre, 2)}.",
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
        sc = dataclasses.replace(sc, gap=mask_series(sc.gap, observed))
        out.append(
            _fig(
                methods.plot_synthetic_control(sc, observed=observed),
                f"Syntetisk kontroll för {outcome.label.lower()}",
                f"Diagrammet visar {report.area_name} (skyddade värden) och den "
                "syntetiska kontrollen: ett vägt genomsnitt av de övriga områden som "
                "bäst liknade området före starten.",
            )
        )
    its = results.get("Avbruten tidsserie")
    if its is not None and outcome.kind == "rate":
        monthly = _panel(report, [report.area_code], "month")
        label = f"Observerat per månad: {outcome.label}"
        observed = monthly_or_nothing(
            report.protector, label, _observed(report, monthly, outcome, label)
        )  # R5: monthly points only when every month passes
        out.append(
            _fig(
                methods.plot_its(its, observed=observed),
                f"Avbruten tidsserie för {outcome.label.lower()}",
                "Diagrammet visar utfallet per månad, den skattade utvecklingen och hur "
                "den sannolikt hade sett ut utan arbetet (kontrafaktisk linje).",
            )
        )
    return out


def effect_section(report) -> Outputs:
    """The whole causal section: how to read it, then every outcome chosen in params."""
    if report.params.intervention_start is None:
        return Outputs(
            (Note("Effektskattningar kräver parametern intervention_start.", kind="withheld"),)
        )
    pool = donor_pool(report)
    intro = Note(HOW_TO_READ, kind="howto")
    basis = Note(
        f"Jämförelsen görs mot {len(pool)} övriga områden i kommunen"
        + (
            " (områden med eget områdesbaserat arbete är undantagna)."
            if report.params.excluded_from_comparison
            else "."
        )
    )
    parts = [intro, basis]
    for key in report.params.outcomes:
        parts.append(outcome_effects(report, key, plots=key == report.params.outcomes[0]))
    return Outputs(tuple(parts))
