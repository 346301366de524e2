"""Charts, key figures, CSV downloads, table of contents and index page for readers."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pandas as pd
import pytest

from evaluation.present import charts
from evaluation.present.format import fmt_interval, fmt_number, partial_period
from evaluation.present.keyfigures import KeyFigure, KeyFigures
from evaluation.present.marks import SUMMARY_END
from evaluation.present.output import Chart, Table, csv_bytes
from evaluation.render.export import TOC_MARKER, add_table_of_contents


def _luminance(colour: str) -> float:
    rgb = [int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast_on_white(colour: str) -> float:
    """WCAG 2 contrast ratio of ``colour`` against white."""
    return 1.05 / (_luminance(colour) + 0.05)


def test_wcag_contrast_helper_matches_known_values():
    assert contrast_on_white("#000000") == pytest.approx(21.0)
    assert contrast_on_white("#de8f05") < 3  # the old orange, 2.6:1
    assert contrast_on_white("#767676") == pytest.approx(4.54, abs=0.01)


@pytest.mark.parametrize(
    "colour",
    [
        *charts.PALETTE,
        *(c for c, _ in charts.FIXED_STYLES.values()),
        charts.TARGET_COLOUR,
        charts.START_COLOUR,
    ],
)
def test_every_line_colour_has_3_to_1_contrast_against_white(colour):
    assert contrast_on_white(colour) >= 3.0, colour


def test_each_group_keeps_one_colour_and_no_colour_means_two_groups():
    styles = charts.assign_groups(
        ["Skäggetorp", "Ryd", "Berga", "Jämförelseområden", "Hela kommunen"]
    )
    assert styles["Skäggetorp"][0] == charts.PALETTE[0]  # the evaluated area: always the first
    assert styles["Hela kommunen"] == charts.FIXED_STYLES["Hela kommunen"]
    assert len({c for c, _ in styles.values()}) == len(styles)
    assert charts.group_style("Berga") == styles["Berga"]  # asked again later: unchanged
    late = charts.group_style("Riket")
    assert late[0] not in {c for c, _ in styles.values()}
    assert charts.TARGET_COLOUR not in {c for c, _ in charts._styles.values()}


def test_partial_periods_are_named():
    end = pd.Timestamp("2025-06-30")
    assert partial_period("2025", end) == "2025 (jan–jun)"
    assert partial_period("2024", end) is None
    assert partial_period("2025H1", end) is None  # complete
    assert partial_period("2025H2", pd.Timestamp("2025-10-31")) == "2025H2 (jul–okt)"
    assert partial_period("2025", pd.Timestamp("2025-12-31")) is None
    assert partial_period("2025", None) is None


def test_csv_is_swedish_excel_friendly():
    frame = pd.DataFrame({"Grupp": ["Skäggetorp", "Ryd"], "Värde (%)": [53.9, ".."]})
    data = csv_bytes(frame)
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 byte order mark
    text = data.decode("utf-8-sig")
    assert text.splitlines() == ["Grupp;Värde (%)", "Skäggetorp;53,9", "Ryd;.."]


def _embedded_csv(html: str) -> str:
    m = re.search(r'href="data:text/csv;charset=utf-8;base64,([^"]+)"', html)
    assert m, "no CSV download"
    return base64.b64decode(m.group(1)).decode("utf-8-sig")


def test_table_offers_exactly_its_shown_cells_and_a_keyboard_reachable_region():
    cells = pd.DataFrame({"2024": ["12", ".."], "2025 (jan–jun)": ["5", "7"]}, index=["A", "B"])
    html = Table(cells, "Antal per år", index_label="Område")._repr_html_()
    assert 'tabindex="0"' in html and 'role="region"' in html and 'aria-label="Tabell: ' in html
    assert 'download="antal-per-ar.csv"' in html
    rows = _embedded_csv(html).splitlines()
    assert rows == ["Område;2024;2025 (jan–jun)", "A;12;5", "B;..;7"]


def test_trend_chart_offers_its_protected_figures_and_labels_a_partial_year():
    from evaluation.privacy import ProtectedFrame

    frame = pd.DataFrame(
        {
            "group": ["Skäggetorp"] * 3,
            "period": ["2023", "2024", "2025"],
            "period_start": pd.to_datetime(["2023-01-01", "2024-01-01", "2025-01-01"]),
            "value": [0.2, float("nan"), 0.3],
            "ci_low": [0.1, float("nan"), 0.2],
            "ci_high": [0.3, float("nan"), 0.4],
            "suppressed": [False, True, False],
        }
    )
    chart = charts.trend_chart(
        ProtectedFrame(frame=frame, label="x", kind="shares"),
        title="Andel",
        ylabel="Andel",
        what="andelen",
        percent=True,
        target=0.5,
        end=pd.Timestamp("2025-06-30"),
    )
    assert isinstance(chart, Chart)
    assert "2025 (jan–jun)" in chart.caption
    assert chart.alt not in chart.caption and chart.caption not in chart.alt
    text = _embedded_csv(chart._repr_html_())
    assert "Skäggetorp;2024;..;..;.." in text and "Skäggetorp;2025 (jan–jun);30,0" in text


def test_summary_is_placed_before_the_table_of_contents():
    summary = KeyFigures(
        (KeyFigure("Gemensamma", "54 %", "2025", verdict="Målet nått", tone="good"),),
        "Osäkert läge.",
    )._repr_html_()
    page = (
        "<html><body><header><h1>T</h1></header><main>"
        f"{TOC_MARKER}<div class='cell'>meta</div><div>{summary}</div>"
        "<h2>Orosanmälningar</h2><h3>Vem anmäler?</h3></main></body></html>"
    )
    out = add_table_of_contents(page)
    assert (
        out.index("Sammanfattning")
        < out.index('<nav class="toc"')
        < out.index('id="avsnitt-orosanmalningar"')
    )
    assert out.index(SUMMARY_END) < out.index('<nav class="toc"')
    toc = out[out.index('<nav class="toc"') : out.index("</nav>")]
    assert "Sammanfattning" not in toc and "Orosanmälningar" in toc


def test_index_page_is_for_readers(tmp_path: Path):
    from evaluation.render.index import render_index
    from evaluation.render.single import ReportResult

    folder = tmp_path / "batch"
    (folder / "skaggetorp").mkdir(parents=True)
    page = folder / "skaggetorp" / "outcome_followup.html"
    page.write_text(
        "<html><head><title>Socialtjänst Skäggetorp – uppföljning</title></head><body>"
        '<div class="synthetic-banner">x</div>'
        "<p><strong>Period:</strong> 2019-01-01 – 2025-06-30</p></body></html>",
        encoding="utf-8",
    )
    results = [
        ReportResult("a.yaml", "reused", "Skäggetorp", "outcome_followup", str(page), 0.1),
        ReportResult("b.yaml", "reused", "Skäggetorp", "area_analysis", str(page), 0.1),
    ]
    html = render_index("Terminsrapporter 2025 H1", results, folder, 1.0)
    assert "2 rapporter aktuella" in html and "0 OK" not in html
    assert "<main>" in html and "synthetic-banner" in html
    assert (
        '<a href="skaggetorp/outcome_followup.html">Socialtjänst Skäggetorp – uppföljning</a>'
        in html
    )
    assert "första halvåret 2025" in html and "2019-01-01 – 2025-06-30" in html
    main_table = html[html.index("<table>") : html.index("</table>")]
    assert "a.yaml" not in main_table and " s<" not in main_table  # render details folded away
    details = html[html.index("<details>") :]
    assert "a.yaml" in details and "återanvänd" in details


def test_summary_keys_come_from_params_in_their_order_and_unknown_keys_are_named():
    from types import SimpleNamespace

    from evaluation.exceptions import ParameterError
    from evaluation.reports.summary import _pick

    available = {"a": 1, "b": 2, "c": 3}

    def report(summary):
        params = SimpleNamespace(summary=summary, kind="outcome_followup", source_file="p.yaml")
        return SimpleNamespace(params=params)

    assert _pick(report(None), available, ["c", "a", "x"]) == ["c", "a"]
    assert _pick(report(("b", "a")), available, ["c"]) == ["b", "a"]
    with pytest.raises(ParameterError) as err:
        _pick(report(("a", "zz")), available, ["a"])
    assert err.value.parameter == "summary" and "zz" in str(err.value)


def test_share_change_verdict_uses_a_score_test_on_published_counts():
    from evaluation.reports.summary import change_test, change_word

    def row(num, den):
        return pd.Series(
            {"numerator": num, "denominator": den, "value": num / den, "suppressed": False}
        )

    before, now = row(27, 178), row(96, 178)  # Skäggetorp's joint assessments, 15 % → 54 %
    p = change_test(before, now, "share")
    assert p is not None and p < 0.001
    assert change_word(before, now, p)[0] == "Säkerställd ökning"
    same = change_test(row(50, 100), row(52, 100), "share")
    assert change_word(row(50, 100), row(52, 100), same)[0] == "Ingen säkerställd skillnad"
    hidden = row(3, 100).copy()
    hidden["suppressed"] = True
    assert change_test(hidden, now, "share") is None  # a hidden figure gets no verdict


def _write_report(folder: Path, slug: str, kind: str, cards, data_hash: str, ledger=True) -> Path:
    """A written report page with a summary of ``cards`` (label, value), manifest and ledger."""
    import json

    (folder / slug).mkdir(parents=True, exist_ok=True)
    summary = KeyFigures(tuple(KeyFigure(label, value, "2025") for label, value in cards), "")
    page = folder / slug / f"{kind}.html"
    page.write_text(
        f"<html><head><title>{kind} {slug}</title></head><body>"
        f"{summary._repr_html_()}</body></html>",
        encoding="utf-8",
    )
    manifest = {"inputs": {"data": {"a.csv": data_hash, "ledgers/hidden.json": "x"}}}
    (folder / slug / f"{kind}.manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    if ledger:
        (folder / slug / f"{kind}.ledger.json").write_text("{}", encoding="utf-8")
    return page


def test_index_says_what_changed_since_the_last_term(tmp_path: Path):
    from evaluation.render.index import earlier_term, render_index, term_key
    from evaluation.render.single import ReportResult

    assert term_key("sample-2025H1") == (2025, 1) and term_key("x-2024K4") == (2024, 10)
    assert term_key("utan-termin") is None
    old, older, now = (
        tmp_path / "kommun-2024H2",
        tmp_path / "kommun-2024H1",
        tmp_path / "kommun-2025H1",
    )
    joint = "Förhandsbedömningar gjorda gemensamt"
    _write_report(older, "skaggetorp", "outcome_followup", [(joint, "10 %")], "h0")
    _write_report(
        old, "skaggetorp", "outcome_followup", [(joint, "48 %"), ("Placeringar", "..")], "h1"
    )
    _write_report(old, "ryd", "area_analysis", [("Andel utrikes födda", "30,0 %")], "h1")
    _write_report(old, "berga", "area_analysis", [("Andel utrikes födda", "20,0 %")], "h1")
    _write_report(tmp_path / "kommun-2025H2", "ryd", "area_analysis", [("X", "1 %")], "h9")
    pages = {
        "skaggetorp": _write_report(
            now, "skaggetorp", "outcome_followup", [(joint, "54 %"), ("Placeringar", "7,1")], "h2"
        ),
        "ryd": _write_report(
            now, "ryd", "area_analysis", [("Andel utrikes födda", "30,0 %")], "h1"
        ),
        "berga": _write_report(
            now, "berga", "area_analysis", [("Andel utrikes födda", "20,0 %")], "h2"
        ),
        "tornby": _write_report(
            now, "tornby", "area_analysis", [("Andel utrikes födda", "9 %")], "h2"
        ),
    }
    assert earlier_term(now) == (old, (2024, 7))  # the latest term before this one, not after
    results = [
        ReportResult(f"{slug}.yaml", "ok", slug.title(), page.stem, str(page), 1.0)
        for slug, page in pages.items()
    ]
    html = render_index("Kommun 2025 H1", results, now, 1.0)
    assert "Sedan förra terminen</strong> (andra halvåret 2024)" in html
    assert f"{joint}: 48 % → 54 %; Placeringar: redovisas inte → 7,1" in html
    assert ">Oförändrade data<" in html  # Ryd: same data, same key figures
    assert ">Nyckeltalen oförändrade<" in html  # Berga: new data, same key figures
    assert ">Ny rapport<" in html  # Tornby had no report last term
    # no earlier term beside the batch: nothing is said
    alone = tmp_path / "ensam" / "kommun-2025H1"
    page = _write_report(alone, "ryd", "area_analysis", [("A", "1 %")], "h1")
    lone = ReportResult("r.yaml", "ok", "Ryd", "area_analysis", str(page))
    html = render_index("Kommun 2025 H1", [lone], alone, 1.0)
    assert "förra terminen" not in html and "Ny rapport" not in html


def test_reader_words_for_periods_and_an_estimate_without_interval():
    from evaluation.methods import describe_effect
    from evaluation.methods.results import EffectResult
    from evaluation.reports.summary import periods_in_words

    cells = pd.DataFrame({"2024H2": ["5"], "2025H1": ["7"], "Totalt": ["12"]}, index=["Möte"])
    table = periods_in_words(Table(cells, "Aktiviteter per halvår"), pd.Timestamp("2025-06-30"))
    assert list(table.cells.columns) == ["2024 (jul–dec)", "2025 (jan–jun)", "Totalt"]
    nan = float("nan")
    text = describe_effect(EffectResult(3.6, nan, nan, 0.5, "m", "i", "a", "difference"), "x")
    assert "säkerställd skillnad" not in text.replace("om skillnaden är säkerställd", "")
    assert "kunde inte skattas" in text


def test_chart_downloads_name_half_years_in_words():
    import pandas as pd

    from evaluation.present.charts import chart_data

    frame = pd.DataFrame(
        {
            "group": ["Ryd", "Ryd"],
            "period": ["2019H1", "2019H2"],
            "value": [0.1, 0.2],
            "suppressed": [False, False],
        }
    )
    periods = list(chart_data(frame, percent=True, decimals=0)["Period"])
    assert periods == ["2019 (jan–jun)", "2019 (jul–dec)"]


def test_negative_numbers_have_a_true_minus_and_zero_has_no_sign() -> None:
    assert fmt_number(-5.46, 1) == "\u22125,5"
    assert fmt_number(-1234.5, 1) == "\u22121\u00a0234,5"
    assert fmt_number(-0.04, 1) == "0,0" and fmt_number(-0.4, 0) == "0"
    assert fmt_number(0.04, 1) == "0,0" and fmt_number(12, 0) == "12"
    assert fmt_interval(-0.123, 0.2, 1, percent=True) == "\u221212,3\u201320,0\u00a0%"
    assert "-" not in fmt_number(-7, 0)
