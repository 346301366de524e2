"""Staggered difference-in-differences: Callaway & Sant'Anna (2021) group-time effects.

Unconditional (no covariates) 2×2 comparisons with never-treated or not-yet-treated
controls and a varying base period, aggregated to an overall (simple), event-time
(dynamic) and per-cohort effect. Standard errors come from the influence function
(analytic, one observation per unit, so clustered by unit), including the estimation
effect of the aggregation weights, exactly as the R package ``did`` does. Written by
hand (about 200 lines) rather than depending on ``csdid``, which pulls in plotting and
packaging tools at run time; the tests check the numbers against the R ``did`` package
on ``mpdta`` (reference values shipped in ``tests/fixtures/mpdta``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from evaluation.exceptions import ArgumentError, DataError
from evaluation.methods import _checks
from evaluation.methods.results import DIFFERENCE, EffectResult

CONTROL_GROUPS = ("never_treated", "not_yet_treated")
_ALIASES = {"nevertreated": "never_treated", "notyettreated": "not_yet_treated"}


@dataclass(frozen=True, eq=False)
class StaggeredDiDResult(EffectResult):
    """Callaway–Sant'Anna result: overall ATT plus group-time, event-time and cohort tables.

    ``group_time`` has columns group, time, estimate, se (one row per cohort and period);
    ``event_time`` has event_time, estimate, se, ci_low, ci_high (pointwise intervals);
    ``pretrend_p_value`` tests that every pre-start effect is zero: max |t| over event times
    with Bonferroni (``small_sample``), else R ``did``'s Wald test over group-time cells.
    """

    se: float = float("nan")
    group_time: pd.DataFrame = field(default_factory=pd.DataFrame)
    event_time: pd.DataFrame = field(default_factory=pd.DataFrame)
    by_group: pd.DataFrame = field(default_factory=pd.DataFrame)
    dynamic_estimate: float = float("nan")
    dynamic_se: float = float("nan")
    pretrend_p_value: float = float("nan")
    pretrend_statistic: float = float("nan")
    control_group: str = "never_treated"
    n_units: int = 0
    n_treated: int = 0
    n_periods: int = 0


def _first_period_codes(
    starts: Mapping, units: pd.Index, times: pd.Index, time_values: pd.Series
) -> np.ndarray:
    """Per unit, the index of the period holding its start (inf: never treated)."""
    codes = np.full(len(units), np.inf)
    unknown = [u for u in starts if u not in set(units)]
    if unknown:
        raise ArgumentError(f"enheter som inte finns i panelen: {unknown[:5]}", argument="starts")
    for u, s in starts.items():
        if s is None or (isinstance(s, float) and np.isnan(s)):
            continue
        s = _checks.coerce_start(s, time_values, arg="starts")
        if s > times[-1] and not (times == s).any():
            # After the last period's start: only a start inside the last period counts;
            # a unit whose start lies beyond the panel stays untreated here.
            if len(times) > 1 and s - times[-1] > times[-1] - times[-2]:
                continue
        # The period containing the start (time values are period starts) is the first
        # treated one, so a start in mid-period never leaks into the base period.
        inside = np.flatnonzero(np.asarray(times <= s))
        codes[units.get_loc(u)] = inside[-1] if inside.size else 0
    return codes


def _starts_from_column(panel: pd.DataFrame, unit: str, column: str) -> dict:
    """Read a per-unit start column (0, missing or inf = never treated) into a mapping."""
    per_unit = panel.groupby(unit)[column].nunique(dropna=False)
    if (per_unit > 1).any():
        raise DataError(f"kolumnen '{column}' skiljer sig inom en enhet", column=column)
    first = panel.groupby(unit)[column].first()
    out = {}
    for u, v in first.items():
        if pd.isna(v):
            continue
        if isinstance(v, (int, float, np.integer, np.floating)) and (v == 0 or np.isinf(v)):
            continue
        out[u] = v
    return out


def _wif(keep_groups: np.ndarray, pg_cells: np.ndarray, G: np.ndarray) -> np.ndarray:
    """Influence of estimating the cohort-share weights (did's ``wif``), n × len(keep)."""
    member = (G[:, None] == keep_groups[None, :]).astype(float)
    dev = member - pg_cells[None, :]
    total = pg_cells.sum()
    return dev / total - dev.sum(axis=1, keepdims=True) * (pg_cells / total**2)[None, :]


def _aggregate(att, inf, cells, pg_cells, G, groups_of_cells, n):
    """Weighted average of ``att[cells]`` by cohort share, with its influence function."""
    w = pg_cells / pg_cells.sum()
    est = float(att[cells] @ w)
    if_ = inf[:, cells] @ w + _wif(groups_of_cells, pg_cells, G) @ att[cells]
    return est, if_


def _se(if_: np.ndarray, n: int) -> float:
    return float(np.sqrt(np.sum(if_**2)) / n)


def _pretrend_test(
    pre: list[tuple[float, np.ndarray]], n: int, n_treated: int
) -> tuple[float, float]:
    """Joint test that every pre-start event-time effect is zero: max |t| with Bonferroni.

    Each pre-start event-time estimate's t-ratio is referred to t(n_treated − 1), the
    cluster-robust small-sample law (Cameron & Miller 2015, §VI.D) with the treated
    areas as the scarce clusters, and the smallest p-value is multiplied by the number
    of event times. A Wald test (the chi-square law over the inverted covariance of many
    pre-period effects) rejected in every simulated draw without a pre-trend, and a
    multiplier-bootstrap sup-t in about 18 %: with a few areas per cohort both rest on a
    covariance the data cannot estimate; this test holds its level (about 3 % at 5 % in
    ``benchmarks/methods_coverage.py``'s staggered scenario). Written here because csdid
    offers no pre-test and statsmodels none for this estimator's output.
    """
    b = np.array([est for est, _ in pre])
    ifs = np.column_stack([if_ for _, if_ in pre])
    se = np.sqrt((ifs**2).sum(axis=0)) / n
    ok = se > 0
    if not ok.any() or n_treated < 2:
        return float("nan"), float("nan")
    t = np.abs(b[ok]) / se[ok]
    worst = float(t.max())
    return worst, float(min(1.0, ok.sum() * 2 * stats.t.sf(worst, n_treated - 1)))


def staggered_did(
    panel: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    starts,
    control_group: str = "never_treated",
    anticipation: int = 0,
    alpha: float = 0.05,
    small_sample: bool = True,
) -> StaggeredDiDResult:
    """Callaway & Sant'Anna (2021) DiD for units that start at different times.

    ``starts`` maps each treated unit to its start (a value of the time column, or a date
    inside a period whose start the time column holds), or names a column holding it (0 or
    missing = never treated). ``control_group`` is ``"never_treated"`` or
    ``"not_yet_treated"``. ``small_sample=True`` (default) scales each 2×2 comparison's
    influence function to the unbiased (HC2) variance; ``False`` gives R ``did``'s analytic
    standard errors exactly (they cover 0.91 with cohorts of four areas, 400 simulations).
    Needs a balanced panel; units with a missing outcome are dropped and a warning says how
    many.
    """
    _checks.require_frame(panel, "panel")
    _checks.require_columns(panel, "panel", outcome=outcome, unit=unit, time=time)
    control_group = _ALIASES.get(control_group, control_group)
    _checks.require_choice(control_group, "control_group", CONTROL_GROUPS)
    _checks.check_alpha(alpha)
    if not isinstance(anticipation, (int, np.integer)) or anticipation < 0:
        raise ArgumentError("ska vara ett heltal ≥ 0", argument="anticipation")
    if isinstance(starts, str):
        _checks.require_columns(panel, "panel", starts=starts)
        starts = _starts_from_column(panel, unit, starts)
    elif isinstance(starts, pd.Series):
        starts = starts.to_dict()
    if not isinstance(starts, Mapping) or not starts:
        raise ArgumentError(
            "ange en mappning från varje enhet med insats till dess start, eller ett kolumnnamn",
            argument="starts",
        )
    if panel.duplicated([unit, time]).any():
        raise DataError(
            f"mer än en rad per {unit} och {time}", expected="en rad per enhet och period"
        )
    values = panel.assign(_y=pd.to_numeric(panel[outcome], errors="coerce"))
    wide = values.pivot(index=unit, columns=time, values="_y").sort_index(axis=1)
    warnings = []
    incomplete = wide.isna().any(axis=1)
    if incomplete.any():
        warnings.append(
            f"{int(incomplete.sum())} enheter saknar utfall för någon period och är utelämnade."
        )
        wide = wide[~incomplete]
    units, times = wide.index, pd.Index(wide.columns)
    starts = {u: s for u, s in starts.items() if u in set(units) or u not in set(panel[unit])}
    G = _first_period_codes(starts, units, times, panel[time])
    already = G <= anticipation
    if already.any():
        warnings.append(
            f"{int(already.sum())} enheter var behandlade redan första perioden och är "
            "utelämnade (de har ingen period före starten)."
        )
        wide, G = wide[~already], G[~already]
        units = wide.index
    Y = wide.to_numpy(float)
    n, T = Y.shape
    groups = np.unique(G[np.isfinite(G)]).astype(int)
    if groups.size == 0:
        raise ArgumentError("ingen enhet med insats startar inom panelen", argument="starts")
    if control_group == "never_treated" and not np.isinf(G).any():
        raise DataError(
            "ingen enhet utan insats att jämföra med; använd control_group='not_yet_treated'"
        )

    rows, cols = [], []
    for g in groups:
        for t in range(1, T):
            base = g - 1 - anticipation if t >= g else t - 1
            if base < 0:
                continue
            treat = G == g
            if control_group == "never_treated":
                ctrl = np.isinf(G)
            else:
                ctrl = np.isinf(G) | ((G > max(t, base) + anticipation) & (G != g))
            if not ctrl.any():
                continue
            dy = Y[:, t] - Y[:, base]
            sub = treat | ctrl
            n1 = sub.sum()
            m1, m0 = dy[treat].mean(), dy[ctrl].mean()
            p1, p0 = treat.sum() / n1, ctrl.sum() / n1
            if_sub = np.where(treat, (dy - m1) / p1, 0.0) - np.where(ctrl, (dy - m0) / p0, 0.0)
            if small_sample:
                # HC2 for a difference in means: each side's squared deviations over
                # n − 1 instead of n (the unbiased Neyman variance). With cohorts of four
                # areas the plain influence function understates the variance by a quarter.
                n_t, n_c = int(treat.sum()), int(ctrl.sum())
                if_sub = np.where(treat, if_sub * np.sqrt(n_t / max(n_t - 1, 1)), if_sub)
                if_sub = np.where(ctrl, if_sub * np.sqrt(n_c / max(n_c - 1, 1)), if_sub)
            rows.append((g, t, m1 - m0))
            cols.append((n / n1) * if_sub)
    if not rows:
        raise DataError("ingen kohort har en jämförelsegrupp i någon period")
    inf = np.column_stack(cols)
    gt = pd.DataFrame(rows, columns=["g", "t", "estimate"])
    att = gt["estimate"].to_numpy(float)
    gt["se"] = np.sqrt((inf**2).sum(axis=0)) / n
    cell_g, cell_t = gt["g"].to_numpy(), gt["t"].to_numpy()
    pg = {g: float(np.mean(G == g)) for g in groups}
    pg_cells = np.array([pg[g] for g in cell_g])
    z = stats.norm.ppf(1 - alpha / 2)

    post = np.flatnonzero(cell_t >= cell_g - anticipation)
    simple, simple_if = _aggregate(att, inf, post, pg_cells[post], G, cell_g[post], n)
    simple_se = _se(simple_if, n)

    ev_rows, dyn_ifs, pre_ifs = [], [], []
    for e in np.unique(cell_t - cell_g):
        cells = np.flatnonzero(cell_t - cell_g == e)
        est, if_ = _aggregate(att, inf, cells, pg_cells[cells], G, cell_g[cells], n)
        s = _se(if_, n)
        ev_rows.append((int(e), est, s, est - z * s, est + z * s))
        if e >= 0:
            dyn_ifs.append((est, if_))
        elif e < -anticipation:
            pre_ifs.append((est, if_))
    event = pd.DataFrame(ev_rows, columns=["event_time", "estimate", "se", "ci_low", "ci_high"])
    dyn_est = float(np.mean([d[0] for d in dyn_ifs]))
    dyn_se = _se(np.mean([d[1] for d in dyn_ifs], axis=0), n)

    grp_rows = []
    for g in groups:
        cells = np.flatnonzero((cell_g == g) & (cell_t >= g - anticipation))
        if cells.size == 0:
            continue
        est = float(att[cells].mean())
        s = _se(inf[:, cells].mean(axis=1), n)
        grp_rows.append((times[g], est, s, est - z * s, est + z * s))
    by_group = pd.DataFrame(grp_rows, columns=["group", "estimate", "se", "ci_low", "ci_high"])

    pre_stat = pre_p = float("nan")
    pre = np.flatnonzero(cell_t < cell_g - anticipation)
    if small_sample and pre_ifs:
        pre_stat, pre_p = _pretrend_test(pre_ifs, n, int(np.isfinite(G).sum()))
    elif pre.size:  # R did's Wald pre-test over the group-time cells (published parity)
        V = inf[:, pre].T @ inf[:, pre] / n**2
        b = att[pre]
        pre_stat = float(b @ np.linalg.pinv(V) @ b)
        pre_p = float(stats.chi2.sf(pre_stat, np.linalg.matrix_rank(V)))
    if pre_p < 0.05:
        warnings.append(
            "Skillnaderna mot jämförelsegruppen varierade redan före starten (gemensamt "
            f"test, p = {pre_p:.3f}): antagandet om parallella trender är tveksamt.".replace(
                "0.", "0,"
            )
        )
    n_treated = int(np.isfinite(G).sum())
    n_control = int(np.isinf(G).sum())
    if n_treated < 5 or (control_group == "never_treated" and n_control < 5):
        warnings.append(
            f"Bara {n_treated} behandlade och {n_control} aldrig behandlade enheter: "
            "standardfelen bygger på variationen mellan enheter och blir för snäva med så få."
        )
    group_time = pd.DataFrame(
        {
            "group": times[cell_g],
            "time": times[cell_t],
            "estimate": att,
            "se": gt["se"].to_numpy(),
        }
    )
    group_time["ci_low"] = group_time["estimate"] - z * group_time["se"]
    group_time["ci_high"] = group_time["estimate"] + z * group_time["se"]
    controls = (
        "områden som aldrig fick insatsen"
        if control_group == "never_treated"
        else "områden som ännu inte fått insatsen"
    )
    return StaggeredDiDResult(
        estimate=simple,
        ci_low=simple - z * simple_se,
        ci_high=simple + z * simple_se,
        p_value=float(2 * stats.norm.sf(abs(simple / simple_se))) if simple_se > 0 else np.nan,
        method=f"Skillnad-i-skillnader med olika startår (Callaway & Sant'Anna; {controls})",
        inference=(
            "standardfel från influensfunktionen, ett bidrag per område (klustrat per område); "
            "normalfördelning"
        ),
        assumption=(
            "Utan insatsen hade varje startårsgrupp utvecklats parallellt med "
            f"{controls}, och ingen påverkades innan den egna starten."
        ),
        scale=DIFFERENCE,
        warnings=warnings,
        confidence=1 - alpha,
        se=simple_se,
        group_time=group_time,
        event_time=event,
        by_group=by_group,
        dynamic_estimate=dyn_est,
        dynamic_se=dyn_se,
        pretrend_p_value=pre_p,
        pretrend_statistic=pre_stat,
        control_group=control_group,
        n_units=n,
        n_treated=n_treated,
        n_periods=T,
    )
