"""Protector bookkeeping: protected once (R1), ledger and appendix (R10)."""

import pandas as pd
import pytest

from evaluation.exceptions import PrivacyError
from evaluation.privacy import Protector


def _table(a=10):
    return pd.DataFrame({"x": [a, 20], "y": [30, 40]}, index=["p", "q"])


def test_same_label_same_data_returns_the_same_result():
    protector = Protector()
    first = protector.counts(_table(), label="Tabell 1")
    assert protector.counts(_table(), label="Tabell 1") is first
    assert len(protector.ledger()) == 1


@pytest.mark.parametrize(
    "second",
    [
        pytest.param(lambda p: p.counts(_table(11), label="Tabell 1"), id="other-data"),
        pytest.param(
            lambda p: p.counts(_table(), label="Tabell 1", sensitive=True), id="other-options"
        ),
        pytest.param(
            lambda p: p.shares(
                pd.DataFrame({"numerator": [5], "denominator": [20]}), label="Tabell 1"
            ),
            id="other-kind",
        ),
    ],
)
def test_same_label_different_data_is_refused(second):
    protector = Protector()
    protector.counts(_table(), label="Tabell 1")
    with pytest.raises(PrivacyError, match="R1"):
        second(protector)


def test_label_is_required():
    with pytest.raises(PrivacyError):
        Protector().counts(_table(), label="  ")


def test_ledger_and_appendix():
    protector = Protector()
    protector.counts(_table(), label="A")
    protector.counts(pd.DataFrame({"x": [1, 2]}), label="B")
    months = pd.period_range("2024-01", periods=6, freq="M").astype(str)
    protector.series(
        pd.DataFrame({"m": months, "n": [5, 6, 3, 9, 12, 7]}), label="C", time="m", count="n"
    )
    ledger = protector.ledger()
    assert ledger["label"].tolist() == ["A", "B", "C"]
    assert ledger["withheld"].tolist() == [False, True, False]
    assert ledger["grain"].tolist()[2] == "quarter"
    assert ledger.loc[1, "hidden_cells"] == ledger.loc[1, "cells"] == 3
    appendix = protector.appendix()
    assert appendix["Åtgärd"].tolist() == ["–", "redovisas inte", "redovisas per kvartal"]


def test_rules_text_names_the_thresholds():
    text = Protector().rules_text()
    assert (
        "1–4" in text
        and "minst 10" in text
        and "färre än 20" in text
        and "linjärprogrammering" in text
    )
    raised = Protector(
        __import__("evaluation.privacy", fromlist=["PrivacyRules"]).PrivacyRules(min_count=7)
    ).rules_text()
    assert "1–6" in raised
