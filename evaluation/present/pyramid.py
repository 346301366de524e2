"""Age and sex pyramid of protected shares: the area as bars, the reference as an outline.

Bars are each sex × age band's share of the whole population, so a small area
and the municipality compare on one scale. Hidden shares are not drawn (R5).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import FuncFormatter

from evaluation.present.charts import (
    CATEGORY_PALETTE,
    WIDTH,
    legend_below,
    legend_rows,
    margins_in,
    to_png,
    wrap_title,
)
from evaluation.present.format import fmt_percent
from evaluation.present.guard import require_protected
from evaluation.present.output import Chart, Note
from evaluation.present.tables import withheld_note

LEFT, RIGHT = "Män", "Kvinnor"


def pyramid_chart(protected, *, area: str, reference: str, title: str, year: int) -> Chart | Note:
    """Horizontal bars (men left, women right) for ``area``; ``reference`` as a step line.

    ``protected`` is a protected share frame with ``group``, ``sex``, ``age``,
    ``age_order`` and ``value`` (fraction of the group's whole population).
    """
    require_protected(protected)
    if protected.withheld:
        return withheld_note(protected)
    frame = protected.frame.copy()
    frame.loc[frame["suppressed"].astype(bool), "value"] = np.nan
    ages = frame[["age", "age_order"]].drop_duplicates().sort_values("age_order")["age"].tolist()
    y = np.arange(len(ages))

    def series(group: str, sex: str) -> np.ndarray:
        rows = frame[(frame["group"].astype(str) == group) & (frame["sex"] == sex)]
        return rows.set_index("age")["value"].reindex(ages).to_numpy(dtype=float)

    labels = [f"{area}, {LEFT.lower()}", f"{area}, {RIGHT.lower()}", reference]
    cols, rows_ = legend_rows(labels, WIDTH - 0.3)
    plot_h, below = max(3.0, 0.22 * len(ages)), 0.75  # tick labels and x label under it
    bottom = below + 0.3 * rows_ + 0.1
    widest = max((len(str(a)) for a in ages), default=3)
    left = 0.5 + widest * 0.55 * 11.5 / 72
    drawn_title, top = wrap_title(title, left)
    fig, ax = plt.subplots(figsize=(WIDTH, plot_h + top + bottom))
    margins_in(fig, left=left, right=0.2, top=top, bottom=bottom)
    # Sexes are not groups: category colours, never an area's.
    colours = {LEFT: CATEGORY_PALETTE[0], RIGHT: CATEGORY_PALETTE[3]}
    sign = {LEFT: -1.0, RIGHT: 1.0}
    limit = 0.0
    for sex in (LEFT, RIGHT):
        own, ref = series(area, sex), series(reference, sex)
        ax.barh(
            y,
            sign[sex] * np.nan_to_num(own),
            height=0.85,
            color=colours[sex],
            alpha=0.85,
            label=f"{area}, {sex.lower()}",
        )
        for i in np.flatnonzero(np.isnan(own)):
            ax.text(
                sign[sex] * 0.002,
                y[i],
                "..",
                va="center",
                ha="left" if sign[sex] > 0 else "right",
                fontsize=10,
                color="#555",
            )
        edges = np.r_[y - 0.5, y[-1] + 0.5]
        steps = sign[sex] * np.r_[ref, ref[-1]]
        ax.step(
            steps,
            edges,
            where="post",
            color="#222",
            lw=1.3,
            label=reference if sex == RIGHT else None,
        )
        limit = max(limit, np.nanmax(np.r_[own, ref, 0.0]))
    ax.axvline(0, color="#444", lw=0.8)
    ax.set_yticks(y, ages)
    ax.set_ylabel("Ålder (år)")
    ax.set_xlim(-limit * 1.12, limit * 1.12)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt_percent(abs(v), 0)))
    ax.set_xlabel("Andel av hela befolkningen")
    ax.text(
        0.02,
        0.98,
        LEFT,
        transform=ax.transAxes,
        ha="left",
        va="top",
        fontsize=12,
        color=colours[LEFT],
        fontweight="bold",
    )
    ax.text(
        0.98,
        0.98,
        RIGHT,
        transform=ax.transAxes,
        ha="right",
        va="top",
        fontsize=12,
        color=colours[RIGHT],
        fontweight="bold",
    )
    ax.set_title(drawn_title, loc="left")
    legend_below(ax, cols, below, plot_h)
    n_hidden = int(protected.frame["suppressed"].sum())
    gap = (
        f" {n_hidden} {'åldersgrupp är dold' if n_hidden == 1 else 'åldersgrupper är dolda'}"
        " (..) eftersom underlaget är för litet."
        if n_hidden
        else ""
    )
    caption = (
        f"Diagrammet visar hur stor andel av befolkningen i {area} {year} som finns i "
        f"varje åldersgrupp, män till vänster och kvinnor till höger. Den svarta "
        f"linjen visar samma fördelning för {reference.lower()}. Andelar gör att "
        f"områden av olika storlek går att jämföra.{gap}"
    )
    alt = (
        f"Befolkningspyramid med liggande staplar per femårsgrupp: {area} som staplar "
        f"(män åt vänster, kvinnor åt höger) och {reference.lower()} som svart trappstegslinje."
    )
    data = frame[["group", "sex", "age", "value"]].rename(
        columns={"group": "Grupp", "sex": "Kön", "age": "Ålder", "value": "Andel (%)"}
    )
    data["Andel (%)"] = (data["Andel (%)"] * 100).round(1)  # as precise as the chart reads
    return Chart(
        to_png(fig),
        alt=alt,
        caption=caption,
        data=data,
        name=title,
        figure=fig,
        protected=protected,
    )
