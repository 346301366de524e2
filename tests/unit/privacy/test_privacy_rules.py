"""Thresholds may be raised, never lowered (docs/privacy.md preamble)."""

import pytest

from evaluation.exceptions import PrivacyError
from evaluation.params import PrivacyParams
from evaluation.privacy import PrivacyRules, Protector


def test_defaults():
    assert PrivacyRules() == PrivacyRules(min_count=5, min_n=10, sensitive_min_n=20)


@pytest.mark.parametrize(
    "field, value",
    [
        pytest.param("min_count", 4, id="min_count-4"),
        pytest.param("min_count", 0, id="min_count-0"),
        pytest.param("min_n", 9, id="min_n-9"),
        pytest.param("sensitive_min_n", 19, id="sensitive-19"),
        pytest.param("min_count", 5.5, id="not-whole"),
        pytest.param("min_count", True, id="bool"),
    ],
)
def test_cannot_lower_or_fudge(field, value):
    with pytest.raises(PrivacyError):
        PrivacyRules(**{field: value})


def test_rules_are_frozen():
    rules = PrivacyRules()
    with pytest.raises(AttributeError):
        rules.min_count = 1  # type: ignore[misc]


def test_raised_thresholds_from_params_are_used():
    rules = PrivacyRules.from_params(PrivacyParams(min_count=10, min_n=30, sensitive_min_n=40))
    assert (rules.min_count, rules.min_n, rules.sensitive_min_n) == (10, 30, 40)
    assert Protector(PrivacyParams(min_count=10)).rules.min_count == 10


def test_params_object_with_lowered_value_is_refused():
    # bypass pydantic validation the way a careless caller might
    lowered = PrivacyParams.model_construct(min_count=2, min_n=10, sensitive_min_n=20)
    with pytest.raises(PrivacyError):
        PrivacyRules.from_params(lowered)
    with pytest.raises(PrivacyError):
        Protector(lowered)


def test_is_small():
    rules = PrivacyRules()
    assert [bool(rules.is_small(x)) for x in (0, 1, 4, 5)] == [False, True, True, False]
