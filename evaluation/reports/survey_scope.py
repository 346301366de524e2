"""Which survey rows a user-survey report covers: survey, unit, area, questions, periods.

Kept apart from ``user_survey`` (which draws charts) so that the check before any
kernel (``preflight``) resolves the scope without importing matplotlib.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from evaluation.exceptions import ParameterError
from evaluation.indicators import survey as si
from evaluation.reports.context import Report, per_report


@dataclass(frozen=True)
class SurveyScope:
    """The survey rows of one unit (and area), with its questions and periods."""

    survey: str
    unit: str | None
    area_code: str | None  # None: the unit works municipality-wide (no area in its rows)
    where: str  # "Skäggetorp" or "hela kommunen"
    questions: list[si.Question]
    invitations: pd.DataFrame
    responses: pd.DataFrame
    periods: list[str]

    @property
    def name(self) -> str:
        """The survey's name as shown in the report."""
        return self.unit or f"alla enheter i {self.where}"

    @property
    def closed(self) -> list[si.Question]:
        """Questions with a closed answer scale (free text excluded)."""
        return [q for q in self.questions if not q.free_text]


def survey_tables(report: Report):
    """The survey's three tables (questions, invitations, responses); None where absent."""
    d = report.data
    return (d.table("survey_questions"), d.table("survey_invitations"), d.table("survey_responses"))


@per_report
def scope(report: Report) -> SurveyScope:
    """Resolve survey, unit and area from the parameters (checked once per report)."""
    sp = report.params.survey
    file = report.params.source_file
    questions, invitations, responses = survey_tables(report)
    surveys = sorted(set(questions["survey"].dropna().astype(str)))
    if sp.survey not in surveys:
        raise ParameterError(
            f"okänd enkät '{sp.survey}'; survey_questions.csv har: " + ", ".join(surveys),
            file=file,
            parameter="survey.survey",
        )
    inv = si.select(invitations, sp.survey, sp.unit, None)
    resp = si.select(responses, sp.survey, sp.unit, None)
    if sp.unit is not None and inv.empty and resp.empty:
        units = sorted(
            set(invitations.loc[invitations["survey"] == sp.survey, "unit"].dropna().astype(str))
        )
        raise ParameterError(
            f"enheten '{sp.unit}' har inga utskick eller svar i enkäten "
            f"'{sp.survey}'; dess enheter är: " + ", ".join(units),
            file=file,
            parameter="survey.unit",
        )
    areas = set(pd.concat([inv["area_code"], resp["area_code"]]).dropna().astype(str))
    if not areas or report.municipality_wide:
        area_code, where = None, "hela kommunen"
    elif report.area_code in areas:
        area_code, where = report.area_code, report.area_name
    else:
        raise ParameterError(
            f"enkätraderna för '{sp.unit or sp.survey}' har inga svar "
            f"för området {report.area_name}; deras områden är: " + ", ".join(sorted(areas)),
            file=file,
            parameter="area",
        )
    if area_code is not None:
        inv, resp = (
            si.select(inv, sp.survey, sp.unit, area_code),
            si.select(resp, sp.survey, sp.unit, area_code),
        )
    units = invitations.loc[invitations["survey"] == sp.survey, "unit"].dropna().astype(str)
    report.protector.context.about(  # R0 ledger: which survey and unit the figures count
        {"enhet": sorted(set(units))}, enkät=sp.survey, enhet=sp.unit
    )
    return SurveyScope(
        sp.survey,
        sp.unit,
        area_code,
        where,
        si.questions_of(questions, sp.survey),
        inv,
        resp,
        si.periods_of(inv, resp),
    )
