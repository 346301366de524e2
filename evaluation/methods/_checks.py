"""Input checks shared by the methods; every failure names the argument at fault."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from evaluation.exceptions import ArgumentError, ArgumentTypeError, DataError


def require_frame(obj: object, name: str) -> pd.DataFrame:
    """Return ``obj`` if it is a non-empty DataFrame; a TypeError naming ``name`` if it is not."""
    if not isinstance(obj, pd.DataFrame):
        raise ArgumentTypeError(
            f"ska vara en pandas DataFrame, fick {type(obj).__name__}", argument=name
        )
    if obj.empty:
        raise DataError(f"'{name}' har inga rader")
    return obj


def require_columns(frame: pd.DataFrame, frame_name: str, **columns: str | None) -> None:
    """Check that each named column argument exists in ``frame``."""
    for arg, col in columns.items():
        if col is None:
            continue
        if col not in frame.columns:
            raise ArgumentError(
                f"kolumnen '{col}' finns inte i {frame_name} "
                f"(kolumner: {', '.join(map(str, frame.columns))})",
                argument=arg,
            )


def require_choice(value: object, name: str, options: Iterable[object]) -> None:
    """Raise ArgumentError unless ``value`` is one of ``options``."""
    options = list(options)
    if value not in options:
        raise ArgumentError(f"ska vara en av {options}, fick {value!r}", argument=name)


def numeric_column(
    frame: pd.DataFrame, col: str, arg: str, *, positive: bool = False, nonnegative: bool = False
) -> np.ndarray:
    """Return a column as float array; missing or non-numeric values raise DataError."""
    values = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    if np.isnan(values).any():
        raise DataError(
            f"kolumnen '{col}' (argumentet '{arg}') har tomma värden eller värden som inte är tal",
            column=col,
            expected="tal på varje rad",
        )
    if positive and (values <= 0).any():
        raise DataError(
            f"kolumnen '{col}' (argumentet '{arg}') ska vara större än 0",
            column=col,
            expected="värden > 0",
        )
    if nonnegative and (values < 0).any():
        raise DataError(
            f"kolumnen '{col}' (argumentet '{arg}') får inte vara negativ",
            column=col,
            expected="värden >= 0",
        )
    return values


def coerce_start(start: Any, times: pd.Series, arg: str = "start") -> Any:
    """Convert ``start`` to the type of ``times`` (dates, periods or numbers)."""
    if pd.api.types.is_datetime64_any_dtype(times):
        try:
            return pd.Timestamp(start)
        except (TypeError, ValueError) as exc:
            raise ArgumentError(f"kan inte läsa {start!r} som ett datum", argument=arg) from exc
    if isinstance(times.dtype, pd.PeriodDtype):
        try:
            # pandas-stubs list a few offset classes; Period takes any BaseOffset.
            return pd.Period(start, freq=times.dtype.freq)  # type: ignore[arg-type]
        except (TypeError, ValueError) as exc:
            raise ArgumentError(f"kan inte läsa {start!r} som en period", argument=arg) from exc
    if pd.api.types.is_numeric_dtype(times):
        if not isinstance(start, (int, float, np.integer, np.floating)):
            raise ArgumentError(f"ska vara ett tal som tidskolumnen, fick {start!r}", argument=arg)
        return start
    return start


def check_start_inside(times: pd.Series, start: object, arg: str = "start") -> None:
    """Require at least one period before and one at/after ``start``."""
    if not (times < start).any():
        raise ArgumentError(f"{start!r} lämnar ingen period före insatsen", argument=arg)
    if not (times >= start).any():
        raise ArgumentError(f"{start!r} lämnar ingen period efter insatsen", argument=arg)


def check_alpha(alpha: float) -> None:
    """Require 0 < alpha < 1."""
    if not (isinstance(alpha, (int, float)) and 0 < alpha < 1):
        raise ArgumentError(f"ska ligga mellan 0 och 1, fick {alpha!r}", argument="alpha")


def first_treated(times: pd.Series, start: object, arg: str = "start") -> object:
    """The time value of the period holding ``start`` (time values are period starts).

    A start in mid-period (2022-09-01 in half-years starting 2022-07-01) makes that whole
    period the first treated one, so a partly treated period never serves as a pre-period or
    as the event study's reference. Checks that a period remains before it.
    """
    check_start_inside(times, start, arg)
    values = pd.Series(pd.unique(times)).sort_values()
    holding = values[values <= start]
    first = holding.iloc[-1] if len(holding) else start
    check_start_inside(times, first, arg)
    return first
