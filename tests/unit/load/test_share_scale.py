"""A share given as a fraction on a row among percentages is refused, naming row and column."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from evaluation.exceptions import DataError, user_message
from evaluation.load.shares import normalise_shares
from evaluation.metadata.catalogue import load_catalogue


def _stats(values: list[float]) -> pd.DataFrame:
    """One share indicator over eight years for two areas; no numerators (size decides)."""
    rows = []
    for area, base in (("0580AAA", 0.0), ("0580BBB", 5.0)):
        for year, value in enumerate(values):
            rows.append((area, 2018 + year, "foreign_born_share", value + base))
    return pd.DataFrame(rows, columns=["area_code", "year", "indicator", "value"])


def test_percent_rows_pass_unchanged() -> None:
    stats = _stats([16.0, 15.6, 16.2, 17.0, 0.0, 18.1, 18.4, 19.0])  # a zero is a value
    out = normalise_shares(stats, load_catalogue(None), Path("area_statistics.csv"))
    pd.testing.assert_frame_equal(out, stats)


@pytest.mark.parametrize("row", [0, 5, 11])
def test_one_row_as_a_fraction_is_refused_at_its_row(row: int) -> None:
    stats = _stats([16.0, 15.6, 16.2, 17.0, 17.5, 18.1, 18.4, 19.0])
    stats.loc[row, "value"] = stats.loc[row, "value"] / 100
    with pytest.raises(DataError) as caught:
        normalise_shares(stats, load_catalogue(None), Path("area_statistics.csv"))
    text = user_message(caught.value)
    assert f"rad {row + 2}" in text and "'value'" in text and "area_statistics.csv" in text
    assert "blandar andelar" in text
