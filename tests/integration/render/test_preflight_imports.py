"""The check before any kernel resolves a survey's scope without importing the chart stack."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from evaluation.exceptions import ParameterError
from evaluation.params import load_params
from evaluation.reports.preflight import preflight

ROOT = Path(__file__).resolve().parents[3]
SURVEY = ROOT / "params" / "user_survey" / "berga.yaml"
HEAVY = ("matplotlib", "seaborn", "evaluation.present.charts", "evaluation.reports.user_survey")

_CHILD = """
import sys
from evaluation.params import load_params
from evaluation.reports.preflight import preflight
preflight(load_params(sys.argv[1]), cache_dir=sys.argv[2])
print("LOADED", *sorted(m for m in sys.argv[3:] if m in sys.modules))
"""


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("preflight-cache")


def test_survey_preflight_imports_no_chart_library(cache: Path) -> None:
    # A batch worker runs preflight before its first kernel: matplotlib there cost ~1.4 s.
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(SURVEY), str(cache), *HEAVY],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "LOADED"


def test_survey_preflight_still_resolves_the_scope(cache: Path, tmp_path: Path) -> None:
    text = SURVEY.read_text(encoding="utf-8").replace(
        "../../data/sample", str(ROOT / "data/sample")
    )
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(text.replace("unit: Öppenvården Berga", "unit: Ingen sådan enhet"), "utf-8")
    with pytest.raises(ParameterError, match="enheten 'Ingen sådan enhet'"):
        preflight(load_params(wrong), cache_dir=cache)


def test_scope_keeps_its_old_import_place() -> None:
    from evaluation.reports import survey_scope, user_survey

    assert user_survey.scope is survey_scope.scope
    assert user_survey.SurveyScope is survey_scope.SurveyScope


@pytest.mark.parametrize(
    ("old", "new", "parameter"),
    [
        ("area: Skäggetorp", "area: Skäggetop", "area"),
        ("comparison_areas: [Ryd,", "comparison_areas: [Rydd,", "comparison_areas[1]"),
    ],
)
def test_a_misspelled_area_is_named_also_when_the_folder_is_already_loaded(
    cache: Path, tmp_path: Path, old: str, new: str, parameter: str
) -> None:
    # A batch worker passes the loaded folder and skips the quick name check: the full
    # check must name the parameter just the same.
    source = ROOT / "params" / "skaggetorp_outcome_followup.yaml"
    text = source.read_text(encoding="utf-8").replace("../data/sample", str(ROOT / "data/sample"))
    assert old in text
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(text.replace(old, new, 1), "utf-8")
    data = preflight(load_params(source), cache_dir=cache)
    for loaded in (None, data):
        with pytest.raises(ParameterError) as err:
            preflight(load_params(wrong), cache_dir=cache, data=loaded)
        assert err.value.parameter == parameter and "okänt område" in str(err.value)
