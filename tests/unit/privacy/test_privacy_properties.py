"""Property tests: whatever the crosstab, what counts() shows is safe and true."""

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evaluation.privacy import Protector, audit_shown_table, audit_table

MIN_COUNT = 5

cell = st.one_of(st.sampled_from([0, 1, 2, 3, 4]), st.integers(5, 60))


@st.composite
def crosstabs(draw):
    n = draw(st.integers(1, 5))
    m = draw(st.integers(1, 4))
    rows = draw(st.lists(st.lists(cell, min_size=m, max_size=m), min_size=n, max_size=n))
    return pd.DataFrame(
        rows, index=[f"r{i}" for i in range(n)], columns=[f"c{j}" for j in range(m)]
    )


def _expected(table: pd.DataFrame, result) -> pd.DataFrame:
    """True values for every cell of the result, computed from the raw table."""
    if result.rung == "total":
        return pd.DataFrame(
            [[table.to_numpy().sum()]],
            index=result.values.index,
            columns=result.values.columns,
            dtype=float,
        )
    if result.rung == "merged":
        merged = table.loc[list(result.merged_rows)].sum()
        table = table.drop(index=list(result.merged_rows))
        table.loc[result.values.index[-2]] = merged
    full = table.astype(float)
    if table.shape[1] > 1:
        full["Totalt"] = full.sum(axis=1)
    if table.shape[0] > 1:
        full.loc["Totalt"] = full.sum(axis=0)
    return full


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=crosstabs(), sensitive=st.booleans())
def test_counts_output_is_safe_and_true(table, sensitive):
    result = Protector().counts(table, label="t", sensitive=sensitive)
    values, hidden = result.values, result.hidden
    assert values.shape == hidden.shape
    assert (values.isna() == hidden).all().all()

    shown = values.to_numpy()[~hidden.to_numpy()]
    assert not ((shown > 0) & (shown < MIN_COUNT)).any()

    if result.withheld:
        assert hidden.all().all() and 0 < table.to_numpy().sum() < MIN_COUNT
        return
    assert audit_table(values, hidden, MIN_COUNT) == []
    assert audit_shown_table(result.shown(), MIN_COUNT) == []

    expected = _expected(table, result)
    assert list(expected.index) == list(values.index)
    assert list(expected.columns) == list(values.columns)
    mask = ~hidden.to_numpy()
    np.testing.assert_array_equal(values.to_numpy()[mask], expected.to_numpy()[mask])

    # R9: what is published in detail hides at most a quarter of inner cells and no total
    if result.rung in ("full", "merged") and values.size > 1:
        n, m = table.shape if result.rung == "full" else (len(values.index) - 1, table.shape[1])
        inner = hidden.iloc[:n, :m].to_numpy()
        assert inner.sum() <= inner.size / 4
        assert hidden.to_numpy().sum() == inner.sum()


@settings(max_examples=60, deadline=None)
@given(num=st.integers(0, 60), extra=st.integers(0, 60), sensitive=st.booleans())
def test_shown_shares_respect_thresholds(num, extra, sensitive):
    den = num + extra
    frame = pd.DataFrame(
        {"numerator": [num], "denominator": [den], "value": [num / den if den else np.nan]}
    )
    row = Protector().shares(frame, label="t", sensitive=sensitive).frame.iloc[0]
    if not row["suppressed"]:
        assert den >= 10
        assert num == 0 or num >= MIN_COUNT
        assert extra == 0 or extra >= MIN_COUNT
        if sensitive and den < 20:
            assert 0 < num < den


@settings(max_examples=40, deadline=None)
@given(counts=st.lists(st.one_of(st.integers(0, 4), st.integers(5, 40)), min_size=1, max_size=24))
def test_series_never_shows_a_small_count(counts):
    months = pd.period_range("2023-01", periods=len(counts), freq="M").astype(str)
    result = Protector().series(
        pd.DataFrame({"m": months, "n": counts}), label="t", time="m", count="n"
    )
    frame = result.frame
    shown = frame.loc[~frame["suppressed"], "n"].to_numpy()
    assert not ((shown > 0) & (shown < MIN_COUNT)).any()
    assert frame.loc[frame["suppressed"], "n"].isna().all()
    assert frame["n"].sum() <= sum(counts)
    hidden = frame.loc[frame["suppressed"]]
    if len(hidden) == 1:  # a lone hidden period is recoverable from the series total...
        assert (frame.loc[~frame["suppressed"], "n"] == 0).all()  # ...unless nothing else
    if result.grain == "month":
        assert len(frame) == len(counts) and not frame["suppressed"].any()
