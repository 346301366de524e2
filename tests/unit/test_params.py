"""Parameter files: every mistake names the file and the parameter."""

from __future__ import annotations

import pytest
import yaml

from evaluation.exceptions import ParameterError
from evaluation.params import load_batch, load_params
from evaluation.reports.context import open_report


def _write(tmp_path, data_folder, **params):
    base = {"kind": "outcome_followup", "area": "Norrby", "data": str(data_folder)}
    base.update(params)
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(base, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "params, parameter, words",
    [
        pytest.param(
            {"comparision_areas": ["Söderby"]},
            "comparision_areas",
            "menade du",
            id="typo-suggests",
        ),
        pytest.param(
            {"privacy": {"min_count": 3}},
            "privacy.min_count",
            "inte sänkas",
            id="threshold-lowered",
        ),
        pytest.param({"privacy": {"min_n": 5}}, "privacy.min_n", "inte sänkas", id="min-n-lowered"),
        pytest.param(
            {"intervention_start": "soon"}, "intervention_start", "datum", id="wrong-type"
        ),
        pytest.param({"kind": "report"}, "kind", "outcome_followup", id="unknown-kind"),
        pytest.param({"data": "/no/such/folder"}, "data", "finns inte", id="missing-data"),
    ],
)
def test_bad_parameters_are_named(tmp_path, tiny_folder, params, parameter, words):
    path = _write(tmp_path, tiny_folder, **params)
    with pytest.raises(ParameterError) as err:
        load_params(path)
    assert err.value.parameter == parameter
    assert words in str(err.value)
    assert "p.yaml" in str(err.value)


@pytest.mark.parametrize(
    "params, parameter",
    [
        pytest.param({"area": "Atlantis"}, "area", id="unknown-area"),
        pytest.param(
            {"comparison_areas": ["Söderby", "Nowhere"]},
            "comparison_areas[2]",
            id="unknown-comparison",
        ),
        pytest.param(
            {"intervention_start": "2030-01-01"}, "intervention_start", id="date-after-data"
        ),
        pytest.param({"period_start": "2001-01-01"}, "period_start", id="date-before-data"),
        pytest.param(
            {"comparison_areas": ["Söderby"], "excluded_from_comparison": ["Söderby"]},
            "comparison_areas[1]",
            id="excluded-comparison",
        ),
    ],
)
def test_parameters_checked_against_data(tmp_path, tiny_folder, params, parameter):
    path = _write(tmp_path, tiny_folder, **params)
    with pytest.raises(ParameterError) as err:
        open_report(path)
    assert err.value.parameter == parameter


def test_area_matched_by_name_case_insensitively(tmp_path, tiny_folder):
    report = open_report(_write(tmp_path, tiny_folder, area="söderby"))
    assert report.area_code == "0999A002" and report.area_name == "Söderby"
    assert [g.role for g in report.groups] == ["evaluated", "municipality"]


def test_raising_thresholds_is_allowed(tmp_path, tiny_folder):
    params = load_params(_write(tmp_path, tiny_folder, privacy={"min_count": 10, "min_n": 20}))
    assert params.privacy.min_count == 10


def test_batch_paths_resolve_relative_to_the_batch_file(tmp_path):
    (tmp_path / "sub").mkdir()
    batch = tmp_path / "sub" / "b.yaml"
    batch.write_text("batch: 2025H1\nevaluations: [one.yaml]\n", encoding="utf-8")
    assert load_batch(batch).evaluations == ((tmp_path / "sub" / "one.yaml").resolve(),)


def test_invalid_yaml_names_the_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("kind: outcome_followup\narea: [unclosed\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="rad 3"):
        load_params(path)


def test_the_whole_municipality_can_be_the_evaluated_unit(tmp_path, tiny_folder):
    report = open_report(_write(tmp_path, tiny_folder, area="Hela kommunen"))
    assert report.municipality_wide and report.area_code == "0999"
    assert [g.role for g in report.groups] == ["evaluated"]
    assert len(report.groups[0].codes) == 3


def test_excluded_areas_are_resolved_once_and_leave_the_donor_pool(tmp_path, tiny_folder):
    from evaluation.reports.effects import donor_pool

    report = open_report(_write(tmp_path, tiny_folder, excluded_from_comparison=["lillby"]))
    assert report.excluded == ("0999A003",) and not report.municipality_wide
    assert donor_pool(report) == ["0999A002"]


def test_unknown_excluded_area_is_named(tmp_path, tiny_folder):
    with pytest.raises(ParameterError) as err:
        open_report(_write(tmp_path, tiny_folder, excluded_from_comparison=["Söderby", "X"]))
    assert err.value.parameter == "excluded_from_comparison[2]"


def test_yaml_error_gives_the_parsers_reason_and_a_tab_hint(tmp_path):
    path = tmp_path / "tabs.yaml"
    path.write_text("kind: outcome_followup\nprivacy:\n\tmin_count: 5\n", encoding="utf-8")
    with pytest.raises(ParameterError) as err:
        load_params(path)
    text = str(err.value)
    assert "rad 3" in text and "tab" in text  # the parser's line, and the likely cause


def test_folder_given_as_params_file_says_so(tmp_path):
    with pytest.raises(ParameterError, match="är en mapp"):
        load_params(tmp_path)


def test_list_positions_are_one_based(tmp_path, tiny_folder):
    path = _write(tmp_path, tiny_folder, outcomes=["referrals_per_1000_children", 3])
    with pytest.raises(ParameterError) as err:
        load_params(path)
    assert err.value.parameter == "outcomes[2]"


def test_page_shows_the_data_folder_as_loaded_not_as_the_file_says_later(tmp_path, tiny_folder):
    """The page's parameter block comes from what the run loaded; editing the file during
    the run (or deleting it) does not change it."""
    from evaluation.render.provenance import params_text

    path = _write(tmp_path, tiny_folder, area="söderby")
    params = load_params(path)
    written = yaml.safe_load(path.read_text(encoding="utf-8"))["data"]
    path.write_text(path.read_text(encoding="utf-8").replace(written, "/elsewhere"), "utf-8")
    assert yaml.safe_load(params_text(params))["data"] == written
    path.unlink()
    assert yaml.safe_load(params_text(params))["data"] == written
