"""The input data contract as data: every table, column, type and rule, once.

Loaders, pandera schemas, the synthetic generator and the data dictionary in
``data/README.md`` are all derived from these definitions (docs/data-contract.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from evaluation.metadata import codes

Kind = Literal["text", "int", "float", "date", "bool", "list"]


@dataclass(frozen=True)
class Column:
    """One column of a contract table."""

    name: str
    kind: Kind
    description: str = ""
    required: bool = True  # the column must be present in the file
    nullable: bool = False  # empty cells allowed
    unique: bool = False
    allowed: tuple[str, ...] | None = None  # for text codes; for lists, each element
    min: float | None = None
    max: float | None = None
    identifier: bool = False  # an opaque id: never shown in any report


@dataclass(frozen=True)
class Reference:
    """A foreign key: ``column`` must exist in ``table.target_column`` when that table is loaded."""

    column: str
    table: str
    target_column: str


@dataclass(frozen=True)
class TableSpec:
    """One contract table: its file stem, columns and cross-table rules."""

    name: str
    swedish: str
    columns: tuple[Column, ...]
    references: tuple[Reference, ...] = ()
    date_order: tuple[tuple[str, str], ...] = ()  # (earlier, later) pairs
    record_level: bool = True  # rows describe people or cases
    stems: tuple[str, ...] = field(default=())  # file stems tried, default (name,)

    def column(self, name: str) -> Column:
        """Return the column definition called ``name``."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def file_stems(self) -> tuple[str, ...]:
        """File names (without suffix) that may supply this table, in order of preference."""
        return self.stems or (self.name,)


def _codes(mapping: dict[str, str]) -> tuple[str, ...]:
    return tuple(mapping)


AREA_CODE = Column("area_code", "text", "Area code (DeSO/RegSO or local code)")
SEX_COL = Column("child_sex", "text", "F / M / X / empty", nullable=True, allowed=_codes(codes.SEX))
AGE_COL = Column("child_age", "int", "Age in years", min=0, max=20)

AREA_STATISTICS = TableSpec(
    name="area_statistics",
    swedish="Områdesstatistik",
    record_level=False,
    columns=(
        Column("area_code", "text", "An area, a municipality code, or SE for Sweden"),
        Column("year", "int", "Year", min=1900, max=2100),
        Column("indicator", "text", "Key in the indicator catalogue"),
        Column("value", "float", "Value", nullable=True),
        Column("numerator", "float", "Numerator of a share or rate", required=False, nullable=True),
        Column(
            "denominator", "float", "Denominator of a share or rate", required=False, nullable=True
        ),
    ),
)

AREA_MAPPING = TableSpec(
    name="area_mapping",
    swedish="Områdesindelning",
    record_level=False,
    columns=(
        Column("from_code", "text", "Statistical area code (DeSO/RegSO)"),
        Column("to_code", "text", "Evaluated area code"),
    ),
)

REFERRALS = TableSpec(
    name="referrals",
    swedish="Orosanmälningar",
    columns=(
        Column("referral_id", "text", "Pseudonymous id", unique=True, identifier=True),
        Column("received_date", "date", "Date received"),
        AREA_CODE,
        AGE_COL,
        SEX_COL,
        Column(
            "reporter_category",
            "text",
            "Who made the referral",
            allowed=_codes(codes.REPORTER_CATEGORY),
        ),
    ),
)

ASSESSMENTS = TableSpec(
    name="assessments",
    swedish="Förhandsbedömningar",
    columns=(
        Column("assessment_id", "text", "Pseudonymous id", unique=True, identifier=True),
        Column("referral_id", "text", "Referral assessed", identifier=True),
        AREA_CODE,
        Column("start_date", "date", "Start of the assessment"),
        Column("decision_date", "date", "Decision; empty while open", nullable=True),
        Column(
            "joint_with_provider",
            "bool",
            "Done together with the provider's support unit",
            nullable=True,
        ),
        Column(
            "decision",
            "text",
            "Decision; empty while open",
            nullable=True,
            allowed=_codes(codes.ASSESSMENT_DECISION),
        ),
    ),
    references=(Reference("referral_id", "referrals", "referral_id"),),
    date_order=(("start_date", "decision_date"),),
)

INVESTIGATIONS = TableSpec(
    name="investigations",
    swedish="Utredningar",
    columns=(
        Column("investigation_id", "text", "Pseudonymous id", unique=True, identifier=True),
        AREA_CODE,
        AGE_COL,
        SEX_COL,
        Column("start_date", "date", "Start of the investigation"),
        Column("end_date", "date", "End; empty while ongoing", nullable=True),
        Column(
            "outcome",
            "text",
            "Outcome; empty while ongoing",
            nullable=True,
            allowed=_codes(codes.INVESTIGATION_OUTCOME),
        ),
        Column("child_interviewed", "bool", "The child was interviewed", nullable=True),
    ),
    date_order=(("start_date", "end_date"),),
)

INTERVENTIONS = TableSpec(
    name="interventions",
    swedish="Insatser",
    columns=(
        Column("intervention_id", "text", "Pseudonymous id", unique=True, identifier=True),
        Column("person_id", "text", "Pseudonym of the person", identifier=True),
        AREA_CODE,
        Column("intervention_type", "text", "Type", allowed=_codes(codes.INTERVENTION_TYPE)),
        Column("level", "text", "Individual, group or area level", allowed=_codes(codes.LEVEL)),
        Column("basis", "text", "Granted by decision or as a service", allowed=_codes(codes.BASIS)),
        Column("decision_date", "date", "Decision date"),
        Column("start_date", "date", "Start; empty if not yet executed", nullable=True),
        Column("end_date", "date", "End; empty while ongoing", nullable=True),
        Column(
            "end_reason",
            "text",
            "Why it ended; empty while ongoing",
            nullable=True,
            allowed=_codes(codes.END_REASON),
        ),
        Column("consent", "bool", "Consent given", nullable=True),
        Column("prior_open_care", "bool", "For placements: had open care before", nullable=True),
    ),
    date_order=(("decision_date", "start_date"), ("start_date", "end_date")),
)

ACTIVITIES = TableSpec(
    name="activities",
    swedish="Aktiviteter",
    record_level=False,
    columns=(
        Column("activity_id", "text", "Id", unique=True, identifier=True),
        AREA_CODE,
        Column("date", "date", "Date"),
        Column("activity_type", "text", "Type", allowed=_codes(codes.ACTIVITY_TYPE)),
        Column(
            "partners",
            "list",
            "';'-separated partners",
            nullable=True,
            allowed=_codes(codes.PARTNER),
        ),
        Column("participants", "int", "Number of participants", nullable=True, min=0),
        Column("level", "text", "Individual, group or area level", allowed=_codes(codes.LEVEL)),
    ),
)

SURVEY_QUESTIONS = TableSpec(
    name="survey_questions",
    swedish="Enkätfrågor",
    record_level=False,
    columns=(
        Column("survey", "text", "Survey name"),
        Column("question_id", "text", "Question id"),
        Column("text", "text", "Question text (Swedish)"),
        Column("scale", "text", "Answer scale", allowed=codes.SURVEY_SCALE),
    ),
)

SURVEY_INVITATIONS = TableSpec(
    name="survey_invitations",
    swedish="Enkätutskick",
    record_level=False,
    columns=(
        Column("survey", "text", "Survey name"),
        Column("period", "text", "Period, e.g. 2024 or 2024H2"),
        Column("unit", "text", "Unit surveyed"),
        Column("area_code", "text", "Area", nullable=True),
        Column("invited", "int", "Number invited", min=0),
    ),
)

SURVEY_RESPONSES = TableSpec(
    name="survey_responses",
    swedish="Enkätsvar",
    columns=(
        Column("survey", "text", "Survey name"),
        Column("period", "text", "Period"),
        Column("unit", "text", "Unit surveyed"),
        Column("area_code", "text", "Area", nullable=True),
        Column("respondent_id", "text", "Pseudonymous respondent id", identifier=True),
        Column("question_id", "text", "Question id"),
        Column("answer", "text", "Answer (scale value or free text)", nullable=True),
    ),
)

#: Every tabular contract table, in load order (referenced tables first).
TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        AREA_STATISTICS,
        AREA_MAPPING,
        REFERRALS,
        ASSESSMENTS,
        INVESTIGATIONS,
        INTERVENTIONS,
        ACTIVITIES,
        SURVEY_QUESTIONS,
        SURVEY_INVITATIONS,
        SURVEY_RESPONSES,
    )
}

#: Columns of the areas layer (geometry handled separately).
AREA_COLUMNS = (
    Column("area_code", "text", "Unique area code", unique=True),
    Column("area_name", "text", "Name shown in reports"),
    Column("municipality_code", "text", "4-digit municipality code"),
)


def table_extensions() -> tuple[str, ...]:
    """Suffixes a table file may have: those with a registered reader (``io.tables``)."""
    from evaluation.io.tables import table_suffixes

    return table_suffixes()


AREA_FILES = ("areas.gpkg", "areas.geojson")

#: Optional description of a data folder: name, whether it is synthetic.
METADATA_FILE = "metadata.yaml"
