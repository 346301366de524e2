"""Red team on the sample term's 27 rendered pages: count tables against their own totals.

An attacker without the ledger solves, table by table, every row and column that has a
'Totalt' and one unknown cell, and repeats while something new is learnt (route 7). The
joint audit makes the same check with the ledgers; this one reads only the HTML.

Slow: the sample batch is rendered.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from evaluation.privacy.symbols import HIDDEN
from evaluation.render.batch import run_batch
from tests.integration.redteam.pages import margin_leaks

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[3]


def test_the_attacker_solves_a_planted_table():
    h = HIDDEN
    planted = BeautifulSoup(
        '<figure class="ev-table" data-kind="counts"><table><caption>Planterad</caption>'
        "<tr><th>Typ</th><th>A</th><th>B</th><th>Totalt</th></tr>"
        f"<tr><td>Möte</td><td>{h}</td><td>{h}</td><td>12</td></tr>"
        f"<tr><td>Dialog</td><td>2</td><td>{h}</td><td>{h}</td></tr>"
        "<tr><td>Totalt</td><td>9</td><td>9</td><td>18</td></tr>"
        "</table></figure>",
        "html.parser",
    )
    hidden, leaks = margin_leaks(planted)
    # no row has one unknown at first: the columns give Möte's A and Dialog's total,
    # and only then do the rows give both B cells (the elimination is repeated)
    assert hidden == 4
    assert sorted(leaks) == [
        "Planterad: ('Dialog', 'B') = 4",
        "Planterad: ('Dialog', 'Totalt') = 6",
        "Planterad: ('Möte', 'A') = 7",
        "Planterad: ('Möte', 'B') = 5",
    ]


def test_route7_no_hidden_count_of_the_sample_term_from_its_table_s_totals(tmp_path):
    result = run_batch(ROOT / "params" / "batch_sample.yaml", tmp_path, workers=2, progress=False)
    assert result.ok, [r.message for r in result.failed]
    pages = sorted(tmp_path.glob("*/*/*.html"))
    assert len(pages) == 27
    seen = 0
    for page in pages:
        hidden, leaks = margin_leaks(BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser"))
        seen += hidden
        assert not leaks, (page.relative_to(tmp_path), leaks[:3])
    assert seen >= 10  # the attack had hidden counts to try (17 in the sample term)
