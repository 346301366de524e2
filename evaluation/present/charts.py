"""Seaborn/matplotlib charts of protected outputs, with Swedish labels, alt text and caption.

Hidden values are never drawn: they are NaN, so lines break there, bands stop,
and axis limits come from shown values only (docs/privacy.md R5).
"""

from __future__ import annotations

import datetime
import functools
import io
import struct
import zlib
from typing import Any

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter, MaxNLocator
from zlib_ng import zlib_ng

from evaluation.present.format import fmt_number, fmt_percent, partial_period, term_label
from evaluation.present.guard import require_protected
from evaluation.present.output import Chart, Note
from evaluation.present.tables import withheld_note


class _YearStarts(mdates.YearLocator):
    """1 January of every year in view: the ticks ``YearLocator()`` gives, without its rrule.

    dateutil's rrule, which ``YearLocator`` walks at every draw, took ~2 % of an area
    analysis; here the same rule is counted out (the window keeps ``vmin``'s
    microseconds, as ``YearLocator``'s does, and none inside gives the view's ends).
    """

    def tick_values(self, vmin, vmax):
        """Year starts between ``vmin``'s year's start and ``vmax``'s year's, as date numbers."""
        start = vmin.replace(year=max(vmin.year, 1), month=1, day=1, hour=0, minute=0, second=0)
        stop = start.replace(year=min(vmax.year, 9999))
        starts = [
            day
            for year in range(start.year, stop.year + 1)
            if start <= (day := datetime.datetime(year, 1, 1, tzinfo=start.tzinfo)) <= stop
        ]
        return mdates.date2num(starts if starts else [vmin, vmax])


#: Line and bar colours, each with at least 3:1 contrast against white (WCAG 1.4.11);
#: Okabe–Ito hues, darkened where the original is too light (#de8f05 → #d55e00 and so on).
PALETTE = ("#0072b2", "#d55e00", "#007a5a", "#a8507f", "#6a3d9a", "#1f6f8b", "#b2482c", "#9a6a00")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
#: Fills for categories that are not groups (intervention types, sexes): muted hues no
#: group, target or reference line uses, so a colour never means an area in one chart
#: and a category in the next; each at least 3:1 against white.
CATEGORY_PALETTE = (
    "#4f6a8a",
    "#8a5a4e",
    "#6f7f3f",
    "#7a5c7a",
    "#3f7f7f",
    "#8a6f4e",
    "#5a5a8a",
    "#5f7f6f",
)
#: Groups with one meaning in every report: never given an area's colour.
FIXED_STYLES = {"Hela kommunen": ("#222222", "D"), "Riket": ("#8c6d00", "v")}
TARGET_COLOUR = "#767676"  # neutral grey (4.5:1), dashed: a target is not a group
START_COLOUR = "#444444"
_styles: dict[str, tuple[str, str]] = {}


def contrast_ratio(a, b) -> float:
    """WCAG 2 contrast ratio of two colours (1 to 21), from their relative luminance."""
    from matplotlib.colors import to_rgb

    def luminance(colour) -> float:
        channels = [
            c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in to_rgb(colour)
        ]
        return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def separator(a, b, background: str = "white") -> str:
    """The line colour between two adjacent fills: white or near-black, whichever reads better."""
    return max(("white", "#222222"), key=lambda c: min(contrast_ratio(c, a), contrast_ratio(c, b)))


def assign_groups(labels) -> dict[str, tuple[str, str]]:
    """Fix a colour and marker per group for the whole report, the evaluated area first.

    Called once per report (the summary cell) with the report's group list; later
    groups met in a chart get the next free style, so no colour means two groups.
    """
    _styles.clear()
    _REUSED.clear()  # a new report starts from fresh figures
    for label in labels:
        group_style(label)
    return dict(_styles)


def group_style(label: str) -> tuple[str, str]:
    """The (colour, marker) of ``label`` in this report, assigned on first use."""
    label = str(label)
    if label not in _styles:
        if label in FIXED_STYLES:
            _styles[label] = FIXED_STYLES[label]
        else:
            used = {c for c, _ in _styles.values()}
            free = [c for c in PALETTE if c not in used]
            n = sum(1 for k in _styles if k not in FIXED_STYLES)
            colour = free[0] if free else PALETTE[n % len(PALETTE)]
            _styles[label] = (colour, MARKERS[n % len(MARKERS)])
    return _styles[label]


#: The reports' plot style. Applied per figure (``figure_style``) and by the report
#: kernel's set-up, never at import: a report then looks the same whether it is the
#: first or the tenth in a warm kernel.
#: Fonts are large for the figure's width (``WIDTH``): on a phone, where a chart is
#: scaled from about 650 to about 400 pixels, the smallest text stays near 9–10 pixels.
#: A fixed title position (``axes.titley``) spares matplotlib's automatic placement,
#: which measured every tick label of every axes at each save.
STYLE: dict[str, Any] = {
    "font.size": 12,
    "axes.titlesize": 13,
    "axes.labelsize": 12,
    "xtick.labelsize": 11.5,
    "ytick.labelsize": 11.5,
    "legend.fontsize": 11.5,
    "axes.titley": 1.0,
    "axes.titlepad": 8.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.hashsalt": "evaluation",
    "figure.dpi": 100,
}
#: Width of every chart in inches (96 dpi: 653 pixels, drawn at natural size on a
#: desktop page of 60rem and scaled down on a phone).
WIDTH = 6.8
DPI = 96
#: Deflate level of the PNGs: with zlib-ng, 6 costs about twice the time of 3 for pages
#: 5 % smaller, and 1 is twice as fast for pages a fifth larger (``benchmarks/png_encoding.py``).
PNG_COMPRESS_LEVEL = 3


#: One figure per chart kind, reused by the report's next chart of that kind (as the maps
#: share one): its axes and tick objects are built once, which was about a fifth of a
#: trend chart's cost. ``_reused_axes`` empties it before each chart, and a test draws
#: every chart both on a reused and on a fresh figure and compares the PNG bytes.
_REUSED: dict[str, Any] = {}


def _reused_axes(kind: str, size: tuple[float, float]):
    """The figure and axes for the next chart of ``kind``, emptied, at ``size`` inches."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if kind not in _REUSED:
        # A plain Figure (not pyplot): it lives as long as the report, unmanaged.
        fig = Figure(figsize=size)
        FigureCanvasAgg(fig)
        _REUSED[kind] = fig
        return fig, fig.subplots()
    fig = _REUSED[kind]
    ax = fig.axes[0]
    for artist in [*ax.lines, *ax.collections, *ax.patches, *ax.texts, *ax.images]:
        artist.remove()
    ax.containers.clear()
    if ax.get_legend() is not None:
        ax.get_legend().remove()
    ax.relim()  # no artists left: empty data limits, the next plot sets them anew
    ax.set_autoscale_on(True)
    fig.set_size_inches(size)
    return fig, ax


def no_axis_label(axis) -> None:
    """Leave ``axis`` without a label, and without the work of placing one.

    matplotlib places an axis label at every draw by measuring every tick label again,
    also when the label is empty: about 5 % of a trend chart. A label with a fixed
    position (here any, as nothing is drawn) skips that.
    """
    axis.set_label_text("")
    axis.set_label_coords(0.5, 0.0)


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


def to_png(fig) -> bytes:
    """Encode a figure as PNG without timestamps or software tags, then close it.

    Raises PrivacyError when any drawn text holds an identity number (R8).

    The package's charts set fixed margins (``margins_in``), so the figure is drawn
    once as it is laid out. An opaque figure (every chart and map here) is written
    as RGB: the same pixels as matplotlib's RGBA PNG in a tenth fewer bytes.
    """
    from PIL import Image

    from evaluation.present.drawn_text import check_drawn_text

    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="rgba", dpi=DPI)
        check_drawn_text(fig)  # R8: labels are laid out now; the bytes never leave on a hit
    finally:
        plt.close(fig)
    raw = buf.getvalue()
    width, height = (int(x) for x in fig.get_size_inches() * DPI)  # as Agg sizes its canvas
    if width * height * 4 != len(raw):  # never expected; not worth guessing
        raise RuntimeError(f"to_png: {width}×{height} pixels do not match the drawn buffer")
    pixels = np.frombuffer(raw, dtype=np.uint8).reshape(height, width, 4)
    if pixels[:, :, 3].min() == 255:
        # Pillow drops the alpha bytes in one C pass, twice as fast as numpy's strided copy
        rgb = Image.frombuffer("RGBA", (width, height), raw, "raw", "RGBA", 0, 1).convert("RGB")
        pixels = np.asarray(rgb)
    return _png(pixels)


def _png(pixels: np.ndarray, level: int = PNG_COMPRESS_LEVEL, deflate=zlib_ng.compress) -> bytes:
    """A PNG of 8-bit RGB or RGBA ``pixels`` (height × width × channels) at ``DPI``.

    Written here because no library offers it: Pillow chooses a filter for every row
    by trying all five, which on these flat-coloured charts took longer than leaving
    rows unfiltered, for larger files. The rows are deflated by zlib-ng (the standard
    zlib stream, four times faster than zlib's at level 3); ``benchmarks/png_encoding.py``.
    The file is the minimal one the PNG standard defines: header, resolution, pixels, end.
    ``level`` and ``deflate`` are there for ``benchmarks/png_encoding.py`` to compare.
    """
    height, width, channels = pixels.shape
    rows = np.empty((height, 1 + width * channels), dtype=np.uint8)
    rows[:, 0] = 0  # each row's filter byte: none
    rows[:, 1:].reshape(height, width, channels)[...] = pixels  # one copy, no temporaries

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(body, zlib.crc32(kind)))
        )

    per_metre = int(DPI / 0.0254 + 0.5)  # as Pillow writes dpi
    colour_type = 2 if channels == 3 else 6  # truecolour, or truecolour with alpha
    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)),
            chunk(b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1)),
            chunk(b"IDAT", deflate(rows, level)),
            chunk(b"IEND", b""),
        )
    )


def margins_in(fig, left: float, right: float, top: float, bottom: float, **kwargs) -> None:
    """Fix the axes' margins in inches (one layout, computed once, no tight-bbox pass)."""
    w, h = fig.get_size_inches()
    fig.subplots_adjust(
        left=left / w, right=1 - right / w, top=1 - top / h, bottom=bottom / h, **kwargs
    )


def legend_below(ax, cols: int, below_in: float, plot_h_in: float, **kwargs) -> None:
    """The legend under the axes, left-aligned, in ``cols`` columns (margins set beforehand)."""
    ax.legend(
        frameon=False,
        ncols=cols,
        loc="upper left",
        bbox_to_anchor=(0, -below_in / plot_h_in),
        borderaxespad=0,
        columnspacing=1.2,
        handletextpad=0.5,
        **kwargs,
    )


def wrap_title(title: str, left_in: float) -> tuple[str, float]:
    """The title broken to fit right of ``left_in`` inches, and the top margin it needs.

    Widths are estimated (0.6 em per character at the title size), so the layout is
    fixed before drawing and a long title wraps instead of running off the image.
    """
    import textwrap

    chars = max(20, int((WIDTH - left_in - 0.15) / (0.6 * 13 / 72)))
    lines = textwrap.wrap(title, chars) or [""]
    return "\n".join(lines), 0.28 + 0.23 * len(lines)


def legend_rows(labels, width_in: float, fontsize: float = 11.5) -> tuple[int, int]:
    """(columns, rows) for a legend of ``labels`` across ``width_in`` inches below a chart.

    A label's width is estimated from its length (about 0.55 em per character plus
    the marker), so the layout is fixed before drawing.
    """
    labels = [str(x) for x in labels] or [""]
    em = fontsize / 72
    widest = max(len(x) for x in labels) * 0.55 * em + 3.2 * em
    cols = max(1, min(len(labels), int(width_in // widest), 4))
    return cols, -(-len(labels) // cols)


def _value_formatter(percent: bool, decimals: int):
    if percent:
        return FuncFormatter(lambda v, _: fmt_percent(v, 0))
    return FuncFormatter(lambda v, _: fmt_number(v, decimals))


def _fmt(v: float, percent: bool, decimals: int) -> str:
    return fmt_percent(v, decimals) if percent else fmt_number(v, decimals)


def _period_words(label: str) -> str:
    """A period label inside parentheses: "2025H1" or "2025 (jan–jun)" → "jan–jun 2025"."""
    import re

    from evaluation.present.format import MONTHS

    if m := re.fullmatch(r"(\d{4})H([12])", label):
        return f"{'jan–jun' if m.group(2) == '1' else 'jul–dec'} {m.group(1)}"
    if m := re.fullmatch(r"(\d{4}) \((.+)\)", label):
        return f"{m.group(2)} {m.group(1)}"
    if m := re.fullmatch(r"(\d{4})-(\d{2})", label):
        return f"{MONTHS[int(m.group(2)) - 1]} {m.group(1)}"
    return label


def describe_latest(
    frame: pd.DataFrame, percent: bool, decimals: int, x: str = "period", end=None
) -> str:
    """A sentence naming each group's latest shown value (read from the protected frame)."""
    parts = []
    is_shown = (~frame["suppressed"].astype(bool) & frame["value"].notna()).to_numpy()
    values, periods = frame["value"].to_numpy(), frame[x].to_numpy()
    rows = pd.DataFrame(
        {"group": frame["group"].reset_index(drop=True), "at": np.arange(len(frame))}
    )
    for group, at in rows.groupby("group", observed=True, sort=False)["at"]:
        at = at.to_numpy()[is_shown[at.to_numpy()]]  # the group's shown rows, in frame order
        if not len(at):
            parts.append(f"{group}: inga redovisade värden")
            continue
        last_value, last_x = values[at[-1]], periods[at[-1]]
        when = _period_words(partial_period(str(last_x), end) or str(last_x))
        parts.append(f"{group} {_fmt(last_value, percent, decimals)} ({when})")
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
    end=None,
) -> Chart | Note:
    """Lines per group over time with interval bands, intervention start and target marked.

    ``end`` is the last day of data: a last period it cuts short is labelled
    ("2025 (jan–jun)") and drawn with an open marker.
    """
    require_protected(protected)
    if protected.withheld:
        return withheld_note(protected)
    frame = protected.frame.copy()
    frame.loc[frame["suppressed"].astype(bool), ["value", "ci_low", "ci_high"]] = np.nan
    groups = list(dict.fromkeys(frame["group"].astype(str)))
    cols, rows_ = legend_rows(groups, WIDTH - 0.3)
    plot_h, below = 3.3, 0.45  # axes height; x tick labels under it (inches)
    bottom = below + 0.3 * rows_ + 0.1
    left = _left_margin(frame, percent, decimals)
    drawn_title, top = wrap_title(title, left)
    fig, ax = _reused_axes("trend", (WIDTH, plot_h + top + bottom))
    # Fixed margins (no tight bounding box): one layout pass instead of two per chart.
    margins_in(fig, left=left, right=0.2, top=top, bottom=bottom)
    partial = None
    # One split by group (first-appearance order, rows in frame order), not a mask per group.
    by_group = dict(iter(frame.groupby(frame["group"].astype(str), sort=False)))
    for group in groups:
        rows = by_group[group].sort_values("period_start")
        colour, marker = group_style(group)
        ax.plot(
            rows["period_start"],
            rows["value"],
            marker=marker,
            ms=4,
            lw=1.8,
            color=colour,
            label=group,
        )
        last = rows.dropna(subset=["value"]).tail(1)
        cut = partial_period(str(last["period"].iloc[0]), end) if len(last) else None
        if cut:  # a period the data end inside: open marker, labelled below
            partial = cut
            ax.plot(
                last["period_start"],
                last["value"],
                marker=marker,
                ms=7,
                mfc="white",
                color=colour,
                lw=0,
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
        ax.axvline(pd.Timestamp(start), color=START_COLOUR, ls=":", lw=1.2)
        first, last = frame["period_start"].min(), frame["period_start"].max()
        late = pd.Timestamp(start) > first + (last - first) * 0.55  # label left of the line
        ax.annotate(
            start_label,
            (pd.Timestamp(start), 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(-4 if late else 4, -12),
            ha="right" if late else "left",
            textcoords="offset points",
            fontsize=11,
            color=START_COLOUR,
        )
    if target is not None:
        ax.axhline(target, color=TARGET_COLOUR, ls="--", lw=1.3)
        ax.annotate(
            f"Mål {_fmt(target, percent, 0)}",
            (0, target),
            xycoords=("axes fraction", "data"),
            xytext=(4, 4),
            textcoords="offset points",
            fontsize=11,
            color=TARGET_COLOUR,
        )
    ax.set_title(drawn_title, loc="left")
    ax.set_ylabel(ylabel)
    no_axis_label(ax.xaxis)
    # Steps of 1, 2 or 5 (not 2.5): a tick label rounded to whole percent must not lie.
    ax.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 5, 10]))
    ax.yaxis.set_major_formatter(_value_formatter(percent, decimals))
    ax.xaxis.set_major_locator(_YearStarts())
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax.set_ylim(bottom=0)
    legend_below(ax, cols, below, plot_h)
    if partial:
        ax.annotate(  # ties the open marker to its period's label
            f"\u25cb = {partial}",
            (1.0, 0.0),
            xycoords="axes fraction",
            xytext=(0, 4),
            textcoords="offset points",
            ha="right",
            fontsize=10.5,
            color=START_COLOUR,
        )
    latest = describe_latest(protected.frame, percent, decimals, end=end)
    n_hidden = int(protected.frame["suppressed"].sum())
    gap = " Punkter som saknas är dolda eftersom underlaget är för litet." if n_hidden else ""
    band = " Skuggade band visar 95 % osäkerhetsintervall." if ci else ""
    cut = ""
    if partial:
        per_year = "per år" in title or "och år" in ylabel or "per år" in ylabel
        cut = f" Sista perioden, {partial}, omfattar bara en del av perioden (öppen markör)" + (
            "; värdet är omräknat till helår." if per_year else "."
        )
    caption = f"Diagrammet visar {what} per grupp över tid.{band} {latest}{gap}{cut}"
    alt = _trend_alt(title, protected.frame, groups, percent, decimals, target)
    data = chart_data(protected.frame, percent, decimals, end)
    return Chart(
        to_png(fig),
        alt=alt,
        caption=caption,
        data=data,
        name=title,
        figure=fig,
        protected=protected,
    )


def _left_margin(frame: pd.DataFrame, percent: bool, decimals: int) -> float:
    """Inches left of the axes: the y label plus the widest tick label the values give."""
    shown = frame.loc[~frame["suppressed"].astype(bool)]
    cols = [c for c in ("value", "ci_high") if c in shown]
    top = float(np.nanmax(shown[cols].to_numpy(dtype=float))) if len(shown) and cols else 1.0
    top = top if np.isfinite(top) else 1.0
    widest = len(_fmt(top * 1.05, percent, 0 if percent else decimals))
    return 0.45 + widest * 0.55 * 11.5 / 72 + 0.1


def chart_data(frame: pd.DataFrame, percent: bool, decimals: int, end=None) -> pd.DataFrame:
    """The shown figures behind a line chart: one row per group and period, ".." if hidden."""
    unit = " (%)" if percent else ""
    scale = 100.0 if percent else 1.0
    hidden = frame["suppressed"].astype(bool)
    out = pd.DataFrame(
        {
            "Grupp": frame["group"].astype(str),
            "Period": [partial_period(str(p), end) or term_label(str(p)) for p in frame["period"]],
        }
    )
    for col, name in (("value", "Värde"), ("ci_low", "Nedre gräns"), ("ci_high", "Övre gräns")):
        if col in frame and frame[col].notna().any():
            values = (frame[col] * scale).round(decimals + (1 if percent else 0))
            out[name + unit] = values.astype(object).where(~hidden, "..")
    return out


def _trend_alt(title, frame, groups, percent, decimals, target) -> str:
    """Alt text: the chart's shape (first and last shown value per line), not the caption."""
    lines = []
    shown = frame.loc[~frame["suppressed"].astype(bool) & frame["value"].notna()]
    names = shown["group"].astype(str).to_numpy()
    values, periods = shown["value"].to_numpy(), shown["period"].to_numpy()
    for group in groups:
        at = np.flatnonzero(names == group)
        if not len(at):
            continue
        a, b = at[0], at[-1]
        lines.append(
            f"{group} från {_fmt(values[a], percent, decimals)} "
            f"({_period_words(str(periods[a]))}) "
            f"till {_fmt(values[b], percent, decimals)} ({_period_words(str(periods[b]))})"
        )
    goal = f" Streckad grå linje: målet {_fmt(target, percent, 0)}." if target is not None else ""
    return f"Linjediagram, {title.lower()}, en linje per grupp: " + "; ".join(lines) + "." + goal


@_styled
def stacked_bar_chart(protected, *, title: str, ylabel: str, what: str, end=None) -> Chart | Note:
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
    cols, rows_ = legend_rows(shown.columns, WIDTH - 0.3)
    plot_h, below = 3.1, 0.7  # axes height; period labels (two lines) under it
    bottom = below + 0.3 * rows_ + 0.1
    highest = float(np.nansum(shown.to_numpy(dtype=float), axis=1).max()) if len(shown) else 1.0
    left = 0.45 + len(fmt_number(highest * 1.1, 0)) * 0.55 * 11.5 / 72 + 0.1
    drawn_title, top = wrap_title(title, left)
    fig, ax = _reused_axes("stacked", (WIDTH, plot_h + top + bottom))
    margins_in(fig, left=left, right=0.2, top=top, bottom=bottom)
    bottom_y = np.zeros(len(shown))
    x = np.arange(len(shown))
    for i, col in enumerate(shown.columns):
        heights = shown[col].to_numpy(dtype=float)
        ax.bar(
            x,
            np.nan_to_num(heights),
            bottom=bottom_y,
            color=CATEGORY_PALETTE[i % len(CATEGORY_PALETTE)],
            edgecolor="white",  # separates adjacent segments whatever their contrast
            linewidth=0.8,
            label=str(col),
            width=0.75,
        )
        bottom_y = bottom_y + np.nan_to_num(heights)
    ticks = [partial_period(str(i), end) or str(i) for i in shown.index]
    ax.set_xticks(x, [t.replace(" (", "\n(") for t in ticks])
    ax.tick_params(axis="x", length=0)
    ax.set_title(drawn_title, loc="left")
    ax.set_ylabel(ylabel)
    no_axis_label(ax.xaxis)
    ax.yaxis.set_major_formatter(_value_formatter(False, 0))
    legend_below(ax, cols, below, plot_h)
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
    cut = [t for t, i in zip(ticks, shown.index, strict=True) if t != str(i)]
    part = f" {cut[-1]} är bara en del av året och därför lägre." if cut else ""
    caption = f"Diagrammet visar {what} per år.{lead}{gap}{part}"
    years = f" ({ticks[0]}–{ticks[-1]})" if ticks else ""
    alt = (
        f"Staplat stapeldiagram med en stapel per år{years}, "
        f"uppdelad på {', '.join(map(str, shown.columns))}."
    )
    data = values.astype(object).where(~hidden, "..")
    data.columns = ticks
    data.index.name = "Kategori"
    data = data.reset_index()
    return Chart(
        to_png(fig),
        alt=alt,
        caption=caption,
        data=data,
        name=title,
        figure=fig,
        protected=protected,
    )
