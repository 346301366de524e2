"""Seaborn/matplotlib charts of protected outputs, with Swedish labels, alt text and caption.

Hidden values are never drawn: they are NaN, so lines break there, bands stop,
and axis limits come from shown values only (docs/privacy.md R5).
"""

from __future__ import annotations

import functools
import io
from typing import Any

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.ticker import FuncFormatter

from evaluation.present.format import fmt_number, fmt_percent
from evaluation.present.guard import require_protected
from evaluation.present.output import Chart, Note
from evaluation.present.tables import withheld_note

PALETTE = sns.color_palette("colorblind")
#: The reports' plot style. Applied per figure (``figure_style``) and by the report
#: kernel's set-up, never at import: a report then looks the same whether it is the
#: first or the tenth in a warm kernel.
STYLE: dict[str, Any] = {
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.hashsalt": "evaluation",
    "figure.dpi": 100,
}


def figure_style():
    """Context manager: the reports' plot style for the figures made inside it."""
    return plt.rc_context(STYLE)


def _styled(func):
    """Draw ``func``'s figure inside ``figure_style``."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with figure_style():
            return func(*args, **kwargs)

    return wrapper


def to_png(fig, tight: bool = True) -> bytes:
    """Encode a figure as PNG without timestamps or software tags, then close it.

    ``tight=False`` keeps the figure's own margins, saving the extra layout pass
    for charts that set them (``trend_chart``).
    """
    buf = io.BytesIO()
    fig.savefig(
        buf,
        format="png",
        dpi=96,
        bbox_inches="tight" if tight else None,
        metadata={"Software": None},
    )
    plt.close(fig)
    return buf.getvalue()


def _value_formatter(percent: bool, decimals: int):
    if percent:
        return FuncFormatter(lambda v, _: fmt_percent(v, 0))
    return FuncFormatter(lambda v, _: fmt_number(v, decimals))


def _fmt(v: float, percent: bool, decimals: int) -> str:
    return fmt_percent(v, decimals) if percent else fmt_number(v, decimals)


def describe_latest(frame: pd.DataFrame, percent: bool, decimals: int, x: str = "period") -> str:
    """A sentence naming each group's latest shown value (read from the protected frame)."""
    parts = []
    for group, rows in frame.groupby("group", observed=True, sort=False):
        shown = rows[~rows["suppressed"].astype(bool) & rows["value"].notna()]
        if shown.empty:
            parts.append(f"{group}: inga redovisade värden")
            continue
        last = shown.iloc[-1]
        parts.append(f"{group} {_fmt(last['value'], percent, decimals)} ({last[x]})")
    return "Senast redovisade värden: " + "; ".join(parts) + "."


@_styled
def trend_chart(
    protected,
    *,
    title: str,
    ylabel: str,
    what: str,
    percent: bool = False,
    decimals: int = 1,
    start=None,
    start_label: str = "Start",
    target: float | None = None,
    ci: bool = True,
) -> Chart | Note:
    """Lines per group over time with interval bands, intervention start and target marked."""
    require_protected(protected)
    if protected.withheld:
        return withheld_note(protected)
    frame = protected.frame.copy()
    frame.loc[frame["suppressed"].astype(bool), ["value", "ci_low", "ci_high"]] = np.nan
    groups = list(dict.fromkeys(frame["group"].astype(str)))
    legend_rows = -(-len(groups) // 4)
    fig, ax = plt.subplots(figsize=(8.5, 4.2 + 0.25 * legend_rows))
    # Fixed margins (no tight bounding box): one layout pass instead of two per chart.
    fig.subplots_adjust(
        left=0.1,
        right=0.98,
        top=0.9,
        bottom=(0.13 + 0.06 * legend_rows) * 4.2 / (4.2 + 0.25 * legend_rows),
    )
    for i, group in enumerate(groups):
        rows = frame[frame["group"].astype(str) == group].sort_values("period_start")
        colour = PALETTE[i % len(PALETTE)]
        ax.plot(
            rows["period_start"], rows["value"], marker="o", ms=3, lw=1.8, color=colour, label=group
        )
        if ci and "ci_low" in rows:
            ax.fill_between(
                rows["period_start"],
                rows["ci_low"],
                rows["ci_high"],
                color=colour,
                alpha=0.15,
                lw=0,
            )
    if start is not None:
        ax.axvline(pd.Timestamp(start), color="#444", ls="--", lw=1)
        ax.annotate(
            start_label,
            (pd.Timestamp(start), 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(4, -12),
            textcoords="offset points",
            fontsize=9,
            color="#444",
        )
    if target is not None:
        ax.axhline(target, color=PALETTE[3], ls=":", lw=1.5)
        ax.annotate(
            f"Mål {_fmt(target, percent, 0)}",
            (0, target),
            xycoords=("axes fraction", "data"),
            xytext=(4, 4),
            textcoords="offset points",
            fontsize=9,
            color=PALETTE[3],
        )
    ax.set_title(title, loc="left", fontsize=12)
    ax.set_ylabel(ylabel)
    ax.set_xlabel("")
    ax.yaxis.set_major_formatter(_value_formatter(percent, decimals))
    ax.xaxis.set_major_locator(mdates.YearLocator())
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax.set_ylim(bottom=0)
    ax.legend(frameon=False, ncols=min(len(groups), 4), loc="upper left", bbox_to_anchor=(0, -0.07))
    latest = describe_latest(protected.frame, percent, decimals)
    n_hidden = int(protected.frame["suppressed"].sum())
    gap = " Punkter som saknas är dolda eftersom underlaget är för litet." if n_hidden else ""
    band = " Skuggade band visar 95 % osäkerhetsintervall." if ci else ""
    caption = f"Diagrammet visar {what} per grupp över tid.{band} {latest}{gap}"
    alt = f"Linjediagram: {title}. {latest}"
    return Chart(to_png(fig, tight=False), alt=alt, caption=caption)


@_styled
def stacked_bar_chart(protected, *, title: str, ylabel: str, what: str) -> Chart | Note:
    """Stacked bars of a protected crosstab (rows = categories, columns = periods).

    Hidden cells are left out of the stacks, never drawn as zero.
    """
    require_protected(protected)
    if protected.withheld:
        return withheld_note(protected)
    values = protected.values.drop(index="Totalt", errors="ignore").drop(
        columns="Totalt", errors="ignore"
    )
    hidden = protected.hidden.loc[values.index, values.columns]
    shown = values.mask(hidden).T  # one bar per period
    fig, ax = plt.subplots(figsize=(8.5, 4.2))
    bottom = np.zeros(len(shown))
    x = np.arange(len(shown))
    for i, col in enumerate(shown.columns):
        heights = shown[col].to_numpy(dtype=float)
        ax.bar(
            x,
            np.nan_to_num(heights),
            bottom=bottom,
            color=PALETTE[i % len(PALETTE)],
            label=str(col),
            width=0.75,
        )
        bottom = bottom + np.nan_to_num(heights)
    ax.set_xticks(x, [str(i) for i in shown.index], rotation=45, ha="right")
    ax.set_title(title, loc="left", fontsize=12)
    ax.set_ylabel(ylabel)
    ax.yaxis.set_major_formatter(_value_formatter(False, 0))
    ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    n_hidden = int(hidden.to_numpy().sum())
    gap = (
        f" {n_hidden} celler är dolda eftersom underlaget är för litet och ingår inte i staplarna."
        if n_hidden
        else ""
    )
    biggest = None
    if "Totalt" in protected.values.columns:  # read the published totals, never re-add cells
        totals = protected.values.loc[values.index, "Totalt"].mask(
            protected.hidden.loc[values.index, "Totalt"]
        )
        biggest = totals.idxmax() if totals.notna().any() else None
    lead = f" Största kategorin över hela perioden är {biggest}." if biggest is not None else ""
    caption = f"Diagrammet visar {what} per år.{lead}{gap}"
    alt = f"Staplat stapeldiagram: {title}. Kategorier: {', '.join(map(str, shown.columns))}."
    return Chart(to_png(fig), alt=alt, caption=caption)
