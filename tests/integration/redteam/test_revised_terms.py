"""Two terms from two exports: the later one holds referrals registered late.

Each term's data folder is a new export from the case system, so counts of months the
earlier term already published can grow (a referral registered after the export) or
shrink (a correction). The reader holds both terms' pages: the difference between a
figure's two published values is a count of the cases that changed. Before revisions
were audited, the later term passed with 17 such differences of one or two cases
readable between the two pages (the joint audit set them aside as "inconsistent").
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from evaluation.privacy.ledger import LINEAR_ROLES, Ledger, history_folders, read_revised
from evaluation.privacy.publication_audit import audit_batch_folder
from evaluation.render.batch import run_batch

NORRBY = "0999A001"


def _shown(batch: Path) -> dict[str, float]:
    """Every count-like figure a term's pages show, as their ledgers account for them."""
    found = {}
    for path in sorted(batch.glob("*/*.ledger.json")):
        for e in Ledger.load(path).entries:
            if e.value is not None and e.role in LINEAR_ROLES:
                found[e.figure.key] = float(e.value)
    return found


@pytest.mark.parametrize("late", [1, 2])
def test_late_registrations_leave_no_small_difference_between_terms(tiny_folder, tmp_path, late):
    earlier = tmp_path / "export-2023H1"
    shutil.copytree(tiny_folder, earlier)
    referrals = pd.read_csv(earlier / "referrals.csv", dtype=str)
    spring = (referrals.area_code == NORRBY) & referrals.received_date.between(
        "2023-01-01", "2023-03-31"
    )
    gone = referrals[spring].head(late).referral_id
    referrals[~referrals.referral_id.isin(gone)].to_csv(earlier / "referrals.csv", index=False)
    assessments = pd.read_csv(earlier / "assessments.csv", dtype=str)
    kept = ~assessments.referral_id.isin(gone)
    assessments[kept].to_csv(earlier / "assessments.csv", index=False)

    reports = tmp_path / "reports"
    for batch, data, end in (
        ("t-2023H1", earlier, "2023-06-30"),
        ("t-2023H2", tiny_folder, "2023-12-28"),
    ):
        params = tmp_path / f"{batch}.yaml"
        params.write_text(
            yaml.safe_dump(
                {
                    "kind": "outcome_followup",
                    "area": "Norrby",
                    "data": str(data),
                    "comparison_areas": ["Söderby", "Lillby"],
                    "intervention_start": "2022-06-01",
                    "period_start": "2021-01-01",
                    "period_end": end,
                },
                allow_unicode=True,
            ),
            encoding="utf-8",
        )
        spec = tmp_path / f"batch-{batch}.yaml"
        spec.write_text(yaml.safe_dump({"batch": batch, "evaluations": [params.name]}))
        result = run_batch(spec, reports, workers=1, executor="serial", progress=False)
        assert result.ok, [(r.params_file, r.message) for r in result.failed]

    first, second = _shown(reports / "t-2023H1"), _shown(reports / "t-2023H2")
    both = first.keys() & second.keys()
    assert len(both) > 100  # the later page repeats most of the earlier one
    small = sorted(k for k in both if 0 < abs(first[k] - second[k]) < 5)
    assert not small, small[:3]
    later = reports / "t-2023H2"
    assert read_revised(later)  # the figures whose new value was hidden
    assert (later / "norrby" / "outcome_followup.html").is_file()
    assert audit_batch_folder(later, history_folders(later)).ok
