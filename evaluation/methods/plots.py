"""Charts for the causal methods: Swedish labels, colour-blind-safe palette, start marked.

Observed values are drawn only from the ``observed`` Series the caller passes (already
privacy-protected); NaN there is a gap and does not affect the axes.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from evaluation.exceptions import ArgumentTypeError
from evaluation.methods.results import (
    RATE_RATIO,
    EventStudyResult,
    ITSResult,
    SyntheticControlResult,
)

#: The evaluated area's colour unless the caller passes the report's (``colour=``); the
#: counterfactual and reference lines are neutral greys, so no comparison line takes a
#: group's colour. Each has at least 3:1 contrast against white (WCAG 1.4.11).
AREA, COUNTERFACTUAL, GREY, PLACEBO = "#0072b2", "#555555", "#767676", "#8c8c8c"
WIDTH = 6.8  # inches, as the report's other charts


def _require(result, kind, name="result"):
    if not isinstance(result, kind):
        raise ArgumentTypeError(
            f"ska vara en {kind.__name__}, fick {type(result).__name__}", argument=name
        )


def _mark_start(ax, start, label="Start"):
    ax.axvline(start, color="black", linestyle=":", linewidth=1.2)
    ax.annotate(
        label,
        xy=(start, 1.0),
        xycoords=("data", "axes fraction"),
        xytext=(3, -12),
        textcoords="offset points",
        fontsize=9,
    )


def _legend_below(ax) -> None:
    """The legend under the axes in one row: "best" placement put it over points and lines."""
    n = len(ax.get_legend_handles_labels()[0])
    ax.legend(
        loc="upper center",
        bbox_to_anchor=(0.5, -0.16),
        ncols=min(n, 2),
        fontsize=9,
        frameon=False,
    )


def _date_axis(ax, times) -> None:
    """Dates as "jan 2021", at most eight ticks ("2021-01" labels ran into each other).

    Left to matplotlib when ``times`` are not dates (a period number, a year).
    """
    import matplotlib.dates as mdates

    if not pd.api.types.is_datetime64_any_dtype(pd.Index(times)):
        return

    months = "jan feb mar apr maj jun jul aug sep okt nov dec".split()
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=3, maxticks=8))
    ax.xaxis.set_major_formatter(
        plt.FuncFormatter(
            lambda x, _: f"{months[mdates.num2date(x).month - 1]} {mdates.num2date(x).year}"
        )
    )


def _observed_points(ax, observed, label="Observerat (skyddade värden)", colour=AREA):
    if observed is None:
        return
    if not isinstance(observed, pd.Series):
        raise ArgumentTypeError("ska vara en pandas Series med tid som index", argument="observed")
    shown = pd.to_numeric(observed, errors="coerce").dropna()
    ax.plot(
        shown.index,
        shown.to_numpy(),
        linestyle="none",
        marker="o",
        markersize=4.5,
        markeredgecolor="white",  # a point on a line of its own colour stays a point
        markeredgewidth=0.6,
        color=colour,
        label=label,
        zorder=3,  # over the start line and the fitted line: no point half hidden
    )


def plot_event_study(
    result: EventStudyResult,
    xlabel: str | None = None,
    ylabel: str | None = None,
    colour: str = AREA,
) -> plt.Figure:
    """Coefficient per event time with intervals; the reference period is the one before start."""
    _require(result, EventStudyResult)
    c = result.coefficients
    fig, ax = plt.subplots(figsize=(WIDTH, 4.5))
    yerr = np.vstack([c["coef"] - c["ci_low"], c["ci_high"] - c["coef"]])
    ax.errorbar(
        c["event_time"],
        c["coef"],
        yerr=yerr,
        fmt="o",
        markersize=3.5,
        color=colour,
        ecolor=colour,
        elinewidth=1,
        capsize=0,
        label="Skattning med osäkerhetsintervall",
    )
    ax.axhline(result.null_value, color=GREY, linewidth=1)
    _mark_start(ax, -0.5)
    ax.set_xlabel(xlabel or "Perioder i förhållande till start (−1 = referensperiod)")
    ylabel = ylabel or (
        "Kvot mot jämförelseområdena (1 = ingen skillnad)"
        if result.scale == RATE_RATIO
        else "Skillnad mot jämförelseområdena"
    )
    ax.set_ylabel(ylabel.replace(" (", "\n(", 1) if len(ylabel) > 40 else ylabel)
    pre = result.pretrend_p_value
    ax.set_title(
        "Händelsestudie: skillnad mot jämförelseområdena per period\n"
        f"Test av perioderna före start: p = {pre:.2f}".replace(".", ","),
        fontsize=11,
    )
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # event times are whole periods
    _legend_below(ax)
    fig.tight_layout()
    return fig


def plot_its(
    result: ITSResult,
    observed: pd.Series | None = None,
    xlabel: str = "Tid",
    ylabel: str = "Utfall",
    colour: str = AREA,
) -> plt.Figure:
    """Fitted series and the counterfactual without the intervention (with its interval)."""
    _require(result, ITSResult)
    f = result.fitted
    fig, ax = plt.subplots(figsize=(WIDTH, 4.5))
    post = f["post"].to_numpy()
    ax.fill_between(
        f["time"][post],
        f["counterfactual_low"][post],
        f["counterfactual_high"][post],
        color=COUNTERFACTUAL,
        alpha=0.2,
        linewidth=0,
    )
    ax.plot(
        f["time"][post],
        f["counterfactual"][post],
        color=COUNTERFACTUAL,
        linestyle="--",
        label="Utan insatsen (kontrafaktiskt)",
    )
    ax.plot(f["time"], f["fitted"], color=colour, label="Modellens anpassning")
    _observed_points(ax, observed, colour=colour)
    _mark_start(ax, result.start)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title("Avbruten tidsserie: utveckling före och efter start", fontsize=11)
    _date_axis(ax, f["time"])
    _legend_below(ax)
    fig.tight_layout()
    return fig


def plot_synthetic_control(
    result: SyntheticControlResult,
    observed: pd.Series | None = None,
    treated_label: str | None = None,
    xlabel: str = "Tid",
    ylabel: str = "Utfall",
    colour: str = AREA,
) -> plt.Figure:
    """Synthetic control over time (with observed points if given) and the gap below."""
    _require(result, SyntheticControlResult)
    fig, (top, bottom) = plt.subplots(
        2, 1, figsize=(WIDTH, 6.5), sharex=True, gridspec_kw={"height_ratios": [2, 1]}
    )
    top.plot(
        result.synthetic.index,
        result.synthetic.to_numpy(),
        color=COUNTERFACTUAL,
        linestyle="--",
        label="Syntetisk kontroll",
    )
    name = treated_label or result.treated_unit
    _observed_points(top, observed, label=f"{name} (skyddade värden)", colour=colour)
    _mark_start(top, result.start)
    top.set_ylabel(ylabel)
    top.set_title(
        "Syntetisk kontroll: området jämfört med\nett viktat genomsnitt av jämförelseområden",
        fontsize=11,
    )
    handles, labels = top.get_legend_handles_labels()
    bottom.plot(result.gap.index, result.gap.to_numpy(), color=colour)
    bottom.axhline(0, color=GREY, linewidth=1)
    _mark_start(bottom, result.start, label="")
    bottom.set_ylabel("Skillnad")
    bottom.set_xlabel(xlabel)
    _date_axis(bottom, result.gap.index)
    fig.legend(handles, labels, loc="lower center", ncols=2, fontsize=9, frameon=False)
    fig.tight_layout(rect=(0, 0.05, 1, 1))  # the legend under both panels, off the points
    return fig


def plot_placebos(result: SyntheticControlResult, colour: str = AREA) -> plt.Figure:
    """Gap of the treated area against the gaps of every donor used as a placebo."""
    _require(result, SyntheticControlResult)
    gaps = result.placebo_gaps
    fig, ax = plt.subplots(figsize=(WIDTH, 4.5))
    first = True
    for col in gaps.columns:
        if col == result.treated_unit:
            continue
        ax.plot(
            gaps.index,
            gaps[col].to_numpy(),
            color=PLACEBO,
            linewidth=0.8,
            label="Jämförelseområden som placebo" if first else None,
        )
        first = False
    ax.plot(
        result.gap.index,
        result.gap.to_numpy(),
        color=colour,
        linewidth=2,
        label=str(result.treated_unit),
    )
    ax.axhline(0, color="black", linewidth=0.8)
    _mark_start(ax, result.start)
    ax.set_xlabel("Tid")
    ax.set_ylabel("Skillnad mot syntetisk kontroll")
    ax.set_title(f"Placebotest: p = {result.p_value:.2f}".replace(".", ","), fontsize=11)
    _date_axis(ax, result.gap.index)
    _legend_below(ax)
    fig.tight_layout()
    return fig
