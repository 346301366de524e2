"""Difference-in-differences and event studies with unit and time fixed effects (statsmodels)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from evaluation.exceptions import ArgumentError, DataError
from evaluation.methods import _checks
from evaluation.methods._cr2 import cr2
from evaluation.methods._panel import TwfePanel, build_panel
from evaluation.methods.results import DIFFERENCE, RATE_RATIO, DiDResult, EventStudyResult

MODELS = ("linear", "poisson")
SE_TYPES = ("auto", "cr2", "hac", "cluster")

#: Least treated and least comparison areas for cluster-robust errors (CR2 + Bell–McCaffrey).
MIN_CLUSTERS = 5
#: Least periods for within-area HAC errors with fixed-b critical values.
MIN_PERIODS_HAC = 20

#: The rule ``se="auto"`` follows, in words for the report's method note.
INFERENCE_RULE = (
    "Osäkerheten i skillnad-i-skillnader skattas på det sätt som passar underlaget: finns "
    f"minst {MIN_CLUSTERS} områden med insatsen och minst {MIN_CLUSTERS} utan, bygger "
    "osäkerheten på variationen mellan områden (med en korrigering för få områden). Finns "
    f"färre områden med insatsen men minst {MIN_PERIODS_HAC} perioder, bygger den på "
    "variationen över tid inom områdena. Räcker inget av det, visas skattningen med en "
    "varning om att osäkerheten sannolikt är underskattad."
)

_ASSUMPTION = {
    "poisson": (
        "Utan insatsen hade antalet per invånare i det behandlade området förändrats "
        "i samma takt (procentuellt) som i jämförelseområdena."
    ),
    "linear": (
        "Utan insatsen hade utfallet i det behandlade området utvecklats parallellt "
        "med jämförelseområdena (samma förändring i utfallets enheter)."
    ),
}
_INFERENCE = {
    "hac": (
        "HAC-standardfel inom varje område (Newey–West, {lags} laggar), dvs. osäkerheten "
        "skattas från variationen över tid eftersom områdena är för få för klusterrobusta fel; "
        "kritiskt värde enligt fixed-b (Kiefer & Vogelsang 2005)"
    ),
    "cluster": (
        "klusterrobusta standardfel per område (CR1, G/(G−1)·(N−1)/(N−K), K inklusive "
        "fixa effekter); t-fördelning med G−1 = {df} frihetsgrader"
    ),
    "cr2": (
        "klusterrobusta standardfel per område med korrigering för få områden (CR2, "
        "Bell & McCaffrey 2002); t-fördelning med {df} frihetsgrader"
    ),
}


def choose_inference(n_treated: int, n_controls: int, n_periods: int) -> tuple[str, bool]:
    """The ``se`` that ``"auto"`` uses, and whether it can be trusted (see INFERENCE_RULE).

    CR2 with Bell–McCaffrey df needs at least ``MIN_CLUSTERS`` treated and comparison units
    (Imbens & Kolesár 2016; with fewer treated clusters it over-rejects, Conley & Taber
    2011). Within-unit HAC with Kiefer–Vogelsang fixed-b critical values relies on many
    periods: it is used from ``MIN_PERIODS_HAC`` periods (our simulations: coverage 0.95
    with 84 monthly periods at moderate persistence, lower at AR ρ = 0.8); with fewer
    periods, e.g. six years, the fixed-b approximation is outside its range.
    """
    if n_treated >= MIN_CLUSTERS and n_controls >= MIN_CLUSTERS:
        return "cr2", True
    if n_periods >= MIN_PERIODS_HAC:
        return "hac", True
    return ("cr2" if n_treated >= 2 else "hac"), False


_UNTRUSTED = (
    "För få områden med insatsen och för få perioder för att osäkerheten ska kunna skattas "
    "pålitligt: intervallet är sannolikt för snävt."
)


def default_maxlags(n_periods: int) -> int:
    """Newey–West rule of thumb ⌊4·(T/100)^(2/9)⌋ for the HAC bandwidth."""
    return max(1, int(np.floor(4 * (n_periods / 100.0) ** (2.0 / 9.0))))


def fixed_b_critical_value(b: float, alpha: float = 0.05) -> float:
    """Two-sided critical value for Bartlett HAC t-tests under fixed-b asymptotics.

    Kiefer & Vogelsang (2005) polynomial for the 97.5 % quantile, rescaled for other ``alpha``.
    """
    c975 = 1.9600 + 2.9694 * b + 0.4160 * b**2 - 0.5324 * b**3
    return float(stats.norm.ppf(1 - alpha / 2) * c975 / 1.96)


def _fit(p: TwfePanel, X: pd.DataFrame, model: str, se: str, maxlags: int):
    if se == "cr2":  # point estimate only; the CR2 variance is computed afterwards
        if model == "poisson":
            return sm.GLM(p.y, X, family=sm.families.Poisson(), offset=p.log_offset).fit()
        return sm.OLS(p.y, X).fit()
    if se == "cluster":
        cov = {
            "cov_type": "cluster",
            "cov_kwds": {"groups": p.unit_codes, "use_correction": True, "df_correction": True},
            "use_t": True,
        }
    else:
        cov = {
            "cov_type": "hac-panel",
            "cov_kwds": {"groups": p.unit_codes, "maxlags": maxlags},
            "use_t": False,
        }
    if model == "poisson":
        mod = sm.GLM(p.y, X, family=sm.families.Poisson(), offset=p.log_offset)
    else:
        mod = sm.OLS(p.y, X)
    return mod.fit(**cov)


def _common_warnings(p: TwfePanel, model: str, se: str) -> list[str]:
    out = []
    n_pre = int(p.n_pre_periods)
    n_controls = p.n_units - p.n_treated
    if n_pre < 4:
        out.append(
            f"Bara {n_pre} perioder före starten: det går knappt att bedöma om "
            "områdena utvecklades parallellt innan insatsen."
        )
    if n_controls < 5:
        out.append(f"Bara {n_controls} jämförelseområden: jämförelsen vilar på mycket få områden.")
    if se == "cluster" and (p.n_treated < 5 or p.n_units < 30):
        out.append(
            f"Klusterrobusta standardfel med {p.n_treated} behandlat/behandlade och "
            f"{p.n_units} områden totalt blir ofta för små (Conley & Taber 2011; "
            "MacKinnon & Webb 2017): osäkerhetsintervallet är troligen för snävt."
        )
    if model == "poisson":
        treated_mean = float(np.mean(p.y[p.treated_mask]))
        if treated_mean < 5:
            # No figure from the raw counts here: a mean times the number of periods gives
            # a total back, which may be a count the privacy rules would hide.
            out.append(
                "Antalen i det behandlade området är små (färre än fem per period i "
                "genomsnitt): skattningen blir osäker."
            )
    return out


def difference_in_differences(
    panel: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    treated_units,
    start,
    model: str = "linear",
    offset: str | None = None,
    se: str = "auto",
    maxlags: int | None = None,
    alpha: float = 0.05,
    treatment: str | None = None,
) -> DiDResult:
    """Two-way fixed-effects DiD of ``outcome`` on unit and time dummies plus a treated×post dummy.

    ``model="poisson"`` fits counts with log(``offset``) and reports a rate ratio. ``se``:
    ``"auto"`` (default) picks by ``choose_inference`` and warns when neither choice is
    trustworthy; ``"cr2"`` (CR2, Bell–McCaffrey df), ``"hac"`` (within-unit Newey–West,
    fixed-b; valid only with many periods) or ``"cluster"`` (CR1, matches statsmodels).
    ``start`` is one date (a mapping unit → start is accepted if all agree); units that
    start at different times are refused (see ``staggered_did``), also when the 0/1
    ``treatment`` column says so.
    """
    _checks.require_choice(model, "model", MODELS)
    _checks.require_choice(se, "se", SE_TYPES)
    _checks.check_alpha(alpha)
    p = build_panel(
        panel,
        outcome,
        unit,
        time,
        treated_units,
        start,
        offset=offset,
        model=model,
        treatment=treatment,
    )
    lags = default_maxlags(p.n_periods) if maxlags is None else int(maxlags)
    if lags < 0:
        raise ArgumentError("ska vara noll eller större", argument="maxlags")
    trusted = True
    if se == "auto":
        se, trusted = choose_inference(p.n_treated, p.n_units - p.n_treated, p.n_periods)
    X = pd.concat([pd.Series(p.treated_post, name="treated_post"), p.fixed_effects()], axis=1)
    res = _fit(p, X, model, se, lags)
    coef, bse = float(res.params["treated_post"]), float(res.bse["treated_post"])
    df_note: int | str = p.n_units - 1
    if se == "cr2":
        if model == "poisson":
            mu = np.asarray(res.fittedvalues)
            bse, bm_df = cr2(X.to_numpy(), (p.y - mu) / mu, p.unit_codes, 0, weights=mu)
        else:
            bse, bm_df = cr2(X.to_numpy(), np.asarray(res.resid), p.unit_codes, 0)
        crit = float(stats.t.ppf(1 - alpha / 2, bm_df))
        pval = float(2 * stats.t.sf(abs(coef / bse), bm_df))
        low, high = coef - crit * bse, coef + crit * bse
        df_note = f"{bm_df:.1f}".replace(".", ",")
    elif se == "hac":
        crit = fixed_b_critical_value((lags + 1) / p.n_periods, alpha)
        z_ratio = stats.norm.ppf(1 - alpha / 2) / crit
        pval = float(2 * stats.norm.sf(abs(coef / bse) * z_ratio))
        low, high = coef - crit * bse, coef + crit * bse
    else:
        pval = float(res.pvalues["treated_post"])
        low, high = res.conf_int(alpha=alpha).loc["treated_post"].astype(float)
    scale = RATE_RATIO if model == "poisson" else DIFFERENCE
    if scale == RATE_RATIO:
        estimate, low, high = np.exp(coef), np.exp(low), np.exp(high)
    else:
        estimate = coef
    label = "Poisson med befolkningen som exponering" if model == "poisson" else "linjär"
    return DiDResult(
        estimate=float(estimate),
        ci_low=float(low),
        ci_high=float(high),
        p_value=pval,
        method=f"Skillnad-i-skillnader (fixa effekter för område och tid, {label})",
        inference=_INFERENCE[se].format(lags=lags, df=df_note),
        assumption=_ASSUMPTION[model],
        scale=scale,
        warnings=_common_warnings(p, model, se) + ([] if trusted else [_UNTRUSTED]),
        confidence=1 - alpha,
        se=bse,
        n_units=p.n_units,
        n_treated=p.n_treated,
        n_periods=p.n_periods,
        start=p.start,
        model_result=res,
    )


def event_study(
    panel: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    treated_units,
    start,
    model: str = "linear",
    offset: str | None = None,
    window: tuple[int, int] | None = None,
    alpha: float = 0.05,
    se: str = "auto",
    maxlags: int | None = None,
) -> EventStudyResult:
    """Standard TWFE event study: leads and lags relative to ``start`` (reference: period −1).

    Unweighted OLS (or Poisson with log ``offset``) with unit and time fixed effects, the same
    inference as ``difference_in_differences`` (``se``), a joint Wald test that every lead is
    zero, and as ``estimate`` the average of the post-start coefficients. ``window=(first,
    last)`` bins event times outside it into the end points.
    """
    _checks.require_choice(model, "model", MODELS)
    _checks.check_alpha(alpha)
    p = build_panel(panel, outcome, unit, time, treated_units, start, offset=offset, model=model)
    rel = p.event_time.astype(float)
    lo, hi = int(np.nanmin(rel[p.treated_mask])), int(np.nanmax(rel[p.treated_mask]))
    if window is not None:
        if len(window) != 2 or window[0] > -2 or window[1] < 0:
            raise ArgumentError(
                "ska vara (första, sista) med första ≤ −2 och sista ≥ 0", argument="window"
            )
        lo, hi = max(lo, int(window[0])), min(hi, int(window[1]))
    if lo > -2:
        raise DataError("händelsestudien behöver minst två perioder före starten")
    rel = np.clip(rel, lo, hi)
    dummies = {}
    for k in range(lo, hi + 1):
        if k == -1:
            continue
        dummies[f"e{k}"] = (p.treated_mask & (rel == k)).astype(float)
    E = pd.DataFrame(dummies)
    X = pd.concat([E, p.fixed_effects()], axis=1)
    _checks.require_choice(se, "se", SE_TYPES)
    if se == "auto":
        se, _ = choose_inference(p.n_treated, p.n_units - p.n_treated, p.n_periods)
    if se == "cr2":  # one CR2 per coefficient is costly; CR1 with G−1 df for the leads/lags
        se = "cluster"
    lags = default_maxlags(p.n_periods) if maxlags is None else int(maxlags)
    if p.n_treated == 1:
        # With one treated unit each lead/lag dummy fits one observation exactly, so its
        # robust (HAC or cluster) variance collapses to zero; use model-based errors
        # (OLS, or Poisson with Pearson dispersion) instead.
        se = "model"
        if model == "poisson":
            mod = sm.GLM(p.y, X, family=sm.families.Poisson(), offset=p.log_offset)
            res = mod.fit(scale="X2")
        else:
            res = sm.OLS(p.y, X).fit()
    else:
        res = _fit(p, X, model, se, lags)
    if se == "model":
        z = float(stats.norm.ppf(1 - alpha / 2))
    elif se == "hac":
        z = fixed_b_critical_value((lags + 1) / p.n_periods, alpha)
    else:
        z = float(stats.t.ppf(1 - alpha / 2, p.n_units - 1))
    names = list(E.columns)
    b, s = res.params[names].to_numpy(float), res.bse[names].to_numpy(float)
    ks = np.array([int(n[1:]) for n in names])
    coefs = pd.DataFrame(
        {
            "event_time": ks,
            "coef": b,
            "se": s,
            "ci_low": b - z * s,
            "ci_high": b + z * s,
            "p_value": 2 * stats.norm.sf(np.abs(b / s) * stats.norm.ppf(1 - alpha / 2) / z),
        }
    )
    ref = pd.DataFrame(
        {
            "event_time": [-1],
            "coef": [0.0],
            "se": [0.0],
            "ci_low": [0.0],
            "ci_high": [0.0],
            "p_value": [np.nan],
        }
    )
    coefs = pd.concat([coefs, ref]).sort_values("event_time").reset_index(drop=True)
    coefs["period"] = pd.Series(
        [p.period_for_event_time(k) for k in coefs["event_time"]], index=coefs.index
    )
    coefs["binned"] = ((coefs["event_time"] == lo) & (lo > p.min_event_time)) | (
        (coefs["event_time"] == hi) & (hi < p.max_event_time)
    )
    scale = RATE_RATIO if model == "poisson" else DIFFERENCE
    if scale == RATE_RATIO:
        for c in ("coef", "ci_low", "ci_high"):
            coefs[c] = np.exp(coefs[c])

    leads = [n for n, k in zip(names, ks, strict=False) if k <= -2]
    R = np.zeros((len(leads), len(res.params)))
    for i, n in enumerate(leads):
        R[i, list(res.params.index).index(n)] = 1.0
    pre_p = float(res.wald_test(R, scalar=True, use_f=False).pvalue)
    # Summary: the average of the post-start coefficients (each relative to period −1).
    post = [n for n, k in zip(names, ks, strict=False) if k >= 0]
    contrast = np.zeros(len(res.params))
    contrast[[list(res.params.index).index(n) for n in post]] = 1.0 / len(post)
    tt = res.t_test(contrast)
    est, sd = float(np.squeeze(tt.effect)), float(np.squeeze(tt.sd))
    low, high = est - z * sd, est + z * sd
    if scale == RATE_RATIO:
        est, low, high = np.exp(est), np.exp(low), np.exp(high)
    warnings = _common_warnings(p, model, se)
    if se == "model":
        inference = (
            "modellbaserade standardfel (ett område med insatsen: robusta fel per period "
            "går inte att skatta); normalfördelning"
        )
    else:
        inference = _INFERENCE[se].format(lags=lags, df=p.n_units - 1)
    if pre_p < 0.05:
        warnings.append(
            f"Skillnaden mot jämförelseområdena varierade redan före starten "
            f"(gemensamt test av perioderna före, p = {pre_p:.3f}): antagandet om "
            "parallella trender är tveksamt."
        )
    label = "Poisson" if model == "poisson" else "linjär"
    return EventStudyResult(
        estimate=float(est),
        ci_low=float(low),
        ci_high=float(high),
        p_value=float(
            2 * stats.norm.sf(abs(np.squeeze(tt.effect)) / sd * stats.norm.ppf(1 - alpha / 2) / z)
        ),
        method=f"Händelsestudie (fixa effekter för område och tid, {label})",
        inference=inference,
        assumption=_ASSUMPTION[model],
        scale=scale,
        warnings=warnings,
        confidence=1 - alpha,
        coefficients=coefs,
        pretrend_p_value=pre_p,
        start=p.start,
        model_result=res,
    )
