"""Area analysis: profile indicators, deviations, maps, pyramid and the rendered report."""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from bs4 import BeautifulSoup

from evaluation.exceptions import PrivacyError
from evaluation.indicators import area_profile as ap
from evaluation.metadata.catalogue import load_catalogue
from evaluation.present import maps, pyramid
from evaluation.privacy import Protector

# --- indicator functions ----------------------------------------------------------------------


def test_ranks_highest_first_ties_share_rank_hidden_stay_unranked():
    r = ap.ranks(pd.Series({"a": 3.0, "b": 9.0, "c": 3.0, "d": np.nan}))
    assert r.to_dict() == pytest.approx({"a": 2.0, "b": 1.0, "c": 2.0, "d": np.nan}, nan_ok=True)


def test_standardised_difference_in_sd_units():
    values = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0])
    sd = values.std(ddof=1)
    assert ap.standardised_difference(5.0, 3.0, values) == pytest.approx(2.0 / sd)
    assert ap.standardised_difference(1.0, 3.0, values) == pytest.approx(-2.0 / sd)
    assert np.isnan(ap.standardised_difference(np.nan, 3.0, values))
    assert np.isnan(ap.standardised_difference(1.0, 3.0, pd.Series([1.0, 2.0])))


def test_deviations_direction_and_judgement():
    frame = pd.DataFrame(
        {
            "indicator": ["support", "income", "born", "small", "jobs"],
            "z": [3.0, -2.0, 2.5, 0.2, 1.0],
            "higher_is_better": [False, True, None, True, True],
        }
    )
    out = ap.deviations(frame, top=3)
    assert list(out["indicator"]) == ["support", "born", "income"]  # biggest |z| first
    by = out.set_index("indicator")
    assert by.loc["support", "direction"] == "högre" and by.loc["support", "judgement"] == "sämre"
    assert by.loc["income", "direction"] == "lägre" and by.loc["income", "judgement"] == "sämre"
    assert by.loc["born", "judgement"] == ""  # no direction in the catalogue
    assert "small" not in by.index  # below the threshold
    better = ap.deviations(frame.assign(z=[-3.0, 2.0, 0, 0, 0]))
    assert set(better["judgement"]) == {"bättre"}


def _stats() -> pd.DataFrame:
    rows = [
        ("A", 2024, "population_total", 100, None, None),
        ("A", 2024, "foreign_born_share", 20.0, 20, 100),
        ("A", 2024, "mean_income_tsek", 250.0, None, None),
        ("SE", 2024, "population_total", 1000, None, None),
        ("SE", 2024, "foreign_born_share", 21.0, None, None),  # published without its base
        ("A", 2024, "population_female_0_4", 30, None, None),
        ("A", 2024, "population_male_0_4", 20, None, None),
        ("A", 2024, "population_female_5_plus", 25, None, None),
        ("A", 2024, "population_male_5_plus", 25, None, None),
    ]
    return pd.DataFrame(
        rows, columns=["area_code", "year", "indicator", "value", "numerator", "denominator"]
    )


def test_indicator_rows_protection_kind_units_and_intervals():
    rows = ap.indicator_rows(_stats(), load_catalogue(), {"A": "Aby", "SE": "Riket"})
    assert not rows["indicator"].map(ap.is_age_sex).any()
    by = rows.set_index(["area_code", "indicator"])
    share = by.loc[("A", "foreign_born_share")]
    assert share["protection"] == "share" and share["value"] == pytest.approx(0.2)
    assert share["ci_low"] < 0.2 < share["ci_high"]
    national = by.loc[("SE", "foreign_born_share")]
    assert national["protection"] == "statistic" and national["value"] == pytest.approx(0.21)
    assert national["n"] == 1000  # the population is the base of a published value
    assert by.loc[("A", "mean_income_tsek"), "protection"] == "statistic"
    assert by.loc[("A", "population_total"), "protection"] == "count"


def test_age_sex_shares_are_shares_of_the_whole_population():
    out = ap.age_sex_shares(_stats(), {"A": "Aby"}, 2024)
    assert len(out) == 4 and (out["denominator"] == 100).all()
    assert out["value"].sum() == pytest.approx(1.0)
    assert set(out["sex"]) == {"Kvinnor", "Män"} and set(out["age"]) == {"0–4", "5+"}


def test_case_crosstab_counts_each_partner():
    acts = pd.DataFrame(
        {
            "area_code": ["A", "A", "B"],
            "date": pd.to_datetime(["2024-01-01"] * 3),
            "activity_type": ["outreach", "outreach", "outreach"],
            "partners": ["school;police", "school", "school"],
        }
    )
    t = ap.case_crosstab(
        acts,
        ("A",),
        "date",
        "2023-01-01",
        "2024-12-31",
        "activity_type",
        "partners",
        {"outreach": "Uppsökande"},
        {"school": "Skola", "police": "Polis"},
        list_column=True,
    )
    assert t.loc["Uppsökande"].to_dict() == {"Skola": 2, "Polis": 1}


# --- maps --------------------------------------------------------------------------------------


def _squares() -> gpd.GeoDataFrame:
    codes = ["A", "B", "C", "D", "E"]
    geoms = [shapely.box(i * 1000, 0, i * 1000 + 900, 900) for i in range(len(codes))]
    return gpd.GeoDataFrame(
        {
            "area_code": codes,
            "area_name": [f"Område {c}" for c in codes],
            "municipality_code": "0000",
        },
        geometry=geoms,
        crs="EPSG:3006",
    )


def test_map_draws_hidden_area_hatched_never_in_a_colour_class(monkeypatch):
    frame = pd.DataFrame(
        {
            "area_code": list("ABCDE"),
            "numerator": [10, 30, 50, 2, 70],  # D: 2 of 8, hidden
            "denominator": [100, 100, 100, 8, 100],
        }
    )
    frame["value"] = frame["numerator"] / frame["denominator"]
    protected = Protector().shares(frame, label="Andel")
    layout = maps.map_layout(_squares(), "B")
    figures = []
    monkeypatch.setattr(maps, "to_png", lambda fig: figures.append(fig) or b"png")
    chart = maps.choropleth(
        protected,
        layout,
        title="Andel",
        legend_title="Procent",
        fmt=lambda v: f"{100 * v:.0f}",
        unit="%",
        what="andelen",
        k=3,
    )
    ax = figures[0].axes[0]
    coloured, hatched = ax.collections[0], ax.collections[1]
    assert hatched.get_hatch() == maps.HATCH
    assert len(hatched.get_paths()) == 1
    assert hatched.get_paths()[0] is layout.paths["D"]
    assert all(p is not layout.paths["D"] for p in coloured.get_paths())
    assert len(coloured.get_paths()) == 4
    legend = [t.get_text() for t in figures[0].legends[0].get_texts()]
    assert maps.MISSING_CLASS.capitalize() in legend
    assert not any(t.startswith("0") for t in legend)  # no class starts at zero for D
    assert "1 område saknar uppgift" in chart.caption


def test_classes_use_shown_values_only():
    bins = maps.classify(pd.Series([1.0, 2.0, np.nan, 10.0, 11.0]), k=2)
    assert bins.max() == 11.0
    classes = maps.assign_classes(pd.Series([1.0, np.nan, 11.0]), bins)
    assert list(classes) == [0, -1, 1]


def test_map_refuses_unprotected_values():
    with pytest.raises(PrivacyError):
        maps.choropleth(
            pd.DataFrame({"area_code": ["A"], "value": [1.0]}),
            maps.map_layout(_squares(), "A"),
            title="x",
            legend_title="x",
            fmt=str,
            unit="",
            what="x",
        )


# --- pyramid -----------------------------------------------------------------------------------


def test_pyramid_draws_shares_not_counts(monkeypatch):
    stats = _stats()
    stats = pd.concat(
        [
            stats,
            stats[stats["area_code"] == "A"].assign(area_code="M", value=lambda d: d["value"] * 10),
        ],
        ignore_index=True,
    )
    frame = ap.age_sex_shares(stats, {"A": "Aby", "M": "Kommunen"}, 2024)
    protected = Protector().shares(frame, label="Pyramid", keys=("age_order",))
    figures = []
    monkeypatch.setattr(pyramid, "to_png", lambda fig: figures.append(fig) or b"png")
    pyramid.pyramid_chart(protected, area="Aby", reference="Kommunen", title="t", year=2024)
    widths = [abs(p.get_width()) for p in figures[0].axes[0].patches]
    assert sum(widths) == pytest.approx(1.0)  # shares of the whole population, not counts
    assert max(widths) < 1
    with pytest.raises(PrivacyError):
        pyramid.pyramid_chart(frame, area="Aby", reference="Kommunen", title="t", year=2024)


# --- the rendered report -----------------------------------------------------------------------


def test_skaggetorp_area_analysis_renders(tmp_path):
    from evaluation.render import render_report

    root = __import__("pathlib").Path(__file__).resolve().parents[2]
    result = render_report(
        root / "params" / "area_analysis" / "skaggetorp.yaml",
        tmp_path / "out",
        cache_dir=tmp_path / "cache",
        commit="test",
    )
    html = (tmp_path / "out" / "skaggetorp" / "area_analysis.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(html, "html.parser")
    assert result.ok
    alts = [img.get("alt", "") for img in soup.find_all("img")]
    assert len([a for a in alts if a.startswith("Karta:")]) >= 3
    assert all(img["src"].startswith("data:image/png;base64,") for img in soup.find_all("img"))
    assert any(a.startswith("Befolkningspyramid") for a in alts)
    captions = [c.get_text() for c in soup.find_all("caption")]
    assert any(c.startswith("Områdesprofil: Skäggetorp") for c in captions)
    assert any("efter typ och nivå" in c for c in captions)
    assert "Syntetiska data" in html
    assert "streckade" in html  # some areas' values are hidden on the maps
    assert re.search(r"skiljer sig mest från hela kommunen", soup.get_text())
    text = soup.get_text()
    assert "open_report(" not in text and "a.key_maps" not in text
    assert not soup.select(".jp-InputArea, .input_area, .jp-CodeCell .jp-Editor")


def test_key_rows_select_and_order_as_a_stable_sort_by_place_then_year(tmp_path) -> None:
    """The panel's rows for some places (and a year), in the places' order, then by year."""
    from pathlib import Path

    from evaluation.reports import area_analysis as a
    from evaluation.reports.context import open_report

    root = Path(__file__).resolve().parents[2]
    report = open_report(root / "params" / "area_analysis" / "ryd.yaml", tmp_path)
    places = [report.area_code, report.municipality_code, *a._area_codes(report)[3:6]]
    for key in a._key_indicators(report):
        frame = a._panel(report)[key].frame
        for year in (None, int(frame["year"].max())):
            want = frame[frame["area_code"].isin(places)]
            if year is not None:
                want = want[want["year"] == year]
            rank = {c: i for i, c in enumerate(places)}
            want = want.assign(_rank=want["area_code"].map(rank)).sort_values(
                ["_rank", "year"], kind="stable"
            )
            got = a._key_rows(report, key, places, year).frame
            assert len(got) and got["area_code"].iloc[0] == report.area_code
            pd.testing.assert_frame_equal(
                got, want.drop(columns="_rank").reset_index(drop=True), check_exact=True
            )
        own = frame.loc[frame["area_code"] == report.area_code, "year"]
        assert a._latest(report, key) == int(own.max())
