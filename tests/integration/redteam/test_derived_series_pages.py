"""Route 6 on a page: the reader's ruler finds every point an event-study chart draws.

The attack of ``pages.event_study_leaks`` reads the points off the chart's PNG
(marker centres, the x axis calibrated by its tick marks and the start line) and
holds them against the per-term table beside it. These tests build a page the
way the effects section does — the package's plot, its PNG encoder, its chart
HTML — from a crafted per-term table, once with the event study unmasked (the
weakened protection of issue 10: points for terms whose treated value is hidden)
and once masked as the reports mask it, so the attack is shown to find what it
must find. No notebook is executed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from bs4 import BeautifulSoup

from evaluation.methods.plots import plot_event_study
from evaluation.methods.results import EventStudyResult
from evaluation.present.charts import figure_style, to_png
from evaluation.present.output import Chart
from evaluation.privacy.derived import mask_event_study, mask_series
from evaluation.privacy.symbols import HIDDEN
from tests.integration.redteam.pages import (
    chart_image,
    event_study_leaks,
    event_times_drawn,
    its_points,
    sc_gap_leaks,
)

START = "2023-01-01"
TERMS = [f"{y} ({h})" for y in (2021, 2022, 2023, 2024) for h in ("jan–jun", "jul–dec")]
STARTS = pd.to_datetime([f"{y}-{m}-01" for y in (2021, 2022, 2023, 2024) for m in ("01", "07")])


def _page(treated: list, municipality: list, coefficients: pd.DataFrame) -> BeautifulSoup:
    """An effects section: the per-term table, the donors sentence, the event-study chart."""
    result = EventStudyResult(
        estimate=1.1,
        ci_low=0.9,
        ci_high=1.3,
        p_value=0.4,
        method="Skillnad-i-skillnader",
        inference="",
        assumption="",
        scale="rate_ratio",
        coefficients=coefficients,
        pretrend_p_value=0.5,
    )
    with figure_style():
        png = to_png(plot_event_study(result, colour="#0072b2"))
    chart = Chart(
        png,
        alt="Punkter med intervall för orosanmälningar per 1 000 barn, ett per halvår "
        "före och efter starten",
        caption="Diagrammet visar skillnaden mot jämförelseområdena halvår för halvår.",
    )

    def cell(v):
        return HIDDEN if v is None else f"{v:.1f} ({v - 9:.1f}–{v + 9:.1f})".replace(".", ",")

    rows = "".join(
        f"<tr><th>{t}</th><td>{cell(a)}</td><td>{cell(m)}</td></tr>"
        for t, a, m in zip(TERMS, treated, municipality, strict=True)
    )
    return BeautifulSoup(
        "<p>Jämförelseområden i effektskattningarna: kommunens övriga 2 områden "
        "(Söderby, Lillby).</p>"
        '<figure class="ev-table" data-kind="rates"><table><caption>Orosanmälningar per '
        "1 000 barn 0–17 år och år, per halvår (95 % intervall, exakt Poisson)</caption>"
        f"<tr><th>Period</th><th>Norrby</th><th>Hela kommunen</th></tr>{rows}</table></figure>"
        + chart._repr_html_(),
        "html.parser",
    )


def _coefficients() -> pd.DataFrame:
    times = [e for e in range(-4, 4) if e != -1]  # 2021H1 … 2024H2, start 2023H1 = 0
    coef = 1 + 0.05 * np.arange(len(times))
    return pd.DataFrame(
        {"event_time": times, "coef": coef, "ci_low": coef - 0.3, "ci_high": coef + 0.3}
    )


TREATED = [120.0, None, 118.0, 121.0, 130.0, None, 126.0, 131.0]  # 2021H2, 2023H2 hidden
WHOLE = [100.0] * 8


def _observed(values) -> pd.Series:
    return pd.Series([np.nan if v is None else v for v in values], index=STARTS)


def test_the_ruler_reads_every_drawn_event_time():
    soup = _page(TREATED, WHOLE, _coefficients())
    drawn = event_times_drawn(chart_image(soup.find("figure", class_="ev-chart")))
    assert drawn == [-4, -3, -2, 0, 1, 2, 3]


def test_unmasked_event_study_gives_hidden_terms_away():
    """The weakened protection: points drawn for every term; the attack must find it."""
    drawn, leaks, _ = event_study_leaks(_page(TREATED, WHOLE, _coefficients()), "Norrby", START)
    assert drawn == [-4, -3, -2, 0, 1, 2, 3]
    assert {leak.split(":")[0].split(" (e")[0] for leak in leaks} == {
        "2021 (jul–dec)",
        "2023 (jul–dec)",
    }


def test_masked_event_study_gives_nothing_away():
    """As the reports draw it (``mask_event_study``): no point for a hidden treated term."""
    masked = mask_event_study(_coefficients(), _observed(TREATED), pd.Timestamp(START))
    drawn, leaks, relations = event_study_leaks(_page(TREATED, WHOLE, masked), "Norrby", START)
    assert drawn == [-4, -2, 0, 2, 3]
    assert leaks == [] and relations == []


def test_masked_event_study_with_a_hidden_comparison_total():
    """Where the donors' total is hidden, no point is drawn: it would pin that total."""
    whole = [100.0, 100.0, 100.0, 100.0, None, 100.0, 100.0, 100.0]  # 2023H1 hidden
    unmasked = mask_event_study(_coefficients(), _observed(TREATED), pd.Timestamp(START))
    drawn, leaks, _ = event_study_leaks(_page(TREATED, whole, unmasked), "Norrby", START)
    assert 0 in drawn and leaks  # masking on the treated side only: the attack finds it
    masked = mask_event_study(
        _coefficients(), _observed(TREATED), pd.Timestamp(START), comparison=_observed(whole)
    )
    drawn, leaks, _ = event_study_leaks(_page(TREATED, whole, masked), "Norrby", START)
    assert 0 not in drawn and leaks == []


def test_no_points_when_the_reference_term_is_hidden_on_either_side():
    whole = [100.0, 100.0, 100.0, None, 100.0, 100.0, 100.0, 100.0]  # the reference term
    masked = mask_event_study(
        _coefficients(), _observed(TREATED), pd.Timestamp(START), comparison=_observed(whole)
    )
    assert masked.empty


def _sc_page(observed: pd.Series, gap: pd.Series) -> BeautifulSoup:
    from evaluation.methods.plots import plot_synthetic_control
    from evaluation.methods.results import SyntheticControlResult

    synthetic = pd.Series(100.0 + np.arange(len(STARTS)), index=STARTS)
    result = SyntheticControlResult(
        estimate=1.0,
        ci_low=0.0,
        ci_high=2.0,
        p_value=0.5,
        method="Syntetisk kontroll",
        inference="",
        assumption="",
        scale="difference",
        weights=pd.Series({"Söderby": 1.0}),
        gap=gap,
        synthetic=synthetic,
        treated_unit="Norrby",
        start=pd.Timestamp(START),
    )
    with figure_style():
        png = to_png(
            plot_synthetic_control(
                result, observed=observed, treated_label="Norrby", xlabel="Halvår"
            )
        )
    chart = Chart(png, alt="Syntetisk kontroll för orosanmälningar per 1 000 barn", caption="")
    return BeautifulSoup(chart._repr_html_(), "html.parser")


def test_unmasked_gap_panel_gives_hidden_terms_away():
    observed = _observed(TREATED)
    gap = pd.Series(5.0 - np.arange(len(STARTS)), index=STARTS)
    markers, leaks = sc_gap_leaks(_sc_page(observed, gap), len(STARTS))
    assert markers == 6  # the shown terms
    assert len(leaks) == 4  # the steps into and out of 2021H2 and 2023H2


def test_masked_gap_panel_gives_nothing_away():
    observed = _observed(TREATED)
    gap = mask_series(pd.Series(5.0 - np.arange(len(STARTS)), index=STARTS), observed)
    assert sc_gap_leaks(_sc_page(observed, gap), len(STARTS)) == (6, [])


MONTHS = pd.date_range("2022-01-01", "2023-12-01", freq="MS")


def _its_page(observed) -> BeautifulSoup:
    from evaluation.methods.plots import plot_its
    from evaluation.methods.results import ITSResult

    t = np.arange(len(MONTHS))
    fitted = pd.DataFrame(
        {
            "time": MONTHS,
            "fitted": 100 + 10 * np.sin(t / 2),
            "counterfactual": 100 + 10 * np.sin(t / 2) - 3,
            "counterfactual_low": 90 + 10 * np.sin(t / 2),
            "counterfactual_high": 110 + 10 * np.sin(t / 2),
            "post": MONTHS >= pd.Timestamp(START),
        }
    )
    result = ITSResult(
        estimate=1.0,
        ci_low=0.9,
        ci_high=1.1,
        p_value=0.5,
        method="Avbruten tidsserie",
        inference="",
        assumption="",
        scale="rate_ratio",
        fitted=fitted,
        start=pd.Timestamp(START),
    )
    with figure_style():
        png = to_png(plot_its(result, observed=observed, xlabel="Månad", ylabel="Utfall"))
    chart = Chart(png, alt="Avbruten tidsserie för orosanmälningar per 1 000 barn", caption="")
    return BeautifulSoup(chart._repr_html_(), "html.parser")


def test_route5_monthly_points_with_a_hidden_month_are_seen_on_the_image():
    """The weakened rule draws the shown months around a hidden one: the reader counts them."""
    values = 100 + 10 * np.sin(np.arange(len(MONTHS)) / 2) + 4
    observed = pd.Series(values, index=MONTHS)
    assert its_points(_its_page(observed)) == len(MONTHS)
    observed.iloc[[5, 17]] = np.nan
    assert its_points(_its_page(observed)) == len(MONTHS) - 2  # fewer than the months
    assert its_points(_its_page(None)) == 0  # R5: with a hidden month, none are drawn
