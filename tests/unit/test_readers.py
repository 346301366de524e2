"""A new input format is one reader function plus its registration."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import evaluation
from evaluation.io import tables
from evaluation.load.fingerprint import contract_files
from evaluation.metadata.contract import table_extensions


def read_tsv(path: Path) -> tables.RawTable:
    """Tab-separated UTF-8 text, every cell kept as text."""
    frame = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    frame.columns = [c.strip().lower() for c in frame.columns]
    return tables.RawTable(frame, path, decimal_comma=False, first_data_row=2)


@pytest.fixture
def tsv_reader(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(tables, "READERS", dict(tables.READERS))
    tables.register_reader(".tsv", read_tsv)


def test_registered_reader_loads_a_table(tmp_path: Path, tsv_reader) -> None:
    (tmp_path / "referrals.tsv").write_text(
        "referral_id\treceived_date\tarea_code\tchild_age\tchild_sex\treporter_category\n"
        "r1\t2024-01-05\tA\t5\tF\tschool\n"
        "r2\t2024-02-11\tA\t9\tM\tpolice\n",
        encoding="utf-8",
    )
    assert ".tsv" in table_extensions()
    assert [p.name for p in contract_files(tmp_path)] == ["referrals.tsv"]
    data = evaluation.load_data(tmp_path)
    assert data.files["referrals"] == "referrals.tsv"
    assert list(data.referrals["referral_id"]) == ["r1", "r2"]
    assert data.referrals["received_date"].iloc[1] == pd.Timestamp("2024-02-11")


def test_unregistered_suffix_is_ignored(tmp_path: Path) -> None:
    (tmp_path / "referrals.tsv").write_text("referral_id\nr1\n", encoding="utf-8")
    assert ".tsv" not in table_extensions()
    assert evaluation.load_data(tmp_path).referrals is None


def test_suffix_must_start_with_a_dot() -> None:
    with pytest.raises(ValueError):
        tables.register_reader("tsv", read_tsv)
