"""R10: a notebook cell that shows unprotected output fails `run` and `batch`, naming the cell."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evaluation.cli.main import app

runner = CliRunner()

# fixture notebook -> (cell number, its first line, what the output is)
CASES = {
    "raw_frame": (5, "import pandas as pd", "en tabell eller HTML-visning"),
    "prints": (4, "print(2)", "utskriven text"),
    "raw_figure": (4, "import matplotlib.pyplot as plt", "en figur eller bild"),
}


def _unprotected(notebook: Path) -> list[dict]:
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    outputs = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])]
    return [
        o
        for o in outputs
        if (o["output_type"] == "stream" and o["name"] == "stdout")
        or (
            o["output_type"] in ("display_data", "execute_result")
            and not o.get("metadata", {}).get("evaluation", {}).get("protected")
        )
    ]


@pytest.mark.parametrize("fixture", sorted(CASES))
def test_run_refuses_unprotected_output_naming_the_cell(
    fixture: str, project: Path, tmp_path: Path, monkeypatch, notebooks
) -> None:
    monkeypatch.setenv(
        "EVALUATION_NOTEBOOK_DIR", str(notebooks(tmp_path / fixture, outcome_followup=fixture))
    )
    out = project / "out"
    result = runner.invoke(app, ["run", str(project / "ok.yaml"), "-o", str(out)])
    number, line, what = CASES[fixture]
    assert result.exit_code == 1, result.output
    first = result.stderr.strip().splitlines()[0]
    assert f"cell {number}:" in first and line in first and what in first
    assert "Traceback" not in result.output
    assert not list(out.rglob("*.html")) and not list(out.rglob("*.manifest.json"))
    kept = out / "skaggetorp" / "outcome_followup.failed.ipynb"
    assert kept.exists() and "output removed" in kept.read_text(encoding="utf-8")
    assert _unprotected(kept) == []  # the kept notebook holds nothing unprotected


def test_batch_refuses_unprotected_output_naming_the_cell(
    project: Path, tmp_path: Path, monkeypatch, notebooks, params
) -> None:
    monkeypatch.setenv(
        "EVALUATION_NOTEBOOK_DIR",
        str(notebooks(tmp_path / "mixed", outcome_followup="ok", area_analysis="raw_frame")),
    )
    params(project, "frame.yaml", "area_analysis", "Ryd")
    batch = project / "batch.yaml"
    batch.write_text("batch: term\nevaluations:\n  - ok.yaml\n  - frame.yaml\n", encoding="utf-8")
    out = project / "reports"
    result = runner.invoke(
        app, ["batch", str(batch), "-o", str(out), "--executor", "serial", "--no-progress"]
    )
    assert result.exit_code == 1, result.output
    assert "cell 5:" in result.stderr and "import pandas as pd" in result.stderr
    index = (out / "term" / "index.html").read_text(encoding="utf-8")
    assert "cell 5:" in index and "misslyckades" in index
    assert (out / "term" / "skaggetorp" / "outcome_followup.html").exists()
    assert not (out / "term" / "ryd" / "area_analysis.html").exists()
    assert _unprotected(out / "term" / "ryd" / "area_analysis.failed.ipynb") == []


def test_batch_keeps_record_level_data_out_of_the_reports_folder(
    project: Path, tmp_path: Path, monkeypatch
) -> None:
    cache = tmp_path / "private-cache"
    monkeypatch.setenv("EVALUATION_CACHE_DIR", str(cache))
    out = project / "reports"
    legacy = out / "term" / ".cache" / "old"
    legacy.mkdir(parents=True)
    (legacy / "referrals.parquet").write_bytes(b"PAR1 left by an older version")
    batch = project / "batch.yaml"
    batch.write_text("batch: term\nevaluations:\n  - ok.yaml\n", encoding="utf-8")
    result = runner.invoke(
        app, ["batch", str(batch), "-o", str(out), "--executor", "serial", "--no-progress"]
    )
    assert result.exit_code == 0, result.output
    files = [p for p in out.rglob("*") if p.is_file()]
    assert files and not [p for p in files if p.suffix in (".parquet", ".feather", ".pkl")]
    for path in files:  # no record-level value: the referral id and the Parquet magic bytes
        data = path.read_bytes()
        assert b"PAR1" not in data and b"r1," not in data, path
    assert list(cache.rglob("referrals.parquet"))  # the cache was used, privately
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700


def test_cache_inside_the_reports_folder_is_refused(project: Path, monkeypatch) -> None:
    out = project / "reports"
    monkeypatch.setenv("EVALUATION_CACHE_DIR", str(out / "cache"))
    result = runner.invoke(app, ["run", str(project / "ok.yaml"), "-o", str(out)])
    assert result.exit_code == 2 and "EVALUATION_CACHE_DIR" in result.stderr
    assert not list(out.rglob("*.html"))
