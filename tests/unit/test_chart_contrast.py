"""WCAG 1.4.11 on the colours the charts actually draw: 3:1 against the page and between fills.

Each chart kind is drawn from a small protected frame; the test reads the colours of
the drawn artists (lines, bars, separators, outlines), not a list of constants.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex, to_rgba  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from evaluation.methods import plots  # noqa: E402
from evaluation.present import charts, diverging, maps, pyramid  # noqa: E402
from evaluation.present.charts import contrast_ratio  # noqa: E402
from evaluation.privacy import ProtectedFrame  # noqa: E402
from evaluation.privacy.results import ProtectedTable  # noqa: E402

WHITE = "white"


def _on_white(colour) -> str:
    """The colour a (possibly translucent) fill shows on the white page."""
    r, g, b, a = to_rgba(colour)
    return to_hex((r * a + 1 - a, g * a + 1 - a, b * a + 1 - a))


def test_contrast_ratio_matches_wcag_examples():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#767676", WHITE) == pytest.approx(4.54, abs=0.01)
    assert contrast_ratio("#de8f05", WHITE) < 3  # the old orange, 2.6:1


def _trend_frame(groups) -> ProtectedFrame:
    periods = ["2023", "2024", "2025"]
    rows = [
        {
            "group": g,
            "period": p,
            "period_start": pd.Timestamp(f"{p}-01-01"),
            "value": 0.2 + 0.05 * i + 0.01 * j,
            "ci_low": 0.1,
            "ci_high": 0.5,
            "suppressed": False,
        }
        for i, g in enumerate(groups)
        for j, p in enumerate(periods)
    ]
    return ProtectedFrame(frame=pd.DataFrame(rows), label="x", kind="shares")


def test_trend_chart_lines_target_and_start_read_against_the_page():
    groups = ["Skäggetorp", "Ryd", "Berga", "Hela kommunen", "Riket"]
    charts.assign_groups(groups)
    chart = charts.trend_chart(
        _trend_frame(groups),
        title="Andel",
        ylabel="Andel",
        what="andelen",
        percent=True,
        target=0.5,
        start=pd.Timestamp("2024-01-01"),
        end=pd.Timestamp("2025-06-30"),
    )
    lines = [ln for ln in chart.figure.axes[0].get_lines() if len(ln.get_xdata())]
    colours = {to_hex(ln.get_color()) for ln in lines}
    assert len(colours) >= len(groups) + 2  # every group, the target and the start line
    for colour in colours:
        assert contrast_ratio(colour, WHITE) >= 3, colour
    # One colour per group, and the target's grey is none of them.
    by_group = {ln.get_label(): to_hex(ln.get_color()) for ln in lines if ln.get_label() in groups}
    assert len(set(by_group.values())) == len(groups)
    assert to_hex(charts.TARGET_COLOUR) not in by_group.values()


def test_stacked_bars_fills_read_against_the_page_and_are_separated():
    values = pd.DataFrame(
        {"2024": [5.0, 7.0, 9.0, 21.0], "2025": [6.0, 8.0, 4.0, 18.0]},
        index=["Öppenvård", "Föräldrastöd", "Övrigt", "Totalt"],
    )
    values["Totalt"] = values.sum(axis=1)
    table = ProtectedTable(values=values, hidden=values.isna(), label="x")
    chart = charts.stacked_bar_chart(table, title="Insatser", ylabel="Antal", what="antalet")
    bars = [p for p in chart.figure.axes[0].patches if isinstance(p, Rectangle)]
    assert bars
    for bar in bars:
        fill = _on_white(bar.get_facecolor())
        assert contrast_ratio(fill, WHITE) >= 3, fill
        assert to_hex(bar.get_edgecolor()) == "#ffffff"  # a white gap between segments
        assert to_hex(bar.get_facecolor()) in charts.CATEGORY_PALETTE  # never a group's colour


def test_pyramid_bars_as_they_show_on_the_page_read_against_it():
    rows = [
        {"group": g, "sex": s, "age": a, "age_order": i, "value": 0.03, "suppressed": False}
        for g in ("Skäggetorp", "Hela kommunen")
        for s in (pyramid.LEFT, pyramid.RIGHT)
        for i, a in enumerate(("0–4", "5–9", "10–14"))
    ]
    frame = ProtectedFrame(frame=pd.DataFrame(rows), label="x", kind="shares")
    chart = pyramid.pyramid_chart(
        frame, area="Skäggetorp", reference="Hela kommunen", title="Pyramid", year=2025
    )
    ax = chart.figure.axes[0]
    fills = {_on_white(p.get_facecolor()) for p in ax.patches if isinstance(p, Rectangle)}
    lines = {to_hex(ln.get_color()) for ln in ax.get_lines()}
    for colour in fills | lines:
        assert contrast_ratio(colour, WHITE) >= 3, colour


def _answers(shares: dict[str, float], period: str) -> list[dict]:
    rows = [
        {"period": period, "kind": "answer", "segment": k, "value": v, "suppressed": False}
        for k, v in shares.items()
    ]
    neg = sum(v for k, v in shares.items() if k in ("1", "2", "3"))
    rows += [
        {
            "period": period,
            "kind": "side",
            "segment": "negative",
            "value": neg,
            "suppressed": False,
        },
        {
            "period": period,
            "kind": "side",
            "segment": "positive",
            "value": 1 - neg,
            "suppressed": False,
        },
    ]
    return rows


def test_diverging_segments_are_separated_and_light_fills_are_outlined():
    segments = [
        diverging.Segment("1", "Instämmer inte alls", diverging.NEGATIVE),
        diverging.Segment("2", "Instämmer inte", diverging.NEGATIVE),
        diverging.Segment("3", "Varken eller", diverging.NEGATIVE),
        diverging.Segment("4", "Instämmer delvis", diverging.POSITIVE),
        diverging.Segment("5", "Instämmer helt", diverging.POSITIVE),
    ]
    shares = {"1": 0.1, "2": 0.15, "3": 0.2, "4": 0.25, "5": 0.3}
    frame = pd.DataFrame(_answers(shares, "2023") + _answers(shares, "2025"))
    chart = diverging.diverging_bar_chart(
        ProtectedFrame(frame=frame, label="x", kind="shares"),
        segments=segments,
        side_labels={"negative": "Övriga svar", "positive": "Positiva svar"},
        title="Fråga 1",
        what="svaren",
    )
    ax = chart.figure.axes[0]
    fills = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_fill()]
    outlines = [p for p in ax.patches if isinstance(p, Rectangle) and not p.get_fill()]
    # Every bar has an outline that reads against the page and against its fills.
    assert len(outlines) == 2
    for outline in outlines:
        edge = to_hex(outline.get_edgecolor())
        assert contrast_ratio(edge, WHITE) >= 3
    light = [f for f in fills if contrast_ratio(to_hex(f.get_facecolor()), WHITE) < 3]
    assert light, "the scale's middle answers are light: the test must cover them"
    # Between every two adjacent segments a line that reads against both of them.
    separators = [  # vertical lines as tall as a bar (the zero line spans the axes)
        ln
        for ln in ax.get_lines()
        if len(set(ln.get_xdata())) == 1 and np.isclose(np.ptp(ln.get_ydata()), 0.62)
    ]
    assert len(separators) == 2 * (len(segments) - 1)
    for sep in separators:
        x, y0 = sep.get_xdata()[0], min(sep.get_ydata())
        touching = [
            to_hex(f.get_facecolor())
            for f in fills
            if abs(f.get_y() - y0) < 1e-9
            and (np.isclose(f.get_x() + f.get_width(), x) or np.isclose(f.get_x(), x))
        ]
        assert len(touching) == 2
        for fill in touching:
            assert contrast_ratio(to_hex(sep.get_color()), fill) >= 3, (sep.get_color(), fill)


def test_map_outlines_read_against_the_page_and_the_lightest_class():
    lightest = to_hex(maps.class_colours(5)[0])
    assert contrast_ratio(maps.EDGE, WHITE) >= 3
    assert contrast_ratio(maps.EDGE, lightest) >= 3


@pytest.mark.parametrize("colour", [plots.AREA, plots.COUNTERFACTUAL, plots.GREY, plots.PLACEBO])
def test_effect_chart_colours_read_against_the_page(colour):
    assert contrast_ratio(colour, WHITE) >= 3


def test_effect_charts_draw_the_area_in_its_report_colour():
    from evaluation.methods.results import EventStudyResult

    charts.assign_groups(["Skäggetorp", "Ryd"])
    colour = charts.group_style("Skäggetorp")[0]
    coefficients = pd.DataFrame(
        {"event_time": [-2, -1, 0, 1], "coef": [0.1, 0.0, 0.3, 0.4]}
        | {"ci_low": [-0.1, 0.0, 0.1, 0.2], "ci_high": [0.3, 0.0, 0.5, 0.6]}
    )
    result = EventStudyResult(
        estimate=0.35,
        ci_low=0.1,
        ci_high=0.6,
        p_value=0.01,
        method="did",
        inference="x",
        assumption="x",
        scale="difference",
        coefficients=coefficients,
        pretrend_p_value=0.5,
    )
    fig = plots.plot_event_study(result, colour=colour)
    drawn = {to_hex(ln.get_color()) for ln in fig.axes[0].get_lines()}
    assert to_hex(colour) in drawn
    assert not drawn & {to_hex(c) for c in charts.PALETTE if c != colour}  # no other group's
    for c in drawn:
        assert contrast_ratio(c, WHITE) >= 3, c


def test_percent_ticks_are_whole_percent_so_their_rounded_labels_are_exact():
    groups = ["Skäggetorp", "Hela kommunen"]
    charts.assign_groups(groups)
    frame = _trend_frame(groups).frame.assign(value=[0.18, 0.15, 0.125, 0.03, 0.028, 0.025])
    chart = charts.trend_chart(
        ProtectedFrame(frame=frame, label="x", kind="shares"),
        title="Andel",
        ylabel="Andel",
        what="andelen",
        percent=True,
        ci=False,
    )
    ticks = chart.figure.axes[0].get_yticks()
    assert len(ticks) >= 3
    assert all(abs(100 * t - round(100 * t)) < 1e-9 for t in ticks), ticks


def test_category_fills_never_take_a_group_colour():
    lines = set(charts.PALETTE) | {c for c, _ in charts.FIXED_STYLES.values()}
    lines |= {charts.TARGET_COLOUR, charts.START_COLOUR}
    assert not set(charts.CATEGORY_PALETTE) & lines
    assert len(set(charts.CATEGORY_PALETTE)) == len(charts.CATEGORY_PALETTE)
    assert all(contrast_ratio(c, WHITE) >= 3 for c in charts.CATEGORY_PALETTE)
