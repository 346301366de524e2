"""A parameters file whose exact bytes this code validated before is not validated again."""

from __future__ import annotations

import hashlib

import pytest
import yaml
from pydantic import BaseModel

from evaluation.metadata.kinds import _REGISTRY, register_report_kind
from evaluation.params import ParamsHead, load_params, validated_head


def _write(tmp_path, **params):
    (tmp_path / "data").mkdir(exist_ok=True)
    base = {"kind": "outcome_followup", "area": "Norrby", "data": "data", **params}
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(base, allow_unicode=True), encoding="utf-8")
    return path


def _vouch_for(path, seen=None):
    """A check that vouches for exactly the bytes ``path`` holds now (and logs its calls)."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()

    def check(area, kind, sha256):
        if seen is not None:
            seen.append((area, kind))
        return sha256 == digest

    return check


def test_vouched_bytes_give_the_head_load_params_would(tmp_path) -> None:
    path = _write(tmp_path)
    seen = []
    head = validated_head(path, _vouch_for(path, seen))
    full = load_params(path)
    assert head == ParamsHead(full.kind, full.area, full.data, full.source_file)
    assert seen == [("Norrby", "outcome_followup")]  # the report that vouches is looked up


def test_other_bytes_a_missing_data_folder_or_an_outside_kind_are_validated_in_full(
    tmp_path,
) -> None:
    path = _write(tmp_path)
    vouch = _vouch_for(path)
    path.write_text(path.read_text(encoding="utf-8") + "colour: 3\n", encoding="utf-8")
    assert validated_head(path, vouch) is None  # a typo added: load_params will name it
    path = _write(tmp_path, data="elsewhere")
    assert validated_head(path, _vouch_for(path)) is None  # load_params names the folder

    class Outside(BaseModel):
        survey: str

    register_report_kind("outside_kind", "outside.ipynb", "Utanför", params=Outside)
    try:
        path = _write(tmp_path, kind="outside_kind")
        assert validated_head(path, _vouch_for(path)) is None  # its checks are not our code
    finally:
        _REGISTRY.pop("outside_kind")


@pytest.mark.parametrize("text", ["kind: [1\n", "- a\n- b\n", "kind: outcome_followup\n"])
def test_unparsable_or_incomplete_files_are_left_to_load_params(tmp_path, text) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    assert validated_head(path, lambda *a: True) is None
