"""Disclosure thresholds as one frozen value (docs/privacy.md R2–R4).

Thresholds may be raised, never lowered: constructing rules below the floors
raises :class:`~evaluation.exceptions.PrivacyError`, whatever the caller says.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from evaluation.exceptions import PrivacyError

FLOORS = {"min_count": 5, "min_n": 10, "sensitive_min_n": 20}
"""Lowest allowed value of each threshold."""


@dataclass(frozen=True)
class PrivacyRules:
    """Thresholds applied to every output of one report.

    Parameters
    ----------
    min_count
        Counts from 1 to ``min_count - 1`` are hidden (R2).
    min_n
        Least denominator (people) behind a share, rate, mean or median (R2, R4).
    sensitive_min_n
        0 % and 100 % of a sensitive outcome are hidden below this denominator (R4).
    """

    min_count: int = FLOORS["min_count"]
    min_n: int = FLOORS["min_n"]
    sensitive_min_n: int = FLOORS["sensitive_min_n"]

    def __post_init__(self) -> None:
        for name, floor in FLOORS.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise PrivacyError(f"integritetsgränsen {name} ska vara ett heltal, fick {value!r}")
            if value < floor:
                raise PrivacyError(
                    f"integritetsgränsen {name}={value} är under {floor}; "
                    "gränserna får höjas men aldrig sänkas"
                )

    @classmethod
    def from_params(cls, params: Any = None) -> PrivacyRules:
        """Rules from :class:`evaluation.params.PrivacyParams` (``None`` gives the defaults)."""
        if params is None:
            return cls()
        if isinstance(params, cls):
            return params
        try:
            return cls(
                min_count=params.min_count,
                min_n=params.min_n,
                sensitive_min_n=params.sensitive_min_n,
            )
        except AttributeError:
            raise PrivacyError(
                f"kan inte läsa integritetsgränser från {type(params).__name__}; "
                "väntade PrivacyParams"
            ) from None

    def is_small(self, value: Any) -> Any:
        """True where a count is in 1 … ``min_count - 1`` (works on scalars and arrays)."""
        return (value > 0) & (value < self.min_count)
