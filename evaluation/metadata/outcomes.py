"""Outcomes the causal section can estimate, defined once: panel columns, scale and wording."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Outcome:
    """One outcome: a rate (count over child person-years) or a share (numerator/denominator)."""

    key: str
    label: str  # Swedish heading
    kind: str  # "rate" or "share"
    numerator: str  # panel column
    denominator: str  # panel column (person_years for rates)
    unit_phrase: str  # completes "ungefär X fler ..." in describe_effect
    sensitive: bool = False

    @property
    def wording(self) -> dict:
        """describe_effect's wording: counts are 'fler/färre', shares 'procentenheter högre'."""
        if self.kind == "share":
            return {"unit": "procentenheter", "words": ("högre", "lägre")}
        return {}


OUTCOMES: dict[str, Outcome] = {
    o.key: o
    for o in (
        Outcome(
            "referrals_per_1000_children",
            "Orosanmälningar per 1 000 barn",
            "rate",
            "referrals",
            "person_years",
            "orosanmälningar per 1 000 barn",
        ),
        Outcome(
            "referrals_public_per_1000_children",
            "Orosanmälningar från allmänheten per 1 000 barn",
            "rate",
            "referrals_public",
            "person_years",
            "orosanmälningar från allmänheten per 1 000 barn",
        ),
        Outcome(
            "referrals_school_per_1000_children",
            "Orosanmälningar från skola och förskola per 1 000 barn",
            "rate",
            "referrals_school",
            "person_years",
            "orosanmälningar från skola och förskola per 1 000 barn",
        ),
        Outcome(
            "joint_assessment_share",
            "Andel gemensamma förhandsbedömningar",
            "share",
            "joint_assessments",
            "assessments_known",
            "andel gemensamma förhandsbedömningar",
        ),
        Outcome(
            "placements_per_1000_children",
            "Placeringar per 1 000 barn",
            "rate",
            "placements",
            "person_years",
            "placeringar per 1 000 barn",
            sensitive=True,
        ),
        Outcome(
            "placements_without_prior_open_care_share",
            "Andel placeringar utan tidigare öppenvård",
            "share",
            "placements_without_open_care",
            "placements_known",
            "andel placeringar utan tidigare öppenvård",
            sensitive=True,
        ),
    )
}
