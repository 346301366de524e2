"""The batch's overhead cuts keep their answers: memoised audit, cache check, runner, repr."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

from evaluation.present.output import Chart
from evaluation.privacy import Protector
from evaluation.privacy.ledger import months_between
from evaluation.privacy.publication_audit import audit_ledgers
from evaluation.privacy.recording import Context
from evaluation.render.batch import _cache_current, _runner_for
from evaluation.render.executors import LocalExecutor, SerialExecutor
from evaluation.render.single import WARM_ENGINE
from evaluation.render.task import RenderTask

WINDOW = months_between(pd.Timestamp("2024-01-01"), pd.Timestamp("2024-12-31"))


def _ledgers(answers: dict[str, tuple[int, int]]):
    """One survey-like report per unit plus the whole; B (4 of 11) is hidden in its own."""
    out = []
    for unit in [*answers, None]:
        fixed = {"enkät": ("bu",), **({"enhet": (unit,)} if unit else {})}
        p = Protector(None, Context(fixed=fixed, window=WINDOW, forced=set()))
        units = [unit] if unit else list(answers)
        num = sum(answers[u][0] for u in units)
        den = sum(answers[u][1] for u in units)
        frame = pd.DataFrame(
            {"question_id": ["q1"], "period": ["2024"], "numerator": [num], "denominator": [den]}
        )
        frame["value"] = frame["numerator"] / frame["denominator"]
        from evaluation.privacy.recording import Spec

        p.shares(frame, label="Andel", spec=Spec(domains={"enhet": list(answers)}))
        out.append((unit or "alla", p.publication))
    return out


def test_memoised_audit_gives_the_same_answer_and_never_skips_a_failure():
    failing = _ledgers({"A": (6, 14), "B": (4, 11), "C": (30, 40)})
    first = audit_ledgers(failing, passed=set())
    again = audit_ledgers(failing, passed=first.passed)
    assert not first.ok and not again.ok  # failures are solved again, never remembered
    assert [str(f) for f in again.failures] == [str(f) for f in first.failures]
    assert again.targets == first.targets
    passing = _ledgers({"A": (16, 24), "B": (14, 21), "C": (30, 40)})
    ok = audit_ledgers(passing, passed=set())
    assert ok.ok and ok.passed
    memo = audit_ledgers(passing, passed=ok.passed)
    assert memo.ok and memo.targets == ok.targets
    # a changed figure is a new digest: solved, not taken from the memo
    changed = _ledgers({"A": (16, 24), "B": (13, 21), "C": (30, 40)})
    assert not audit_ledgers(changed, passed=ok.passed).passed <= ok.passed


def test_measures_known_by_their_files_are_counted_alike_and_failures_solved_again():
    # Ledgers read from files (a hash each): a measure whose files were judged before is
    # taken from the memo without building its items; the counts must not change.
    for answers, ok in (
        ({"A": (16, 24), "B": (4, 11), "C": (3, 9), "D": (30, 40)}, True),
        ({"A": (6, 14), "B": (4, 11), "C": (30, 40)}, False),
    ):
        ledgers = _ledgers(answers)
        for i, (_, ledger) in enumerate(ledgers):
            ledger.source = f"{i:064x}"
        first = audit_ledgers(ledgers, passed=set(), memo={})
        again = audit_ledgers(ledgers, passed=first.passed, memo=first.memo)
        assert first.memo and again.memo == first.memo
        assert first.ok is again.ok is ok
        assert (again.ledgers, again.figures, again.targets) == (
            first.ledgers,
            first.figures,
            first.targets,
        )
        assert first.targets > 0 and first.figures > 0
        assert [str(f) for f in again.failures] == [str(f) for f in first.failures]


def test_cache_current_reads_only_the_sources_record(tmp_path: Path):
    fingerprint = {"referrals.csv": "abc"}
    assert not _cache_current(tmp_path, fingerprint)
    (tmp_path / "k1").mkdir()
    (tmp_path / "k1" / "files.json").write_text(json.dumps({"sources": {"x.csv": "1"}}))
    assert not _cache_current(tmp_path, fingerprint)
    (tmp_path / "k2").mkdir()
    (tmp_path / "k2" / "files.json").write_text(json.dumps({"sources": fingerprint}))
    assert _cache_current(tmp_path, fingerprint)
    (tmp_path / "k3").mkdir()
    (tmp_path / "k3" / "files.json").write_text("not json")
    assert _cache_current(tmp_path, fingerprint)


def test_one_report_without_prepare_renders_in_this_process():
    pool = LocalExecutor(workers=2)
    one = [RenderTask("a.yaml", "out", None, WARM_ENGINE)]
    two = [*one, RenderTask("b.yaml", "out", None, WARM_ENGINE)]
    assert isinstance(_runner_for(pool, one, [], WARM_ENGINE), SerialExecutor)
    assert _runner_for(pool, two, [], WARM_ENGINE) is pool
    assert _runner_for(pool, one, [("data", None, WARM_ENGINE)], WARM_ENGINE) is pool
    assert _runner_for(pool, one, [], "evaluation-fresh") is pool


def test_chart_repr_names_the_size_not_the_bytes():
    chart = Chart(png=b"\x89PNG" + b"x" * 5000, alt="Staplar", caption="c")
    text = repr(chart)
    assert "5004 bytes" in text and "xxxx" not in text and len(text) < 200


def test_batch_process_modules_do_not_load_pandas_numpy_or_scipy():
    code = (
        "import sys\n"
        "import evaluation.render.batch, evaluation.render.index\n"
        "import evaluation.privacy.publication, evaluation.privacy.publication_audit\n"
        "print(sorted(m for m in ('pandas', 'numpy', 'scipy') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_warm_up_covers_each_report_kind_module():
    """``from evaluation.reports import area_analysis`` warms the kind's module, not only
    the package: else each kernel's first report of a kind imported it (mapclassify,
    scikit-learn and scipy.stats for the maps: over a second) while rendering."""
    from evaluation.metadata.kinds import report_kinds
    from evaluation.render.kernel import _imports_of, warm_modules

    assert _imports_of("from a.b import c, d as e\nimport f.g") == {"a.b", "a.b.c", "a.b.d", "f.g"}
    modules = warm_modules()
    for kind in report_kinds():
        assert f"evaluation.reports.{kind}" in modules
