"""Protecting tidy frames: shares, rates and statistics (docs/privacy.md R2, R4).

Each row carries one value with the counts behind it. Rows that fail the
rules get NaN in every value column and in the counts, and ``suppressed=True``.
Numeric columns the caller did not name are refused: a stray count column
would otherwise pass through unprotected.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype

from evaluation.exceptions import PrivacyError
from evaluation.privacy.symbols import SUPPRESSED_SENTENCE

SUPPRESSED = "suppressed"
TIME_KEYS = frozenset(
    {"year", "år", "month", "månad", "quarter", "kvartal", "term", "termin", "period"}
)
"""Numeric columns accepted as keys without being named in ``keys``."""

_EXTREME = re.compile(r"^(min|max|minimum|maximum|p0*[0-5]|p9[5-9]|p100|q0|q100)$", re.I)


def check_columns(
    frame: pd.DataFrame, measured: Sequence[str], keys: Sequence[str], label: str
) -> None:
    """Refuse frames already protected, extremes, and numeric columns nobody named."""
    if not isinstance(frame, pd.DataFrame):
        raise PrivacyError(f"{label}: väntade en DataFrame, fick {type(frame).__name__}")
    if SUPPRESSED in frame.columns:
        raise PrivacyError(
            f"{label}: tabellen har redan en kolumn '{SUPPRESSED}'; "
            "varje utdata skyddas en gång, från den oskyddade tabellen (R1)"
        )
    for col in frame.columns:
        if isinstance(col, str) and _EXTREME.match(col):
            raise PrivacyError(
                f"{label}: kolumnen {col!r} ser ut som ett minimum, maximum eller "
                "extremt percentilvärde, som aldrig visas (R4)"
            )
        if col in measured or col in keys:
            continue
        dt = frame[col].dtype
        if is_numeric_dtype(dt) and not is_bool_dtype(dt) and str(col).lower() not in TIME_KEYS:
            raise PrivacyError(
                f"{label}: sifferkolumnen {col!r} är varken angiven som värde, "
                "antal eller nyckel; ange den i value_cols eller keys, eller ta bort den"
            )


def require(frame: pd.DataFrame, columns: Sequence[str], label: str) -> None:
    """Raise ValueError when a frame lacks columns the protection needs."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise PrivacyError(f"{label}: kolumnen {missing[0]!r} saknas")


def complement(
    frame: pd.DataFrame, hide: np.ndarray, column: str | None, measured: Sequence[str], label: str
) -> np.ndarray:
    """R4: rows differing only in ``column`` form a group; one hidden hides all."""
    if column is None:
        return hide
    require(frame, [column], label)
    keys = [c for c in frame.columns if c not in measured and c != column]
    flags = pd.Series(hide, index=frame.index)
    if not keys:
        return np.full(len(frame), bool(hide.any()))
    grouped = flags.groupby([frame[k] for k in keys], dropna=False, sort=False).transform("any")
    return grouped.to_numpy(dtype=bool)


def apply(
    frame: pd.DataFrame,
    hide: np.ndarray,
    blanked: Sequence[str],
    label: str,
    kind: str,
    grain: str | None = None,
):
    """NaN in ``blanked`` where hidden, add ``suppressed``, wrap as a ProtectedFrame."""
    from evaluation.privacy.results import ProtectedFrame

    out = frame.copy()
    for col in blanked:
        out[col] = pd.to_numeric(out[col], errors="raise").astype("float64")
        out.loc[hide, col] = np.nan
    out[SUPPRESSED] = np.asarray(hide, dtype=bool)
    withheld = bool(np.all(hide))
    return ProtectedFrame(
        frame=out,
        label=label,
        kind=kind,
        withheld=withheld,
        note=SUPPRESSED_SENTENCE if withheld else None,
        grain=grain,
    )


def value_columns(frame: pd.DataFrame, value_cols: Sequence[str]) -> list[str]:
    """Columns holding values to protect (the given ones, or all but the keys)."""
    if isinstance(value_cols, str):
        value_cols = (value_cols,)
    return [c for c in value_cols if c in frame.columns]


def counts_of(frame: pd.DataFrame, column: str, label: str) -> np.ndarray:
    """Integer counts of one column, refusing negative or fractional values."""
    try:
        arr = pd.to_numeric(frame[column], errors="raise").to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError):
        raise PrivacyError(f"{label}: kolumnen {column!r} ska innehålla tal") from None
    if (arr[~np.isnan(arr)] < 0).any():
        raise PrivacyError(f"{label}: kolumnen {column!r} har negativa värden")
    return arr
