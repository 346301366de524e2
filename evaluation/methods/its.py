"""Interrupted time series for one area: segmented regression with seasonality (statsmodels)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats.diagnostic import acorr_ljungbox

from evaluation.exceptions import ArgumentError, DataError
from evaluation.methods import _checks
from evaluation.methods.results import DIFFERENCE, RATE_RATIO, ITSResult

FAMILIES = ("quasipoisson", "negbin", "poisson", "linear")
SEASONALITY = ("fourier", "month", None)
SE_TYPES = ("model", "hac")
_EFFECT_TERMS = ("level_change", "slope_change")
NO_DISPERSION = (
    "Ingen överspridning kunde skattas, så den negativa binomialmodellen ersattes "
    "av en Poissonmodell."
)

_FAMILY_TEXT = {
    "quasipoisson": "kvasi-Poisson (överspridning skattad med Pearsons χ²/df)",
    "negbin": "negativ binomial (NB2, överspridning skattad)",
    "poisson": "Poisson (ingen överspridning)",
    "linear": "linjär regression (OLS)",
}


def _series_frame(
    series: pd.DataFrame | pd.Series, outcome: str, time: str | None, offset: str | None, name: str
) -> pd.DataFrame:
    """Return columns ``y``, ``t`` (numeric trend), ``when`` (original time) and ``offset``."""
    if isinstance(series, pd.Series):
        series = series.rename(outcome).to_frame()
    _checks.require_frame(series, name)
    if time is not None and time in series.columns:
        when = series[time]
    elif isinstance(series.index, (pd.DatetimeIndex, pd.PeriodIndex)):
        when = series.index.to_series()
    else:
        raise ArgumentError(
            f"kolumnen '{time}' finns inte i {name} och dess index har inga datum", argument="time"
        )
    _checks.require_columns(series, name, outcome=outcome, offset=offset)
    out = pd.DataFrame({"when": when.to_numpy()})
    out["y"] = _checks.numeric_column(series, outcome, "outcome")
    if offset is not None:
        out["offset"] = _checks.numeric_column(series, offset, "offset", positive=True)
    if pd.api.types.is_numeric_dtype(out["when"]):
        out["t"] = out["when"].astype(float)
        out["month"] = ((out["t"] - out["t"].min()) % 12).astype(int) + 1
    else:
        stamps = (
            pd.PeriodIndex(out["when"], freq="M")
            if not isinstance(out["when"].dtype, pd.PeriodDtype)
            else pd.PeriodIndex(out["when"])
        )
        out["t"] = (stamps.year * 12 + stamps.month).astype(float)
        out["t"] -= out["t"].min() - 1
        out["month"] = stamps.month
    if out["when"].duplicated().any():
        raise DataError(f"{name} har mer än en rad per tidpunkt", column=time)
    return out.sort_values("t").reset_index(drop=True)


def _design(
    d: pd.DataFrame,
    start_t: float,
    seasonality: str | None,
    harmonics: int,
    period: float,
    slope_change: bool,
    group: np.ndarray | None,
) -> pd.DataFrame:
    post = (d["t"] >= start_t).astype(float)
    X = pd.DataFrame({"const": 1.0, "trend": d["t"] - start_t}, index=d.index)
    X["level_change"] = post
    if slope_change:
        X["slope_change"] = post * (d["t"] - start_t)
    if seasonality == "fourier":
        for k in range(1, harmonics + 1):
            X[f"cos{k}"] = np.cos(2 * np.pi * k * d["t"] / period)
            X[f"sin{k}"] = np.sin(2 * np.pi * k * d["t"] / period)
    elif seasonality == "month":
        X = X.join(pd.get_dummies(d["month"], prefix="month", drop_first=True, dtype=float))
    if group is not None:
        # Controlled ITS: changes common to both series are `comp_*`; the treated series' own
        # level, trend and extra changes (interactions with `group`) carry the effects.
        X["comp_level_change"] = X["level_change"]
        X["level_change"] = X["level_change"] * group
        if slope_change:
            X["comp_slope_change"] = X["slope_change"]
            X["slope_change"] = X["slope_change"] * group
        X["treated"] = group
        X["treated_trend"] = X["trend"] * group
    return X


def _fit(y, X, offset, family: str, se: str, maxlags: int):
    cov = {"cov_type": "HAC", "cov_kwds": {"maxlags": maxlags}} if se == "hac" else {}
    log_off = None if offset is None else np.log(offset)
    if family == "linear":
        return sm.OLS(y, X).fit(**cov), None
    if family == "negbin":
        pois = sm.GLM(y, X, family=sm.families.Poisson(), offset=log_off).fit()
        mu = np.asarray(pois.fittedvalues)
        alpha0 = max(float(np.mean(((y - mu) ** 2 - mu) / mu**2)), 0.01)
        with warnings.catch_warnings():
            # An MLE of the dispersion at its boundary (0) makes the optimiser complain;
            # that case is reported in plain Swedish by _warnings instead.
            warnings.simplefilter("ignore")
            res = sm.NegativeBinomial(y, X, offset=log_off, loglike_method="nb2").fit(
                start_params=np.r_[np.asarray(pois.params), alpha0],
                method="bfgs",
                maxiter=2000,
                disp=0,
                **cov,
            )
        if float(np.asarray(res.params)[-1]) < 1e-4 or res.normalized_cov_params is None:
            return model_poisson(y, X, log_off, cov), NO_DISPERSION
        return res, None
    if family == "quasipoisson":
        return sm.GLM(y, X, family=sm.families.Poisson(), offset=log_off).fit(
            scale="X2", **cov
        ), None
    return model_poisson(y, X, log_off, cov), None


def model_poisson(y, X, log_off, cov):
    """Plain Poisson GLM with a log offset."""
    return sm.GLM(y, X, family=sm.families.Poisson(), offset=log_off).fit(**cov)


def interrupted_time_series(
    series: pd.DataFrame | pd.Series,
    start,
    *,
    outcome: str = "count",
    time: str | None = "time",
    offset: str | None = None,
    seasonality: str | None = "fourier",
    harmonics: int = 2,
    period: float = 12,
    family: str = "quasipoisson",
    slope_change: bool = True,
    comparison: pd.DataFrame | None = None,
    se: str = "model",
    maxlags: int | None = None,
    per: float | None = None,
    alpha: float = 0.05,
) -> ITSResult:
    """Segmented regression of one area's series: level change at ``start`` and slope change.

    Counts use a log link with log(``offset``) so effects are rate ratios; ``comparison`` (same
    columns) makes it a controlled ITS. ``per`` turns fitted values into rates per ``per``.
    """
    _checks.require_choice(family, "family", FAMILIES)
    _checks.require_choice(seasonality, "seasonality", SEASONALITY)
    _checks.require_choice(se, "se", SE_TYPES)
    _checks.check_alpha(alpha)
    if seasonality == "fourier" and (not isinstance(harmonics, int) or harmonics < 1):
        raise ArgumentError("ska vara ett positivt heltal", argument="harmonics")
    if family == "linear" and offset is not None:
        raise ArgumentError(
            "family='linear' modellerar utfallet direkt; ange en takt som "
            "utfall i stället för en offset",
            argument="offset",
        )
    d = _series_frame(series, outcome, time, offset, "series")
    start_when = _checks.coerce_start(start, d["when"])
    _checks.check_start_inside(d["when"], start_when)
    start_t = float(d.loc[d["when"] >= start_when, "t"].min())
    n = len(d)
    group = None
    fit_data = d
    if comparison is not None:
        c = _series_frame(comparison, outcome, time, offset, "comparison")
        c["t"] = c["when"].map(dict(zip(d["when"], d["t"], strict=False)))
        if c["t"].isna().any():
            raise DataError("jämförelsen har tidpunkter som serien saknar", column=time)
        fit_data = pd.concat([d, c], ignore_index=True)
        group = np.r_[np.ones(n), np.zeros(len(c))]
    if family != "linear" and (fit_data["y"] < 0).any():
        raise DataError(f"kolumnen '{outcome}' har negativa antal", column=outcome)
    X = _design(fit_data, start_t, seasonality, harmonics, period, slope_change, group)
    lags = int(np.floor(4 * (len(X) / 100.0) ** (2.0 / 9.0))) if maxlags is None else maxlags
    off = fit_data["offset"].to_numpy() if offset is not None else None
    res, fit_note = _fit(fit_data["y"].to_numpy(), X, off, family, se, lags)

    k = X.shape[1]  # negative binomial appends its dispersion parameter
    params = pd.Series(np.asarray(res.params)[:k], index=X.columns)
    cov = pd.DataFrame(np.asarray(res.cov_params())[:k, :k], index=X.columns, columns=X.columns)
    z = stats.norm.ppf(1 - alpha / 2)
    std_err = pd.Series(np.sqrt(np.diag(cov.to_numpy())), index=X.columns)

    def summary(term: str) -> tuple[float, float, float, float]:
        b, s = float(params[term]), float(std_err[term])
        p = float(2 * stats.norm.sf(abs(b / s)))
        vals = np.array([b, b - z * s, b + z * s])
        vals = vals if family == "linear" else np.exp(vals)
        return float(vals[0]), float(vals[1]), float(vals[2]), p

    est, low, high, pval = summary("level_change")
    s_est, s_low, s_high, s_p = summary("slope_change") if slope_change else (np.nan,) * 4

    Xt = X.iloc[:n]
    X0 = Xt.copy()
    X0[[c for c in _EFFECT_TERMS if c in X0]] = 0.0
    link_fit = Xt.to_numpy() @ params.to_numpy()
    link_cf = X0.to_numpy() @ params.to_numpy()
    se_cf = np.sqrt(np.einsum("ij,jk,ik->i", X0.to_numpy(), cov.to_numpy(), X0.to_numpy()))
    fitted = pd.DataFrame({"time": d["when"], "post": d["t"] >= start_t})
    if family == "linear":
        fitted["fitted"], fitted["counterfactual"] = link_fit, link_cf
        fitted["counterfactual_low"] = link_cf - z * se_cf
        fitted["counterfactual_high"] = link_cf + z * se_cf
    else:
        # Fitted values are rates per unit of offset times `per`, or expected counts.
        shift = (
            np.log(per)
            if (per is not None and offset is not None)
            else (np.log(d["offset"].to_numpy()) if offset is not None else 0.0)
        )
        fitted["fitted"] = np.exp(link_fit + shift)
        fitted["counterfactual"] = np.exp(link_cf + shift)
        fitted["counterfactual_low"] = np.exp(link_cf - z * se_cf + shift)
        fitted["counterfactual_high"] = np.exp(link_cf + z * se_cf + shift)

    warnings = _warnings(d, start_t, res, family, se, period)
    if fit_note:
        warnings.append(fit_note)
    scale = DIFFERENCE if family == "linear" else RATE_RATIO
    season_text = {
        "fourier": f"{harmonics} harmoniska par (period {period:g})",
        "month": "månadsdummies",
        None: "ingen säsongsjustering",
    }[seasonality]
    kind = "Kontrollerad avbruten tidsserie" if comparison is not None else "Avbruten tidsserie"
    se_text = (
        f"HAC-standardfel (Newey–West, {lags} laggar)"
        if se == "hac"
        else "modellbaserade standardfel"
    )
    return ITSResult(
        estimate=est,
        ci_low=low,
        ci_high=high,
        p_value=pval,
        method=f"{kind} (segmenterad regression, {season_text})",
        inference=f"{se_text} från {_FAMILY_TEXT[family]}; normalfördelning",
        assumption=(
            "Utan insatsen hade områdets trend och säsongsmönster från tiden före "
            "fortsatt oförändrade"
            + (" (eller förändrats som i jämförelseserien)" if comparison is not None else "")
            + "."
        ),
        scale=scale,
        warnings=warnings,
        confidence=1 - alpha,
        slope_change=s_est,
        slope_ci_low=s_low,
        slope_ci_high=s_high,
        slope_p_value=s_p,
        fitted=fitted,
        start=start_when,
        model_result=res,
    )


def _warnings(
    d: pd.DataFrame, start_t: float, res, family: str, se: str, period: float
) -> list[str]:
    out = []
    n_pre = int((d["t"] < start_t).sum())
    n_post = int((d["t"] >= start_t).sum())
    if n_pre < 2 * period:
        out.append(
            f"Bara {n_pre} mätpunkter före starten: trend och säsong före insatsen "
            "skattas osäkert (helst minst två år)."
        )
    if n_post < 6:
        out.append(f"Bara {n_post} mätpunkter efter starten: för tidigt för säkra slutsatser.")
    if family != "linear" and d["y"].mean() < 5:
        # No figure from the raw counts (mean × periods would give a total back).
        out.append(
            "Antalen är små (färre än fem per period i genomsnitt): skattningen blir osäker."
        )
    if family == "poisson":
        dispersion = float(res.pearson_chi2 / res.df_resid)
        if dispersion > 1.5:
            out.append(
                f"Variationen är {dispersion:.1f}".replace(".", ",") + " gånger större "
                "än Poissonmodellen antar; "
                "använd kvasi-Poisson så blir intervallet inte för smalt."
            )
    if family == "negbin" and hasattr(res, "mle_retvals"):
        if not res.mle_retvals.get("converged", True):
            out.append("Modellen konvergerade inte; tolka skattningen med stor försiktighet.")
    resid = np.asarray(res.resid_pearson if hasattr(res, "resid_pearson") else res.resid)
    lags = int(min(period, len(resid) // 4))
    if se == "model" and lags >= 1:
        lb = acorr_ljungbox(resid, lags=[lags])
        if float(lb["lb_pvalue"].iloc[0]) < 0.05:
            out.append(
                "Residualerna är autokorrelerade (Ljung–Box p < 0,05): intervallet kan "
                "vara för smalt; överväg se='hac'."
            )
    return out
