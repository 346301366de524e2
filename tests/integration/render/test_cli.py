"""CLI: one- or two-line errors without traceback, exit codes 2 (input) and 1 (render)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from evaluation.cli.main import app

runner = CliRunner()


def test_run_writes_report(project: Path) -> None:
    out = project / "adhoc"
    result = runner.invoke(app, ["run", str(project / "ok.yaml"), "--output-dir", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "skaggetorp" / "outcome_followup.html").exists()
    again = runner.invoke(app, ["run", str(project / "ok.yaml"), "--output-dir", str(out)])
    assert again.exit_code == 0 and ("Återanvände" in again.output or "Skrev" in again.output)


def test_missing_params_is_exit_2_without_traceback(project: Path, monkeypatch) -> None:
    monkeypatch.chdir(project)
    result = runner.invoke(app, ["run", str(project / "nope.yaml")])
    assert not (project / "reports").exists()  # a failed run creates no folders
    assert result.exit_code == 2
    assert "finns inte" in result.stderr
    assert "Traceback" not in result.output and len(result.stderr.strip().splitlines()) <= 2


def test_failing_notebook_is_exit_1_and_names_kept_notebook(project: Path) -> None:
    out = project / "adhoc"
    result = runner.invoke(app, ["run", str(project / "fails.yaml"), "-o", str(out)])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) <= 2 and "KeyError" in lines[0] and "failed.ipynb" in lines[-1]
    assert "Traceback" not in result.output
    assert not list(out.rglob("*.html"))


def test_leak_is_exit_1_and_never_echoes_the_number(project: Path) -> None:
    result = runner.invoke(app, ["run", str(project / "leak.yaml"), "-o", str(project / "a")])
    assert result.exit_code == 1 and "PrivacyError" in result.stderr
    assert "19121212" not in result.output and not list((project / "a").rglob("*.html"))


def test_debug_shows_traceback(project: Path, monkeypatch) -> None:
    monkeypatch.chdir(project)
    result = runner.invoke(app, ["run", str(project / "nope.yaml"), "--debug"])
    assert result.exit_code == 2 and "Traceback" in result.stderr


def test_bad_batch_file_is_exit_2(project: Path) -> None:
    (project / "b.yaml").write_text("batch: 'has space'\nevaluations: []\n")
    result = runner.invoke(app, ["batch", str(project / "b.yaml"), "-o", str(project / "r")])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_pdf_flag_writes_an_a4_pdf_beside_the_html(project: Path) -> None:
    import pytest

    pytest.importorskip("weasyprint")
    from pypdf import PdfReader

    out = project / "adhoc"
    result = runner.invoke(app, ["run", str(project / "ok.yaml"), "-o", str(out), "--pdf"])
    assert result.exit_code == 0, result.output
    pdf = out / "skaggetorp" / "outcome_followup.pdf"
    assert pdf.exists() and f"Skrev {pdf}" in result.output
    box = PdfReader(str(pdf)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    again = runner.invoke(app, ["run", str(project / "ok.yaml"), "-o", str(out), "--pdf"])
    assert again.exit_code == 0 and "Wrote" not in again.output.replace("Re-used", "")


def test_audit_of_a_missing_folder_says_so(tmp_path) -> None:
    result = runner.invoke(app, ["audit", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert "mappen finns inte" in result.stderr and "nowhere" in result.stderr
