"""Indicator catalogue: packaged entries, a user's additions and overrides, clear errors."""

from __future__ import annotations

import pytest

from evaluation.exceptions import ParameterError
from evaluation.metadata.catalogue import load_catalogue


def test_packaged_catalogue_has_contract_keys():
    catalogue = load_catalogue()
    assert catalogue["foreign_born_share"].kind == "share"
    assert catalogue["foreign_born_share"].scale == 100
    assert catalogue["reported_crimes_per_1000"].scale == 1000
    assert catalogue["population_total"].aggregation == "sum"


def test_extra_file_adds_and_overrides(tmp_path):
    extra = tmp_path / "indicators.yaml"
    extra.write_text(
        "population_total:\n  label: Invånare\n"
        "youth_centre_visits:\n  label: Besök\n  unit: besök\n  kind: count\n"
        "  aggregation: sum\n",
        encoding="utf-8",
    )
    catalogue = load_catalogue(extra)
    assert catalogue["population_total"].label == "Invånare"
    assert catalogue["population_total"].kind == "count"  # kept from the packaged entry
    assert catalogue["youth_centre_visits"].unit == "besök"


def test_unknown_kind_names_file_and_key(tmp_path):
    extra = tmp_path / "indicators.yaml"
    extra.write_text(
        "odd:\n  label: X\n  unit: x\n  kind: median\n  aggregation: none\n", encoding="utf-8"
    )
    with pytest.raises(ParameterError) as err:
        load_catalogue(extra)
    assert err.value.parameter == "odd" and "indicators.yaml" in str(err.value)
    assert "kind" in str(err.value)


def test_count_cannot_be_a_ratio(tmp_path):
    extra = tmp_path / "indicators.yaml"
    extra.write_text("population_total:\n  aggregation: ratio\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="passar inte kind"):
        load_catalogue(extra)


def test_typo_in_field_name(tmp_path):
    extra = tmp_path / "indicators.yaml"
    extra.write_text("population_total:\n  lable: Folk\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="lable"):
        load_catalogue(extra)
