"""Which report kinds need which contract tables, and for which sections.

``validate``, ``run`` and ``batch`` read this map to say, before any notebook
starts, what a missing file costs: a required table leaves a report without
content (an error); any other table only leaves out the sections named here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from evaluation.metadata.outcomes import OUTCOMES

#: Table -> report kind -> the sections (in Swedish) that use it.
USED_BY: dict[str, dict[str, str]] = {
    "areas": {
        "outcome_followup": "hela rapporten (områdena)",
        "area_analysis": "hela rapporten (områdena och kartorna)",
        "user_survey": "hela rapporten (områdena)",
    },
    "area_statistics": {
        "outcome_followup": "antal per 1 000 barn och effektskattningar",
        "area_analysis": "hela rapporten (profil, befolkning, trender, kartor)",
    },
    "referrals": {"outcome_followup": "orosanmälningar och effektskattningar"},
    "assessments": {"outcome_followup": "förhandsbedömningar och effektskattningar"},
    "investigations": {"outcome_followup": "utredningar"},
    "interventions": {
        "outcome_followup": "insatser, placeringar och effektskattningar",
        "area_analysis": "befintligt arbete: insatser",
    },
    "activities": {
        "outcome_followup": "områdesarbete",
        "area_analysis": "befintligt arbete: aktiviteter",
    },
    "survey_questions": {"user_survey": "hela rapporten"},
    "survey_invitations": {"user_survey": "hela rapporten (svarsfrekvens)"},
    "survey_responses": {"user_survey": "hela rapporten"},
}

#: Tables without which a report kind has no content at all.
REQUIRED: dict[str, tuple[str, ...]] = {
    "outcome_followup": ("areas", "area_statistics"),
    "area_analysis": ("areas", "area_statistics"),
    "user_survey": ("areas", "survey_questions", "survey_invitations", "survey_responses"),
}

#: A report kind needs at least one of these tables to have any content.
ANY_OF: dict[str, tuple[str, ...]] = {
    "outcome_followup": (
        "referrals",
        "assessments",
        "investigations",
        "interventions",
        "activities",
    ),
}

#: Panel column of an outcome -> the table it is counted from.
_PANEL_TABLES = {
    "referrals": "referrals",
    "referrals_public": "referrals",
    "referrals_school": "referrals",
    "joint_assessments": "assessments",
    "assessments_known": "assessments",
    "placements": "interventions",
    "placements_known": "interventions",
    "placements_without_open_care": "interventions",
    "person_years": "area_statistics",
}


def outcome_tables(outcome: str) -> tuple[str, ...]:
    """The tables an outcome of the causal section is computed from."""
    o = OUTCOMES[outcome]
    return tuple(dict.fromkeys(_PANEL_TABLES[c] for c in (o.numerator, o.denominator)))


def required_tables(
    kind: str, outcomes: Iterable[str] = (), intervention_start: date | None = None
) -> dict[str, str]:
    """Table -> why (Swedish) for every table one report cannot do without."""
    need = {t: "hela rapporten" for t in REQUIRED.get(kind, ())}
    if kind == "outcome_followup" and intervention_start is not None:
        for key in outcomes:
            for table in outcome_tables(key):
                need.setdefault(table, f"effektskattningen av {key} (parametern outcomes)")
    return need


def kinds_using(table: str) -> dict[str, str]:
    """Report kind -> sections, for the kinds that use ``table``."""
    return USED_BY.get(table, {})
