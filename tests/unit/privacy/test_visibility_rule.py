"""The effect section asks the privacy layer whether a line may be drawn (no copy of the rules)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from evaluation.metadata.outcomes import Outcome
from evaluation.privacy import PrivacyRules
from evaluation.privacy.primary import hide_values
from evaluation.reports.effects import _passes

RULES = PrivacyRules()
SHARE = Outcome("s", "Andel", "share", "num", "den", "andel", sensitive=True)
RATE = Outcome("r", "Takt", "rate", "num", "den", "per 1 000")


def _panel(num: list[float], den: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"area_code": "A", "num": num, "den": den})


def test_sensitive_extremes_block_the_line() -> None:
    # 0 of 15 is a sensitive 0 % below sensitive_min_n (20): hidden by the privacy layer.
    assert not _passes(_panel([0, 8], [15, 30]), SHARE, "A", RULES)
    assert _passes(_panel([6, 8], [15, 30]), SHARE, "A", RULES)


def test_rates_need_the_population_rule() -> None:
    # 6 events among 8 person-years: the count passes min_count but the population is too small.
    assert not _passes(_panel([6, 0], [8, 500]), RATE, "A", RULES)
    assert _passes(_panel([6, 0], [50, 500]), RATE, "A", RULES)


def test_hide_values_is_the_protector_rule() -> None:
    num, den = np.array([0.0, 3.0, 12.0]), np.array([15.0, 40.0, 40.0])
    assert list(hide_values("share", num, den, RULES, sensitive=True)) == [True, True, False]
    assert list(hide_values("rate", num, den, RULES)) == [False, True, False]
