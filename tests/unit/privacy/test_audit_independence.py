"""The joint audit is independent of the suppression code (issue 10, docs/privacy.md R0).

The audit (``publication_audit.py``, ``page_check.py``, ``page_reader.py``) may read
the ledger's plain data and the page symbols, nothing that decides what is hidden:
otherwise a fault in the suppression could make the audit agree with itself.
Checked twice: statically (every import statement, also inside functions, followed
through the package) and by running the audit in a fresh interpreter and listing
the package modules it loaded.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import evaluation

PACKAGE = Path(evaluation.__file__).parent
AUDIT = {
    "evaluation.privacy.publication_audit",
    "evaluation.privacy.page_check",
    "evaluation.privacy.page_reader",
}
ALLOWED = (
    AUDIT
    | {"evaluation", "evaluation.privacy", "evaluation.privacy.ledger"}
    | {"evaluation.privacy.symbols"}
    | {"evaluation.exceptions"}  # error classes only: a damaged ledger is named as data
    | {"evaluation.privacy.gc_pause"}  # pauses the garbage collector while reading
)
SUPPRESSION = {
    f"evaluation.privacy.{m}"
    for m in (
        "protector",
        "primary",
        "secondary",
        "margins",
        "recording",
        "publication",
        "derived",
        "ladder",
        "series",
        "frames",
        "results",
        "views",
        "measures",
        "audit",
        "rules",
    )
}


def _file(module: str) -> Path | None:
    rel = Path(*module.split(".")[1:])
    for path in (PACKAGE / rel.with_suffix(".py"), PACKAGE / rel / "__init__.py"):
        if path.is_file():
            return path
    return None


def _imports(module: str) -> set[str]:
    """Package modules ``module`` imports anywhere in its source (not only at the top)."""
    path = _file(module)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("evaluation")}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("evaluation"):
            found.add(node.module)
            for a in node.names:  # ``from evaluation.privacy import ledger``: a submodule
                if _file(f"{node.module}.{a.name}") is not None:
                    found.add(f"{node.module}.{a.name}")
    return found


def _closure(start: set[str]) -> set[str]:
    seen, todo = set(), list(start)
    while todo:
        m = todo.pop()
        if m in seen or _file(m) is None:
            continue
        seen.add(m)
        if m not in ("evaluation", "evaluation.privacy"):  # lazy __init__s: names only
            todo += sorted(_imports(m))
    return seen


def test_the_audit_imports_no_suppression_code():
    reached = _closure(AUDIT)
    assert AUDIT <= reached
    assert not reached & SUPPRESSION, sorted(reached & SUPPRESSION)
    assert reached <= ALLOWED, sorted(reached - ALLOWED)


def test_the_scan_sees_an_import_inside_a_function(monkeypatch):
    mod = PACKAGE / "privacy" / "page_reader.py"
    read = Path.read_text
    patched = (
        read(mod, encoding="utf-8")
        + "\n\ndef _cheat():\n    from evaluation.privacy.secondary import x\n"
    )

    def fake(self, *args, **kwargs):
        return patched if self == mod else read(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", fake)
    assert "evaluation.privacy.secondary" in _imports("evaluation.privacy.page_reader")


SCRIPT = """
import json, sys
from pathlib import Path
from evaluation.privacy.ledger import Figure, Ledger
from evaluation.privacy.publication_audit import audit_reports_dir

batch = Path(sys.argv[1]) / "batch"
for area, value in (("a", 2), ("b", 9), ("c", 30)):
    led = Ledger(report=f"{area}/area_analysis", min_count=5)
    led.domains["pop"] = {"area": ("a", "b", "c")}
    led.add("t", Figure.of("pop", {"area": [area]}), "count", value if value >= 5 else None,
            target=True)
    led.add("t", Figure.of("pop", {"area": ["a", "b", "c"]}), "count", 41)
    (batch / area).mkdir(parents=True)
    led.save(batch / area / "area_analysis.ledger.json")
    (batch / area / "area_analysis.html").write_text(
        '<figure class="ev-table" data-kind="counts"><table><caption>t</caption>'
        f'<tr><th>Område</th><th>Antal</th></tr><tr><th>{area}</th><td>41</td></tr>'
        '</table></figure>', encoding="utf-8")
audits = audit_reports_dir(batch.parent)
print(json.dumps({"ok": [a.ok for a in audits.values()],
                  "loaded": sorted(m for m in sys.modules if m.startswith("evaluation"))}))
"""


def test_running_the_audit_loads_no_suppression_code(tmp_path):
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=PACKAGE.parent,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["ok"] == [False]  # the audit ran and found the total minus b and c
    assert "evaluation.privacy.page_reader" in result["loaded"]
    assert not set(result["loaded"]) & SUPPRESSION, result["loaded"]
