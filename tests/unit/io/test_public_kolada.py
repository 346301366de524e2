"""Kolada responses: v3 pages, saved v2 files, into area_statistics, broken files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from evaluation.exceptions import DataError
from evaluation.io.kolada import kolada_to_area_statistics, next_link, read_kolada

KOLADA = Path(__file__).resolve().parents[2] / "fixtures" / "kolada"
PAGE1, PAGE2 = KOLADA / "v3_values_page1.json", KOLADA / "v3_values_page2.json"


def _pages():
    return [json.loads(p.read_text(encoding="utf-8")) for p in (PAGE1, PAGE2)]


def test_v3_pages_read_as_one_frame():
    frame = read_kolada(_pages())
    assert list(frame.columns) == ["kpi", "municipality", "period", "gender", "value", "status"]
    assert len(frame) == 4 + 3 + 3 + 1
    kalmar = frame[
        (frame["kpi"] == "N01951") & (frame["municipality"] == "0880") & (frame["period"] == 2024)
    ]
    assert kalmar["value"].tolist() == [72704.0]
    assert np.isnan(
        frame[(frame["municipality"] == "0780") & (frame["gender"] == "K")]["value"]
    ).all()


def test_next_link_reads_both_api_versions():
    v2 = json.loads((KOLADA / "v2_saved_kalmar.json").read_text(encoding="utf-8"))
    assert next_link(_pages()[0]).endswith("page=2&per_page=4")
    assert next_link(_pages()[1]) is None and next_link(v2) is None


def test_saved_v2_file():
    frame = read_kolada(KOLADA / "v2_saved_kalmar.json")
    assert frame["period"].unique().tolist() == [2022]
    assert frame.set_index(["kpi", "gender"]).loc[("N15428", "K"), "value"] == 87.0


def test_single_page_with_next_link_warns():
    with pytest.warns(UserWarning, match="ofullständig"):
        read_kolada(PAGE1)


def test_to_area_statistics_maps_riket_to_se():
    stats = kolada_to_area_statistics(
        read_kolada(_pages()), {"N01951": "population_total", "N15428": "school_eligibility_share"}
    )
    assert set(stats["area_code"]) == {"0880", "0780", "SE"}
    share = stats[(stats["indicator"] == "school_eligibility_share") & (stats["area_code"] == "SE")]
    assert share["value"].tolist() == [84.6] and share["year"].tolist() == [2024]
    assert len(stats) == 4 + 3  # totals only


def test_to_area_statistics_women_only():
    stats = kolada_to_area_statistics(
        read_kolada(_pages()), {"N15428": "school_eligibility_share"}, gender="K"
    )
    assert stats.set_index("area_code").loc["0880", "value"] == 88.1


def test_mapped_kpi_missing_from_data():
    with pytest.raises(DataError, match="N99999"):
        kolada_to_area_statistics(read_kolada(_pages()), {"N99999": "population_total"})


def test_truncated_kolada_file(tmp_path):
    path = tmp_path / "page.json"
    path.write_text(PAGE2.read_text(encoding="utf-8")[:300], encoding="utf-8")
    with pytest.raises(DataError, match="avkortad") as err:
        read_kolada(path)
    assert err.value.file == str(path)


def test_missing_key_is_named(tmp_path):
    page = _pages()[1]
    del page["values"][1]["municipality"]
    with pytest.raises(DataError, match=r"values\[1\] saknar \['municipality'\]"):
        read_kolada(page)


def test_not_a_data_response():
    with pytest.raises(DataError, match="inget datasvar från Kolada"):
        read_kolada({"columns": [], "data": []})
