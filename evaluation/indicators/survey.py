"""User survey (brukarundersökning) indicators: response rates, answer distributions, shares.

Pure functions on the canonical survey tables (``survey_questions``,
``survey_invitations``, ``survey_responses``). Every share comes with its
numerator and denominator and a Wilson interval, so the Protector can decide
what may be shown; tests between periods are computed here, from the counts,
and carried as value columns that are hidden together with the share.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from evaluation.indicators.shares import add_share
from evaluation.metadata.scales import Scale, check_answers, is_free_text, scale
from evaluation.stats import two_proportion_test

POSITIVE, NEGATIVE = "positive", "negative"


@dataclass(frozen=True)
class Question:
    """One question of a survey, with its place in the questionnaire."""

    number: int
    question_id: str
    text: str
    scale_code: str

    @property
    def free_text(self) -> bool:
        """Whether answers are free text (never shown, only counted)."""
        return is_free_text(self.scale_code)

    @property
    def scale(self) -> Scale:
        """The answer scale of this question."""
        return scale(self.scale_code, question=self.question_id)


def questions_of(questions: pd.DataFrame, survey: str) -> list[Question]:
    """The survey's questions in questionnaire order, numbered from 1."""
    rows = questions[questions["survey"] == survey]
    out = []
    for i, r in enumerate(rows.itertuples(index=False), start=1):
        q = Question(i, str(r.question_id), str(r.text), str(r.scale))
        if not q.free_text:
            q.scale  # noqa: B018 - fail early, naming the question, on an unknown scale
        out.append(q)
    return out


def select(
    frame: pd.DataFrame, survey: str, unit: str | None, area_code: str | None
) -> pd.DataFrame:
    """Rows of one survey, one unit (None: all units) and one area (None: any area)."""
    keep = frame["survey"] == survey
    if unit is not None:
        keep &= frame["unit"] == unit
    if area_code is not None:
        keep &= frame["area_code"] == area_code
    return frame[keep.fillna(False).astype(bool)]


def periods_of(invitations: pd.DataFrame, responses: pd.DataFrame) -> list[str]:
    """Every period with invitations or answers, oldest first ("2023" < "2024H1" < "2024H2")."""
    found = set(invitations["period"].dropna().astype(str))
    found |= set(responses["period"].dropna().astype(str))
    return sorted(found)


def response_rates(
    invitations: pd.DataFrame, responses: pd.DataFrame, periods: list[str]
) -> pd.DataFrame:
    """Respondents / invited per period, Wilson intervals.

    ``numerator`` is the number of distinct respondents (anyone who returned
    the questionnaire, even with every question skipped), ``denominator`` the
    number invited. A period without invitations has no rate (NaN).
    """
    invited = invitations.groupby("period", observed=True)["invited"].sum()
    answered = responses.groupby("period", observed=True)["respondent_id"].nunique()
    frame = pd.DataFrame({"period": pd.Series(periods, dtype="string")})
    frame["numerator"] = frame["period"].map(answered).fillna(0).astype(int).to_numpy()
    frame["denominator"] = frame["period"].map(invited).astype("float64").to_numpy()
    if (frame["numerator"] > frame["denominator"]).any():
        bad = frame.loc[frame["numerator"] > frame["denominator"], "period"].iloc[0]
        from evaluation.exceptions import DataError

        raise DataError(
            f"fler svarande än inbjudna under perioden {bad}",
            file="survey_invitations.csv",
            column="invited",
        )
    known = frame["denominator"].notna()
    out = frame.copy()
    out["value"] = np.nan
    out["ci_low"] = np.nan
    out["ci_high"] = np.nan
    if known.any():
        shares = add_share(frame[known].astype({"denominator": int}))
        out.loc[known, ["value", "ci_low", "ci_high"]] = shares[
            ["value", "ci_low", "ci_high"]
        ].to_numpy()
    return out


def _answers(responses: pd.DataFrame, q: Question) -> pd.DataFrame:
    """The question's non-empty answers, normalised to the scale's codes."""
    rows = responses[responses["question_id"] == q.question_id]
    answers = q.scale.normalise(rows["answer"])
    check_answers(answers.dropna().unique(), q.scale, q.question_id)
    return pd.DataFrame({"period": rows["period"].astype("string"), "answer": answers}).dropna(
        subset=["answer"]
    )


def answer_distribution(responses: pd.DataFrame, q: Question, periods: list[str]) -> pd.DataFrame:
    """Each answer's share of the period's answers, plus the two sides of the scale.

    One row per period × segment. ``kind`` is "answer" (one answer code, in the
    scale's order) or "side" (all positive or all other answers together, so a
    chart can draw a side as one block when one of its answers must be hidden).
    ``side`` says which side of zero the segment belongs to.
    """
    sc = q.scale
    answers = _answers(responses, q)
    counts = answers.groupby(["period", "answer"], observed=True).size()
    totals = answers.groupby("period", observed=True).size()
    rows = []
    for period in periods:
        n = int(totals.get(period, 0))
        for code in sc.answers:
            rows.append(
                {
                    "period": period,
                    "kind": "answer",
                    "segment": code,
                    "side": POSITIVE if code in sc.positive else NEGATIVE,
                    "numerator": int(counts.get((period, code), 0)),
                    "denominator": n,
                }
            )
        k = sum(int(counts.get((period, code), 0)) for code in sc.positive)
        rows.append(
            {
                "period": period,
                "kind": "side",
                "segment": NEGATIVE,
                "side": NEGATIVE,
                "numerator": n - k,
                "denominator": n,
            }
        )
        rows.append(
            {
                "period": period,
                "kind": "side",
                "segment": POSITIVE,
                "side": POSITIVE,
                "numerator": k,
                "denominator": n,
            }
        )
    frame = pd.DataFrame(rows).astype(
        {"period": "string", "kind": "string", "segment": "string", "side": "string"}
    )
    out = frame.copy()
    with np.errstate(invalid="ignore", divide="ignore"):
        out["value"] = np.where(
            out["denominator"] > 0,
            out["numerator"] / out["denominator"].where(out["denominator"] > 0, 1),
            np.nan,
        )
    return out


def change_p_value(k1: int, n1: int, k2: int, n2: int) -> float:
    """Two-sided p-value of the score test for two independent shares (NaN if untestable).

    Untestable: a period without answers, or both periods all or none positive
    (the score statistic is 0/0).
    """
    if min(n1, n2) <= 0:
        return float("nan")
    if (k1 + k2 == 0) or (k1 + k2 == n1 + n2):
        return 1.0
    return two_proportion_test(k2, n2, k1, n1)


def positive_shares(
    questions: list[Question], responses: pd.DataFrame, periods: list[str]
) -> pd.DataFrame:
    """Share of positive answers per closed question and period, with Wilson intervals.

    ``p_change`` (on every period but the first) is the score test's p-value
    for the difference from the period before.
    """
    rows = []
    for q in questions:
        if q.free_text:
            continue
        answers = _answers(responses, q)
        positive = answers["answer"].isin(q.scale.positive)
        k = positive.groupby(answers["period"], observed=True).sum()
        n = answers.groupby("period", observed=True).size()
        previous = None
        for period in periods:
            kk, nn = int(k.get(period, 0)), int(n.get(period, 0))
            p = change_p_value(*previous, kk, nn) if previous is not None else np.nan
            rows.append(
                {
                    "question_id": q.question_id,
                    "question": f"{q.number}. {q.text}",
                    "period": period,
                    "numerator": kk,
                    "denominator": nn,
                    "p_change": p,
                }
            )
            previous = (kk, nn)
    columns = ["question_id", "question", "period", "numerator", "denominator", "p_change"]
    frame = pd.DataFrame(rows, columns=columns).astype(
        {"question_id": "string", "question": "string", "period": "string"}
    )
    return add_share(frame)


def skipped_counts(
    questions: list[Question], responses: pd.DataFrame, periods: list[str]
) -> pd.DataFrame:
    """Respondents of each period who gave no counted answer to each closed question.

    ``skipped`` = respondents of the period minus those who answered the question. A
    report showing both counts shows this difference too, so it follows the count rules.
    """
    respondents = responses.groupby("period", observed=True)["respondent_id"].nunique()
    answered = positive_shares(questions, responses, periods)
    frame = answered[["question_id", "period", "denominator"]].rename(
        columns={"denominator": "answered"}
    )
    frame["respondents"] = frame["period"].map(respondents).fillna(0).astype(int).to_numpy()
    frame["skipped"] = frame["respondents"] - frame["answered"]
    return frame.reset_index(drop=True)


def free_text_counts(
    questions: list[Question], responses: pd.DataFrame, periods: list[str]
) -> pd.DataFrame:
    """How many respondents wrote something in each free-text question, per period.

    Only the count leaves this function, never the text. ``denominator`` is the
    number of respondents, so the count is protected like a share: neither the
    writers nor the others may be 1–4.
    """
    respondents = responses.groupby("period", observed=True)["respondent_id"].nunique()
    rows = []
    for q in questions:
        if not q.free_text:
            continue
        text = responses.loc[responses["question_id"] == q.question_id, ["period", "answer"]]
        wrote = text["answer"].astype("string").str.strip().fillna("").ne("")
        per_period = text.loc[wrote.to_numpy()].groupby("period", observed=True).size()
        for period in periods:
            rows.append(
                {
                    "question_id": q.question_id,
                    "question": f"{q.number}. {q.text}",
                    "period": period,
                    "numerator": int(per_period.get(period, 0)),
                    "denominator": int(respondents.get(period, 0)),
                }
            )
    columns = ["question_id", "question", "period", "numerator", "denominator"]
    return pd.DataFrame(rows, columns=columns).astype(
        {"question_id": "string", "question": "string", "period": "string"}
    )
