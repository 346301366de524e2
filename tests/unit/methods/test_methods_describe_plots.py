"""Swedish sentences and charts: formatting, no-effect wording, privacy of observed points."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

from evaluation.methods import (
    describe_effect,
    event_study,
    interrupted_time_series,
    plot_event_study,
    plot_its,
    plot_placebos,
    plot_synthetic_control,
    synthetic_control,
)
from evaluation.methods.describe import format_number
from evaluation.methods.results import EffectResult

START = "2022-09-01"


def _result(est, low, high, scale):
    return EffectResult(est, low, high, 0.01, "m", "i", "a", scale)


def test_swedish_numbers():
    assert format_number(1234.56) == "1 234,6"
    assert format_number(-3.25, 2) == "−3,25"


def test_describe_difference_and_rate_ratio():
    text = describe_effect(
        _result(4.2, 1.1, 7.3, "difference"), "orosanmälningar per 1 000 barn och år"
    )
    assert "ungefär 4,2 fler orosanmälningar per 1 000 barn och år än jämförelseområdena" in text
    assert "osäkerhetsintervall 1,1–7,3" in text
    text = describe_effect(_result(0.88, 0.80, 0.95, "rate_ratio"), "orosanmälningar")
    assert "ungefär 12 % färre orosanmälningar" in text and "5–20 %" in text


def test_describe_no_effect():
    text = describe_effect(_result(0.95, 0.85, 1.06, "rate_ratio"), "orosanmälningar")
    assert "ingen säkerställd skillnad" in text
    assert "från 15 % färre till 6 % fler" in text
    with pytest.raises(ValueError, match="unit_phrase"):
        describe_effect(_result(1, 0, 2, "difference"), "")


@pytest.fixture(scope="module")
def fitted(panel):
    area = panel[panel["area"] == "A01"]
    its = interrupted_time_series(
        area, START, outcome="referrals", time="month", offset="children", per=1000
    )
    sc = synthetic_control(panel, "rate_per_1000", "area", "month", "A01", START, interval=False)
    es = event_study(
        panel,
        "referrals",
        "area",
        "month",
        "A01",
        START,
        model="poisson",
        offset="children",
        window=(-12, 12),
    )
    observed = area.set_index("month")["rate_per_1000"].copy()
    observed.iloc[3:6] = np.nan
    observed.iloc[10] = 1e6  # would dominate the axis if it were drawn
    observed.iloc[10] = np.nan
    return its, sc, es, observed


def _observed_line(fig):
    return [ln for ax in fig.axes for ln in ax.get_lines() if "skyddade" in str(ln.get_label())]


def test_plots_draw_observed_only_from_caller(fitted):
    its, sc, es, observed = fitted
    for fig in (plot_its(its), plot_synthetic_control(sc)):
        assert _observed_line(fig) == []
        plt.close(fig)
    fig = plot_its(its, observed=observed)
    (line,) = _observed_line(fig)
    assert len(line.get_xdata()) == observed.notna().sum()
    assert fig.axes[0].get_ylim()[1] < 1000
    assert "Avbruten tidsserie" in fig.axes[0].get_title()
    plt.close(fig)
    fig = plot_synthetic_control(sc, observed=observed)
    assert len(_observed_line(fig)) == 1
    plt.close(fig)


def test_other_plots_are_figures_with_swedish_labels(fitted):
    its, sc, es, _ = fitted
    fig = plot_event_study(es)
    assert "Händelsestudie" in fig.axes[0].get_title()
    assert "start" in fig.axes[0].get_xlabel()
    plt.close(fig)
    fig = plot_placebos(sc)
    assert "Placebotest" in fig.axes[0].get_title()
    assert len(fig.axes[0].get_lines()) >= sc.placebo_gaps.shape[1]
    plt.close(fig)
    with pytest.raises(ValueError, match="result"):
        plot_its(sc)


def test_describe_share_difference_in_percentage_points():
    text = describe_effect(
        _result(33.7, 23.9, 43.5, "difference"),
        "andel gemensamma förhandsbedömningar",
        unit="procentenheter",
        words=("högre", "lägre"),
    )
    assert "ungefär 33,7 procentenheter högre andel gemensamma förhandsbedömningar" in text
    assert "23,9–43,5" in text
    crossing = describe_effect(
        _result(-32.3, -73.7, 9.1, "difference"),
        "andel placeringar",
        unit="procentenheter",
        words=("högre", "lägre"),
    )
    assert "från 73,7 lägre till 9,1 högre" in crossing and "ingen säkerställd" in crossing


def _tick_texts(fig) -> list[str]:
    fig.canvas.draw()
    return [t.get_text() for ax in fig.axes for t in ax.get_xticklabels() if t.get_text()]


def test_dates_read_as_month_and_year_and_numbers_stay_numbers(fitted):
    import dataclasses

    its, sc, _, _ = fitted
    months = "jan feb mar apr maj jun jul aug sep okt nov dec".split()
    for fig in (plot_its(its), plot_synthetic_control(sc)):
        texts = _tick_texts(fig)
        assert texts and all(t.split()[0] in months and t.split()[1].isdigit() for t in texts)
        plt.close(fig)
    numbered = dataclasses.replace(
        sc,
        gap=sc.gap.set_axis(range(2001, 2001 + len(sc.gap))),
        synthetic=sc.synthetic.set_axis(range(2001, 2001 + len(sc.synthetic))),
        start=2010,
    )
    fitted_by_number = its.fitted.assign(time=np.arange(len(its.fitted)))
    its_numbered = dataclasses.replace(its, fitted=fitted_by_number, start=24)
    for fig in (plot_synthetic_control(numbered), plot_its(its_numbered)):
        texts = _tick_texts(fig)
        assert texts and not any(t.split()[0] in months for t in texts)
    plt.close("all")
