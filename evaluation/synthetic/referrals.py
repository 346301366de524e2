"""Referrals (orosanmälningar): monthly Poisson counts per area and reporter category."""

from __future__ import annotations

import numpy as np
import pandas as pd

from evaluation.synthetic import effects, timeline
from evaluation.synthetic.geography import AREAS

#: Baseline mix of reporter categories (share of referrals) before area adjustments.
REPORTER_MIX = {
    "police": 0.29,
    "school": 0.20,
    "social_services": 0.12,
    "healthcare": 0.10,
    "family": 0.09,
    "public": 0.08,
    "other": 0.05,
    "preschool": 0.05,
    "self": 0.02,
}

#: Relative weight of each age 0-17 per reporter category.
_AGES = np.arange(18)
AGE_WEIGHTS = {
    "school": np.where(_AGES >= 6, 1.0 + (_AGES >= 10) * 0.8 - (_AGES >= 16) * 0.6, 0.0),
    "preschool": np.where((_AGES >= 1) & (_AGES <= 5), 1.0, 0.0),
    "police": 1.0 + (_AGES >= 12) * 3.0,
    "healthcare": 1.0 + (_AGES <= 1) * 3.0,
}
_DEFAULT_AGE = 1.0 + (_AGES >= 12) * 0.8


def base_rate(income_support: float) -> float:
    """Referrals per 1 000 children 0-17 per year before the trend, from the area's need."""
    return 45.0 + 5.0 * income_support


def public_factor(income_support: float) -> float:
    """Relative rate of referrals from the public: lower in areas with high need."""
    return 1.0 / (1.0 + income_support / 20.0)


def _children_monthly(children: pd.DataFrame, month_years: np.ndarray) -> np.ndarray:
    """Children 0-17 per area (rows) and month (columns) from the yearly table."""
    return children[month_years].to_numpy(dtype=float)


def referrals(children: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Every referral from START to CUTOFF, sorted by date and area, with opaque ids."""
    months = timeline.months()
    kids = _children_monthly(children, timeline.year_of(months))
    trend = effects.COMMON_TREND_PER_YEAR ** timeline.years_since_start(months)
    season = timeline.SEASON[timeline.month_index(months)]
    cats = list(REPORTER_MIX)
    codes = np.array([a.code for a in AREAS])
    rate = np.array([base_rate(a.income_support) for a in AREAS])
    # lam[area, month, category]: expected referrals
    lam = (kids * rate[:, None] / 1000.0 / 12.0 * (trend * season)[None, :])[:, :, None]
    mix = np.array([REPORTER_MIX[c] for c in cats])[None, None, :]
    lam = lam * mix
    pub = cats.index("public")
    lam[:, :, pub] *= np.array([public_factor(a.income_support) for a in AREAS])[:, None]
    post = np.asarray(effects.treated(codes[:, None], months[None, :]))
    for j, cat in enumerate(cats):
        lam[:, :, j] = np.where(post, lam[:, :, j] * effects.rate_ratio(cat), lam[:, :, j])
    # overdispersion: a shared area-month factor
    lam *= rng.gamma(40.0, 1 / 40.0, size=lam.shape[:2])[:, :, None]
    counts = rng.poisson(lam)
    a_idx, m_idx, c_idx = np.nonzero(counts)
    reps = counts[a_idx, m_idx, c_idx]
    a_idx, m_idx, c_idx = (np.repeat(x, reps) for x in (a_idx, m_idx, c_idx))
    n = len(a_idx)
    first = months[m_idx]
    day = (rng.random(n) * timeline.days_in_month(first)).astype(int)
    date = timeline.to_weekday(first + day.astype("timedelta64[D]"), rng)
    date = np.minimum(date, timeline.CUTOFF)
    age = np.empty(n, dtype=int)
    for j, cat in enumerate(cats):
        sel = c_idx == j
        w = AGE_WEIGHTS.get(cat, _DEFAULT_AGE)
        age[sel] = rng.choice(18, size=int(sel.sum()), p=w / w.sum())
    sex = rng.choice(
        np.array(["F", "M", "X", ""], dtype=object), size=n, p=[0.48, 0.495, 0.005, 0.02]
    )
    df = pd.DataFrame(
        {
            "received_date": date,
            "area_code": codes[a_idx],
            "child_age": age,
            "child_sex": sex,
            "reporter_category": np.array(cats, dtype=object)[c_idx],
        }
    )
    df = df.sort_values(
        ["received_date", "area_code", "reporter_category", "child_age"], kind="stable"
    ).reset_index(drop=True)
    df.insert(0, "referral_id", [f"R{i:06d}" for i in range(1, len(df) + 1)])
    return df
