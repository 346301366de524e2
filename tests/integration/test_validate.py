"""``evaluation validate`` tells everything in one run; ``run`` checks before any kernel."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from nbclient import NotebookClient
from typer.testing import CliRunner

from evaluation.cli.main import app, project_root

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"
runner = CliRunner()


@pytest.fixture(scope="module")
def sample_copy(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("sample") / "data"
    shutil.copytree(SAMPLE, folder)
    return folder


def _copy(sample_copy: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(sample_copy, folder)
    return folder


def test_sample_is_valid_and_internal_names_are_not_tables(sample_copy):
    result = runner.invoke(app, ["validate", str(sample_copy)])
    assert result.exit_code == 0, result.output
    assert "Resultat: OK" in result.output
    for internal in ("fingerprint", "folder", "files"):
        assert internal not in result.output


def test_missing_renamed_and_unknown_files_are_named_with_the_kinds(sample_copy, tmp_path):
    folder = _copy(sample_copy, tmp_path)
    (folder / "assessments.csv").unlink()
    (folder / "referrals.csv").rename(folder / "referrals_2024.csv")
    (folder / "notes.txt").write_text("x", encoding="utf-8")
    result = runner.invoke(app, ["validate", str(folder)])
    out = result.output
    assert result.exit_code == 2
    assert "assessments.csv – behövs för outcome_followup" in out
    assert "referrals.csv – behövs för outcome_followup" in out
    assert "referrals_2024.csv – menade du referrals.csv?" in out
    assert "notes.txt" in out
    assert out.strip().splitlines()[-1].startswith("Resultat: FEL")


def test_removing_any_contract_file_names_it_with_the_kinds_affected(sample_copy, tmp_path):
    from evaluation.metadata.requirements import kinds_using

    folder = _copy(sample_copy, tmp_path)
    files = sorted(p for p in folder.iterdir() if p.suffix in (".csv", ".gpkg"))
    assert len(files) >= 10
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    for path in files:
        path.rename(hidden / path.name)
        result = runner.invoke(app, ["validate", str(folder)])
        (hidden / path.name).rename(path)
        table = "areas" if path.suffix == ".gpkg" else path.stem
        uses = kinds_using(table)
        line = next(
            (x for x in result.output.splitlines() if f"saknas  {table} " in x), result.output
        )
        assert path.name in line, (path.name, result.output)
        for kind in uses:
            assert kind in line, (path.name, kind, line)
        assert result.exit_code == (2 if uses else 0), (path.name, result.output)
        assert (
            result.output.strip()
            .splitlines()[-1]
            .startswith("Resultat: FEL" if uses else "Resultat: OK")
        )


def test_three_bad_rows_are_reported_in_one_run(sample_copy, tmp_path):
    folder = _copy(sample_copy, tmp_path)
    path = folder / "investigations.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    age = lines[0].split(",").index("child_age")
    for i in (3, 7, 11):
        cells = lines[i].split(",")
        cells[age] = "tolv"
        lines[i] = ",".join(cells)
    path.write_text("\n".join(lines), encoding="utf-8")
    result = runner.invoke(app, ["validate", str(folder)])
    assert result.exit_code == 2
    assert "kolumn 'child_age', 3 rader (4, 8, 12)" in result.output
    assert "Problem i" in result.output and "investigations.csv" in result.output


def test_survey_params_without_responses_fail(sample_copy, tmp_path):
    folder = _copy(sample_copy, tmp_path)
    (folder / "survey_responses.csv").unlink()
    params = ROOT / "params" / "user_survey" / "ryd.yaml"
    result = runner.invoke(app, ["validate", str(folder), str(params)])
    assert result.exit_code == 2
    assert "survey_responses" in result.output and "kan inte renderas" in result.output


def test_params_checked_against_data_with_did_you_mean(sample_copy, tmp_path):
    params = yaml.safe_load((ROOT / "params/skaggetorp_outcome_followup.yaml").read_text("utf-8"))
    params.update(data=str(sample_copy), comparison_areas=["Ryd", "Berag"])
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    result = runner.invoke(app, ["validate", str(sample_copy), str(path)])
    assert result.exit_code == 2
    assert "comparison_areas[2]" in result.output and "menade du Berga?" in result.output


def _no_kernel(*args, **kwargs):
    raise AssertionError("a kernel was started")


def test_misspelled_area_fails_fast_without_kernel_or_files(sample_copy, tmp_path, monkeypatch):
    project = tmp_path / "proj"
    (project / "params").mkdir(parents=True)
    params = yaml.safe_load((ROOT / "params/skaggetorp_outcome_followup.yaml").read_text("utf-8"))
    params.update(data=str(sample_copy), area="Skäggetrop")
    path = project / "params" / "bad.yaml"
    path.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    before = sorted(project.rglob("*"))
    # Fast means no kernel: the check runs before any is started (timed in benchmarks/).
    monkeypatch.setattr(NotebookClient, "start_new_kernel", _no_kernel)
    result = runner.invoke(app, ["run", str(path)])
    assert result.exit_code == 2
    assert "menade du Skäggetorp?" in result.stderr
    assert sorted(project.rglob("*")) == before  # no report, cache or failed notebook


def test_wrong_kind_of_file_is_explained(tmp_path):
    batch = ROOT / "params" / "batch_sample.yaml"
    assert "evaluation batch" in runner.invoke(app, ["run", str(batch)]).stderr
    single = ROOT / "params" / "skaggetorp_outcome_followup.yaml"
    assert "evaluation run" in runner.invoke(app, ["batch", str(single)]).stderr
    folder = runner.invoke(app, ["run", str(SAMPLE)])
    assert folder.exit_code == 2 and "är en mapp" in folder.stderr


def test_reports_land_in_the_project_of_the_params_file(tmp_path):
    nested = tmp_path / "kommun" / "params" / "area_analysis"
    nested.mkdir(parents=True)
    (tmp_path / "kommun" / "data").mkdir()
    assert project_root(nested / "x.yaml") == tmp_path / "kommun"
    assert project_root(ROOT / "params" / "batch_sample.yaml") == ROOT


def test_missing_table_for_a_chosen_outcome_stops_run_before_anything_is_written(
    sample_copy, tmp_path
):
    folder = _copy(sample_copy, tmp_path)
    (folder / "assessments.csv").unlink()
    (tmp_path / "params").mkdir()
    params = yaml.safe_load((ROOT / "params/skaggetorp_outcome_followup.yaml").read_text("utf-8"))
    params.update(data=str(folder), outcomes=["joint_assessment_share"])
    path = tmp_path / "params" / "p.yaml"
    path.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    result = runner.invoke(app, ["run", str(path)])
    assert result.exit_code == 2
    assert "assessments.csv" in result.stderr and "joint_assessment_share" in result.stderr
    assert not (tmp_path / "reports").exists()
