"""The known effects built into the synthetic sample, defined once.

Tests and method checks read these constants to verify that an evaluation
method recovers at least the direction of each effect. Only the effect area
(Skäggetorp) changes at ``EFFECT_START``; every other area follows its own noise
and the mild common trend ``COMMON_TREND_PER_YEAR``.
"""

from __future__ import annotations

import numpy as np

#: The area where the area-based office opens (Socialtjänst Skäggetorp).
EFFECT_AREA = "0580SKA"

#: First day of the office's work in the district (autumn 2022).
EFFECT_START = np.datetime64("2022-09-01", "D")

#: Multiplicative yearly trend in referral rates shared by every area.
COMMON_TREND_PER_YEAR = 1.02

#: Each effect: what changes in the effect area from EFFECT_START, and by how much.
KNOWN_EFFECTS: dict[str, dict[str, object]] = {
    "referrals_public": {
        "table": "referrals",
        "description": "Referrals from the public (reporter_category 'public'), rate ratio",
        "rate_ratio": 1.5,
    },
    "referrals_school": {
        "table": "referrals",
        "description": "Referrals from school (reporter_category 'school'), rate ratio",
        "rate_ratio": 1.25,
    },
    "joint_assessment_share": {
        "table": "assessments",
        "description": "Share (%) of assessments done jointly with the provider's support unit",
        "before": 15.0,
        "after": 55.0,
    },
    "activities_per_month": {
        "table": "activities",
        "description": "Area and group activities per month, mostly at area level after the start",
        "before": 2.0,
        "after": 10.0,
    },
    "placements_without_prior_open_care_share": {
        "table": "interventions",
        "description": "Share (%) of placements where the child had no open care before",
        "before": 37.0,
        "after": 15.0,
    },
}

#: Values in areas without the office (constant over time, apart from noise).
BASELINE = {
    "joint_assessment_share": 10.0,
    "placements_without_prior_open_care_share": 35.0,
}


def treated(area_codes: np.ndarray, dates: np.ndarray) -> np.ndarray:
    """Boolean mask: rows in the effect area dated on or after EFFECT_START."""
    return (np.asarray(area_codes) == EFFECT_AREA) & (np.asarray(dates) >= EFFECT_START)


def rate_ratio(category: str) -> float:
    """Referral rate ratio for a reporter category in the effect area after the start."""
    effect = KNOWN_EFFECTS.get(f"referrals_{category}")
    return float(effect["rate_ratio"]) if effect else 1.0


def share(name: str, is_treated: np.ndarray, is_effect_area: np.ndarray) -> np.ndarray:
    """Probability (0-1) of a share effect per row: before/after in the area, baseline elsewhere."""
    eff = KNOWN_EFFECTS[name]
    p = np.full(len(is_treated), BASELINE[name] / 100.0)
    p[is_effect_area] = float(eff["before"]) / 100.0
    p[is_treated] = float(eff["after"]) / 100.0
    return p
