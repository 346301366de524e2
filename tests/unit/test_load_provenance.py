"""Provenance is the hash of the bytes that were parsed: each file is read once."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

import evaluation
from evaluation.io.tables import read_raw
from evaluation.load import dataset
from evaluation.load.fingerprint import read_once
from tests.tiny_data import write_tiny


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_read_raw_parses_the_bytes_given_not_the_file(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    frame = read_raw(path, b"a,b\n3,4\n").frame
    assert frame.loc[0, "a"] == "3"


def test_fingerprint_is_the_hash_of_every_file_as_read(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("EVALUATION_CACHE_DIR", raising=False)
    folder = write_tiny(tmp_path / "data")
    data = evaluation.load_data(folder)
    assert set(data.fingerprint) == {p.name for p in folder.iterdir()}
    for name, digest in data.fingerprint.items():
        assert digest == _sha((folder / name).read_bytes()), name


def test_a_file_changed_while_loading_is_named_by_the_bytes_that_were_parsed(
    tmp_path: Path, monkeypatch
) -> None:
    folder = write_tiny(tmp_path / "data")
    original = (folder / "referrals.csv").read_bytes()
    last = original.decode().rstrip("\n").rsplit("\n", 1)[1]
    changed = original + ("RX999," + last.split(",", 1)[1] + "\n").encode()  # one more

    def read_then_change(path: Path):
        result = read_once(path)
        if path.name == "referrals.csv":
            path.write_bytes(changed)  # the file changes right after it was read
        return result

    monkeypatch.setattr(dataset, "read_once", read_then_change)
    cache = tmp_path / "cache"
    data = evaluation.load_data(folder, cache_dir=cache)
    assert data.fingerprint["referrals.csv"] == _sha(original)
    assert len(data.referrals) == original.count(b"\n") - 1  # the parsed bytes: all rows
    # the next load sees the new file: new hash, new rows, never the old cached copy
    monkeypatch.setattr(dataset, "read_once", read_once)
    again = evaluation.load_data(folder, cache_dir=cache)
    assert again.fingerprint["referrals.csv"] == _sha(changed)
    assert len(again.referrals) == len(data.referrals) + 1


def test_a_folder_for_a_file_is_refused_by_read_once(tmp_path: Path) -> None:
    (tmp_path / "referrals.csv").mkdir()
    with pytest.raises(evaluation.exceptions.DataError, match="mapp"):
        read_once(tmp_path / "referrals.csv")
