"""A report's bytes do not depend on scheduling: 1 or 2 workers, batch or one at a time."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
#: Three kinds, so every chart function and the kernel's reset are exercised; the
#: outcome follow-up goes last in its worker's kernel with one worker and first with two.
EVALUATIONS = (
    "area_analysis/ryd.yaml",
    "user_survey/ryd.yaml",
    "skaggetorp_outcome_followup.yaml",
)


def _cli(*args: str) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "-m", "evaluation", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert done.returncode == 0, done.stderr
    return done


def _pages(out: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(out)): p.read_bytes()
        for p in sorted(out.rglob("*.html"))
        if p.name != "index.html"
    }


@pytest.mark.slow
def test_reports_are_byte_identical_across_workers_and_single_runs(tmp_path: Path) -> None:
    batch = tmp_path / "identity.yaml"
    listed = "".join(f"  - {ROOT / 'params' / name}\n" for name in EVALUATIONS)
    batch.write_text(f"batch: identity\ntitle: Identitet\nevaluations:\n{listed}", encoding="utf-8")
    pages = {}
    for workers in ("1", "2"):
        out = tmp_path / f"w{workers}"
        _cli("batch", str(batch), "-o", str(out), "--workers", workers, "--no-progress")
        pages[workers] = _pages(out / "identity")
    single = tmp_path / "single"
    for name in EVALUATIONS:
        _cli("run", str(ROOT / "params" / name), "-o", str(single))
    pages["run"] = _pages(single)
    assert len(pages["1"]) == len(EVALUATIONS)
    assert pages["1"] == pages["2"]
    assert pages["1"] == pages["run"]
