"""axe-core in Debian's headless Chromium: 0 serious or critical WCAG 2.1/2.2 AA violations.

Renders the index and one report of each kind from the sample, then runs
``axe.mjs`` (puppeteer-core + axe-core from ``package.json`` here). Install with
``make test-browser`` (apt-get chromium when root, ``npm ci`` in this folder).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SAMPLE = (
    "skaggetorp_outcome_followup.yaml",
    "area_analysis/skaggetorp.yaml",
    "user_survey/skaggetorp.yaml",
)

pytestmark = pytest.mark.browser


def _requirements() -> str | None:
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        return f"Chromium is not installed ({CHROMIUM}); run `make test-browser`"
    if shutil.which("node") is None:
        return "Node.js is not installed; run `make test-browser`"
    if not (HERE / "node_modules" / "axe-core").is_dir():
        return "axe-core is not installed in tests/integration/browser; run `make test-browser`"
    return None


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> Path:
    """The index and one report per kind, rendered from the bundled sample."""
    missing = _requirements()
    if missing:
        pytest.skip(missing)
    out = tmp_path_factory.mktemp("browser")
    batch = out / "batch.yaml"
    lines = ["batch: axe", 'title: "Tillgänglighetsprov 2025 H1"', "evaluations:"]
    lines += [f"  - {ROOT / 'params' / name}" for name in SAMPLE]
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    from evaluation.render.batch import run_batch

    result = run_batch(batch, out, workers=1, executor="serial", progress=False)
    assert not result.failed, [f.message for f in result.failed]
    return out / "axe"


def test_no_serious_or_critical_axe_violations(rendered: Path) -> None:
    pages = sorted(str(p) for p in rendered.rglob("*.html"))
    assert len(pages) == 1 + len(SAMPLE)  # the index and each report kind
    run = subprocess.run(
        ["node", str(HERE / "axe.mjs"), *pages],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=HERE,
        env={**os.environ, "CHROMIUM": CHROMIUM},
    )
    assert run.returncode == 0, run.stderr[-2000:]
    found = json.loads(run.stdout)
    assert set(found) == set(pages)
    bad = {
        Path(page).relative_to(rendered).as_posix(): [
            v for v in violations if v["impact"] in ("serious", "critical")
        ]
        for page, violations in found.items()
    }
    assert not any(bad.values()), json.dumps(bad, indent=1, ensure_ascii=False)


def test_chromium_prints_the_follow_up_to_a4_with_every_table_header(rendered: Path, tmp_path):
    """Ctrl+P in a browser as well as ``--pdf``: A4, folded tables printed, nothing clipped."""
    from bs4 import BeautifulSoup
    from pypdf import PdfReader

    page = rendered / "skaggetorp" / "outcome_followup.html"
    pdf = tmp_path / "followup.pdf"
    run = subprocess.run(
        [
            CHROMIUM if Path(CHROMIUM).exists() else "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            page.as_uri(),
        ],
        capture_output=True,
        timeout=600,
    )
    assert run.returncode == 0 and pdf.is_file(), run.stderr[-2000:]
    reader = PdfReader(str(pdf))
    width, height = (round(float(x)) for x in reader.pages[0].mediabox[2:])
    assert (width, height) == (595, 842)  # A4, not US Letter
    text = "".join(p.extract_text() for p in reader.pages).replace("\u00a0", "")
    text = "".join(text.split())
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    headers = {"".join(th.get_text().split()) for th in soup.select("main table thead th")}
    missing = sorted(h for h in headers if h and h not in text)
    assert not missing, missing  # the sensitivity tables inside <details> print too
    right = []  # no word printed past the right margin (a clipped or overflowing table)

    def visit(txt, cm, tm, font, size):
        x = tm[4] * cm[0] + cm[4]
        if txt.strip() and x > width:
            right.append(txt)

    for p in reader.pages:
        p.extract_text(visitor_text=visit)
    assert not right, right[:5]
