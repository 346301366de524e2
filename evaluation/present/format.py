"""Swedish number formatting: decimal comma, space as thousands separator, '..' and '–'."""

from __future__ import annotations

import math

HIDDEN = ".."  # hidden for confidentiality (docs/privacy.md R9)
MISSING = "–"  # no value
NBSP = "\u00a0"


def _missing(x) -> bool:
    try:
        return x is None or math.isnan(float(x))
    except (TypeError, ValueError):
        return True


def fmt_number(x, decimals: int = 0, hidden: bool = False) -> str:
    """``12345.6`` → ``12 345,6`` (non-breaking spaces, decimal comma)."""
    if hidden:
        return HIDDEN
    if _missing(x):
        return MISSING
    text = f"{float(x):,.{decimals}f}"
    return text.replace(",", NBSP).replace(".", ",")


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
