"""User survey (brukarundersökning): questions, invitations and answers with designed cases.

Answer codes: ``agree5`` 1-5 (5 = instämmer helt, positive = 4-5), ``satisfied4`` 1-4
(4 = mycket nöjd, positive = 3-4), ``yesno`` ja/nej (positive = ja), ``free_text`` a
short phrase. An empty answer means the question was skipped.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SURVEY = "brukarundersokning_ifo"
PERIODS = ("2023", "2024")

#: (question_id, text, scale)
QUESTIONS = (
    ("q1_respekt", "Jag blev bemött med respekt.", "agree5"),
    ("q2_snabb_hjalp", "Jag fick hjälp snabbt när jag behövde det.", "agree5"),
    ("q3_nojd", "Hur nöjd är du med det stöd du har fått?", "satisfied4"),
    ("q4_vet_vart", "Vet du vart du ska vända dig om du behöver stöd igen?", "yesno"),
    ("q5_battre", "Vad kan vi göra bättre?", "free_text"),
)

#: Positive answers as codes per scale.
POSITIVE = {"agree5": ("4", "5"), "satisfied4": ("3", "4"), "yesno": ("ja",)}

#: Units: (unit, area_code or None, {period: (invited, responded)}).
UNITS = (
    ("Socialtjänst Skäggetorp", "0580SKA", {"2023": (120, 96), "2024": (124, 100)}),
    ("Familjebehandlingen Ryd", "0580RYD", {"2023": (25, 6), "2024": (24, 7)}),
    ("Öppenvården Berga", "0580BER", {"2023": (90, 27), "2024": (86, 25)}),
    ("Familjehemsenheten", None, {"2023": (40, 24), "2024": (42, 26)}),
)

#: Designed share (%) of positive answers per unit, question and period.
#: In Socialtjänst Skäggetorp q2 really improves (55 -> 80 %); q1, q3, q4 do not change.
POSITIVE_SHARE = {
    "Socialtjänst Skäggetorp": {
        "q1_respekt": (85, 85),
        "q2_snabb_hjalp": (55, 80),
        "q3_nojd": (75, 76),
        "q4_vet_vart": (72, 72),
    },
    "Familjebehandlingen Ryd": {
        "q1_respekt": (83, 86),
        "q2_snabb_hjalp": (50, 57),
        "q3_nojd": (67, 71),
        "q4_vet_vart": (67, 71),
    },
    "Öppenvården Berga": {
        "q1_respekt": (78, 80),
        "q2_snabb_hjalp": (60, 60),
        "q3_nojd": (70, 68),
        "q4_vet_vart": (63, 64),
    },
    "Familjehemsenheten": {
        "q1_respekt": (88, 85),
        "q2_snabb_hjalp": (65, 62),
        "q3_nojd": (79, 81),
        "q4_vet_vart": (83, 85),
    },
}
#: Share of respondents who skip a closed question, and who write free text.
SKIP_SHARE = 0.03
FREE_TEXT_SHARE = 0.4
FREE_TEXT = (
    "Kortare väntetider.",
    "Lättare att nå er på telefon.",
    "Allt var bra.",
    "Mer information om vad som händer.",
    "Fler träffar i grupp.",
    "Bra bemötande.",
    "Tätare kontakt med handläggaren.",
    "Tolk oftare.",
    "Mer stöd på kvällar.",
    "Träffas i området, inte på stan.",
    "Tydligare besked.",
    "Inget att tillägga.",
)


def _scale_answers(scale: str, positive: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Scale codes given which respondents answer positively."""
    n = len(positive)
    if scale == "agree5":
        pos, neg = (
            rng.choice(["5", "4"], n, p=[0.55, 0.45]),
            rng.choice(["3", "2", "1"], n, p=[0.5, 0.3, 0.2]),
        )
    elif scale == "satisfied4":
        pos, neg = rng.choice(["4", "3"], n, p=[0.5, 0.5]), rng.choice(["2", "1"], n, p=[0.7, 0.3])
    else:
        pos, neg = np.full(n, "ja"), np.full(n, "nej")
    return np.where(positive, pos, neg).astype(object)


def survey_questions() -> pd.DataFrame:
    """The survey's questions with their scales."""
    return pd.DataFrame(
        [{"survey": SURVEY, "question_id": q, "text": t, "scale": s} for q, t, s in QUESTIONS]
    )


def survey_invitations() -> pd.DataFrame:
    """Number invited per unit and period."""
    rows = [
        {"survey": SURVEY, "period": p, "unit": u, "area_code": a, "invited": n[p][0]}
        for p in PERIODS
        for u, a, n in UNITS
    ]
    return pd.DataFrame(rows)


def survey_responses(rng: np.random.Generator) -> pd.DataFrame:
    """One row per respondent and question; exact designed positive shares among answers."""
    frames = []
    seq = 0
    for period in PERIODS:
        for unit, area, sizes in UNITS:
            n = sizes[period][1]
            ids = np.array([f"B{seq + i:04d}" for i in range(1, n + 1)], dtype=object)
            seq += n
            k = PERIODS.index(period)
            for qid, _, scale in QUESTIONS:
                if scale == "free_text":
                    answer = np.full(n, None, dtype=object)
                    wrote = rng.random(n) < FREE_TEXT_SHARE
                    answer[wrote] = rng.choice(np.array(FREE_TEXT, dtype=object), int(wrote.sum()))
                else:
                    skipped = rng.random(n) < SKIP_SHARE
                    m = int((~skipped).sum())
                    n_pos = int(round(POSITIVE_SHARE[unit][qid][k] / 100 * m))
                    positive = rng.permutation(np.arange(m) < n_pos)
                    answer = np.full(n, None, dtype=object)
                    answer[~skipped] = _scale_answers(scale, positive, rng)
                frames.append(
                    pd.DataFrame(
                        {
                            "survey": SURVEY,
                            "period": period,
                            "unit": unit,
                            "area_code": area,
                            "respondent_id": ids,
                            "question_id": qid,
                            "answer": answer,
                        }
                    )
                )
    df = pd.concat(frames, ignore_index=True)
    return df.sort_values(
        ["period", "respondent_id", "question_id"], kind="stable", ignore_index=True
    )
