"""area_mapping.csv: a district made of several statistical areas."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

import evaluation


@pytest.fixture()
def deso_folder(tmp_path):
    """Four DeSO-like areas; two of them form the district 'Norra staden'."""
    codes = ["0999C1010", "0999C1020", "0999C1030", "0999C1040"]
    gpd.GeoDataFrame(
        {"area_code": codes, "area_name": codes, "municipality_code": "0999"},
        geometry=[box(i * 1000, 0, i * 1000 + 1000, 1000) for i in range(4)],
        crs="EPSG:3006",
    ).to_file(tmp_path / "areas.geojson", driver="GeoJSON")
    pd.DataFrame({"from_code": codes[:2], "to_code": "0999NORR", "to_name": "Norra staden"}).to_csv(
        tmp_path / "area_mapping.csv", index=False
    )
    stats = []
    for code, kids, born, pop in zip(
        codes, [100, 300, 50, 80], [10, 90, 5, 8], [1000, 3000, 500, 800], strict=True
    ):
        stats += [
            (code, 2024, "population_0_17", kids, None, None),
            (code, 2024, "foreign_born_share", 100 * born / pop, born, pop),
            (code, 2024, "mean_income_tsek", 250.0, None, None),
        ]
    pd.DataFrame(
        stats, columns=["area_code", "year", "indicator", "value", "numerator", "denominator"]
    ).to_csv(tmp_path / "area_statistics.csv", index=False)
    pd.DataFrame(
        {
            "referral_id": ["R1", "R2", "R3"],
            "received_date": ["2024-01-02", "2024-02-03", "2024-03-04"],
            "area_code": [codes[0], codes[1], codes[2]],
            "child_age": [4, 7, 9],
            "child_sex": ["F", "M", "F"],
            "reporter_category": "school",
        }
    ).to_csv(tmp_path / "referrals.csv", index=False)
    return tmp_path


def test_district_is_the_union_of_its_statistical_areas(deso_folder):
    data = evaluation.load_data(deso_folder)
    areas = data.areas.set_index("area_code")
    assert set(areas.index) == {"0999NORR", "0999C1030", "0999C1040"}
    assert areas.loc["0999NORR", "area_name"] == "Norra staden"
    assert areas.loc["0999NORR"].geometry.area == pytest.approx(2_000_000)


def test_statistics_are_summed_or_recomputed_not_averaged(deso_folder):
    stats = evaluation.load_data(deso_folder).area_statistics
    norr = stats[stats["area_code"] == "0999NORR"].set_index("indicator")
    assert norr.loc["population_0_17", "value"] == 400
    # (10 + 90) / (1000 + 3000) = 2.5 %, where the plain mean of 1 % and 3 % would be 2 %
    assert norr.loc["foreign_born_share", "value"] == pytest.approx(2.5)
    assert pd.isna(norr.loc["mean_income_tsek", "value"])  # no base: flagged, not averaged
    assert norr.loc["mean_income_tsek", "flag"] == "missing_base"


def test_case_records_follow_the_mapping(deso_folder):
    refs = evaluation.load_data(deso_folder).referrals
    assert list(refs["area_code"]) == ["0999NORR", "0999NORR", "0999C1030"]
