"""Detection of Swedish personal identity and coordination numbers (docs/privacy.md R8).

Written by hand because python-stdnum's validator rejects coordination numbers
(samordningsnummer, day + 60) and does not search inside free text.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

# 10 or 12 digits, optional century, optional separator (-, + or space) before the last four.
_PATTERN = re.compile(r"(?<![0-9])((?:19|20)?)([0-9]{6})[-+ ]?([0-9]{4})(?![0-9])")


def _luhn_ok(ten_digits: str) -> bool:
    total = 0
    for i, ch in enumerate(ten_digits):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _date_ok(yymmdd: str, century: str) -> bool:
    yy, mm, dd = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:6])
    if dd > 60:
        dd -= 60  # coordination number
    candidates = [int(century) * 100 + yy] if century else [1900 + yy, 2000 + yy]
    for year in candidates:
        try:
            date(year, mm, dd)
            return True
        except ValueError:
            continue
    return False


def is_identity_number(text: str) -> bool:
    """True when the whole of ``text`` is a valid personal identity or coordination number."""
    m = _PATTERN.fullmatch(text.strip())
    return m is not None and _valid(m)


def _valid(m: re.Match[str]) -> bool:
    century, yymmdd, last4 = m.group(1), m.group(2), m.group(3)
    return _date_ok(yymmdd, century) and _luhn_ok(yymmdd + last4)


def find_identity_numbers(text: str) -> list[tuple[int, int]]:
    """Spans (start, end) of every valid identity or coordination number inside ``text``."""
    return [m.span() for m in _PATTERN.finditer(text) if _valid(m)]


def contains_identity_number(text: str) -> bool:
    """True when ``text`` contains at least one valid identity or coordination number."""
    return any(_valid(m) for m in _PATTERN.finditer(text))


def first_identity_number_row(values: pd.Series) -> int | None:
    """Position (0-based) of the first value shaped like an identity number, or None.

    A vectorised regular-expression pre-filter (Arrow's RE2) finds the few
    candidates; only those get the Python date and Luhn checks, so millions of
    opaque ids stay cheap.
    """
    import numpy as np  # imported here: the HTML scan needs none of this

    s = values.dropna()
    if s.empty:
        return None
    s = s.astype("string[pyarrow]")
    candidates = s[s.str.contains(_PREFILTER, regex=True).fillna(False).astype(bool)]
    if candidates.empty:
        return None
    hits = candidates.map(contains_identity_number)
    if not hits.any():
        return None
    first_label = hits[hits.astype(bool)].index[0]
    return int(np.flatnonzero(values.index == first_label)[0])


# The same digits shape as _PATTERN without look-arounds (RE2 has none); a superset of hits.
_PREFILTER = r"(?:^|[^0-9])(?:19|20)?[0-9]{6}[-+ ]?[0-9]{4}(?:[^0-9]|$)"


def quote_safely(value: object, limit: int = 40) -> str:
    """Quote a value for an error message, unless it could identify a person."""
    text = str(value)
    if contains_identity_number(text):
        return "a value shaped like a personal identity number (not shown)"
    return repr(text[:limit])
