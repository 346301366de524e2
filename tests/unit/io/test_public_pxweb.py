"""SCB PxWeb readers: real responses, the same cube as json-stat2 and CSV, broken files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evaluation.exceptions import DataError
from evaluation.io.pxweb import (
    parse_region,
    pxweb_to_area_statistics,
    read_pxweb,
    sum_age_bands,
    to_jsonstat2,
)

SCB = Path(__file__).resolve().parents[2] / "fixtures" / "scb"
KALMAR = SCB / "kalmar_regso_population_age_sex_2024.json"
VAXJO = SCB / "vaxjo_regso_income_sex_2024.json"


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    keys = [c for c in frame.columns if c not in ("value", "value_note")]
    return frame.sort_values(keys).reset_index(drop=True)


def test_kalmar_regso_hold_72704_inhabitants():
    frame = read_pxweb(KALMAR)
    assert list(frame.columns) == ["Region", "Alder", "Kon", "Tid", "value", "value_note"]
    assert len(frame) == 17 * 18 * 3
    both_all = frame[(frame["Kon"] == "1+2") & (frame["Alder"] == "totalt")]
    assert both_all["Region"].nunique() == 17
    assert both_all["value"].sum() == 72_704


def test_vaxjo_income_has_two_measures():
    frame = read_pxweb(VAXJO)
    assert set(frame["measure"]) == {"000008A4", "000008A3"}
    cell = frame[(frame["Region"] == "0780R001_RegSO2025") & (frame["Kon"] == "1+2")]
    assert dict(zip(cell["measure"], cell["value"], strict=False)) == {
        "000008A4": 216.4,
        "000008A3": 4924.0,
    }


@pytest.mark.parametrize("name", [KALMAR.name, VAXJO.name])
def test_jsonstat2_fixture_gives_identical_table(name):
    v1 = read_pxweb(SCB / name)
    js = read_pxweb(SCB / name.replace(".json", ".jsonstat2.json"))
    pd.testing.assert_frame_equal(_sorted(v1), _sorted(js))


def test_jsonstat2_round_trip_keeps_markers():
    frame = read_pxweb(VAXJO)
    frame.loc[0, "value"] = np.nan
    frame.loc[0, "value_note"] = "not_applicable"
    again = read_pxweb(to_jsonstat2(frame))
    assert again.loc[0, "value_note"] == "not_applicable" and np.isnan(again.loc[0, "value"])


def test_csv_download_gives_same_figures_as_json():
    csv_frame = read_pxweb(SCB / "kalmar_regso_population_age_sex_2024.csv")
    pd.testing.assert_frame_equal(_sorted(csv_frame), _sorted(read_pxweb(KALMAR)))


def test_semicolon_latin1_csv_with_two_contents():
    frame = read_pxweb(SCB / "vaxjo_regso_income_sex_2024.csv")
    mean = frame[
        (frame["measure"] == "Medelvärde för samtliga, tkr")
        & (frame["Region"] == "0780R001_RegSO2025")
        & (frame["Kon"] == "1+2")
    ]
    assert mean["value"].tolist() == [216.4]
    assert set(frame["Tid"]) == {"2024"}


def test_scb_markers_become_nan_with_reason():
    doc = json.loads(VAXJO.read_text(encoding="utf-8"))
    doc["data"][0]["values"] = ["..", "-"]
    doc["data"][1]["values"] = [".", "12"]
    frame = read_pxweb(doc)
    assert frame["value"].isna().sum() == 3
    assert frame["value_note"].dropna().tolist() == ["not_available", "nil", "not_applicable"]


@pytest.mark.parametrize(
    "code, expected",
    [
        ("0880R001_RegSO2025", ("0880R001", "RegSO2025")),
        ("0580C1070_DeSO2025", ("0580C1070", "DeSO2025")),
        ("0580C1070", ("0580C1070", "DeSO2018")),
        ("0880R001", ("0880R001", "RegSO2018")),
        ("0580", ("0580", "")),
        ("00", ("SE", "")),
        ("SE", ("SE", "")),
    ],
)
def test_parse_region(code, expected):
    assert parse_region(code) == expected


def test_to_area_statistics_population_total():
    stats = pxweb_to_area_statistics(
        read_pxweb(KALMAR), "population_total", filters={"Kon": "1+2", "Alder": "totalt"}
    )
    assert list(stats.columns) == [
        "area_code",
        "year",
        "indicator",
        "value",
        "numerator",
        "denominator",
        "division",
    ]
    assert stats["value"].sum() == 72_704
    assert set(stats["division"]) == {"RegSO2025"}
    assert stats["area_code"].iloc[0] == "0880R001" and stats["year"].iloc[0] == 2024


def test_to_area_statistics_needs_filters_for_varying_dimensions():
    with pytest.raises(DataError, match="varierar fortfarande"):
        pxweb_to_area_statistics(read_pxweb(KALMAR), "population_total", filters={"Kon": "1+2"})


def test_to_area_statistics_mean_keeps_its_base():
    stats = pxweb_to_area_statistics(
        read_pxweb(VAXJO),
        "mean_income_tsek",
        filters={"Kon": "1+2"},
        measure="000008A4",
        denominator_measure="000008A3",
    )
    row = stats[stats["area_code"] == "0780R001"].iloc[0]
    assert row["denominator"] == 4924 and row["numerator"] == pytest.approx(216.4 * 4924)


def test_several_measures_need_a_choice():
    with pytest.raises(DataError, match="measure="):
        pxweb_to_area_statistics(read_pxweb(VAXJO), "mean_income_tsek", filters={"Kon": "1+2"})


def test_sum_age_bands_into_0_19_and_reject_0_17():
    frame = read_pxweb(KALMAR)
    young = sum_age_bands(frame, 0, 19)
    r001 = young[(young["Region"] == "0880R001_RegSO2025") & (young["Kon"] == "1+2")]
    assert r001["value"].tolist() == [121 + 173 + 188 + 166]
    assert set(young["Alder"]) == {"0-19"}
    with pytest.raises(DataError) as err:
        sum_age_bands(frame, 0, 17)
    assert err.value.column == "Alder" and "15-19" in err.value.found


def test_sum_age_bands_open_top_band():
    old = sum_age_bands(read_pxweb(KALMAR), 65, None)
    assert set(old["Alder"]) == {"65-"}
    total = old[(old["Kon"] == "1+2")]["value"].sum()
    assert 0 < total < 72_704


# --- broken responses ------------------------------------------------------------------------


def test_truncated_json_is_a_named_error(tmp_path):
    path = tmp_path / "cut.json"
    path.write_text(KALMAR.read_text(encoding="utf-8")[:5000], encoding="utf-8")
    with pytest.raises(DataError, match="avkortad") as err:
        read_pxweb(path)
    assert err.value.file == str(path)


def test_key_length_mismatch_names_the_row(tmp_path):
    doc = json.loads(KALMAR.read_text(encoding="utf-8"))
    doc["data"][7]["key"] = doc["data"][7]["key"][:3]
    with pytest.raises(DataError, match=r"data\[7\]"):
        read_pxweb(doc)


def test_jsonstat2_undescribed_dimension(tmp_path):
    doc = json.loads((SCB / "vaxjo_regso_income_sex_2024.jsonstat2.json").read_text("utf-8"))
    del doc["dimension"]["Kon"]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(DataError, match="inte beskrivs") as err:
        read_pxweb(path)
    assert "Kon" in str(err.value) and "bad.json" in str(err.value)


def test_unknown_json_shape():
    with pytest.raises(DataError, match="inget svar från PxWeb"):
        read_pxweb({"hello": 1})


def test_region_code_that_maps_to_no_area():
    frame = read_pxweb(KALMAR)
    frame["Region"] = frame["Region"].replace("0880R003_RegSO2025", "Kalmar centrum")
    with pytest.raises(DataError, match="hör inte till något område") as err:
        pxweb_to_area_statistics(
            frame, "population_total", filters={"Kon": "1+2", "Alder": "totalt"}
        )
    assert err.value.found == "Kalmar centrum"


def test_csv_with_unexpected_header(tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text('"region","ålder","kön","antal"\n"0880","totalt","män",12\n', encoding="utf-8")
    with pytest.raises(DataError, match="oväntad rubrikrad") as err:
        read_pxweb(path)
    assert err.value.row == 1 and "antal" in err.value.found
