"""Area and group activities (the evaluation's process variables)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from evaluation.metadata.codes import PARTNER
from evaluation.synthetic import effects, timeline
from evaluation.synthetic.geography import AREAS

#: Activities per month in areas without the office (effect area: see effects.py).
BASE_PER_MONTH = {
    "0580RYD": 1.5,
    "0580BER": 1.5,
    "0580LAM": 1.2,
    "0580INN": 1.0,
    "0580GOT": 0.6,
    "0580EKH": 0.6,
    "0580LBY": 0.5,
}
OTHER_PER_MONTH = 0.25

TYPES = (
    "collaboration_meeting",
    "preventive_group",
    "outreach",
    "citizen_dialogue",
    "information",
    "other",
)
#: Type mix before/without the office and in the effect area after the start.
MIX_BASE = (0.40, 0.25, 0.10, 0.05, 0.15, 0.05)
MIX_AFTER = (0.25, 0.15, 0.25, 0.20, 0.12, 0.03)
#: Level per type: probability of (individual, group, area).
LEVELS = ("individual", "group", "area")
LEVEL_P = {
    "collaboration_meeting": (0.0, 0.1, 0.9),
    "preventive_group": (0.0, 1.0, 0.0),
    "outreach": (0.4, 0.1, 0.5),
    "citizen_dialogue": (0.0, 0.0, 1.0),
    "information": (0.0, 0.4, 0.6),
    "other": (0.3, 0.4, 0.3),
}
#: Probability that each partner takes part, per type.
PARTNER_P = {
    "collaboration_meeting": {
        "school": 0.7,
        "police": 0.5,
        "housing": 0.5,
        "civil_society": 0.3,
        "region": 0.3,
        "leisure": 0.4,
        "other": 0.1,
    },
    "preventive_group": {"school": 0.4, "leisure": 0.3, "civil_society": 0.3, "region": 0.1},
    "outreach": {"police": 0.3, "leisure": 0.4, "civil_society": 0.3, "housing": 0.3},
    "citizen_dialogue": {"housing": 0.6, "civil_society": 0.6, "police": 0.3, "school": 0.2},
    "information": {"school": 0.3, "civil_society": 0.2, "region": 0.1},
    "other": {"other": 0.3},
}
#: Mean participants per type.
PARTICIPANTS = {
    "collaboration_meeting": 8,
    "preventive_group": 9,
    "outreach": 25,
    "citizen_dialogue": 35,
    "information": 30,
    "other": 10,
}


def activities(rng: np.random.Generator) -> pd.DataFrame:
    """Monthly Poisson counts of activities per area, with type, partners, level, participants."""
    months = timeline.months()
    codes = np.array([a.code for a in AREAS])
    lam = np.array([BASE_PER_MONTH.get(c, OTHER_PER_MONTH) for c in codes], dtype=float)
    lam = np.repeat(lam[:, None], len(months), axis=1)
    eff = effects.KNOWN_EFFECTS["activities_per_month"]
    in_area = codes == effects.EFFECT_AREA
    post = effects.treated(codes[:, None], months[None, :])
    lam[in_area, :] = float(eff["before"])
    lam[post] = float(eff["after"])
    counts = rng.poisson(lam * timeline.SEASON[timeline.month_index(months)][None, :])
    a_idx, m_idx = np.nonzero(counts)
    reps = counts[a_idx, m_idx]
    a_idx, m_idx = np.repeat(a_idx, reps), np.repeat(m_idx, reps)
    n = len(a_idx)
    first = months[m_idx]
    date = first + (rng.random(n) * timeline.days_in_month(first)).astype("timedelta64[D]")
    date = np.minimum(timeline.to_weekday(date, rng, p_shift=0.9), timeline.CUTOFF)
    after = effects.treated(codes[a_idx], date)
    kind = np.where(
        after, rng.choice(len(TYPES), n, p=MIX_AFTER), rng.choice(len(TYPES), n, p=MIX_BASE)
    )
    kind = np.array(TYPES, dtype=object)[kind]
    level = np.empty(n, dtype=object)
    partners = np.empty(n, dtype=object)
    participants = np.empty(n, dtype=object)
    for t in TYPES:
        sel = kind == t
        k = int(sel.sum())
        level[sel] = np.array(LEVELS, dtype=object)[rng.choice(3, k, p=LEVEL_P[t])]
        names = [p for p in PARTNER if p in PARTNER_P[t]]
        take = rng.random((k, len(names))) < np.array([PARTNER_P[t][p] for p in names])
        if t in ("collaboration_meeting", "citizen_dialogue"):  # always with someone
            take[~take.any(axis=1), int(np.argmax([PARTNER_P[t][p] for p in names]))] = True
        partners[sel] = [";".join(np.array(names)[row]) or None for row in take]
        participants[sel] = np.maximum(rng.poisson(PARTICIPANTS[t], k), 3)
    participants[rng.random(n) < 0.05] = None
    df = pd.DataFrame(
        {
            "area_code": codes[a_idx],
            "date": date,
            "activity_type": kind,
            "partners": partners,
            "participants": participants,
            "level": level,
        }
    )
    df = df.sort_values(["date", "area_code", "activity_type"], kind="stable")
    df = df.reset_index(drop=True)
    df.insert(0, "activity_id", [f"K{i:05d}" for i in range(1, len(df) + 1)])
    return df
