"""Protector.shares / rates / statistics (docs/privacy.md R2, R4)."""

import numpy as np
import pandas as pd
import pytest

from evaluation.exceptions import PrivacyError
from evaluation.privacy import SUPPRESSED_SENTENCE, Protector


def _shares(num, den, **extra):
    num, den = np.asarray(num, float), np.asarray(den, float)
    frame = pd.DataFrame(
        {"area": [f"a{i}" for i in range(len(num))], **extra, "numerator": num, "denominator": den}
    )
    frame["value"] = num / den
    frame["ci_low"], frame["ci_high"] = frame["value"] - 0.1, frame["value"] + 0.1
    return frame


@pytest.mark.parametrize(
    "num, den, hidden",
    [
        pytest.param(20, 40, False, id="ok"),
        pytest.param(5, 9, True, id="denominator-below-min_n"),
        pytest.param(3, 40, True, id="numerator-3"),
        pytest.param(37, 40, True, id="rest-3"),
        pytest.param(0, 12, False, id="zero-percent-not-sensitive"),
        pytest.param(12, 12, False, id="hundred-percent-not-sensitive"),
        pytest.param(np.nan, 40, True, id="missing-numerator"),
    ],
)
def test_share_rules(num, den, hidden):
    result = Protector().shares(_shares([num], [den]), label="t")
    row = result.frame.iloc[0]
    assert bool(row["suppressed"]) is hidden
    if hidden:
        assert row[["value", "ci_low", "ci_high", "numerator", "denominator"]].isna().all()
    else:
        assert row["value"] == pytest.approx(num / den)


@pytest.mark.parametrize(
    "num, den, hidden",
    [
        pytest.param(0, 12, True, id="zero-of-12-placements"),
        pytest.param(12, 12, True, id="all-of-12"),
        pytest.param(0, 25, False, id="zero-of-25"),
        pytest.param(6, 12, False, id="half-of-12"),
    ],
)
def test_sensitive_extremes(num, den, hidden):
    result = Protector().shares(_shares([num], [den]), label="t", sensitive=True)
    assert bool(result.frame["suppressed"].iloc[0]) is hidden


def test_complementary_pair_hidden_together():
    frame = _shares(
        [3, 20, 15, 14], [30, 40, 30, 30], child_sex=["flicka", "pojke", "flicka", "pojke"]
    )
    frame["area"] = ["a", "a", "b", "b"]
    result = Protector().shares(frame, label="t", complementary="child_sex")
    assert result.frame["suppressed"].tolist() == [True, True, False, False]
    plain = Protector().shares(frame, label="t")
    assert plain.frame["suppressed"].tolist() == [True, False, False, False]


def test_shown_counts_follow_r2():
    result = Protector().shares(_shares([0, 5, 20, 3], [10, 10, 40, 40]), label="t")
    shown = result.frame.loc[~result.frame["suppressed"], ["numerator", "denominator"]]
    values = shown.to_numpy()
    assert not ((values > 0) & (values < 5)).any()


def test_all_hidden_is_withheld():
    result = Protector().shares(_shares([1, 2], [5, 6]), label="t")
    assert result.withheld and result.note == SUPPRESSED_SENTENCE and result.n_hidden == 2


def test_frame_without_ci_columns():
    frame = _shares([20], [40]).drop(columns=["ci_low", "ci_high"])
    assert not Protector().shares(frame, label="t").frame["suppressed"].iloc[0]


def test_unnamed_numeric_column_is_refused():
    frame = _shares([20], [40])
    frame["n_children"] = [3]
    with pytest.raises(PrivacyError, match="n_children"):
        Protector().shares(frame, label="t")
    frame["year"] = [2024]
    assert len(Protector().shares(frame, label="t", keys=["n_children"]).frame) == 1


def test_numerator_above_denominator_is_refused():
    with pytest.raises(PrivacyError):
        Protector().shares(_shares([50], [40]), label="t")


def test_already_protected_frame_is_refused():
    protected = Protector().shares(_shares([20], [40]), label="t").frame
    with pytest.raises(PrivacyError, match="R1"):
        Protector().shares(protected, label="t2")


@pytest.mark.parametrize(
    "count, population, hidden",
    [
        pytest.param(3, 800, True, id="count-3"),
        pytest.param(0, 800, False, id="count-0"),
        pytest.param(5, 800, False, id="count-5"),
        pytest.param(6, 9, True, id="population-9"),
    ],
)
def test_rates(count, population, hidden):
    frame = pd.DataFrame({"area": ["a"], "numerator": [count], "denominator": [population]})
    frame["value"] = 1000 * frame["numerator"] / frame["denominator"]
    result = Protector().rates(frame, label="t")
    assert bool(result.frame["suppressed"].iloc[0]) is hidden
    if hidden:
        assert np.isnan(result.frame["value"].iloc[0])
        assert np.isnan(result.frame["numerator"].iloc[0])


def test_rates_custom_columns():
    frame = pd.DataFrame(
        {"area": ["a", "b"], "referrals": [3, 50], "children": [900, 1000], "per_1000": [3.3, 50.0]}
    )
    result = Protector().rates(
        frame, label="t", count="referrals", population="children", value_cols=["per_1000"]
    )
    assert result.frame["suppressed"].tolist() == [True, False]


@pytest.mark.parametrize(
    "n, hidden",
    [
        pytest.param(9, True, id="n-9"),
        pytest.param(10, False, id="n-10"),
        pytest.param(np.nan, True, id="n-missing"),
    ],
)
def test_statistics(n, hidden):
    frame = pd.DataFrame({"area": ["a"], "n": [n], "value": [42.0]})
    result = Protector().statistics(frame, label="t")
    assert bool(result.frame["suppressed"].iloc[0]) is hidden


@pytest.mark.parametrize("column", ["max", "min", "p99", "p1", "p5", "P95"])
def test_extremes_are_refused(column):
    frame = pd.DataFrame({"area": ["a"], "n": [50], "value": [42.0], column: [3.0]})
    with pytest.raises(PrivacyError, match="extreme|minimum"):
        Protector().statistics(frame, label="t", value_cols=["value", column])
