"""render_report: one evaluation to one self-contained, reproducible HTML file."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from evaluation.exceptions import DataError, PrivacyError, RenderError, user_message
from evaluation.render import render_report
from evaluation.render.kernel_setup import ERROR_MARKER
from evaluation.render.outputs import HIDDEN_TEXT
from tests.integration.render.conftest import referrals_csv

COMMIT = "0123456789ab"  # fixed, so a parallel commit elsewhere cannot change the footer


def _render(project: Path, name: str = "ok.yaml", **kw):
    return render_report(project / name, project / "out", commit=COMMIT, **kw)


def test_success_renders_self_contained_report(project: Path) -> None:
    result = _render(project)
    html_path = project / "out" / "skaggetorp" / "outcome_followup.html"
    assert result.status == "ok" and Path(result.html) == html_path
    page = html_path.read_text(encoding="utf-8")
    assert '<html lang="sv">' in page
    assert "Syntetiska data – inga verkliga personer eller ärenden" in page
    assert '<nav class="toc"' in page and 'href="#avsnitt-inledning"' in page
    assert '<h3 id="avsnitt-tabell">' in page
    assert "<caption>Antal</caption>" in page
    assert page.count("data:image/") >= 2
    assert 'alt="Stapeldiagram över två grupper"' in page
    assert "load_params" not in page and "In&nbsp;[" not in page  # no code, no prompts
    assert " at 0x" not in page  # object reprs dropped
    assert str(project) not in page  # no absolute paths
    assert "referrals.csv" in page and "evaluation 0.1" in page and COMMIT in page
    manifest = json.loads((html_path.parent / "outcome_followup.manifest.json").read_text())
    # the data files and the folder's hidden-set digest, keyed as a batch keys them
    assert set(manifest["inputs"]["data"]) == {
        "metadata.yaml",
        "referrals.csv",
        "ledgers/hidden.json",
    }


def test_report_loads_no_external_asset(project: Path) -> None:
    page = Path(_render(project).html).read_text(encoding="utf-8")
    assert "<script" not in page.lower()
    assert "<link" not in page.lower()
    assert "@import" not in page and "@font-face" not in page
    external = re.findall(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", page, re.I)
    assert not external
    assert not re.search(r"url\(\s*['\"]?(?:https?:)?//", page)


def test_two_renders_are_byte_identical(project: Path) -> None:
    first = Path(_render(project).html).read_bytes()
    second = Path(_render(project, force=True).html).read_bytes()
    assert first == second


def test_fresh_kernel_renders_the_same_bytes_as_the_warm_one(project: Path) -> None:
    warm = Path(_render(project).html).read_bytes()
    fresh = Path(_render(project, force=True, engine="evaluation-fresh").html).read_bytes()
    assert warm == fresh


def test_unchanged_inputs_are_reused_and_force_rerenders(project: Path) -> None:
    assert _render(project).status == "ok"
    assert _render(project).status == "reused"
    assert _render(project, force=True).status == "ok"
    (project / "data" / "referrals.csv").write_text(referrals_csv("r2", "B"))
    assert _render(project).status == "ok"
    (project / "ok.yaml").write_text((project / "ok.yaml").read_text() + "title: Ny titel\n")
    result = _render(project)
    assert result.status == "ok" and "Ny titel" in Path(result.html).read_text()


def test_failing_cell_keeps_notebook_and_the_last_good_report(
    project: Path, tmp_path: Path, monkeypatch, notebooks, params
) -> None:
    params(project, "ryd_ok.yaml", "outcome_followup", "Ryd")
    ok = _render(project, "ryd_ok.yaml")
    assert Path(ok.html).exists()
    good = Path(ok.html).read_bytes()
    manifest = (Path(ok.html).parent / "outcome_followup.manifest.json").read_bytes()
    monkeypatch.setenv(
        "EVALUATION_NOTEBOOK_DIR", str(notebooks(tmp_path / "failing", outcome_followup="fails"))
    )
    with pytest.raises(RenderError) as info:
        _render(project, "ryd_ok.yaml")
    err = info.value
    assert err.message == "KeyError" and err.cell is not None
    assert "saknas" in err.detail  # the exception's own text: for the terminal only
    folder = project / "out" / "ryd"
    # A failed retry never loses the last good report: page and manifest are untouched,
    # and the reason of the failed attempt is recorded beside them.
    assert (folder / "outcome_followup.html").read_bytes() == good
    assert (folder / "outcome_followup.manifest.json").read_bytes() == manifest
    kept = folder / "outcome_followup.failed.ipynb"
    assert kept.exists() and "KeyError" in kept.read_text()
    # it sits in the reports folder: what the page could not show (the cell before the
    # error printed text) is removed, the error stays
    outputs = [o for c in json.loads(kept.read_text())["cells"] for o in c.get("outputs", [])]
    assert any(o["output_type"] == "error" and o["ename"] == "KeyError" for o in outputs)
    assert not any("innan" in "".join(o.get("text", "")) for o in outputs)
    # nor does the exception's own text, which may quote data; frames and code stay
    error = next(o for o in outputs if o["output_type"] == "error")
    assert error["evalue"] == HIDDEN_TEXT and "'saknas'" not in "".join(error["traceback"])
    plain = re.sub(r"\x1b\[[0-9;]*m", "", "".join(error["traceback"]))
    assert 'values["saknas"]' in plain and "KeyError" in plain
    attempt = json.loads((folder / "outcome_followup.attempt.json").read_text())
    assert "KeyError" in attempt["reason"] and attempt["failed_at"]
    assert "saknas" not in attempt["reason"]


def test_a_failed_notebook_reaches_the_reports_folder_only_cleaned(
    project: Path, tmp_path: Path, monkeypatch, notebooks
) -> None:
    # A render stopped while its failed notebook is being kept (here: the cleaning
    # raises, as a kill would stop it) leaves nothing in the reports folder that holds
    # what the notebook printed or the exception's text; papermill's copy is not there.
    from evaluation.render import outputs

    monkeypatch.setenv(
        "EVALUATION_NOTEBOOK_DIR", str(notebooks(tmp_path / "failing", outcome_followup="fails"))
    )

    def stopped(nb):
        raise KeyboardInterrupt

    monkeypatch.setattr(outputs, "strip_free_text", stopped)
    with pytest.raises(KeyboardInterrupt):
        _render(project)
    written = [p for p in (project / "out").rglob("*") if p.is_file()]
    assert not [p for p in written if p.suffix == ".ipynb" or "tmp" in p.name], written
    assert not any("saknas" in p.read_text(errors="replace") for p in written)


def test_evaluation_error_in_notebook_surfaces_as_itself(
    project: Path, tmp_path: Path, monkeypatch, notebooks
) -> None:
    monkeypatch.setenv(
        "EVALUATION_NOTEBOOK_DIR",
        str(notebooks(tmp_path / "dataerr", outcome_followup="data_error")),
    )
    with pytest.raises(DataError) as info:
        _render(project)
    err = info.value
    assert type(err) is DataError
    assert (err.file, err.row, err.column) == ("referrals.csv", 7, "referral_date")
    assert (err.expected, err.found, err.message) == ("YYYY-MM-DD", "31/12", "not a date")
    assert err.cell == 4 and err.notebook.endswith("outcome_followup.failed.ipynb")
    # the terminal's wording names the value found; str(), which may reach a page, does not
    assert user_message(err, name_only=True) == (
        "fil referrals.csv, kolumn 'referral_date', rad 7: not a date "
        "(väntat: YYYY-MM-DD; hittat: 31/12)"
    )
    assert (
        str(err)
        == "fil referrals.csv, kolumn 'referral_date', rad 7: not a date (väntat: YYYY-MM-DD)"
    )
    kept = json.loads(Path(err.notebook).read_text(encoding="utf-8"))
    error = next(o for c in kept["cells"] for o in c.get("outputs", []) if o["ename"])
    assert "31/12" not in error["evalue"] and "31/12" not in error["traceback"][-1]
    assert not any(ERROR_MARKER in line for line in error["traceback"])  # its JSON line
    assert not (project / "out" / "skaggetorp" / "outcome_followup.html").exists()


def test_identity_number_in_output_fails_and_leaves_nothing(project: Path) -> None:
    with pytest.raises(PrivacyError) as info:
        _render(project, "leak.yaml")
    assert "19121212" not in str(info.value) and "1212" not in str(info.value)
    folder = project / "out" / "berga"
    assert not any(folder.glob("*.html")) and not any(folder.glob("*.ipynb"))
