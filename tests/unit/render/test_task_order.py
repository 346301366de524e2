"""A batch starts its longest reports first, also in a new term's empty folder."""

from __future__ import annotations

import json
from pathlib import Path

from evaluation.params import load_params
from evaluation.render.batch import _plan
from evaluation.render.manifest import FORMAT
from evaluation.render.paths import report_paths
from evaluation.render.single import WARM_ENGINE

ROOT = Path(__file__).resolve().parents[3]
PARAMS = ROOT / "params"
SURVEY = str(PARAMS / "user_survey" / "ryd.yaml")
AREA_A = str(PARAMS / "area_analysis" / "berga.yaml")
AREA_B = str(PARAMS / "area_analysis" / "ryd.yaml")
OUTCOME = str(PARAMS / "skaggetorp_outcome_followup.yaml")


def _rendered(folder: Path, params_file: str, seconds: float) -> None:
    params = load_params(params_file)
    manifest = report_paths(folder, params.area, params.kind).manifest
    manifest.parent.mkdir(parents=True, exist_ok=True)
    manifest.write_text(json.dumps({"format": FORMAT, "render_seconds": seconds}))


def _order(evaluations: list[str], out: Path, history: list[Path]) -> list[str]:
    _, tasks, _, _ = _plan(
        evaluations, out, out.parent / "cache", True, WARM_ENGINE, None, None, history
    )
    return [t.params_file for t in tasks]


def test_a_new_term_is_ordered_by_the_earlier_terms_render_times(tmp_path: Path):
    earlier, now = tmp_path / "2024H2", tmp_path / "2025H1"
    _rendered(earlier, SURVEY, 0.5)
    _rendered(earlier, AREA_A, 3.0)
    _rendered(earlier, OUTCOME, 11.0)
    files = [SURVEY, AREA_A, OUTCOME]
    assert _order(files, now, []) == files  # nothing known: the file's order
    assert _order(files, now, [earlier]) == [OUTCOME, AREA_A, SURVEY]


def test_a_report_never_rendered_takes_its_kinds_time_or_goes_first(tmp_path: Path):
    earlier, now = tmp_path / "2024H2", tmp_path / "2025H1"
    _rendered(earlier, SURVEY, 0.5)
    _rendered(earlier, AREA_A, 3.0)
    # AREA_B is new this term: an area analysis, so after the outcome follow-up, before
    # the survey; the outcome follow-up's kind is unknown, so it may be the longest: first
    order = _order([SURVEY, AREA_B, OUTCOME, AREA_A], now, [earlier])
    assert order == [OUTCOME, AREA_B, AREA_A, SURVEY]
    # the folder's own last render wins over the earlier term's
    _rendered(now, SURVEY, 20.0)
    assert _order([AREA_A, SURVEY], now, [earlier])[0] == SURVEY
