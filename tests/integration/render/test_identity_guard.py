"""R8 end to end: an identity number in any input text fails the run, unechoed, leaving nothing."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from typer.testing import CliRunner

from evaluation.cli.main import app
from evaluation.exceptions import IdentityNumberError
from evaluation.load.dataset import read_contract_table

runner = CliRunner()
NUMBER = "19121212\u20111212"  # Skatteverket's test number, non-breaking hyphen
DIGITS = ("19121212", "121212", "1212")


def _clean(text: str) -> bool:
    return not any(d in text for d in DIGITS)


def _run(project: Path, *extra: str):
    out = project / "out"
    result = runner.invoke(app, ["run", str(project / "ok.yaml"), "-o", str(out), *extra])
    return result, out


def _nothing_written(out: Path) -> bool:
    return not out.exists() or not any(out.rglob("*"))


def test_area_named_like_an_identity_number_fails_the_run(project: Path) -> None:
    areas = gpd.GeoDataFrame(
        {
            "area_code": ["A", "B"],
            "area_name": ["Skäggetorp", f"Område {NUMBER}"],
            "municipality_code": "0580",
        },
        geometry=[shapely.box(0, 0, 900, 900), shapely.box(1000, 0, 1900, 900)],
        crs="EPSG:3006",
    )
    areas.to_file(project / "data" / "areas.geojson", driver="GeoJSON")
    result, out = _run(project)
    assert result.exit_code == 2, result.output
    assert "IdentityNumberError" in result.stderr and "areas.geojson" in result.stderr
    assert "rad 3" in result.stderr and "area_name" in result.stderr
    assert _clean(result.output) and _nothing_written(out)


@pytest.mark.parametrize(
    "line",
    [
        f"title: Uppföljning {NUMBER}\n",
        "comparison_areas: ['Ryd', '121212\u00a01212']\n",
        "191212121212: 1\n",  # an unknown parameter named by the number
    ],
)
def test_identity_number_in_parameters_fails_without_echo_even_with_debug(
    project: Path, line: str
) -> None:
    params = project / "ok.yaml"
    params.write_text(params.read_text(encoding="utf-8") + line, encoding="utf-8")
    for extra in ((), ("--debug",)):
        result, out = _run(project, *extra)
        assert result.exit_code == 2, result.output
        assert "ParameterError" in result.stderr and _clean(result.output), result.output
        assert _nothing_written(out)
    assert "Traceback" in result.stderr  # the last run was --debug


def test_area_parameter_shaped_like_a_number_leaves_no_folder(project: Path) -> None:
    params = project / "ok.yaml"
    params.write_text(
        params.read_text(encoding="utf-8").replace("Skäggetorp", "'121212-1212'"),
        encoding="utf-8",
    )
    result, out = _run(project, "--debug")
    assert result.exit_code == 2 and _clean(result.output)
    assert _nothing_written(out)


def test_debug_traceback_is_redacted(project: Path, monkeypatch) -> None:
    """An error raised deep inside with the number in its message is redacted everywhere."""
    import evaluation.render as render

    def boom(*args, **kwargs):
        raise ValueError(f"kan inte läsa {NUMBER}")

    monkeypatch.setattr(render, "render_report", boom)
    result, _ = _run(project, "--debug")
    assert result.exit_code == 1 and "Traceback" in result.stderr
    assert "[dolt]" in result.stderr and _clean(result.output)


def test_data_name_in_metadata_is_guarded(project: Path) -> None:
    (project / "data" / "metadata.yaml").write_text(
        f"name: Testkommun {NUMBER}\nsynthetic: true\n", encoding="utf-8"
    )
    result, out = _run(project)
    assert result.exit_code == 2 and "metadata.yaml" in result.stderr
    assert _clean(result.output) and _nothing_written(out)


def test_survey_question_text_and_column_names_are_guarded(tmp_path: Path) -> None:
    questions = tmp_path / "survey_questions.csv"
    questions.write_text(
        "survey,question_id,text,scale\n"
        "brukarenkat,q1,Blev du väl bemött?,agree5\n"
        f"brukarenkat,q2,Gäller ärende {NUMBER}?,agree5\n",
        encoding="utf-8",
    )
    with pytest.raises(IdentityNumberError) as err:
        read_contract_table(questions, "survey_questions")
    assert "rad 3" in str(err.value) and "'text'" in str(err.value) and _clean(str(err.value))
    referrals = tmp_path / "referrals.csv"
    referrals.write_text(
        "referral_id,received_date,area_code,child_age,child_sex,reporter_category,"
        "121212-1212\nr1,2024-01-05,A,5,F,school,x\n",
        encoding="utf-8",
    )
    with pytest.raises(IdentityNumberError) as err:
        read_contract_table(referrals, "referrals")
    assert "rad 1" in str(err.value) and _clean(str(err.value))


def test_batch_with_an_area_named_like_a_number_names_no_folder_and_echoes_nothing(
    project: Path,
) -> None:
    (project / "num.yaml").write_text(
        f"kind: area_analysis\narea: '{NUMBER}'\ndata: data\n", encoding="utf-8"
    )
    batch = project / "batch.yaml"
    batch.write_text("batch: term\nevaluations:\n  - ok.yaml\n  - num.yaml\n", encoding="utf-8")
    out = project / "reports"
    result = runner.invoke(
        app, ["batch", str(batch), "-o", str(out), "--executor", "serial", "--no-progress"]
    )
    assert result.exit_code == 1 and _clean(result.output), result.output
    index = (out / "term" / "index.html").read_text(encoding="utf-8")
    assert _clean(index) and "misslyckades" in index
    folders = sorted(p.name for p in (out / "term").iterdir() if p.is_dir())
    assert folders == ["ledgers", "skaggetorp"]  # the batch's publication ledgers and one area
