"""Calendar of the synthetic case records: period covered, extraction date, seasonality."""

from __future__ import annotations

import numpy as np

#: First day of the case records.
START = np.datetime64("2019-01-01", "D")

#: Extraction date: the last day covered; events after it are not yet known.
CUTOFF = np.datetime64("2025-06-30", "D")

#: Years covered by the area statistics.
STAT_YEARS = tuple(range(2018, 2026))

#: Relative referral intensity per calendar month (January first), mean 1.
SEASON = np.array([0.97, 1.02, 1.07, 1.0, 1.05, 0.93, 0.58, 0.86, 1.16, 1.15, 1.17, 1.04])
SEASON = SEASON / SEASON.mean()


def months() -> np.ndarray:
    """First day of every month from START to CUTOFF, as datetime64[D]."""
    m = np.arange(START.astype("datetime64[M]"), CUTOFF.astype("datetime64[M]") + 1)
    return m.astype("datetime64[D]")


def days_in_month(first_days: np.ndarray) -> np.ndarray:
    """Number of days in each month given its first day."""
    m = first_days.astype("datetime64[M]")
    return ((m + 1).astype("datetime64[D]") - m.astype("datetime64[D]")).astype(int)


def month_index(first_days: np.ndarray) -> np.ndarray:
    """Calendar month 0-11 of each date."""
    return first_days.astype("datetime64[M]").astype(int) % 12


def year_of(dates: np.ndarray) -> np.ndarray:
    """Calendar year of each date."""
    return dates.astype("datetime64[Y]").astype(int) + 1970


def years_since_start(dates: np.ndarray) -> np.ndarray:
    """Fractional years from START (for the common trend)."""
    return (dates - START).astype(int) / 365.25


def to_weekday(dates: np.ndarray, rng: np.random.Generator, p_shift: float = 0.75) -> np.ndarray:
    """Move most weekend dates to the following Monday (offices register on weekdays)."""
    dow = (dates.astype(int) + 3) % 7  # 0 = Monday (1970-01-01 was a Thursday)
    weekend = dow >= 5
    shift = weekend & (rng.random(len(dates)) < p_shift)
    return dates + np.where(shift, 7 - dow, 0).astype("timedelta64[D]")
