"""Shared fixtures for the methods tests: reference data and simulated panels."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import pandas as pd
import pytest

from evaluation.methods.simulate import simulate_referral_panel

matplotlib.use("Agg")

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
START = "2022-09-01"


@pytest.fixture(scope="session")
def sicily() -> pd.DataFrame:
    return pd.read_csv(FIXTURES / "its" / "sicily_acute_coronary_events.csv")


@pytest.fixture(scope="session")
def prop99_long() -> pd.DataFrame:
    wide = pd.read_csv(FIXTURES / "prop99" / "california_prop99.csv")
    return wide.melt(id_vars="Year", var_name="state", value_name="cigsale")


@pytest.fixture(scope="session")
def panel() -> pd.DataFrame:
    return simulate_referral_panel(rate_ratio=0.8, seed=7)


@pytest.fixture(scope="session", autouse=True)
def _single_threaded_blas():
    """Small dense fits run far slower with multithreaded BLAS on busy machines; use one thread."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - optional
        yield
        return
    with threadpool_limits(limits=1):
        yield
