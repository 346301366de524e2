"""Answer scales of user surveys: codes in scale order, Swedish labels, what counts as positive.

The one place these codes live (docs/data-contract.md, data/README.md "Survey answer
codes"). Every scale lists its answers from the most negative to the most
positive; the positive answers are the last ones, so a diverging chart can put
the rest left of zero and the positive answers right of it in this order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from evaluation.exceptions import DataError

FREE_TEXT = "free_text"


@dataclass(frozen=True)
class Scale:
    """A closed answer scale.

    Attributes
    ----------
    code
        Scale name as in ``survey_questions.csv`` (``agree5``...).
    answers
        Answer codes from the most negative to the most positive.
    labels
        Swedish label of every answer code, for legends and tables.
    positive
        The answer codes counted as positive (the last ones of ``answers``).
    positive_text
        How a report names the positive answers ("instämmer helt eller till stor del").
    positive_verb
        The positive answers as the verb of a sentence about the respondents
        ("85 % av de 95 som besvarade frågan *instämde helt eller till stor del*").
    """

    code: str
    answers: tuple[str, ...]
    labels: dict[str, str]
    positive: tuple[str, ...]
    positive_text: str
    positive_verb: str

    def __post_init__(self) -> None:
        if set(self.labels) != set(self.answers):
            raise ValueError(f"{self.code}: every answer needs exactly one label")
        k = len(self.positive)
        if k == 0 or tuple(self.answers[-k:]) != tuple(self.positive):
            raise ValueError(f"{self.code}: the positive answers must be the last ones")

    @property
    def negative(self) -> tuple[str, ...]:
        """The answers not counted as positive, in scale order (neutral ones included)."""
        return self.answers[: len(self.answers) - len(self.positive)]

    def label(self, answer: str) -> str:
        """Swedish label of an answer code."""
        return self.labels[answer]

    def normalise(self, answers: pd.Series) -> pd.Series:
        """Answer codes as given in the data → canonical codes; empty stays missing.

        Codes and Swedish labels are both accepted, ignoring case and surrounding
        space ("Ja", " 4 ", "Instämmer helt"); anything else is returned as-is so
        the caller can report it.
        """
        lookup = {a.casefold(): a for a in self.answers}
        lookup.update({lab.casefold(): a for a, lab in self.labels.items()})
        text = answers.astype("string").str.strip()
        text = text.mask(text == "")
        return text.map(lambda v: v if pd.isna(v) else lookup.get(v.casefold(), v))


SCALES: dict[str, Scale] = {
    s.code: s
    for s in (
        Scale(
            "agree5",
            ("1", "2", "3", "4", "5"),
            {
                "1": "Instämmer inte alls",
                "2": "Instämmer till liten del",
                "3": "Instämmer delvis",
                "4": "Instämmer till stor del",
                "5": "Instämmer helt",
            },
            ("4", "5"),
            "instämmer helt eller till stor del",
            "instämde helt eller till stor del",
        ),
        Scale(
            "satisfied4",
            ("1", "2", "3", "4"),
            {
                "1": "Inte alls nöjd",
                "2": "Inte särskilt nöjd",
                "3": "Ganska nöjd",
                "4": "Mycket nöjd",
            },
            ("3", "4"),
            "mycket eller ganska nöjd",
            "var mycket eller ganska nöjda",
        ),
        Scale(
            "often4",
            ("1", "2", "3", "4"),
            {"1": "Nej, aldrig", "2": "Nej, sällan", "3": "Ja, oftast", "4": "Ja, alltid"},
            ("3", "4"),
            "ja, alltid eller oftast",
            "svarade ja, alltid eller oftast",
        ),
        Scale("yesno", ("nej", "ja"), {"nej": "Nej", "ja": "Ja"}, ("ja",), "ja", "svarade ja"),
    )
}


def scale(code: str, *, question: str | None = None) -> Scale:
    """The scale named ``code``; a DataError naming the question when unknown."""
    try:
        return SCALES[code]
    except KeyError:
        where = f" (fråga {question})" if question else ""
        raise DataError(
            f"okänd svarsskala '{code}'{where}",
            file="survey_questions.csv",
            column="scale",
            expected=", ".join([*SCALES, FREE_TEXT]),
            found=str(code),
        ) from None


def is_free_text(code: str) -> bool:
    """Whether a scale code collects free text."""
    return code == FREE_TEXT


def check_answers(answers: Iterable, sc: Scale, question: str) -> None:
    """Raise a DataError when a closed question has an answer outside its scale.

    The offending value is not echoed (it might be free text typed in the wrong
    column); only the question and the allowed codes are named.
    """
    unknown = {a for a in answers if not pd.isna(a) and a not in sc.answers}
    if unknown:
        raise DataError(
            f"frågan {question} har {len(unknown)} svarsvärde(n) som inte är "
            f"koder i skalan {sc.code}",
            file="survey_responses.csv",
            column="answer",
            expected=", ".join(sc.answers),
        )
