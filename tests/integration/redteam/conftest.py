"""The red team's rendered publication, built once per session and shared by its attacks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

TINY_TERMS = {"tiny-2023H1": "2023-06-30", "tiny-2023H2": "2023-12-28"}  # data end 2023-12-29
TINY_START = "2022-06-01"


@dataclass(frozen=True)
class Rendered:
    """Two terms of the crafted municipality: folders, batch results, parsed pages."""

    root: Path
    reports: Path
    specs: dict
    results: dict
    pages: dict


@pytest.fixture(scope="session")
def tiny_publication(tiny_folder, tmp_path_factory) -> Rendered:
    """Two terms of the crafted municipality, rendered into sibling batch folders."""
    from evaluation.render.batch import run_batch

    root = tmp_path_factory.mktemp("redteam")
    reports = root / "reports"
    results, specs = {}, {}
    for batch, end in TINY_TERMS.items():
        params = root / f"{batch}.yaml"
        params.write_text(
            yaml.safe_dump(
                {
                    "kind": "outcome_followup",
                    "area": "Norrby",
                    "data": str(tiny_folder),
                    "comparison_areas": ["Söderby", "Lillby"],
                    "intervention_start": TINY_START,
                    "period_start": "2021-01-01",
                    "period_end": end,
                },
                allow_unicode=True,
            ),
            encoding="utf-8",
        )
        spec = root / f"batch-{batch}.yaml"
        spec.write_text(
            yaml.safe_dump({"batch": batch, "evaluations": [params.name]}), encoding="utf-8"
        )
        specs[batch] = spec
        results[batch] = run_batch(spec, reports, workers=1, executor="serial", progress=False)
    page_of = {batch: reports / batch / "norrby" / "outcome_followup.html" for batch in TINY_TERMS}
    failed = [
        f"{b}: {r.params_file}: {r.error}: {r.message}"
        for b, res in results.items()
        for r in res.failed
    ]
    failed += [f"{b}: no page at {p}" for b, p in page_of.items() if not p.is_file()]
    audits = [f"{b}: {res.publication}" for b, res in results.items()]
    assert not failed, "the red team's publication did not render:\n" + "\n".join(failed + audits)
    pages = {
        b: BeautifulSoup(p.read_text(encoding="utf-8"), "html.parser") for b, p in page_of.items()
    }
    return Rendered(root, reports, specs, results, pages)
