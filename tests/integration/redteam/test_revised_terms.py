"""Two terms from two exports: the later one holds referrals registered late.

Each term's data folder is a new export from the case system, so counts of months the
earlier term already published can grow (a referral registered after the export) or
shrink (a correction). The reader holds both terms' pages: the difference between a
figure's two published values is a count of the cases that changed. Before revisions
were audited, the later term passed with 17 such differences of one or two cases
readable between the two pages (the joint audit set them aside as "inconsistent").
"""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from evaluation.privacy.ledger import LINEAR_ROLES, Ledger, history_folders, read_revised
from evaluation.privacy.publication_audit import audit_batch_folder, audit_reports_dir
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


def _export(tiny_folder: Path, folder: Path, late: int) -> Path:
    """The tiny municipality's export without its first ``late`` Norrby referrals of 2023 Q1."""
    shutil.copytree(tiny_folder, folder)
    referrals = pd.read_csv(folder / "referrals.csv", dtype=str)
    spring = (referrals.area_code == NORRBY) & referrals.received_date.between(
        "2023-01-01", "2023-03-31"
    )
    gone = referrals[spring].head(late).referral_id
    referrals[~referrals.referral_id.isin(gone)].to_csv(folder / "referrals.csv", index=False)
    assessments = pd.read_csv(folder / "assessments.csv", dtype=str)
    kept = ~assessments.referral_id.isin(gone)
    assessments[kept].to_csv(folder / "assessments.csv", index=False)
    return folder


def _render(tmp_path: Path, batch: str, data: Path, end: str):
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
    return run_batch(spec, tmp_path / "reports", workers=1, executor="serial", progress=False)


def _small_differences(a: dict[str, float], b: dict[str, float]) -> list[str]:
    return sorted(k for k in a.keys() & b.keys() if 0 < abs(a[k] - b[k]) < 5)


@pytest.mark.parametrize("late", [1, 2])
def test_late_registrations_leave_no_small_difference_between_terms(tiny_folder, tmp_path, late):
    earlier = _export(tiny_folder, tmp_path / "export-2023H1", late)
    for batch, data, end in (
        ("t-2023H1", earlier, "2023-06-30"),
        ("t-2023H2", tiny_folder, "2023-12-28"),
    ):
        result = _render(tmp_path, batch, data, end)
        assert result.ok, [(r.params_file, r.message) for r in result.failed]
    reports = tmp_path / "reports"
    first, second = _shown(reports / "t-2023H1"), _shown(reports / "t-2023H2")
    assert len(first.keys() & second.keys()) > 100  # the later page repeats most of the earlier
    small = _small_differences(first, second)
    assert not small, small[:3]
    later = reports / "t-2023H2"
    assert read_revised(later)  # the figures whose new value was hidden
    assert (later / "norrby" / "outcome_followup.html").is_file()
    assert audit_batch_folder(later, history_folders(later)).ok


def test_three_exports_leave_no_small_difference_between_any_two_terms(tiny_folder, tmp_path):
    """Three late referrals: missing from the first export, one of them from the second.

    The third term's repair hides the municipality's three-year total, which its table
    had been reduced to (the ladder's last step): the table is withheld, the report kept.
    """
    terms = (
        ("t-2023H1", _export(tiny_folder, tmp_path / "e1", 3), "2023-06-30"),
        ("t-2023H2", _export(tiny_folder, tmp_path / "e2", 1), "2023-12-28"),
        ("t-2024H1", tiny_folder, "2023-12-29"),
    )
    for batch, data, end in terms:
        result = _render(tmp_path, batch, data, end)
        assert result.ok, (batch, [r.message for r in result.failed])
    shown = {batch: _shown(tmp_path / "reports" / batch) for batch, _, _ in terms}
    for a, b in itertools.combinations(shown, 2):
        small = _small_differences(shown[a], shown[b])
        assert not small, (a, b, small[:3])
    # 'evaluation audit' of the folder: each term against the others, earlier ones too
    for batch, audit in audit_reports_dir(tmp_path / "reports").items():
        assert audit.ok, (batch, [str(f) for f in audit.failures[:3]])
