"""A no-op leaves a current index alone, and rewrites it whenever anything it shows changed."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

import evaluation.render.manifest as manifest_module
from evaluation.render.index import write_index
from evaluation.render.single import ReportResult

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the memo is used on POSIX only")

TITLE = "Kommun 2025 H1"


def _page(folder: Path, slug: str, title: str) -> Path:
    (folder / slug).mkdir(parents=True, exist_ok=True)
    page = folder / slug / "area_analysis.html"
    page.write_text(f"<html><head><title>{title}</title></head><body></body></html>", "utf-8")
    (folder / slug / "area_analysis.manifest.json").write_text(
        json.dumps({"inputs": {"data": {"a.csv": "h1"}}}), encoding="utf-8"
    )
    (folder / slug / "area_analysis.ledger.json").write_text("{}", encoding="utf-8")
    return page


@pytest.fixture
def batch(tmp_path: Path):
    folder = tmp_path / "reports" / "kommun-2025H1"
    page = _page(folder, "ryd", "Områdesanalys: Ryd")
    rows = [ReportResult("ryd.yaml", "reused", "Ryd", "area_analysis", str(page), 3.0)]
    manifests = {str(page): {"html_sha256": "abc", "inputs": {"data": {"a.csv": "h1"}}}}
    return folder, rows, manifests, tmp_path / "cache" / "index.json"


def _write(batch, seconds: float, rows=None, manifests=None) -> str:
    folder, base_rows, base_manifests, memo = batch
    write_index(
        folder / "index.html",
        TITLE,
        base_rows if rows is None else rows,
        seconds,
        memo=memo,
        manifests=base_manifests if manifests is None else manifests,
    )
    return (folder / "index.html").read_text(encoding="utf-8")


def test_a_current_index_is_left_as_the_run_that_wrote_it(batch) -> None:
    first = _write(batch, 1.0)
    assert "tog 1,0 s" in first
    assert _write(batch, 7.0) == first  # nothing it shows changed: not written again


def test_a_cleared_failure_or_another_page_rewrites_the_index(batch) -> None:
    folder, rows, manifests, _ = batch
    failed = [ReportResult("ryd.yaml", "failed", "Ryd", "area_analysis", None, 0.0, "KeyError")]
    assert "Kunde inte framställas" in _write(batch, 1.0, rows=failed, manifests={})
    cleared = _write(batch, 2.0)  # the same report current again: the failure is gone
    assert "Kunde inte framställas" not in cleared and "tog 2,0 s" in cleared
    broken = ReportResult("berga.yaml", "failed", "Berga", None, None, 0.0, "okänd parameter")
    assert "okänd parameter" in _write(batch, 2.5, rows=[*rows, broken])  # a new failed row
    assert "okänd parameter" not in _write(batch, 2.6)  # ... and gone again
    changed = {str(rows[0].html): {**manifests[str(rows[0].html)], "html_sha256": "def"}}
    assert "tog 3,0 s" in _write(batch, 3.0, manifests=changed)  # the page was re-rendered
    fresh = [ReportResult("ryd.yaml", "ok", "Ryd", "area_analysis", rows[0].html, 3.0)]
    assert "tog 4,0 s" in _write(batch, 4.0, rows=fresh, manifests={})  # written this run
    assert "tog 5,0 s" in _write(batch, 5.0, rows=fresh, manifests={})  # ... never memoised


def test_an_edited_or_missing_index_is_written_again(batch) -> None:
    folder = batch[0]
    _write(batch, 1.0)
    (folder / "index.html").write_text("<html>ändrad</html>", encoding="utf-8")
    assert "tog 2,0 s" in _write(batch, 2.0)
    (folder / "index.html").unlink()
    assert "tog 3,0 s" in _write(batch, 3.0)


def test_a_change_in_the_earlier_terms_page_rewrites_the_index(batch, monkeypatch) -> None:
    folder = batch[0]
    earlier = _page(folder.parent / "kommun-2024H2", "ryd", "Områdesanalys: Ryd 2024")
    time.sleep(0.05)
    monkeypatch.setattr(manifest_module, "RACY_NS", 0)  # the earlier term's files count as old
    first = _write(batch, 1.0)
    assert "Sedan förra terminen" in first
    assert _write(batch, 2.0) == first
    time.sleep(0.05)  # past the clock tick of the writes above
    earlier.write_text(earlier.read_text(encoding="utf-8").replace("2024", "2023"), "utf-8")
    assert "tog 3,0 s" in _write(batch, 3.0)


def test_earlier_files_changed_just_now_are_never_trusted(batch) -> None:
    folder = batch[0]
    _page(folder.parent / "kommun-2024H2", "ryd", "Områdesanalys: Ryd 2024")  # ctime: now
    _write(batch, 1.0)
    assert "tog 2,0 s" in _write(batch, 2.0)  # racy: written again rather than trusted
