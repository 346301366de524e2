"""The cache checks itself, file names resolve one way, and a file changed mid-batch is caught."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pandas as pd
import pytest

import evaluation
from evaluation.exceptions import DataError
from evaluation.load.fingerprint import data_fingerprint, sha256_file
from tests.integration.faults.conftest import REPORTS, Project, html_of, wait_for
from tests.integration.render.conftest import make_notebook_dir, referrals_csv, write_params
from tests.tiny_data import write_tiny


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    return write_tiny(tmp_path_factory.mktemp("cache") / "data")


def _cached(cache: Path) -> Path:
    (entry,) = [p for p in cache.iterdir() if not p.name.startswith(".")]
    return entry


def _same(a, b) -> None:
    for name in a.files:
        if name != "areas":
            pd.testing.assert_frame_equal(a.table(name), b.table(name))


@pytest.mark.parametrize("damage", ["truncated", "garbage", "foreign", "wrong-rows", "record"])
def test_broken_cache_is_rebuilt_from_the_source(tiny: Path, tmp_path: Path, damage, capsys):
    cache = tmp_path / "cache"
    good = evaluation.load_data(tiny, cache_dir=cache)
    entry = _cached(cache)
    target = entry / "referrals.parquet"
    if damage == "truncated":
        target.write_bytes(target.read_bytes()[: target.stat().st_size // 2])
    elif damage == "garbage":
        target.write_bytes(b"not parquet at all" * 10)
    elif damage == "foreign":  # another table, with its hash recorded as if it were right
        shutil.copyfile(entry / "activities.parquet", target)
        record = json.loads((entry / "files.json").read_text())
        record["tables"]["referrals"] = sha256_file(target)
        (entry / "files.json").write_text(json.dumps(record))
    elif damage == "wrong-rows":  # valid Parquet, right columns, wrong content
        frame = pd.read_parquet(target)
        frame.loc[0, "child_age"] = 17 - frame.loc[0, "child_age"]
        frame.to_parquet(target, index=False)
    else:
        (entry / "files.json").write_text("{")
    again = evaluation.load_data(tiny, cache_dir=cache)
    assert "läser källfilerna igen" in capsys.readouterr().err
    _same(good, again)
    third = evaluation.load_data(tiny, cache_dir=cache)  # the rebuilt cache is trusted again
    assert "läser" not in capsys.readouterr().err
    _same(good, third)


def test_fingerprint_and_loader_resolve_names_alike(tiny: Path, tmp_path: Path) -> None:
    folder = tmp_path / "data"
    shutil.copytree(tiny, folder)
    (folder / "referrals.csv").rename(folder / "Referrals.CSV")
    before = data_fingerprint(folder)
    assert "Referrals.CSV" in before
    data = evaluation.load_data(folder)
    assert data.files["referrals"] == "Referrals.CSV"
    text = (folder / "Referrals.CSV").read_text()
    time.sleep(0.01)
    (folder / "Referrals.CSV").write_text(text.replace(",11,", ",12,", 1))
    assert data_fingerprint(folder)["Referrals.CSV"] != before["Referrals.CSV"]
    shutil.copyfile(folder / "Referrals.CSV", folder / "referrals.csv")
    with pytest.raises(DataError) as both:
        data_fingerprint(folder)
    assert both.value.found == "Referrals.CSV och referrals.csv"
    with pytest.raises(DataError, match="flera filer innehåller samma tabell"):
        evaluation.load_data(folder)


def test_a_folder_where_a_file_belongs_is_refused(tiny: Path, tmp_path: Path) -> None:
    folder = tmp_path / "data"
    shutil.copytree(tiny, folder)
    (folder / "activities.csv").unlink()
    (folder / "activities.csv").mkdir()
    with pytest.raises(DataError, match="en mapp där en datafil väntas"):
        evaluation.load_data(folder)


@pytest.mark.slow
def test_data_file_changed_mid_batch_is_rendered_again_from_the_new_file(tmp_path: Path) -> None:
    root = tmp_path
    data = root / "data"
    data.mkdir()
    (data / "metadata.yaml").write_text("name: Testkommun\nsynthetic: true\n", encoding="utf-8")
    (data / "Referrals.csv").write_text(referrals_csv("r1", "A"), encoding="utf-8")
    make_notebook_dir(root / "notebooks", outcome_followup="ok", area_analysis="hang")
    for name, (area, kind) in REPORTS.items():
        write_params(root, name, kind, {"skaggetorp": "Skäggetorp"}.get(area, area.title()))
    batch = root / "batch.yaml"
    listed = "".join(f"  - {name}\n" for name in REPORTS)
    batch.write_text(f"batch: term\ntitle: Testtermin\nevaluations:\n{listed}", encoding="utf-8")
    project = Project(root, batch, root / "good")
    out = root / "out"
    marker = root / "marker"
    proc = project.start(out, "--workers", "1", env=project.env(marker, hang=8))
    wait_for(marker, proc)
    old = sha256_file(data / "Referrals.csv")
    (data / "Referrals.csv").write_text(
        referrals_csv("r1", "A") + "r2,2024-02-01,A,7,M,police\n", encoding="utf-8"
    )
    new = sha256_file(data / "Referrals.csv")
    proc.communicate(timeout=600)
    assert proc.returncode == 0
    for params in REPORTS:
        page = html_of(out, params).read_text(encoding="utf-8")
        assert new in page and old not in page, params  # the footer names what was read
        kind = REPORTS[params][1]
        manifest = json.loads((html_of(out, params).parent / f"{kind}.manifest.json").read_text())
        assert manifest["inputs"]["data"]["Referrals.csv"] == new
    again = project.run(out, "--workers", "1")  # a plain re-run re-uses all of them
    assert again.returncode == 0 and "3 återanvända" in again.stdout, again.stdout
