"""Vectorised membership for large text columns.

pandas 3's ``Series.isin`` on Arrow-backed strings falls back to a slow path
(about 30x slower than Arrow's own kernel at a million rows), so large checks
go through ``pyarrow.compute.is_in`` here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def isin(values: pd.Series, allowed) -> pd.Series:
    """Boolean Series: is each value in ``allowed``? Missing values give False."""
    if not len(values):
        return pd.Series(np.zeros(0, dtype=bool), index=values.index)
    arr = pa.array(values.astype("string[pyarrow]").array)
    allowed_arr = pa.array(
        pd.Series(
            allowed if isinstance(allowed, (pd.Series, pd.Index)) else pd.array(allowed),
            dtype="string[pyarrow]",
        ).array
    )
    mask = pc.is_in(arr, value_set=allowed_arr, skip_nulls=True).fill_null(False)
    return pd.Series(np.asarray(mask, dtype=bool), index=values.index)


def all_unique(values: pd.Series) -> bool:
    """True when no non-missing value repeats (Arrow's hash count; pandas' is slower here)."""
    arr = pa.array(values.dropna().astype("string[pyarrow]").array)
    return pc.count_distinct(arr, mode="only_valid").as_py() == len(arr)


def iso_dates(values: pd.Series) -> pd.Series | None:
    """Strict parse of ``YYYY-MM-DD`` (and the date part of ISO date-times) by Arrow's cast.

    Returns None when any cell is not a valid ISO date, so the caller can find and
    name the bad row with the slower, forgiving parser.
    """
    arr = pa.array(values.astype("string[pyarrow]").array)
    try:
        dates = pc.cast(pc.utf8_slice_codeunits(arr, 0, 10), pa.date32())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return pd.Series(dates.to_numpy(zero_copy_only=False), index=values.index).astype(
        "datetime64[ns]"
    )
