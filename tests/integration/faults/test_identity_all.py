"""All 27 sample reports are byte-identical with 1 or 2 workers and rendered one at a time."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.faults import identity_all


def test_compare_names_every_difference_and_masks_only_footer_fields() -> None:
    page = b"<dd>x (sha256 <code>0123456789abcdef</code>)</dd> git-version <code>abc</code>"
    moved = page.replace(b"abc", b"def").replace(b"0123456789abcdef", b"fedcba9876543210")
    assert identity_all.mask(page) == identity_all.mask(moved)
    assert identity_all.compare({"a.html": page}, {"a.html": page}, "x") == []
    assert "masked" in identity_all.compare({"a.html": page}, {"a.html": moved}, "x")[0]
    other = page.replace(b"x (", b"y (")
    assert "DIFFERS" in identity_all.compare({"a.html": page}, {"a.html": other}, "x")[0]
    assert "missing" in identity_all.compare({"a.html": page}, {}, "x")[0]


def test_footer_lists_data_files_not_the_batch_hidden_set_digest() -> None:
    from evaluation.params import load_params
    from evaluation.render.provenance import report_context

    params = load_params(identity_all.ROOT / "params" / "user_survey" / "ryd.yaml")
    notebook = identity_all.ROOT / "notebooks" / "user_survey.ipynb"
    context = report_context(
        params, notebook, fingerprint={"a.csv": "1", "ledgers/hidden.json": "2"}
    )
    assert context["inputs"] == [("a.csv", "1")]


@pytest.mark.slow
def test_all_sample_reports_are_byte_identical(tmp_path: Path) -> None:
    batch = identity_all.ROOT / "params" / "batch_sample.yaml"
    found = identity_all.render_all(batch, tmp_path, timeout=3600.0)
    reference = found["workers1"]
    assert len(reference) == 27
    problems = identity_all.compare(reference, found["workers2"], "workers2")
    problems += identity_all.compare(reference, found["run"], "run")
    assert not [p for p in problems if "masked" not in p], "\n".join(problems)
