"""A no-op compares a page's stat with a remembered hash, and still notices every change."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from evaluation.load.fingerprint import sha256_file
from evaluation.render.manifest import (
    RACY_NS,
    CheckedPages,
    InputKey,
    is_up_to_date,
    write_manifest,
)
from evaluation.render.paths import ReportPaths

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the memo is used on POSIX only")

KEY = InputKey("p", "n", {"referrals.csv": "d"}, "0", "s")


def _later() -> int:
    """``started`` for remember(): the file counts as last changed long before its hash."""
    return time.time_ns() + 10 * RACY_NS


def _report(tmp_path: Path) -> ReportPaths:
    paths = ReportPaths(tmp_path / "reports" / "term" / "ryd", "area_analysis")
    paths.folder.mkdir(parents=True)
    paths.html.write_text("<html>sida</html>", encoding="utf-8")
    write_manifest(paths, KEY, 1.0)
    return paths


def _memo(tmp_path: Path) -> CheckedPages:
    return CheckedPages.for_folder(tmp_path / "cache", tmp_path / "reports" / "term")


def _remembered(tmp_path: Path, paths: ReportPaths) -> None:
    memo = _memo(tmp_path)
    memo.remember(paths.html, paths.html.stat(), sha256_file(paths.html), _later())
    memo.save()


def test_a_remembered_page_is_reused_without_reading_it(tmp_path: Path, monkeypatch) -> None:
    paths = _report(tmp_path)
    _remembered(tmp_path, paths)
    assert _memo(tmp_path).file.is_relative_to(tmp_path / "cache")  # never under reports/
    import evaluation.render.manifest as manifest

    def no_hash(path):
        raise AssertionError(f"{path} was read")

    monkeypatch.setattr(manifest, "sha256_file", no_hash)
    assert is_up_to_date(paths, KEY, _memo(tmp_path)) is not None


def test_a_page_changed_in_place_with_its_size_and_mtime_kept_is_noticed(tmp_path: Path) -> None:
    paths = _report(tmp_path)
    _remembered(tmp_path, paths)
    st = paths.html.stat()
    time.sleep(0.05)  # past the clock tick of the write above
    paths.html.write_text("<html>SIDA</html>", encoding="utf-8")  # same size
    os.utime(paths.html, ns=(st.st_atime_ns, st.st_mtime_ns))  # mtime put back
    assert paths.html.stat().st_size == st.st_size
    assert is_up_to_date(paths, KEY, _memo(tmp_path)) is None


def test_a_replaced_or_missing_page_is_noticed(tmp_path: Path) -> None:
    paths = _report(tmp_path)
    _remembered(tmp_path, paths)
    copy = paths.html.with_suffix(".bak")
    copy.write_bytes(paths.html.read_bytes().replace(b"sida", b"SIDA"))
    copy.replace(paths.html)  # another file of the same size under the page's name
    assert is_up_to_date(paths, KEY, _memo(tmp_path)) is None
    paths.html.unlink()
    assert is_up_to_date(paths, KEY, _memo(tmp_path)) is None


def test_a_page_changed_just_before_its_hash_is_not_remembered(tmp_path: Path) -> None:
    paths = _report(tmp_path)
    memo = _memo(tmp_path)
    assert is_up_to_date(paths, KEY, memo) is not None  # hashed now: the page is seconds old
    assert not memo.changed and memo.entries == {}
    memo.save()
    assert not memo.file.exists()


def test_a_page_hashed_while_old_is_remembered_for_the_next_run(tmp_path: Path) -> None:
    paths = _report(tmp_path)
    old = time.time_ns() - 10 * RACY_NS  # as if written long ago: ctime is what counts
    memo = _memo(tmp_path)
    memo.remember(paths.html, paths.html.stat(), sha256_file(paths.html), old)
    assert not memo.changed  # the page changed after "started": racy, not remembered
    memo.remember(paths.html, paths.html.stat(), sha256_file(paths.html), _later())
    assert memo.changed
    memo.save()
    again = _memo(tmp_path)
    assert again.same(paths.html, paths.html.stat(), sha256_file(paths.html))
    assert not again.same(paths.html, paths.html.stat(), "another hash")


def test_data_hashes_from_the_memo_equal_the_fingerprint_and_follow_a_change(
    tmp_path: Path, tiny_folder: Path
) -> None:
    import shutil

    from evaluation.load.fingerprint import data_fingerprint

    data = Path(shutil.copytree(tiny_folder, tmp_path / "data"))
    memo = _memo(tmp_path)
    assert data_fingerprint(data, memo.sha256) == data_fingerprint(data)
    for f in data.iterdir():  # as if hashed long after the copy was made
        if f.is_file():
            memo.remember(f, f.stat(), sha256_file(f), _later())
    memo.save()
    again = _memo(tmp_path)
    assert data_fingerprint(data, again.sha256) == data_fingerprint(data)
    referrals = next(p for p in data.iterdir() if p.name.startswith("referrals"))
    st = referrals.stat()
    time.sleep(0.05)
    text = referrals.read_bytes()
    referrals.write_bytes(text[:-2] + (b"9\n" if text[-2:] != b"9\n" else b"8\n"))  # same size
    os.utime(referrals, ns=(st.st_atime_ns, st.st_mtime_ns))
    changed = data_fingerprint(data, _memo(tmp_path).sha256)
    assert changed[referrals.name] != data_fingerprint(tiny_folder)[referrals.name]
    assert changed == {p.name: sha256_file(p) for p in map(data.joinpath, changed)}
    # the in-process memo (file hashed earlier in this test) follows the change as well
    assert data_fingerprint(data) == changed


@pytest.mark.parametrize("memo", [False, True])
def test_a_page_whose_ledger_is_gone_or_changed_is_not_reused(tmp_path: Path, memo) -> None:
    # the joint audit reads the ledgers: a page re-used without its own would escape it
    paths = _report(tmp_path)
    checked = _memo(tmp_path) if memo else None
    assert is_up_to_date(paths, KEY, checked) is not None  # no ledger written, none there
    paths.ledger.write_text('{"format": 2}', encoding="utf-8")
    assert is_up_to_date(paths, KEY, checked) is None  # a ledger the page was not written with
    write_manifest(paths, KEY, 1.0)  # page and ledger written together
    assert is_up_to_date(paths, KEY, checked) is not None
    paths.ledger.write_text('{"format": 2} ', encoding="utf-8")
    assert is_up_to_date(paths, KEY, checked) is None
    paths.ledger.unlink()
    assert is_up_to_date(paths, KEY, checked) is None
