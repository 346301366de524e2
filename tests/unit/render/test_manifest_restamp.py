"""After the joint audit, reports the repair left alone keep being re-used (a no-op stays one)."""

from pathlib import Path

from evaluation.privacy.publication import HIDDEN_DIGEST_KEY
from evaluation.render.manifest import InputKey, is_up_to_date, restamp_data, write_manifest
from evaluation.render.paths import ReportPaths


def _key(hidden: str) -> InputKey:
    return InputKey("p", "n", {"referrals.csv": "d", HIDDEN_DIGEST_KEY: hidden}, "0", "s")


def test_restamp_makes_the_report_current_for_the_final_hidden_set(tmp_path: Path) -> None:
    paths = ReportPaths(tmp_path, "area_analysis")
    paths.html.write_text("<html></html>", encoding="utf-8")
    write_manifest(paths, _key("before-repair"), 1.0)
    assert is_up_to_date(paths, _key("after-repair")) is None  # stale until restamped
    restamp_data(paths, HIDDEN_DIGEST_KEY, "after-repair")
    assert is_up_to_date(paths, _key("after-repair")) is not None
    assert is_up_to_date(paths, _key("before-repair")) is None


def test_restamp_leaves_a_manifest_without_the_key_alone(tmp_path: Path) -> None:
    paths = ReportPaths(tmp_path, "user_survey")
    paths.html.write_text("<html></html>", encoding="utf-8")
    key = InputKey("p", "n", {"referrals.csv": "d"}, "0", "s")
    write_manifest(paths, key, 1.0)
    before = paths.manifest.read_bytes()
    restamp_data(paths, HIDDEN_DIGEST_KEY, "x")
    assert paths.manifest.read_bytes() == before
