"""A report rendered alone into its batch's folder is the batch's report, byte for byte.

``evaluation run PARAMS -o <reports>/<batch>`` renders with that folder's hidden set
and history (R0), keyed as the batch keys it: a plain ``run`` after the batch re-uses
the page, ``run --force`` renders the same bytes again, and a figure added to the
folder's hidden set makes ``run`` render again with it hidden.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from evaluation.privacy.ledger import LINEAR_ROLES, Ledger, read_hidden, write_hidden

ROOT = Path(__file__).resolve().parents[3]
PARAMS = ROOT / "params" / "area_analysis" / "ryd.yaml"


def _cli(*args: object) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "-m", "evaluation", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def test_run_into_the_batch_folder_gives_the_batch_bytes(tmp_path: Path) -> None:
    batch = tmp_path / "one.yaml"
    batch.write_text(f"batch: term\ntitle: Termin\nevaluations:\n  - {PARAMS}\n", encoding="utf-8")
    _cli("batch", batch, "-o", tmp_path / "out", "--workers", "1", "--no-progress", "--timeout", 0)
    folder = tmp_path / "out" / "term"
    page = folder / "ryd" / "area_analysis.html"
    from_batch = page.read_bytes()

    # A plain run finds the batch's report current: same data, same hidden-set digest.
    assert "Återanvände" in _cli("run", PARAMS, "-o", folder, "--timeout", 0).stdout
    # Rendered again alone, from the folder's hidden set: the batch's bytes.
    assert "Skrev" in _cli("run", PARAMS, "-o", folder, "--force", "--timeout", 0).stdout
    assert page.read_bytes() == from_batch

    # The folder's hidden set is what the lone run protects: hide one more shown figure.
    ledger = Ledger.load(folder / "ryd" / "area_analysis.ledger.json")
    shown = sorted(
        e.figure.key for e in ledger.entries if e.value is not None and e.role in LINEAR_ROLES
    )
    assert shown
    extra = shown[len(shown) // 2]
    write_hidden(folder, read_hidden(folder) | {extra})
    assert "Skrev" in _cli("run", PARAMS, "-o", folder, "--timeout", 0).stdout
    after = Ledger.load(folder / "ryd" / "area_analysis.ledger.json")
    assert not [e for e in after.entries if e.figure.key == extra and e.value is not None]
    assert page.read_bytes() != from_batch
    manifest = json.loads((folder / "ryd" / "area_analysis.manifest.json").read_text())
    assert "ledgers/hidden.json" in manifest["inputs"]["data"]
