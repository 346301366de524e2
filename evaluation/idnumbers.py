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

# Separators written between the date and the last four digits: '-', '+', and what word
# processors and spreadsheets put in their place: every Unicode hyphen and dash
# (U+2010-U+2015), the minus sign (U+2212), small and full-width hyphen-minus and plus, and
# every kind of space (no-break U+00A0, narrow no-break U+202F, thin U+2009, the
# U+2000-U+200A family, ideographic U+3000), zero-width characters and the soft hyphen
# (U+00AD), which a reader never sees.
SEPARATORS = (
    "+ \t"
    "\u00a0\u00ad\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u200b\u200c\u200d\u2060\ufeff\u202f\u205f\u3000"
    "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2043\ufe58\ufe63\uff0d\ufe62\uff0b"
    "-"
)
_SEP = f"[{SEPARATORS}]"  # '-' last, so no character in the class needs escaping
# 10 or 12 digits, optional century (18, 19 or 20: 1890s test numbers exist), optional
# separator before the last four. Digits of any script count (Python's \d is Unicode and
# int() reads them). Group 1 is the date with its century when there is one (6 or 8
# digits, 8 tried first), group 2 the last four. It opens with a digit and only then
# looks back (no digit before it): a pattern that opens with a character class lets the
# regex engine skip to the next digit, five times faster over a page than opening with
# the look-behind, for the same matches.
_PATTERN = re.compile(rf"(\d(?<!\d\d)\d{{5}}(?:\d{{2}})?){_SEP}?(\d{{4}})(?!\d)")
_CENTURIES = (18, 19, 20)


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
    if century and int(century) not in _CENTURIES:
        return False
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
    date_part, last4 = m.group(1), m.group(2)
    century, yymmdd = date_part[:-6], date_part[-6:]
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
_PREFILTER = (
    rf"(?:^|[^\p{{Nd}}])(?:\p{{Nd}}{{2}})?\p{{Nd}}{{6}}{_SEP}?\p{{Nd}}{{4}}(?:[^\p{{Nd}}]|$)"
)


def quote_safely(value: object, limit: int = 40) -> str:
    """Quote a value for an error message, unless it could identify a person."""
    text = str(value)
    if contains_identity_number(text):
        return "ett värde som ser ut som ett personnummer (visas inte)"
    return repr(text[:limit])


def redact(text: str, replacement: str = "[dolt]") -> str:
    """``text`` with every identity or coordination number replaced (R8: never echo one)."""
    for start, end in reversed(find_identity_numbers(text)):
        text = text[:start] + replacement + text[end:]
    return text


def _error(file, row: int | None, column: str | None):
    from evaluation.exceptions import IdentityNumberError

    return IdentityNumberError(
        "filen har ett värde som ser ut som ett svenskt person- eller samordningsnummer; "
        "namn, koder och id:n får inte peka ut en person",
        file=file,
        row=row,
        column=None if column is None else redact(column),
        expected="text som inte pekar ut någon person",
        found="ett personnummer (visas inte)",
    )


def guard_frame(frame: pd.DataFrame, file, first_data_row: int = 2) -> None:
    """Raise IdentityNumberError naming file, row and column of the first id-shaped cell.

    Column names count as text too (row 1, the header). Geometry columns are skipped.
    """
    for name in frame.columns:
        if contains_identity_number(str(name)):
            raise _error(file, 1, None)
    for name in frame.columns:
        column = frame[name]
        if getattr(column, "dtype", None) == "geometry":
            continue
        pos = first_identity_number_row(column.astype(object))
        if pos is not None:
            raise _error(file, first_data_row + pos, str(name))


def guard_mapping(content: object, file, make_error) -> None:
    """Walk a parsed YAML/JSON document; raise ``make_error(where)`` at the first id-shaped text.

    Keys and every scalar value (numbers too: YAML reads 1912121212 as an int) are checked;
    ``where`` is the dotted path of keys with any id-shaped key replaced by '[dolt]'.
    """

    def walk(node: object, where: list[str]) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                here = [*where, redact(str(key))]
                if contains_identity_number(str(key)):
                    raise make_error(".".join(here))
                walk(value, here)
        elif isinstance(node, (list, tuple)):
            for i, value in enumerate(node):
                walk(value, [*where, str(i)])
        elif node is not None and not isinstance(node, bool):
            if contains_identity_number(str(node)):
                raise make_error(".".join(where) or None)

    walk(content, [])
