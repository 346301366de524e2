"""Interventions (insatser): by decision after investigations, as a service after assessments."""

from __future__ import annotations

import numpy as np
import pandas as pd

from evaluation.metadata.codes import PLACEMENT_TYPES
from evaluation.synthetic import effects, timeline
from evaluation.synthetic.casework import as_dates, random_bools, whole_days

#: Intervention types granted by decision and their probabilities.
DECISION_TYPES = {
    "open_care": 0.42,
    "parenting_support": 0.12,
    "contact_person": 0.14,
    "family_home": 0.13,
    "residential_care": 0.10,
    "supported_housing": 0.04,
    "other": 0.05,
}
#: Intervention types given as a service (no decision) and their probabilities.
SERVICE_TYPES = {"open_care": 0.55, "parenting_support": 0.35, "other": 0.10}
#: Mean duration in days per type.
DURATION = {
    "open_care": 180,
    "parenting_support": 90,
    "contact_person": 450,
    "family_home": 600,
    "residential_care": 240,
    "supported_housing": 300,
    "other": 150,
}
END_REASONS = ("planned", "unplanned", "moved", "other")
END_P_DECISION = (0.62, 0.22, 0.08, 0.08)
END_P_SERVICE = (0.76, 0.12, 0.07, 0.05)
END_P_RESIDENTIAL = (0.50, 0.35, 0.08, 0.07)
#: Share of group-level interventions per type (others are individual).
GROUP_SHARE = {"parenting_support": 0.5, "open_care": 0.15}


def _pick(rng: np.random.Generator, probs: dict[str, float], n: int) -> np.ndarray:
    """Draw ``n`` codes with the given probabilities."""
    return rng.choice(np.array(list(probs), dtype=object), size=n, p=list(probs.values()))


def _from_investigations(inv: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """One or two interventions by decision for every investigation ending in 'intervention'."""
    inv = inv[inv["outcome"] == "intervention"].reset_index(drop=True)
    person = np.array([f"P{i:05d}" for i in range(1, len(inv) + 1)], dtype=object)
    k = 1 + (rng.random(len(inv)) < 0.3)
    rows = np.repeat(np.arange(len(inv)), k)
    second = np.concatenate([[False], rows[1:] == rows[:-1]])
    n = len(rows)
    end = as_dates(inv["end_date"])[rows]
    decision = end + whole_days(np.where(second, rng.uniform(10, 90, n), rng.integers(0, 6, n)))
    kind = _pick(rng, DECISION_TYPES, n)
    age = inv["child_age"].to_numpy()[rows]
    kind[(kind == "supported_housing") & (age < 16)] = "residential_care"
    return pd.DataFrame(
        {
            "person_id": person[rows],
            "area_code": inv["area_code"].to_numpy()[rows],
            "intervention_type": kind,
            "basis": "decision",
            "decision_date": decision,
        }
    )


def _from_assessments(ass: pd.DataFrame, rng: np.random.Generator, first: int) -> pd.DataFrame:
    """A service intervention for every assessment that ended with support offered."""
    ass = ass[ass["decision"] == "support_offered"].reset_index(drop=True)
    n = len(ass)
    person = np.array([f"P{i:05d}" for i in range(first, first + n)], dtype=object)
    return pd.DataFrame(
        {
            "person_id": person,
            "area_code": ass["area_code"].to_numpy(),
            "intervention_type": _pick(rng, SERVICE_TYPES, n),
            "basis": "service",
            "decision_date": as_dates(ass["decision_date"]),
        }
    )


def _prior_open_care(
    codes: np.ndarray, decided: np.ndarray, placement: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """True/False for placements (None otherwise); exact designed shares in the effect area."""
    is_treated = effects.treated(codes, decided)
    in_area = codes == effects.EFFECT_AREA
    p_without = effects.share("placements_without_prior_open_care_share", is_treated, in_area)
    without = rng.random(len(codes)) < p_without
    for group in (in_area & ~is_treated & placement, is_treated & placement):
        idx = np.flatnonzero(group)
        k = int(round(p_without[idx[0]] * len(idx))) if len(idx) else 0
        without[idx] = rng.permutation(np.arange(len(idx)) < k)
    prior = (~without).astype(object)
    prior[~placement] = None
    return prior


def interventions(
    investigations: pd.DataFrame, assessments: pd.DataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    """Interventions with levels, start delays, durations, endings, consent and prior open care."""
    by_decision = _from_investigations(investigations, rng)
    first = int(by_decision["person_id"].str[1:].astype(int).max()) + 1 if len(by_decision) else 1
    df = pd.concat([by_decision, _from_assessments(assessments, rng, first)], ignore_index=True)
    df = df[df["decision_date"] <= timeline.CUTOFF].reset_index(drop=True)
    n = len(df)
    kind = df["intervention_type"].to_numpy()
    service = (df["basis"] == "service").to_numpy()
    decided = as_dates(df["decision_date"])
    group = rng.random(n) < np.array([GROUP_SHARE.get(t, 0.0) for t in kind])
    level = np.where(group, "group", "individual").astype(object)
    u = rng.random(n)
    delay = np.where(
        u < 0.88,
        rng.geometric(0.1, n) - 1,
        np.where(u < 0.95, rng.uniform(31, 90, n), rng.uniform(92, 200, n)),
    )
    delay = np.where(service, np.minimum(delay, rng.integers(0, 15, n)), delay)
    start = decided + whole_days(delay)
    not_started = start > timeline.CUTOFF
    mean = np.array([DURATION[t] for t in kind], dtype=float)
    end = start + whole_days(np.maximum(rng.gamma(2.5, mean / 2.5), 7))
    ongoing = not_started | (end > timeline.CUTOFF)
    residential = kind == "residential_care"
    cum = [np.cumsum(p) for p in (END_P_DECISION, END_P_SERVICE, END_P_RESIDENTIAL)]
    u = rng.random(n)
    idx = np.where(
        service,
        np.searchsorted(cum[1], u),
        np.where(residential, np.searchsorted(cum[2], u), np.searchsorted(cum[0], u)),
    )
    reason = np.array(END_REASONS, dtype=object)[np.minimum(idx, 3)]
    reason[ongoing] = None
    placement = np.isin(kind, PLACEMENT_TYPES)
    codes = df["area_code"].to_numpy()
    p_consent = np.where(placement, 0.75, 0.97)
    consent = random_bools(rng, p_consent, 0.03)
    prior = _prior_open_care(codes, decided, placement, rng)
    out = pd.DataFrame(
        {
            "person_id": df["person_id"].to_numpy(),
            "area_code": codes,
            "intervention_type": kind,
            "level": level,
            "basis": df["basis"].to_numpy(),
            "decision_date": decided,
            "start_date": np.where(not_started, np.datetime64("NaT"), start),
            "end_date": np.where(ongoing, np.datetime64("NaT"), end),
            "end_reason": reason,
            "consent": consent,
            "prior_open_care": prior,
        }
    )
    out = out.sort_values(["decision_date", "person_id", "intervention_type"], kind="stable")
    out = out.reset_index(drop=True)
    out.insert(0, "intervention_id", [f"I{i:06d}" for i in range(1, len(out) + 1)])
    return out
