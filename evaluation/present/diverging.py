"""Diverging stacked bar chart of an answer distribution (Likert-style), from protected shares.

One bar per row (period); the answers not counted as positive are stacked to the
left of zero and the positive answers to the right, each side in the scale's own
order, so the length right of zero is the share of positive answers.

Hidden values are never drawn (docs/privacy.md R5). A bar is drawn only when both
sides of it may be shown; when an answer on one side must be hidden, that side
is drawn as one merged block (the side's protected share) instead of its
answers, so the hidden answer cannot be read as a difference. A bar that may
not be shown at all is marked "..".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import FuncFormatter

from evaluation.present.charts import (
    WIDTH,
    _reused_axes,
    contrast_ratio,
    legend_below,
    legend_rows,
    margins_in,
    no_axis_label,
    separator,
    to_png,
)
from evaluation.present.format import HIDDEN, fmt_percent
from evaluation.present.guard import require_protected
from evaluation.present.output import Chart, Note
from evaluation.present.tables import withheld_note

NEGATIVE, POSITIVE = "negative", "positive"
#: Colour-blind safe diverging colours (ColorBrewer PuOr): orange for the answers
#: left of zero, darkest furthest out; purple for the positive answers.
_NEGATIVE_COLOURS = ("#b35806", "#e08214", "#fdb863", "#fee0b6")
_POSITIVE_COLOURS = ("#d8daeb", "#b2abd2", "#8073ac", "#542788")
_MIN_LABELLED = 0.07  # segments narrower than this get no percent label


@dataclass(frozen=True)
class Segment:
    """One answer of the scale: its code in the data, its label and its side."""

    code: str
    label: str
    side: str


def _colours(segments: list[Segment]) -> dict[str, str]:
    """Darkest furthest from zero on both sides."""
    neg = [s.code for s in segments if s.side == NEGATIVE]
    pos = [s.code for s in segments if s.side == POSITIVE]
    neg_c = _NEGATIVE_COLOURS[1:2] if len(neg) == 1 else _NEGATIVE_COLOURS[: len(neg)]
    pos_c = _POSITIVE_COLOURS[2:3] if len(pos) == 1 else _POSITIVE_COLOURS[-len(pos) :]
    if len(neg) > len(_NEGATIVE_COLOURS) or len(pos) > len(_POSITIVE_COLOURS):
        raise ValueError("at most four answers on each side of a diverging chart")
    return dict(zip(neg, neg_c, strict=True)) | dict(zip(pos, pos_c, strict=True))


def _bar_parts(
    rows: pd.DataFrame, segments: list[Segment], side_labels: dict[str, str]
) -> list[tuple[str, str, float, bool]] | None:
    """(label, colour key, width, merged) per drawn part of one bar, left to right by side.

    None when the bar may not be drawn (its sides are hidden or missing).
    """
    sides = rows[rows["kind"] == "side"].set_index("segment")
    side_value = sides["value"].astype(float)
    if any(
        s not in sides.index or bool(sides.loc[s, "suppressed"]) or pd.isna(side_value[s])
        for s in (NEGATIVE, POSITIVE)
    ):
        return None
    answers = rows[rows["kind"] == "answer"].set_index("segment")
    answer_value = answers["value"].astype(float)
    parts = []
    for side in (NEGATIVE, POSITIVE):
        members = [s for s in segments if s.side == side]
        ok = all(
            s.code in answers.index and not bool(answers.loc[s.code, "suppressed"]) for s in members
        )
        if ok:
            parts += [(s.label, s.code, float(answer_value[s.code]), False) for s in members]
        else:
            parts.append((side_labels[side], side, float(side_value[side]), True))
    return parts


def _legend_order(segments: list[Segment]) -> list[str]:
    """Legend keys: the answers left of zero, their merged side, then the positive ones."""
    return (
        [s.code for s in segments if s.side == NEGATIVE]
        + [NEGATIVE]
        + [s.code for s in segments if s.side == POSITIVE]
        + [POSITIVE]
    )


def diverging_bar_chart(
    protected,
    *,
    segments: list[Segment],
    side_labels: dict[str, str],
    title: str,
    what: str,
    row: str = "period",
) -> Chart | Note:
    """Draw a protected answer distribution as diverging stacked bars.

    Parameters
    ----------
    protected
        ProtectedFrame of shares with columns ``row``, ``kind`` ("answer" or
        "side"), ``segment`` (answer code, or "negative"/"positive" for the
        sides), ``value`` and ``suppressed``.
    segments
        The scale's answers in order, most negative first.
    side_labels
        Legend text for a merged side, keyed "negative" and "positive".
    title, what
        What the chart shows, for the alt text (the report's heading names it
        above the chart, so it is not drawn), and the words for the caption.
    """
    require_protected(protected)
    if protected.withheld:
        return withheld_note(protected)
    frame = protected.frame
    bars = list(dict.fromkeys(frame[row].astype(str)))
    colours = _colours(segments)
    colours[NEGATIVE], colours[POSITIVE] = _NEGATIVE_COLOURS[1], _POSITIVE_COLOURS[2]
    drawn = {b: _bar_parts(frame[frame[row].astype(str) == b], segments, side_labels) for b in bars}
    if all(p is None for p in drawn.values()):
        return withheld_note(protected)

    legend_labels = {  # the legend's entries, known before drawing: the layout is fixed
        key: label + (" (sammanslaget)" if merged else "")
        for parts in drawn.values()
        for label, key, _, merged in parts or []
    }.values()
    cols, rows_ = legend_rows(legend_labels, WIDTH - 0.3)
    plot_h, below = 0.55 * len(bars) + 0.3, 0.4  # axes height; x tick labels under it
    bottom = below + 0.3 * rows_ + 0.1
    fig, ax = _reused_axes("diverging", (WIDTH, plot_h + 0.4 + bottom))
    widest = max(len(b) for b in bars)
    margins_in(fig, left=0.25 + widest * 0.55 * 11.5 / 72, right=0.35, top=0.4, bottom=bottom)
    y = np.arange(len(bars))[::-1]  # oldest period on top
    used: dict[str, tuple[str, bool]] = {}
    for yi, bar in zip(y, bars, strict=True):
        parts = drawn[bar]
        if parts is None:
            ax.text(
                0,
                yi,
                f"{HIDDEN}  för få svar för att visas",
                ha="center",
                va="center",
                fontsize=11,
                color="#444",
            )
            continue
        neg = [
            p
            for p in parts
            if (p[1] == NEGATIVE) or any(s.code == p[1] and s.side == NEGATIVE for s in segments)
        ]
        pos = [p for p in parts if p not in neg]
        left = -sum(p[2] for p in neg)
        start, previous = left, None
        for label, key, width, merged in [*neg, *pos]:
            ax.barh(
                yi,
                width,
                left=left,
                height=0.62,
                color=colours[key],
                linewidth=0,
                hatch="///" if merged else None,
            )
            if previous is not None:  # WCAG 1.4.11: a line that reads against both fills
                ax.plot(
                    [left, left],
                    [yi - 0.31, yi + 0.31],
                    color=separator(previous, colours[key]),
                    lw=1.2,
                    solid_capstyle="butt",
                )
            previous = colours[key]
            if width >= _MIN_LABELLED:
                ink = max(("white", "#222"), key=lambda c: contrast_ratio(c, colours[key]))
                box = (
                    dict(boxstyle="round,pad=0.15", facecolor="white", edgecolor="none", alpha=0.85)
                    if merged
                    else None
                )
                ax.text(
                    left + width / 2,
                    yi,
                    fmt_percent(width),
                    ha="center",
                    va="center",
                    fontsize=10.5,
                    color="#222" if merged else ink,
                    bbox=box,
                )
            used.setdefault(key, (label, merged))
            left += width
        # Fills lighter than 3:1 against the page: an outline gives the bar its edge.
        ax.add_patch(
            Rectangle(
                (start, yi - 0.31), left - start, 0.62, fill=False, edgecolor="#555555", lw=0.8
            )
        )
    ax.axvline(0, color="#333", lw=1)
    ax.set_yticks(y, bars)
    ax.set_xlim(-1, 1)
    ax.set_ylim(-0.6, len(bars) - 0.4)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt_percent(abs(v))))
    ax.set_xticks(np.linspace(-1, 1, 9))
    ax.tick_params(axis="y", length=0)
    ax.spines["left"].set_visible(False)
    no_axis_label(ax.xaxis)
    no_axis_label(ax.yaxis)
    ax.text(
        -0.04,
        1.0,
        "← övriga svar",
        transform=ax.get_xaxis_transform(),
        ha="right",
        va="bottom",
        fontsize=11,
        color="#555",
    )
    ax.text(
        0.04,
        1.0,
        "positiva svar →",
        transform=ax.get_xaxis_transform(),
        ha="left",
        va="bottom",
        fontsize=11,
        color="#555",
    )
    order = _legend_order(segments)
    handles = [
        Patch(
            facecolor=colours[k],
            edgecolor="#555555",
            hatch="///" if used[k][1] else None,
            label=used[k][0] + (" (sammanslaget)" if used[k][1] else ""),
        )
        for k in order
        if k in used
    ]
    legend_below(ax, cols, below, plot_h, handles=handles)

    described = []
    for bar in bars:
        parts = drawn[bar]
        if parts is None:
            described.append(f"{bar}: visas inte ({HIDDEN})")
            continue
        described.append(
            f"{bar}: "
            + ", ".join(f"{label.lower()} {fmt_percent(width)}" for label, _, width, _ in parts)
        )
    merged = any(p[3] for parts in drawn.values() if parts for p in parts)
    caption = f"Diagrammet visar {what} per period."
    if merged:
        caption += (
            " Randiga fält är svarsalternativ som slagits samman eftersom något av dem "
            "hade för få svar för att visas för sig."
        )
    if any(p is None for p in drawn.values()):
        caption += f" {HIDDEN} = för få svar för att visas."
    stop = " " if title.rstrip().endswith((".", "?", "!")) else ". "  # no "respekt.." in alt
    alt = f"Divergerande stapeldiagram: {title.rstrip()}{stop}" + "; ".join(described) + "."
    data = pd.DataFrame(
        [
            {"Period": bar, "Svar": label, "Andel (%)": round(100 * width, 1)}
            for bar in bars
            for label, _, width, _ in (drawn[bar] or [])
        ]
        + [{"Period": bar, "Svar": "..", "Andel (%)": ".."} for bar in bars if drawn[bar] is None]
    )
    return Chart(
        to_png(fig),
        alt=alt,
        caption=caption,
        data=data,
        name=title,
        figure=fig,
        protected=protected,
    )
