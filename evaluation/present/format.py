"""Swedish number formatting: decimal comma, space as thousands separator, '..' and '–'."""

from __future__ import annotations

import math

HIDDEN = ".."  # hidden for confidentiality (docs/privacy.md R9)
MISSING = "–"  # no value
NBSP = "\u00a0"
MINUS = "\u2212"  # a true minus sign: read as "minus", and as wide as a digit


def _missing(x) -> bool:
    try:
        return x is None or math.isnan(float(x))
    except (TypeError, ValueError):
        return True


def fmt_number(x, decimals: int = 0, hidden: bool = False) -> str:
    """``-12345.6`` → ``−12 345,6`` (true minus, non-breaking spaces, decimal comma).

    A value that rounds to zero has no sign. ``methods.describe.format_number`` follows
    the same rule for the effect sentences (``methods`` imports nothing of ``present``).
    """
    if hidden:
        return HIDDEN
    if _missing(x):
        return MISSING
    value = float(x)
    text = f"{abs(value):,.{decimals}f}".replace(",", NBSP).replace(".", ",")
    return (MINUS if value < 0 and text.strip("0,") else "") + text


def fmt_int(x, hidden: bool = False) -> str:
    """A count with space as thousands separator."""
    return fmt_number(x, 0, hidden)


def fmt_percent(share, decimals: int = 0, hidden: bool = False) -> str:
    """A share given as a fraction: ``0.456`` → ``46 %``."""
    if hidden:
        return HIDDEN
    if _missing(share):
        return MISSING
    return f"{fmt_number(100 * float(share), decimals)}{NBSP}%"


def fmt_interval(low, high, decimals: int = 0, percent: bool = False, hidden: bool = False) -> str:
    """An interval ``38–52 %`` or ``4,1–7,3``."""
    if hidden:
        return HIDDEN
    if _missing(low) or _missing(high):
        return MISSING
    scale = 100.0 if percent else 1.0
    text = f"{fmt_number(scale * low, decimals)}–{fmt_number(scale * high, decimals)}"
    return f"{text}{NBSP}%" if percent else text


MONTHS = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec")


def fmt_month(day) -> str:
    """A date at month precision, the finest any report text shows (R7): ``jun 2025``."""
    if _missing_date(day):
        return MISSING
    return f"{MONTHS[day.month - 1]} {day.year}"


def fmt_month_span(first, last) -> str:
    """Two dates at month precision: ``jan 2019 – jun 2025`` (one month: ``jun 2025``)."""
    a, b = fmt_month(first), fmt_month(last)
    return a if a == b else f"{a} – {b}"


def _missing_date(day) -> bool:
    return day is None or not hasattr(day, "month") or day != day  # NaT is not equal to itself


def term_label(period: str) -> str:
    """A half-year for a reader: ``"2025H1"`` → ``"2025 (jan–jun)"``; other labels unchanged."""
    import re

    if m := re.fullmatch(r"(\d{4})H([12])", period):
        return f"{m.group(1)} ({'jan–jun' if m.group(2) == '1' else 'jul–dec'})"
    return period


def partial_period(period: str, end) -> str | None:
    """``"2025"`` → ``"2025 (jan–jun)"`` when the data end inside it; else None.

    Reads year ("2025"), term ("2025H1") and month ("2025-03") labels.
    """
    import re

    import pandas as pd

    if end is None:
        return None
    end = pd.Timestamp(end)
    if m := re.fullmatch(r"(\d{4})", period):
        first, last = 1, 12
    elif m := re.fullmatch(r"(\d{4})H([12])", period):
        first, last = (1, 6) if m.group(2) == "1" else (7, 12)
    else:
        return None
    year = int(m.group(1))
    period_end = pd.Timestamp(year, last, 1) + pd.offsets.MonthEnd(0)
    if end.year != year or end >= period_end or end.month < first:
        return None
    stop = end.month if end == end + pd.offsets.MonthEnd(0) else end.month - 1
    if stop < first:
        return None
    base = str(year) if len(period) == 4 else period
    return f"{base} ({MONTHS[first - 1]}–{MONTHS[stop - 1]})"
