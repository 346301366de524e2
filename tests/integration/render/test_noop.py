"""A no-op batch does only the checks: no progress display, no git, no page read twice."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from evaluation.load.cachedir import cache_dir_outside
from evaluation.render import run_batch

#: Runs the command line as ``python -m evaluation`` does (but returns instead of leaving
#: with ``os._exit``), then reports what it loaded
#: and how often it asked git for the commit.
PROBE = """
import json, runpy, sys
import evaluation.render.provenance as provenance
calls = []
ask = provenance.git_commit
provenance.git_commit = lambda *a, **k: calls.append(1) or ask(*a, **k)
sys.argv = ["evaluation", *sys.argv[1:]]
import evaluation.cli.main as cli
def stay(code):  # the command leaves with os._exit; here it returns to report what it did
    raise SystemExit(code)
cli._leave = stay
try:
    runpy.run_module("evaluation", run_name="__main__")
except SystemExit as exc:
    code = exc.code
from evaluation.params import EvaluationParams
built = EvaluationParams.__pydantic_complete__
print(json.dumps({"code": code, "git": len(calls), "modules": sorted(sys.modules), "built": built}))
"""


def _batch(project: Path) -> Path:
    path = project / "batch.yaml"
    path.write_text("batch: term\ntitle: Testtermin\nevaluations:\n  - ok.yaml\n", encoding="utf-8")
    return path


def _cli(*args: str) -> tuple[dict, str]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1]), out.stdout + out.stderr


def test_noop_batch_shows_no_bar_and_asks_git_nothing_but_a_change_does(
    project: Path, monkeypatch
) -> None:
    import evaluation.render.manifest as manifest

    batch, out = _batch(project), project / "reports"
    with monkeypatch.context() as patch:
        patch.setattr(manifest, "RACY_NS", 0)  # the page counts as old once written
        first = run_batch(batch, out, executor="serial", progress=False)
    assert first.count("ok") == 1
    # the batch hashed the page it wrote, for the next run: remembered in the private cache
    memo = manifest.CheckedPages.for_folder(cache_dir_outside(out), out / "term")
    page = Path(first.results[0].html)
    recorded = json.loads(page.with_name("outcome_followup.manifest.json").read_text())
    assert memo.same(page, page.stat(), recorded["html_sha256"])
    assert not memo.same(page, page.stat(), "another hash")

    seen, text = _cli("batch", str(batch), "-o", str(out), "--executor", "serial")
    assert seen["code"] in (0, None), text
    assert "1 återanvända" in text
    assert seen["git"] == 0  # the commit is only printed in pages that are written
    assert "rich.progress" not in seen["modules"] and "rich.console" not in seen["modules"]
    assert not seen["built"]  # the parameters' bytes were validated when the page was made
    index = out / "term" / "index.html"
    assert "1 återanvända" in index.read_text(encoding="utf-8")  # rewritten: ny → återanvänd

    params = project / "ok.yaml"
    good = params.read_text(encoding="utf-8")
    params.write_text(good + "colour: 3\n", encoding="utf-8")  # a typo is still named
    seen, text = _cli("batch", str(batch), "-o", str(out), "--executor", "serial")
    assert seen["code"] == 1 and "okänd parameter" in text, text
    assert seen["built"] and seen["git"] == 0

    params.write_text(good + "title: Ny titel\n", encoding="utf-8")
    seen, text = _cli("batch", str(batch), "-o", str(out), "--executor", "serial")
    assert seen["code"] in (0, None), text
    assert "1 renderade" in text
    assert seen["git"] == 1  # asked once for the page's footer
    assert "rich.progress" in seen["modules"]  # something to wait for: the bar is shown
    assert "1 nyframställda" in index.read_text(encoding="utf-8")
