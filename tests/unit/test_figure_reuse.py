"""A chart drawn on a reused figure is the same image, byte for byte, as on a fresh one.

The report's charts of one kind share a figure (``charts._reused_axes``); a chart must
not carry anything over from the one drawn before it (issue 13: the same inputs give
the same bytes whatever the order).
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from evaluation.present import charts, diverging  # noqa: E402
from evaluation.privacy import ProtectedFrame  # noqa: E402
from evaluation.privacy.results import ProtectedTable  # noqa: E402


def _trend(groups, scale: float, years=("2021", "2022", "2023"), hidden=()) -> ProtectedFrame:
    rows = [
        {
            "group": g,
            "period": p,
            "period_start": pd.Timestamp(f"{p}-01-01"),
            "value": scale * (1 + 0.2 * i + 0.05 * j),
            "ci_low": scale * 0.8,
            "ci_high": scale * (1.5 + 0.2 * i),
            "suppressed": (g, p) in hidden,
        }
        for i, g in enumerate(groups)
        for j, p in enumerate(years)
    ]
    return ProtectedFrame(frame=pd.DataFrame(rows), label="x", kind="shares")


def _fresh_and_reused(draw_first, draw_second):
    charts._REUSED.clear()
    fresh = draw_second()
    charts._REUSED.clear()
    first = draw_first()
    reused = draw_second()
    assert first.png != reused.png  # the earlier chart differs: the reuse is exercised
    return fresh, reused


@pytest.fixture(autouse=True)
def _groups():
    charts.assign_groups(["Skäggetorp", "Ryd", "Hela kommunen", "Riket"])


def test_a_trend_chart_on_a_reused_figure_is_the_same_image():
    def first():  # percent, a target, a start line, four groups, longer period
        return charts.trend_chart(
            _trend(["Skäggetorp", "Ryd", "Hela kommunen", "Riket"], 0.3, ("2019", "2020", "2021")),
            title="En lång rubrik som bryts på två rader eftersom den inte får plats på en rad",
            ylabel="Andel",
            what="andelen",
            percent=True,
            target=0.5,
            start=pd.Timestamp("2020-01-01"),
        )

    def second():  # numbers in the thousands, a hidden point, no bands
        return charts.trend_chart(
            _trend(["Skäggetorp", "Hela kommunen"], 1200.0, hidden={("Skäggetorp", "2022")}),
            title="Antal",
            ylabel="Antal per 1 000",
            what="antalet",
            ci=False,
            decimals=0,
        )

    fresh, reused = _fresh_and_reused(first, second)
    assert fresh.png == reused.png


def test_stacked_bars_on_a_reused_figure_are_the_same_image():
    def table(values: dict, index: list[str]) -> ProtectedTable:
        frame = pd.DataFrame(values, index=index)
        frame["Totalt"] = frame.sum(axis=1)
        return ProtectedTable(values=frame, hidden=frame.isna(), label="x")

    def first():
        return charts.stacked_bar_chart(
            table(
                {"2021": [5.0, 7.0, 9.0], "2022": [6.0, 8.0, 4.0], "2023": [60.0, 80.0, 40.0]},
                ["Öppenvård", "Föräldrastöd", "Övrigt"],
            ),
            title="Insatser",
            ylabel="Antal",
            what="antalet",
        )

    def second():
        return charts.stacked_bar_chart(
            table({"2024": [3.0, 4.0], "2025": [2.0, 9.0]}, ["Skola", "Polis"]),
            title="Anmälare",
            ylabel="Antal anmälningar",
            what="anmälarna",
        )

    fresh, reused = _fresh_and_reused(first, second)
    assert fresh.png == reused.png


def test_diverging_bars_on_a_reused_figure_are_the_same_image():
    segments = [
        diverging.Segment("1", "Instämmer inte", diverging.NEGATIVE),
        diverging.Segment("2", "Varken eller", diverging.NEGATIVE),
        diverging.Segment("3", "Instämmer", diverging.POSITIVE),
    ]

    def answers(shares: dict, periods) -> ProtectedFrame:
        rows = []
        for period in periods:
            rows += [
                {"period": period, "kind": "answer", "segment": k, "value": v, "suppressed": False}
                for k, v in shares.items()
            ]
            neg = shares["1"] + shares["2"]
            rows += [
                {"period": period, "kind": "side", "segment": "negative", "value": neg},
                {"period": period, "kind": "side", "segment": "positive", "value": 1 - neg},
            ]
        frame = pd.DataFrame(rows).fillna({"suppressed": False})
        return ProtectedFrame(frame=frame, label="x", kind="shares")

    def draw(shares, periods, title):
        return diverging.diverging_bar_chart(
            answers(shares, periods),
            segments=segments,
            side_labels={"negative": "Övriga svar", "positive": "Positiva svar"},
            title=title,
            what="svaren",
        )

    fresh, reused = _fresh_and_reused(
        lambda: draw({"1": 0.5, "2": 0.2, "3": 0.3}, ["2021", "2022", "2023"], "Fråga 1"),
        lambda: draw({"1": 0.1, "2": 0.3, "3": 0.6}, ["2025"], "Fråga 2"),
    )
    assert fresh.png == reused.png


def test_a_new_report_starts_from_fresh_figures():
    charts._REUSED["trend"] = object()
    charts.assign_groups(["Ryd"])
    assert charts._REUSED == {}
