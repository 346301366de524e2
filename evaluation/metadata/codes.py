"""Enumerated codes of the data contract, defined once (docs/data-contract.md).

Swedish labels for report text live next to the codes so that a code and its
label cannot drift apart.
"""

from __future__ import annotations

SEX = {"F": "Flickor", "M": "Pojkar", "X": "Annat/okänt"}

REPORTER_CATEGORY = {
    "school": "Skola",
    "preschool": "Förskola",
    "police": "Polis",
    "healthcare": "Hälso- och sjukvård",
    "social_services": "Socialtjänst",
    "public": "Allmänhet",
    "family": "Familj/anhöriga",
    "self": "Barnet självt",
    "other": "Övriga",
}

ASSESSMENT_DECISION = {
    "investigation": "Utredning inleds",
    "no_investigation": "Ingen utredning",
    "support_offered": "Stöd erbjuds",
}

INVESTIGATION_OUTCOME = {
    "intervention": "Insats",
    "no_intervention": "Ingen insats",
    "consent_refused": "Samtycke saknas",
    "moved": "Flyttat",
    "other": "Övrigt",
}

INTERVENTION_TYPE = {
    "open_care": "Öppenvård",
    "parenting_support": "Föräldrastöd",
    "contact_person": "Kontaktperson/-familj",
    "family_home": "Familjehem",
    "residential_care": "HVB",
    "supported_housing": "Stödboende",
    "other": "Övrigt",
}

#: Intervention types that are out-of-home care (placering).
PLACEMENT_TYPES = ("family_home", "residential_care", "supported_housing")

LEVEL = {"individual": "Individnivå", "group": "Gruppnivå", "area": "Områdesnivå"}

BASIS = {"decision": "Bistånd (beslut)", "service": "Service (utan beslut)"}

END_REASON = {
    "planned": "Planerat avslut",
    "unplanned": "Oplanerat avslut",
    "moved": "Flyttat",
    "other": "Övrigt",
}

ACTIVITY_TYPE = {
    "collaboration_meeting": "Samverkansmöte",
    "preventive_group": "Förebyggande grupp",
    "outreach": "Uppsökande arbete",
    "citizen_dialogue": "Medborgardialog",
    "information": "Information",
    "other": "Övrigt",
}

PARTNER = {
    "school": "Skola",
    "police": "Polis",
    "housing": "Bostadsbolag",
    "civil_society": "Civilsamhälle",
    "region": "Regionen",
    "leisure": "Fritid",
    "other": "Övriga",
}

SURVEY_SCALE = ("agree5", "satisfied4", "yesno", "often4", "free_text")

#: Area code of Sweden as a whole in area_statistics.
NATIONAL_CODE = "SE"
