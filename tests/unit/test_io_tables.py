"""Reading contract tables in every accepted format gives the same canonical tables."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

import evaluation
from evaluation.exceptions import DataError
from evaluation.load.dataset import read_contract_table

TABLES = [
    "referrals",
    "assessments",
    "investigations",
    "interventions",
    "activities",
    "area_statistics",
]


def _as_swedish_excel(src, dst):
    """Re-save every CSV as Excel does in Sweden: ';', decimal comma, Windows-1252."""
    dst.mkdir()
    for path in src.iterdir():
        if path.suffix != ".csv":
            shutil.copy(path, dst / path.name)
            continue
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        for col in frame.columns:
            if col in ("value", "numerator", "denominator"):
                frame[col] = frame[col].str.replace(".", ",", regex=False)
        text = frame.to_csv(sep=";", index=False, lineterminator="\r\n")
        (dst / path.name).write_bytes(text.encode("cp1252"))


def test_swedish_excel_csv_loads_to_the_same_tables(tiny_folder, tmp_path):
    # Area names with å/ä/ö must survive Windows-1252, and decimals the comma.
    (tiny_folder / "area_statistics.csv").read_text()
    swedish = tmp_path / "swedish"
    _as_swedish_excel(tiny_folder, swedish)
    stats = pd.read_csv(swedish / "area_statistics.csv", sep=";", encoding="cp1252", dtype=str)
    stats.loc[0, "value"] = "12,5"
    stats.to_csv(swedish / "area_statistics.csv", sep=";", index=False, encoding="cp1252")
    utf8 = tmp_path / "utf8"
    shutil.copytree(tiny_folder, utf8)
    s2 = pd.read_csv(utf8 / "area_statistics.csv", dtype=str)
    s2.loc[0, "value"] = "12.5"
    s2.to_csv(utf8 / "area_statistics.csv", index=False)
    a, b = evaluation.load_data(utf8), evaluation.load_data(swedish)
    for name in TABLES:
        pd.testing.assert_frame_equal(a.table(name), b.table(name), check_dtype=True)
    assert b.area_statistics.loc[0, "value"] == 12.5


def test_bom_xlsx_and_parquet_load_to_the_same_tables(tiny_folder, tmp_path):
    base = evaluation.load_data(tiny_folder)
    for fmt in ("bom", "xlsx", "parquet"):
        folder = tmp_path / fmt
        shutil.copytree(tiny_folder, folder)
        path = folder / "referrals.csv"
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        if fmt == "bom":
            path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
        else:
            path.unlink()
            if fmt == "xlsx":
                frame["received_date"] = pd.to_datetime(frame["received_date"])
                frame["child_age"] = frame["child_age"].astype(int)
                frame.to_excel(folder / "referrals.xlsx", index=False)
            else:
                frame.to_parquet(folder / "referrals.parquet", index=False)
        other = evaluation.load_data(folder)
        pd.testing.assert_frame_equal(base.referrals, other.referrals, obj=fmt)


@pytest.mark.parametrize(
    "raw, expected",
    [
        pytest.param("2024-03-05", "2024-03-05", id="iso"),
        pytest.param("2024-03-05 14:30", "2024-03-05", id="datetime-minutes"),
        pytest.param("2024-03-05 14:30:12", "2024-03-05", id="datetime-seconds"),
    ],
)
def test_date_shapes(tmp_path, raw, expected):
    path = tmp_path / "referrals.csv"
    path.write_text(
        "Referral_ID , RECEIVED_DATE,area_code,child_age,child_sex,reporter_category,"
        "extra\nR1," + raw + ",A,5,F,school,kept\n",
        encoding="utf-8",
    )
    frame = read_contract_table(path, "referrals")
    assert frame.loc[0, "received_date"] == pd.Timestamp(expected)
    assert frame.loc[0, "extra"] == "kept"  # unknown columns are kept


@pytest.mark.parametrize("raw", ["45356", "2019", "7"])
def test_numbers_in_a_text_date_column_are_refused(tmp_path, raw):
    """Excel serials are read only from a spreadsheet's numeric cells, never from text."""
    path = tmp_path / "referrals.csv"
    path.write_text(
        "referral_id,received_date,area_code,child_age,child_sex,reporter_category\n"
        f"R1,{raw},A,5,F,school\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError, match="received_date"):
        read_contract_table(path, "referrals")


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("ja", True),
        ("NEJ", False),
        ("j", True),
        ("n", False),
        ("1", True),
        ("0", False),
        ("True", True),
        ("false", False),
        ("", None),
    ],
)
def test_boolean_spellings(tmp_path, raw, expected):
    path = tmp_path / "assessments.csv"
    path.write_text(
        "assessment_id,referral_id,area_code,start_date,decision_date,"
        f"joint_with_provider,decision\nA1,R1,X,2024-01-01,,{raw},\n",
        encoding="utf-8",
    )
    value = read_contract_table(path, "assessments").loc[0, "joint_with_provider"]
    assert (value is pd.NA and expected is None) or value == expected


def test_identity_number_is_rejected_without_echo(tmp_path):
    path = tmp_path / "referrals.csv"
    path.write_text(
        "referral_id,received_date,area_code,child_age,child_sex,reporter_category\n"
        "R1,2024-01-01,A,5,F,school\n19121212-1212,2024-01-02,A,5,F,school\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError) as err:
        read_contract_table(path, "referrals")
    text = str(err.value)
    assert "rad 3" in text and "referral_id" in text and "referrals.csv" in text
    assert "1212" not in text


def test_area_code_leading_zeros_survive_excel(tmp_path):
    path = tmp_path / "area_statistics.xlsx"
    pd.DataFrame(
        {"area_code": [580], "year": [2024], "indicator": ["population_total"], "value": [1.0]}
    ).to_excel(path, index=False)
    frame = read_contract_table(path, "area_statistics")
    assert frame.loc[0, "area_code"] == "580"  # numeric cells keep their digits, no ".0"


def test_changed_file_gets_a_new_fingerprint(tiny_folder, tmp_path):
    from evaluation.load.fingerprint import data_fingerprint

    folder = tmp_path / "copy"
    shutil.copytree(tiny_folder, folder)
    before = data_fingerprint(folder)
    assert data_fingerprint(folder) == before  # memoised, same answer
    path = folder / "referrals.csv"
    path.write_text(path.read_text(encoding="utf-8") + "", encoding="utf-8")  # same bytes
    assert data_fingerprint(folder) == before
    path.write_text(
        path.read_text(encoding="utf-8").replace("school", "police", 1), encoding="utf-8"
    )
    assert data_fingerprint(folder)["referrals.csv"] != before["referrals.csv"]
