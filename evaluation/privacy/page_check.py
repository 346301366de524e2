"""Read the rendered pages back: every number a table shows must be in the report's ledger.

Part of the joint audit (independent of the suppression code): the LP in
``publication_audit.py`` can only judge figures the ledger knows, so a table
whose caption names a ledger output but shows a number that output never
published (or shows a number where the ledger says "..") fails here.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

from evaluation.privacy.ledger import LEDGER_SUFFIX, Figure, Ledger

_NUMBER = re.compile(r"^[+-]?\d{1,3}(?:[ \u00a0\u202f]\d{3})*$|^[+-]?\d+$")


def _number(text: str) -> float | None:
    t = text.strip().replace("\u2212", "-")
    if not _NUMBER.match(t):
        return None
    return float(re.sub(r"[ \u00a0\u202f]", "", t))


def _has_outputs(page: Path) -> bool:
    text = page.read_text(encoding="utf-8", errors="replace")
    return 'class="ev-table"' in text or 'class="ev-chart"' in text


def check_pages(batch_dir: str | Path, loaded: dict | None = None) -> list:
    """Failures for count tables whose shown numbers the ledger does not account for.

    ``loaded`` maps ledger paths to ledgers already read.
    """
    from bs4 import BeautifulSoup

    from evaluation.privacy.publication_audit import PublicationFailure

    failures = []
    batch_dir = Path(batch_dir)
    for page in sorted(batch_dir.glob("*/*.html")):
        # a page with the package's tables or charts but no ledger skipped the appendix
        # that carries it, so nothing on it could be audited (pages without package
        # outputs are refused by the render itself, R10)
        if not page.with_name(page.stem + LEDGER_SUFFIX).is_file() and _has_outputs(page):
            failures.append(
                PublicationFailure(
                    str(page.relative_to(batch_dir.parent)),
                    "",
                    Figure.of("", {}),
                    "page",
                    math.nan,
                    math.nan,
                    "no_ledger",
                )
            )
    for ledger_path in sorted(batch_dir.rglob(f"*{LEDGER_SUFFIX}")):
        html = ledger_path.with_name(ledger_path.name.removesuffix(LEDGER_SUFFIX) + ".html")
        if not html.is_file():
            continue
        ledger = (loaded or {}).get(ledger_path) or Ledger.load(ledger_path)
        counts: dict[str, set[float]] = {}
        for e in ledger.entries:
            if e.role == "count" and e.value is not None:
                counts.setdefault(e.output, set()).add(float(e.value))
            elif e.role == "count":
                counts.setdefault(e.output, set())
        soup = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")
        for table in soup.find_all("table"):
            cap = table.find("caption")
            label = " ".join(cap.get_text(" ").split()) if cap else ""
            if label not in counts:
                continue
            shown = counts[label]
            for cell in table.find_all("td"):
                value = _number(cell.get_text())
                if value is not None and value not in shown:
                    failures.append(
                        PublicationFailure(
                            str(html.relative_to(batch_dir.parent)),
                            label,
                            Figure.of(label, {}),
                            "page",
                            value,
                            math.nan,
                            "page",
                        )
                    )
                    break
    return failures
