"""Red team on rendered pages: two municipalities, two consecutive terms each (R0).

The second municipality (``evaluation/synthetic/second_municipality.py``: five
small areas, rare categories, Swedish Excel CSV) and part of the sample are
rendered with ``period_end`` one term apart, each municipality in its own
reports folder, the later term in a batch folder beside the earlier. Then:

- the later batch carries the earlier one's ledgers (``ledgers/earlier/<batch>/``)
  and keeps them when moved on its own;
- the independent joint audit over both terms (pages and ledgers) finds nothing;
- route 2, on the HTML: the municipality-wide survey minus the other unit's
  page gives no hidden unit's answers;
- route 5, on the HTML: no page (table, CSV download, the interrupted time
  series' points counted on its image) shows a monthly series with a hidden month;
- route 6, on the HTML: where a term of the evaluated area is hidden, no figure
  of the effects section (alt text, tables, downloads) is given for that term,
  and the event-study points read off the chart image give no hidden term value
  (the evaluated area's, the comparison areas' total, the reference term's).

Slow: fourteen reports are rendered.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml
from bs4 import BeautifulSoup

from evaluation.privacy.ledger import EARLIER_DIR, history_folders
from evaluation.privacy.page_reader import read_page
from evaluation.privacy.publication_audit import audit_batch_folder, audit_reports_dir
from evaluation.privacy.symbols import HIDDEN
from evaluation.render.batch import run_batch
from evaluation.synthetic.second_municipality import write_params, write_second
from tests.integration.redteam.pages import (
    assert_no_effect_figure_for_hidden_terms,
    event_study_leaks,
    its_points,
    monthly_series,
    share_pairs,
    share_table,
    synthetic_control_leaks,
)

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[3]
TERMS = {"2024H2": "2024-12-31", "2025H1": "2025-06-30"}
SAMPLE_PARAMS = ["user_survey/berga.yaml", "area_analysis/berga.yaml"]
MIN_COUNT = 5


def _sample_params(folder: Path, end: str) -> list[Path]:
    out = []
    for rel in SAMPLE_PARAMS:
        spec = yaml.safe_load((ROOT / "params" / rel).read_text(encoding="utf-8"))
        spec["data"] = str(ROOT / "data" / "sample")
        spec["period_end"] = end
        path = folder / rel.replace("/", "_")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
        out.append(path)
    return out


@pytest.fixture(scope="module")
def publication(tmp_path_factory):
    """Both municipalities, both terms, rendered like a researcher would, term after term."""
    root = tmp_path_factory.mktemp("two-municipalities")
    data = root / "second-data"
    write_second(data)
    results = {}
    for term, end in TERMS.items():
        for town in ("second", "sample"):
            folder = root / "params" / town / term
            folder.mkdir(parents=True, exist_ok=True)
            if town == "second":
                params = write_params(folder, data, end)
            else:
                params = _sample_params(folder, end)
            batch = root / f"batch-{town}-{term}.yaml"
            batch.write_text(
                yaml.safe_dump(
                    {"batch": f"{town}-{term}", "evaluations": [str(p) for p in params]}
                ),
                encoding="utf-8",
            )
            results[(town, term)] = run_batch(
                batch, root / "reports" / town, workers=2, progress=False, timeout=1800
            )
    return root / "reports", results


def _pages(reports: Path, town: str, term: str) -> dict[str, BeautifulSoup]:
    folder = reports / town / f"{town}-{term}"
    return {
        str(p.relative_to(folder)): BeautifulSoup(p.read_text(encoding="utf-8"), "html.parser")
        for p in sorted(folder.glob("*/*.html"))
    }


def test_every_batch_renders_and_passes_its_audit(publication):
    _, results = publication
    for key, result in results.items():
        assert result.ok, (key, [r.message for r in result.failed])


def test_later_term_carries_the_earlier_ledgers_and_keeps_them_when_moved(publication, tmp_path):
    reports, _ = publication
    for town in ("second", "sample"):
        later = reports / town / f"{town}-2025H1"
        carried = later / "ledgers" / EARLIER_DIR / f"{town}-2024H2"
        assert list(carried.glob("*/*.ledger.json")), f"{town}: nothing carried"
        moved = tmp_path / town / later.name
        shutil.copytree(later, moved)  # sent on alone, without the earlier batch beside it
        history = history_folders(moved)
        assert [h.name for h in history] == [f"{town}-2024H2"]
        audit = audit_batch_folder(moved, history)
        assert audit.ok, [str(f) for f in audit.failures[:5]]
        assert audit.page_figures > 0


def test_joint_audit_over_both_terms_finds_nothing_derivable(publication):
    reports, _ = publication
    for town in ("second", "sample"):
        audits = audit_reports_dir(reports / town)
        assert set(audits) == {f"{town}-{t}" for t in TERMS}
        for name, audit in audits.items():
            assert audit.ok, (name, [str(f) for f in audit.failures[:5]])
            assert audit.targets > 0 and audit.page_figures > 0
    # the second municipality is shaped so that there is much to protect
    second = audit_reports_dir(reports / "second")
    assert all(a.targets >= 50 for a in second.values()), {k: a.targets for k, a in second.items()}


def test_route2_municipality_wide_survey_minus_the_other_unit(publication):
    """Whole survey − visible unit = hidden unit: the attack of issue 10 route 2, on the HTML."""
    reports, _ = publication
    attacked = 0
    for term in TERMS:
        pages = _pages(reports, "second", term)
        whole = share_table(pages["hela-kommunen/user_survey.html"], "Andel positiva svar")
        units = [
            share_table(pages[f"{a}/user_survey.html"], "Andel positiva svar")
            for a in ("nackstaby", "bosvedjan")
        ]
        assert whole and all(units)
        for key, text in whole.items():
            w = share_pairs(text)
            shown = [share_pairs(u.get(key, HIDDEN)) for u in units]
            if w is None or sum(s is None for s in shown) != 1:
                continue
            attacked += 1
            (visible,) = [s for s in shown if s is not None]
            # the hidden unit's positive answers and other answers, as a reader bounds them
            x_lo = w[:, 0].min() - visible[:, 0].max()
            x_hi = w[:, 0].max() - visible[:, 0].min()
            rest_w, rest_v = w[:, 1] - w[:, 0], visible[:, 1] - visible[:, 0]
            r_lo, r_hi = rest_w.min() - rest_v.max(), rest_w.max() - rest_v.min()
            assert max(x_lo, 0) + MIN_COUNT <= x_hi or x_hi <= 0, (term, key, x_lo, x_hi)
            assert max(r_lo, 0) + MIN_COUNT <= r_hi or r_hi <= 0, (term, key, r_lo, r_hi)
    print(f"route 2: {attacked} cells attacked")  # none left when the repair hid the whole


def test_route5_no_monthly_series_with_a_hidden_month(publication):
    """Monthly points are drawn only where every month passes (R5), read off tables and CSVs."""
    reports, _ = publication
    for town in ("second", "sample"):
        for term in TERMS:
            for name, soup in _pages(reports, town, term).items():
                assert isinstance(read_page(str(soup)), list)  # every page parses
                if name.endswith("outcome_followup.html"):
                    # the interrupted time series draws every month of the window, or none
                    spec = reports.parent / "params" / town / term / "outcome_followup.yaml"
                    spec = yaml.safe_load(spec.read_text(encoding="utf-8"))
                    window = pd.period_range(
                        str(spec["period_start"])[:7], TERMS[term][:7], freq="M"
                    )
                    assert its_points(soup) in (None, 0, len(window)), (town, term, name)
                for caption, series in monthly_series(soup).items():
                    for label, cells in series.items():
                        hidden = [m for m, t in cells.items() if t == HIDDEN]
                        shown = [m for m, t in cells.items() if t not in (HIDDEN, "", "–")]
                        assert not (hidden and shown), (town, term, name, caption, label, hidden)


def test_route6_no_effect_figure_for_a_hidden_term(publication):
    """Where the evaluated area's term value is hidden, the effects section gives nothing for it."""
    reports, _ = publication
    for term in TERMS:
        soup = _pages(reports, "second", term)["nackstaby/outcome_followup.html"]
        assert_no_effect_figure_for_hidden_terms(soup, "Nackstaby")
        params = reports.parent / "params" / "second" / term / "outcome_followup.yaml"
        start = yaml.safe_load(params.read_text(encoding="utf-8"))["intervention_start"]
        # the points read off the event-study image against the per-term table beside it
        drawn, leaks, relations = event_study_leaks(soup, "Nackstaby", start)
        assert not leaks, (term, drawn, leaks)
        assert not synthetic_control_leaks(soup), term
        print(term, "event study: drawn", drawn, "relations", relations)
