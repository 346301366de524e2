"""Data a check validated is handed to the next load of the same files, once and only then."""

from __future__ import annotations

import shutil
from pathlib import Path

from evaluation.load.dataset import hand_over, load_data

ROOT = Path(__file__).resolve().parents[3]


def test_the_next_load_takes_the_checked_data_once(tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(ROOT / "data" / "sample", folder)
    cache = tmp_path / "cache"
    checked = load_data(folder, cache_dir=cache)

    hand_over(checked, cache)
    assert load_data(folder, cache_dir=cache) is checked  # no second read of the cache
    again = load_data(folder, cache_dir=cache)  # taken once: what a reader changed stays there
    assert again is not checked and again.fingerprint == checked.fingerprint

    hand_over(checked, cache)
    assert load_data(folder, cache_dir=tmp_path / "other-cache") is not checked
    hand_over(checked, cache)
    # A file that changed after the check: its data is read again, not the checked data.
    with (folder / "referrals.csv").open("a", encoding="utf-8") as f:
        f.write("\n")
    changed = load_data(folder, cache_dir=cache)
    assert changed is not checked and changed.fingerprint != checked.fingerprint


def test_a_later_hand_over_replaces_the_earlier(tmp_path):
    cache = tmp_path / "cache"
    sample = ROOT / "data" / "sample"
    first = load_data(sample, cache_dir=cache)
    second = load_data(sample, cache_dir=cache)
    hand_over(first, cache)
    hand_over(second, cache)
    assert load_data(sample, cache_dir=cache) is second
    third = load_data(sample, cache_dir=cache)
    assert third is not first and third is not second
