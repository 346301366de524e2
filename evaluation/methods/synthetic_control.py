"""Synthetic control (Abadie, Diamond & Hainmueller 2010) with placebos and conformal intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd

from evaluation.exceptions import ArgumentError, DataError
from evaluation.methods import _checks
from evaluation.methods._conformal import conformal_p_value, conformal_set
from evaluation.methods._weights import simplex_least_squares
from evaluation.methods.results import DIFFERENCE, SyntheticControlResult

POOR_FIT_SHARE = 0.10
#: Placebos fitting more than this many times worse before the start are left out (ADH 2010).
PRE_FIT_CUTOFFS = (20, 5, 2)
MIN_DONORS = 5


def _wide(panel: pd.DataFrame, outcome: str, unit: str, time: str) -> pd.DataFrame:
    _checks.require_frame(panel, "panel")
    _checks.require_columns(panel, "panel", outcome=outcome, unit=unit, time=time)
    if panel.duplicated([unit, time]).any():
        raise DataError(
            f"mer än en rad per {unit} och {time}", expected="en rad per enhet och period"
        )
    values = panel.assign(_y=_checks.numeric_column(panel, outcome, "outcome"))
    return values.pivot(index=time, columns=unit, values="_y").sort_index()


def _windows(spec, pre_times) -> list[tuple[str, object, object]]:
    """(column, first, last) per predictor: a list of columns means the whole pre-period."""
    if isinstance(spec, str):
        spec = [spec]
    if not isinstance(spec, dict):
        return [(c, pre_times[0], pre_times[-1]) for c in spec]
    out = []
    for col, wins in spec.items():
        if wins is None:
            out.append((col, pre_times[0], pre_times[-1]))
            continue
        wins = [wins] if len(wins) == 2 and not isinstance(wins[0], (tuple, list)) else wins
        for w in wins:
            if len(w) != 2 or w[0] > w[1]:
                raise ArgumentError(
                    f"fönstret {w!r} för '{col}' ska vara (första, sista)", argument="predictors"
                )
            out.append((col, w[0], w[1]))
    return out


def _predictor_matrix(panel, predictors, unit, time, pre_times, units) -> pd.DataFrame:
    """ADH predictors: each column's mean over its window (missing years left out), by unit.

    Rows are predictors (``column first–last``), columns units; a unit with no value in a
    window is an error naming the column.
    """
    rows = {}
    for col, first, last in _windows(predictors, list(pre_times)):
        _checks.require_columns(panel, "panel", predictors=col)
        first = _checks.coerce_start(first, panel[time], arg="predictors")
        last = _checks.coerce_start(last, panel[time], arg="predictors")
        inside = panel[(panel[time] >= first) & (panel[time] <= last)]
        inside = inside[inside[time].isin(pre_times)]
        means = (
            inside.assign(_v=pd.to_numeric(inside[col], errors="coerce"))
            .groupby(unit)["_v"]
            .mean()
            .reindex(units)
        )
        if means.isna().any():
            bad = list(means.index[means.isna()])[:5]
            raise DataError(
                f"prediktorn '{col}' saknar värde mellan {first} och {last} före starten "
                f"för enheterna {bad}",
                column=col,
            )
        rows[f"{col} {first}–{last}"] = means
    return pd.DataFrame(rows).T


def _adh_weights(X1, X0, y1_pre, Y0_pre):
    """ADH (2010) nested fit: W(V) on standardised predictors, V minimising pre-period MSPE.

    V is a point of the simplex (softmax of free parameters; Nelder–Mead from equal weights
    and from each single predictor). Written by hand like the outer loop of the ``Synth``
    R package, which also searches V numerically. When every start gives the same W, the
    donors match the predictors exactly (W no longer depends on V; common in placebo fits),
    so V is not identified and the search is skipped: equal weights are returned with that
    W (the search found no other W in these cases; it cost most of the placebo loop's time).
    """
    from scipy.optimize import minimize

    sd = X0.std(axis=1, ddof=1)
    sd = np.where(sd > 0, sd, 1.0)
    X1s, X0s = X1 / sd, X0 / sd[:, None]
    k = len(X1s)
    # Inner solves are memoised by z: Nelder–Mead evaluates each start again first, and
    # the starts' solutions decide whether there is anything to search.
    memo: dict[bytes, tuple[float, np.ndarray]] = {}

    def softmax(z):
        v = np.exp(z - z.max())
        return v / v.sum()

    def solve(z):
        key = z.tobytes()
        if key not in memo:
            r = np.sqrt(softmax(z))
            w = simplex_least_squares(r[:, None] * X0s, r * X1s)
            memo[key] = (float(np.mean((y1_pre - Y0_pre @ w) ** 2)), w)
        return memo[key]

    starts = [np.zeros(k)] + ([np.eye(k)[i] * 5 for i in range(k)] if k > 1 else [])
    first = [solve(z0) for z0 in starts]
    if all(np.abs(w - first[0][1]).max() <= 1e-10 for _, w in first):
        return first[0][1], softmax(starts[0])
    options = {"maxiter": 200 * k}
    runs = (
        minimize(lambda z: solve(z)[0], z0, method="Nelder-Mead", options=options) for z0 in starts
    )
    best = min(runs, key=lambda r: r.fun)
    return solve(best.x)[1], softmax(best.x)


def _fit(Y: pd.DataFrame, target, donors, pre: np.ndarray, X: pd.DataFrame | None):
    """Weights for ``target`` from ``donors``: on pre-period outcomes, or ADH on predictors ``X``.

    Returns weights, synthetic path, gap, pre and post RMSPE and (with ``X``) V.
    """
    A, b = Y.loc[pre, donors].to_numpy(), Y.loc[pre, target].to_numpy()
    v = None
    if X is None:
        w = simplex_least_squares(A, b)
    else:
        w, v = _adh_weights(X[target].to_numpy(), X[donors].to_numpy(), b, A)
    synthetic = Y[donors].to_numpy() @ w
    gap = Y[target].to_numpy() - synthetic
    pre_rmspe = float(np.sqrt(np.mean(gap[pre] ** 2)))
    post_rmspe = float(np.sqrt(np.mean(gap[~pre] ** 2)))
    return w, synthetic, gap, pre_rmspe, post_rmspe, v


def synthetic_control(
    panel: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    treated_unit,
    start,
    donors=None,
    predictors=None,
    placebos: bool = True,
    interval: bool = True,
    alpha: float = 0.05,
) -> SyntheticControlResult:
    """Synthetic control for ``treated_unit`` from ``donors`` (default: all other units).

    Weights are non-negative and sum to one, fitted on the pre-period outcome; or, with
    ``predictors``, as in ADH (2010): W fitted on standardised predictor means with
    importance weights V chosen to minimise the pre-period outcome MSPE (for the treated unit
    and again for each placebo). ``predictors`` is a list of columns (mean over the whole
    pre-period) or a mapping column → (first, last) window or a list of windows, e.g.
    ``{"cigsale": [(1975, 1975), (1980, 1980), (1988, 1988)], "beer": (1984, 1988)}``;
    missing years are left out of a mean. The conformal interval refits on the outcome.
    The interval inverts the conformal test of
    CWZ (2021) on a grid (``conformal_set`` keeps every accepted piece; it may be a union or
    unbounded). ``placebo_p_values`` repeats the placebo test keeping only placebos whose
    pre-period fit is at most 20, 5 or 2 times worse than the treated unit's (ADH 2010).
    """
    _checks.check_alpha(alpha)
    Y = _wide(panel, outcome, unit, time)
    if treated_unit not in Y.columns:
        raise ArgumentError(
            f"{treated_unit!r} finns inte i kolumnen '{unit}'", argument="treated_unit"
        )
    if donors is None:
        donors = [u for u in Y.columns if u != treated_unit]
    donors = list(donors)
    unknown = [d for d in donors if d not in Y.columns]
    if unknown:
        raise ArgumentError(f"finns inte i kolumnen '{unit}': {unknown}", argument="donors")
    if treated_unit in donors:
        raise ArgumentError("enheten med insats kan inte vara sin egen donator", argument="donors")
    if not donors:
        raise ArgumentError("behöver minst en donator", argument="donors")
    Y = Y[[treated_unit, *donors]]
    if Y.isna().any().any():
        bad = list(Y.columns[Y.isna().any()])
        raise DataError(
            f"utfallet saknas för några perioder i enheterna {bad}; syntetisk kontroll "
            "behöver en balanserad panel",
            column=outcome,
        )
    start = _checks.coerce_start(start, Y.index.to_series())
    pre = np.asarray(Y.index < _checks.first_treated(Y.index.to_series(), start))
    extra = None
    if predictors:
        extra = _predictor_matrix(panel, predictors, unit, time, Y.index[pre], Y.columns)

    w, synthetic, gap, pre_rmspe, post_rmspe, v = _fit(Y, treated_unit, donors, pre, extra)
    estimate = float(gap[~pre].mean())

    placebo_rows = [
        {"unit": treated_unit, "is_treated": True, "pre_rmspe": pre_rmspe, "post_rmspe": post_rmspe}
    ]
    placebo_gaps = {treated_unit: gap}
    if placebos and len(donors) >= 2:
        for d in donors:
            others = [o for o in donors if o != d]
            _, _, g, pr, po, _ = _fit(Y, d, others, pre, extra)
            placebo_rows.append({"unit": d, "is_treated": False, "pre_rmspe": pr, "post_rmspe": po})
            placebo_gaps[d] = g
    table = pd.DataFrame(placebo_rows)
    table["ratio"] = table["post_rmspe"] / table["pre_rmspe"].replace(0.0, np.nan)
    treated_ratio = table["ratio"].iloc[0]
    p_value = float((table["ratio"] >= treated_ratio - 1e-12).mean()) if len(table) > 1 else np.nan
    placebo_p: dict[str | int, float] = {"alla": p_value}
    for k in PRE_FIT_CUTOFFS:
        kept = table[table["pre_rmspe"] <= k * pre_rmspe + 1e-12]
        placebo_p[k] = (
            float((kept["ratio"] >= treated_ratio - 1e-12).mean()) if len(kept) > 1 else np.nan
        )

    post_ind = (~pre).astype(float)
    y1, Y0 = Y[treated_unit].to_numpy(), Y[donors].to_numpy()
    pieces: list[tuple[float, float]] = []
    if interval:
        pieces = conformal_set(y1, Y0, post_ind, estimate, max(pre_rmspe, 1e-8), alpha)
        low, high = (pieces[0][0], pieces[-1][1]) if pieces else (np.nan, np.nan)
        conf_p = conformal_p_value(y1, Y0, post_ind, 0.0)
    else:
        low = high = conf_p = np.nan

    level = float(np.mean(np.abs(Y.loc[pre, treated_unit])))
    warnings = _warnings(Y, treated_unit, donors, pre, pre_rmspe, level, len(table) - 1)
    if interval:
        warnings += _set_warnings(pieces, estimate)
    return SyntheticControlResult(
        estimate=estimate,
        ci_low=low,
        ci_high=high,
        p_value=p_value,
        method="Syntetisk kontroll (viktat genomsnitt av jämförelseområden)",
        inference=(
            "konformt intervall för den genomsnittliga skillnaden efter starten "
            "(Chernozhukov, Wüthrich & Zhu 2021, blockpermutationer över tid); p-värdet "
            "är placebotestets (varje jämförelseområde som behandlat, kvot mellan RMSPE "
            "efter och före)"
        ),
        assumption=(
            "Ett viktat genomsnitt av jämförelseområdena som följde området före starten "
            "visar hur det hade gått utan insatsen."
        ),
        scale=DIFFERENCE,
        warnings=warnings,
        confidence=1 - alpha,
        weights=pd.Series(w, index=pd.Index(donors, name=unit), name="weight"),
        gap=pd.Series(gap, index=Y.index, name="gap"),
        synthetic=pd.Series(synthetic, index=Y.index, name="synthetic"),
        pre_rmspe=pre_rmspe,
        post_rmspe=post_rmspe,
        placebos=table,
        placebo_gaps=pd.DataFrame(placebo_gaps, index=Y.index),
        conformal_p_value=conf_p,
        conformal_set=tuple(pieces),
        placebo_p_values=placebo_p,
        predictor_weights=(
            pd.Series(v, index=extra.index, name="V")
            if v is not None and extra is not None
            else pd.Series(dtype=float)
        ),
        treated_unit=treated_unit,
        start=start,
    )


def _warnings(Y, treated, donors, pre, pre_rmspe, level, n_placebos) -> list[str]:
    out = []
    n_pre = int(pre.sum())
    if n_pre < 5:
        out.append(f"Bara {n_pre} perioder före starten att anpassa vikterna på.")
    if level > 0 and pre_rmspe > POOR_FIT_SHARE * level:
        out.append(
            f"Den syntetiska kontrollen följer området dåligt före starten (avvikelse "
            f"{100 * pre_rmspe / level:.0f} % av nivån): skillnaden efteråt är svår "
            "att tolka."
        )
    pre_means = Y.loc[pre].mean()
    if not (pre_means[donors].min() <= pre_means[treated] <= pre_means[donors].max()):
        out.append(
            "Området ligger utanför jämförelseområdenas nivåer före starten, så inget "
            "viktat genomsnitt kan efterlikna det."
        )
    if len(donors) < MIN_DONORS:
        out.append(f"Bara {len(donors)} jämförelseområden: för få för en syntetisk kontroll.")
    if 0 < n_placebos < 19:
        out.append(
            f"Med {n_placebos} placeboområden kan placebotestets p-värde inte bli lägre "
            f"än {1 / (n_placebos + 1):.2f}".replace(".", ",")
            + "."
        )
    return out


def _set_warnings(pieces, estimate) -> list[str]:
    """Notes (Swedish) when the conformal set is empty, split, unbounded or misses the estimate."""
    if not pieces:
        return ["Inget värde på effekten klarar testet: osäkerhetsintervallet saknas."]
    out = []
    if len(pieces) > 1:
        out.append(
            f"Osäkerhetsintervallet består av {len(pieces)} skilda delar; tabellen visar "
            "spannet från den lägsta till den högsta."
        )
    if not (np.isfinite(pieces[0][0]) and np.isfinite(pieces[-1][1])):
        out.append("Osäkerhetsintervallet är obegränsat: data kan inte utesluta stora effekter.")
    if not any(lo <= estimate <= hi for lo, hi in pieces):
        out.append(
            "Punktskattningen ligger utanför osäkerhetsintervallet, ett tecken på att "
            "effekten inte är densamma i alla perioder efter starten."
        )
    return out
