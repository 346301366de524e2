"""Assessments (förhandsbedömningar) and investigations (utredningar) that follow referrals."""

from __future__ import annotations

import numpy as np
import pandas as pd

from evaluation.synthetic import effects, timeline

#: Share of referrals that get their own assessment (others join an open case).
ASSESSED_SHARE = 0.9
#: Decision probabilities (investigation, no_investigation, support_offered).
DECISIONS = ("investigation", "no_investigation", "support_offered")
DECISION_P_JOINT = (0.25, 0.35, 0.40)
DECISION_P_OTHER = (0.36, 0.54, 0.10)
#: Investigation outcomes and their probabilities.
OUTCOMES = ("intervention", "no_intervention", "consent_refused", "moved", "other")
OUTCOME_P = (0.45, 0.38, 0.08, 0.04, 0.05)


def whole_days(x: np.ndarray) -> np.ndarray:
    """Whole days as timedelta64[D] from a float array."""
    return np.round(x).astype(int).astype("timedelta64[D]")


def as_dates(series: pd.Series) -> np.ndarray:
    """A date column as datetime64[D] (NaT stays NaT)."""
    return series.to_numpy().astype("datetime64[D]")


def random_bools(rng: np.random.Generator, p_true: np.ndarray, p_missing: float) -> np.ndarray:
    """Object array of True/False with a share of missing values (None)."""
    n = len(p_true)
    out = (rng.random(n) < p_true).astype(object)
    out[rng.random(n) < p_missing] = None
    return out


def assessments(referrals: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """One assessment for most referrals; decisions after CUTOFF are left open."""
    n = len(referrals)
    keep = rng.random(n) < ASSESSED_SHARE
    ref = referrals[keep].reset_index(drop=True)
    n = len(ref)
    received = as_dates(ref["received_date"])
    start = np.minimum(received + whole_days(rng.geometric(0.65, n) - 1), timeline.CUTOFF)
    quick = rng.random(n) < 0.9
    delay = np.where(quick, rng.gamma(2.0, 3.0, n), rng.uniform(15, 50, n))
    decided = start + whole_days(delay)
    codes = ref["area_code"].to_numpy()
    p_joint = effects.share(
        "joint_assessment_share", effects.treated(codes, start), codes == effects.EFFECT_AREA
    )
    joint = random_bools(rng, p_joint, 0.02)
    u = rng.random(n)
    is_joint = joint == True  # noqa: E712  (object array of True/False/None)
    cum_j, cum_o = np.cumsum(DECISION_P_JOINT), np.cumsum(DECISION_P_OTHER)
    idx = np.where(is_joint, np.searchsorted(cum_j, u), np.searchsorted(cum_o, u))
    decision = np.array(DECISIONS, dtype=object)[np.minimum(idx, 2)]
    open_ = decided > timeline.CUTOFF
    decision[open_] = None
    df = pd.DataFrame(
        {
            "referral_id": ref["referral_id"].to_numpy(),
            "area_code": codes,
            "start_date": start,
            "decision_date": np.where(open_, np.datetime64("NaT"), decided),
            "joint_with_provider": joint,
            "decision": decision,
            "_age": ref["child_age"].to_numpy(),
            "_sex": ref["child_sex"].to_numpy(),
        }
    )
    df = df.sort_values(["start_date", "referral_id"], kind="stable").reset_index(drop=True)
    df.insert(0, "assessment_id", [f"A{i:06d}" for i in range(1, len(df) + 1)])
    return df


def investigations(assessments: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Investigations opened by assessments; those ending after CUTOFF are ongoing."""
    a = assessments[assessments["decision"] == "investigation"].reset_index(drop=True)
    start = as_dates(a["decision_date"]) + whole_days(rng.integers(0, 3, len(a)))
    a = a[start <= timeline.CUTOFF].reset_index(drop=True)
    start = start[start <= timeline.CUTOFF]
    n = len(a)
    regular = rng.random(n) < 0.82
    duration = np.where(regular, rng.gamma(7.0, 11.0, n), rng.uniform(95, 240, n))
    end = start + whole_days(np.maximum(duration, 5))
    ongoing = end > timeline.CUTOFF
    outcome = rng.choice(np.array(OUTCOMES, dtype=object), size=n, p=OUTCOME_P)
    outcome[ongoing] = None
    df = pd.DataFrame(
        {
            "area_code": a["area_code"].to_numpy(),
            "child_age": a["_age"].to_numpy(),
            "child_sex": a["_sex"].to_numpy(),
            "start_date": start,
            "end_date": np.where(ongoing, np.datetime64("NaT"), end),
            "outcome": outcome,
            "child_interviewed": random_bools(rng, np.full(n, 0.8), 0.04),
        }
    )
    df = df.sort_values(["start_date", "area_code", "child_age"], kind="stable")
    df = df.reset_index(drop=True)
    df.insert(0, "investigation_id", [f"U{i:06d}" for i in range(1, len(df) + 1)])
    return df
