"""Area files: SCB's DeSO/RegSO GeoPackage as published, the contract's own file, aggregation."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import LineString, box

from evaluation.exceptions import DataError
from evaluation.io.geo import aggregate_areas, aggregate_statistics, read_areas
from evaluation.metadata.catalogue import load_catalogue

GPKG = Path(__file__).resolve().parents[2] / "fixtures" / "geo" / "scb_deso_regso_2025.gpkg"
MAPPING = pd.DataFrame(
    {
        "From_Code ": ["0880C1010", "0880C1020", "0880C1030", "0880A0040"],
        "to_code": ["centrum", "centrum", "norr", "norr"],
        "to_name": ["Centrum", "Centrum", "Norra staden", "Norra staden"],
    }
)


def _stats() -> pd.DataFrame:
    rows = [
        # area, indicator, value, numerator, denominator
        ("0880C1010", "population_total", 1000, None, None),
        ("0880C1020", "population_total", 3000, None, None),
        ("0880C1030", "population_total", 2000, None, None),
        ("0880A0040", "population_total", 500, None, None),
        ("0880C1010", "foreign_born_share", 10.0, 100, 1000),
        ("0880C1020", "foreign_born_share", 30.0, 900, 3000),
        ("0880C1030", "foreign_born_share", 20.0, 400, 2000),
        ("0880A0040", "foreign_born_share", 40.0, None, None),  # no base: cannot combine
        ("0880C1010", "reported_crimes_per_1000", 50.0, 50, 1000),
        ("0880C1020", "reported_crimes_per_1000", 100.0, 300, 3000),
        ("0880", "population_total", 72704, None, None),
        ("SE", "population_total", 10587710, None, None),
    ]
    frame = pd.DataFrame(
        rows, columns=["area_code", "indicator", "value", "numerator", "denominator"]
    )
    frame.insert(1, "year", 2024)
    return frame.astype({"numerator": "float64", "denominator": "float64"})


def test_scb_deso_layer_loads_as_published():
    assert pyogrio.read_info(GPKG, layer="DeSO_2025")["geometry_name"] == "sp_geometry"
    areas = read_areas(GPKG, layer="DeSO_2025")
    assert list(areas.columns[:5]) == [
        "area_code",
        "area_name",
        "municipality_code",
        "division",
        "geometry",
    ]
    assert areas["area_code"].tolist() == ["0880C1010", "0880C1020", "0880C1030", "0880A0040"]
    assert set(areas["division"]) == {"DeSO2025"}
    assert areas.crs.to_epsg() == 3006
    assert "regsokod" in areas.columns  # extra columns are kept


def test_scb_regso_layer_uses_regso_names():
    areas = read_areas(GPKG, layer="RegSO_2025")
    assert dict(zip(areas["area_code"], areas["area_name"], strict=False)) == {
        "0880R001": "Centrum",
        "0880R002": "Norra staden",
    }
    assert set(areas["division"]) == {"RegSO2025"}


def test_default_layer_prefers_deso_and_unknown_layer_is_named():
    assert read_areas(GPKG)["area_code"].str.len().eq(9).all()
    with pytest.raises(DataError, match="lagret 'Kommun' finns inte"):
        read_areas(GPKG, layer="Kommun")


def test_contract_geojson_in_wgs84_is_reprojected(tmp_path):
    path = tmp_path / "areas.geojson"
    gpd.GeoDataFrame(
        {
            " Area_Code": ["A", "B"],
            "AREA_NAME": ["Ett", "Två"],
            "municipality_code": ["0880", "0880"],
            "note": ["x", "y"],
        },
        geometry=[box(16.3, 56.6, 16.4, 56.7), box(16.4, 56.6, 16.5, 56.7)],
        crs="EPSG:4326",
    ).to_file(path, driver="GeoJSON")
    areas = read_areas(path)
    assert areas.crs.to_epsg() == 3006
    assert 500_000 < areas.total_bounds[0] < 700_000
    assert areas["area_name"].tolist() == ["Ett", "Två"] and "note" in areas.columns


def _write(tmp_path, frame, name="areas.gpkg"):
    path = tmp_path / name
    frame.to_file(path, driver="GPKG")
    return path


def _contract(**changes):
    data = {
        "area_code": ["A", "B", "C"],
        "area_name": ["a", "b", "c"],
        "municipality_code": ["0880", "0880", "0880"],
    }
    data.update(changes)
    return gpd.GeoDataFrame(data, geometry=[box(i, 0, i + 1, 1) for i in range(3)], crs="EPSG:3006")


def test_duplicate_area_code_names_the_row(tmp_path):
    with pytest.raises(DataError, match="förekommer flera gånger") as err:
        read_areas(_write(tmp_path, _contract(area_code=["A", "B", "A"])))
    assert (err.value.row, err.value.column, err.value.found) == (4, "area_code", "A")


def test_municipality_code_must_have_four_digits(tmp_path):
    with pytest.raises(DataError, match="fyra siffror") as err:
        read_areas(_write(tmp_path, _contract(municipality_code=["0880", "880x", "0880"])))
    assert err.value.row == 3 and err.value.found == "880x"


def test_line_geometry_is_rejected(tmp_path):
    frame = _contract()
    frame.loc[1, "geometry"] = LineString([(0, 0), (1, 1)])
    with pytest.raises(DataError, match="ingen polygon") as err:
        read_areas(_write(tmp_path, frame))
    assert err.value.row == 3 and err.value.found == "LineString"


def test_missing_crs(tmp_path):
    frame = _contract().set_crs(None, allow_override=True)
    with pytest.warns(UserWarning, match="crs"):
        path = _write(tmp_path, frame)
    with pytest.raises(DataError, match="koordinatsystem"):
        read_areas(path)


def test_missing_code_column(tmp_path):
    with pytest.raises(DataError, match="kolumnen 'area_code' saknas") as err:
        read_areas(_write(tmp_path, _contract().rename(columns={"area_code": "kod"})))
    assert "desokod" in err.value.expected


def test_aggregate_areas_dissolves_squares():
    districts = aggregate_areas(read_areas(GPKG), MAPPING)
    assert districts["area_code"].tolist() == ["centrum", "norr"]
    assert districts["area_name"].tolist() == ["Centrum", "Norra staden"]
    assert districts.geometry.area.round().tolist() == [2_000_000.0, 2_000_000.0]
    assert districts["municipality_code"].tolist() == ["0880", "0880"]


def test_aggregate_areas_unknown_mapping_code():
    bad = pd.concat([MAPPING, pd.DataFrame({"From_Code ": ["0880C9999"], "to_code": ["norr"]})])
    with pytest.raises(DataError, match="finns inte i områdesfilen") as err:
        aggregate_areas(read_areas(GPKG), bad)
    assert err.value.found == "0880C9999" and err.value.row == 6


def test_aggregate_statistics_recomputes_shares_and_flags():
    out = aggregate_statistics(_stats(), MAPPING, load_catalogue())
    got = out.set_index(["area_code", "indicator"])
    assert got.loc[("centrum", "population_total"), "value"] == 4000
    # (100 + 900) / (1000 + 3000): not the mean of 10 % and 30 %
    assert got.loc[("centrum", "foreign_born_share"), "value"] == pytest.approx(25.0)
    assert got.loc[("centrum", "foreign_born_share"), "denominator"] == 4000
    assert got.loc[("centrum", "reported_crimes_per_1000"), "value"] == pytest.approx(87.5)
    assert np.isnan(got.loc[("norr", "foreign_born_share"), "value"])
    assert got.loc[("norr", "foreign_born_share"), "flag"] == "missing_base"
    assert pd.isna(got.loc[("centrum", "foreign_born_share"), "flag"])
    assert got.loc[("0880", "population_total"), "value"] == 72704  # passes through
    assert got.loc[("SE", "population_total"), "value"] == 10587710


def test_mean_without_base_is_not_averaged():
    stats = _stats()
    extra = pd.DataFrame(
        {
            "area_code": ["0880C1010", "0880C1020"],
            "year": 2024,
            "indicator": "mean_income_tsek",
            "value": [200.0, 400.0],
        }
    )
    out = aggregate_statistics(pd.concat([stats, extra]), MAPPING, load_catalogue())
    row = out[(out["area_code"] == "centrum") & (out["indicator"] == "mean_income_tsek")]
    assert np.isnan(row["value"].iloc[0]) and row["flag"].iloc[0] == "missing_base"


def test_not_aggregable_kind_and_strict_mode(tmp_path):
    extra = tmp_path / "indicators.yaml"
    extra.write_text("foreign_born_share:\n  aggregation: none\n", encoding="utf-8")
    out = aggregate_statistics(_stats(), MAPPING, load_catalogue(extra))
    assert set(out.loc[out["indicator"] == "foreign_born_share", "flag"]) == {"not_aggregable"}
    with pytest.raises(DataError, match="kan inte slås samman"):
        aggregate_statistics(_stats(), MAPPING, load_catalogue(), strict=True)


def test_missing_component_is_flagged():
    stats = _stats()
    drop = (stats["area_code"] == "0880C1030") & (stats["indicator"] == "population_total")
    stats = stats[~drop]
    out = aggregate_statistics(stats, MAPPING, load_catalogue())
    row = out[(out["area_code"] == "norr") & (out["indicator"] == "population_total")]
    assert row["flag"].iloc[0] == "missing_component" and np.isnan(row["value"].iloc[0])


def test_statistics_code_with_no_area():
    stats = pd.concat(
        [
            _stats(),
            pd.DataFrame(
                {
                    "area_code": ["0880C7777"],
                    "year": [2024],
                    "indicator": ["population_total"],
                    "value": [5.0],
                }
            ),
        ],
        ignore_index=True,
    )
    with pytest.raises(DataError, match="hör inte till något utvärderat område") as err:
        aggregate_statistics(stats, MAPPING, load_catalogue())
    assert err.value.found == "0880C7777" and err.value.row == 14
    out = aggregate_statistics(stats, MAPPING, load_catalogue(), unmapped="drop")
    assert "0880C7777" not in set(out["area_code"])


def test_mapping_code_without_statistics():
    stats = _stats()
    stats = stats[stats["area_code"] != "0880A0040"]
    with pytest.raises(DataError, match="har inga rader i statistiken") as err:
        aggregate_statistics(stats, MAPPING, load_catalogue())
    assert err.value.found == "0880A0040"
