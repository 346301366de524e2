"""Parameters of one evaluation and of a term batch, as frozen pydantic models.

A typo in a params file must fail loudly: papermill only warns about unknown
parameter names, so every model forbids unknown keys and every error names the
file and the parameter.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

from evaluation.exceptions import ParameterError
from evaluation.exceptions import yaml_reason as _yaml_reason
from evaluation.metadata.kinds import get_kind
from evaluation.yaml_text import load_yaml

DEFAULT_OUTCOMES = (
    "referrals_per_1000_children",
    "referrals_public_per_1000_children",
    "referrals_school_per_1000_children",
    "joint_assessment_share",
    "placements_per_1000_children",
    "placements_without_prior_open_care_share",
)

#: The evaluation plan's outcome measures from the area statistics (catalogue keys).
AREA_OUTCOMES = (
    "school_eligibility_share",
    "income_support_share",
    "employment_rate_20_64",
    "reported_crimes_per_1000",
)


class _Model(BaseModel):
    # defer_build: the validators are built on first use, not at import; a no-op batch
    # whose parameters files were all validated before builds none of them
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class PrivacyParams(_Model):
    """Disclosure thresholds (docs/privacy.md); they may be raised, never lowered."""

    min_count: int = Field(5, description="Counts from 1 to min_count-1 are hidden.")
    min_n: int = Field(10, description="Least denominator behind a share, rate, mean or median.")
    sensitive_min_n: int = Field(
        20, description="0 % and 100 % of sensitive outcomes are hidden below this denominator."
    )

    @field_validator("min_count")
    @classmethod
    def _min_count(cls, v: int) -> int:
        if v < 5:
            raise ValueError("får höjas men inte sänkas under 5")
        return v

    @field_validator("min_n")
    @classmethod
    def _min_n(cls, v: int) -> int:
        if v < 10:
            raise ValueError("får höjas men inte sänkas under 10")
        return v

    @field_validator("sensitive_min_n")
    @classmethod
    def _sensitive(cls, v: int) -> int:
        if v < 20:
            raise ValueError("får höjas men inte sänkas under 20")
        return v


class TargetParams(_Model):
    """Targets drawn as reference lines and judged in the text."""

    joint_assessment_share: float | None = Field(0.5, ge=0, le=1)
    assessment_within_14_days_share: float | None = Field(None, ge=0, le=1)
    investigation_within_120_days_share: float | None = Field(None, ge=0, le=1)


class SurveyReference(_Model):
    """A benchmark share of positive answers, with its source."""

    value: float = Field(ge=0, le=1)
    source: str
    year: int


class SurveyParams(_Model):
    """Which survey and unit a user-survey report covers."""

    survey: str
    name: str | None = None  # the survey as readers know it; the code above is for the data
    unit: str | None = None
    low_response_rate: float = Field(0.5, ge=0, le=1)
    min_answers_generalise: int = Field(30, ge=1)
    references: dict[str, SurveyReference] = Field(default_factory=dict)


class UserSurveyParams(BaseModel):
    """What a user_survey report needs beyond the common parameters (its kind's extension)."""

    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)

    survey: SurveyParams


class EffortParams(_Model):
    """One area-based effort: its name, the areas it covers and when it started there."""

    name: str
    areas: tuple[str, ...] = Field(min_length=1)
    start: date

    @field_validator("areas", mode="before")
    @classmethod
    def _listify(cls, v: Any) -> Any:
        return (v,) if isinstance(v, str) else v


class EvaluationParams(_Model):
    """Everything one report needs besides the data folder's contents."""

    kind: str = Field(description="Report kind: a key of evaluation.metadata.kinds.")
    area: str = Field(description="Evaluated area: its name or code in areas.gpkg.")
    data: Path = Field(description="Data folder, relative to the params file.")
    title: str | None = None
    comparison_areas: tuple[str, ...] = ()
    excluded_from_comparison: tuple[str, ...] = Field(
        (), description="Areas with their own area-based work, kept out of comparisons."
    )
    intervention_start: date | None = None
    efforts: tuple[EffortParams, ...] = Field(
        (),
        description="Area-based efforts and their starts; their areas never serve as comparisons.",
    )
    period_start: date | None = None
    period_end: date | None = None
    outcomes: tuple[str, ...] = DEFAULT_OUTCOMES
    privacy: PrivacyParams = PrivacyParams()
    targets: TargetParams = TargetParams()
    survey: SurveyParams | None = None
    summary: tuple[str, ...] | None = Field(
        None, description="Key figures of the opening summary, in order (default: the kind's)."
    )
    area_outcomes: tuple[str, ...] = Field(
        AREA_OUTCOMES, description="Area statistics followed against the comparison areas."
    )
    show_render_date: bool = Field(False, description="Print the render date in the footer.")
    source_file: Path | None = Field(None, exclude=True)
    #: ``data`` as the file wrote it (``load_params`` resolves it to a folder); never input.
    _data_as_written: str | None = PrivateAttr(None)

    @property
    def data_as_written(self) -> str | None:
        """The data folder as the parameters file wrote it, for the page; None if unknown."""
        return self._data_as_written

    @field_validator("kind")
    @classmethod
    def _registered_kind(cls, v: str) -> str:
        try:
            get_kind(v)
        except ParameterError as exc:
            raise ValueError(exc.message) from None
        return v

    @field_validator("outcomes")
    @classmethod
    def _known_outcomes(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        from evaluation.metadata.outcomes import OUTCOMES

        unknown = [o for o in v if o not in OUTCOMES]
        if unknown:
            raise ValueError(f"okänt utfall {unknown[0]!r}; välj bland {', '.join(OUTCOMES)}")
        return v

    @field_validator("comparison_areas", "excluded_from_comparison", mode="before")
    @classmethod
    def _listify(cls, v: Any) -> Any:
        return (v,) if isinstance(v, str) else v


class BatchParams(_Model):
    """A term batch: a name and the evaluations it runs."""

    batch: str = Field(pattern=r"^[A-Za-z0-9_.\-]+$")
    title: str | None = None
    evaluations: tuple[Path, ...]
    source_file: Path | None = Field(None, exclude=True)


def _read_yaml(path: Path) -> dict[str, Any]:
    if path.is_dir():
        raise ParameterError(
            "är en mapp; här behövs en parameterfil (YAML), t.ex. params/skaggetorp.yaml",
            file=path,
        )
    if not path.is_file():
        raise ParameterError("parameterfilen finns inte", file=path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ParameterError("filen är inte sparad som UTF-8 text", file=path) from None
    try:
        content = load_yaml(text)
    except yaml.YAMLError as exc:
        raise ParameterError(_yaml_reason(exc, text), file=path) from None
    if not isinstance(content, dict):
        raise ParameterError(
            "filen ska bestå av rader 'parameter: värde' (en YAML-mappning)", file=path
        )
    from evaluation.idnumbers import guard_mapping

    guard_mapping(
        content,
        path,
        lambda where: ParameterError(
            "ett värde format som ett svenskt person- eller samordningsnummer "
            "(visas inte); parametrarna skrivs ut i rapporterna och får inte peka ut någon",
            file=path,
            parameter=where,
        ),
    )
    return content


def _position(loc: tuple) -> str:
    """'comparison_areas[2]' for pydantic's ('comparison_areas', 1): 1-based list positions."""
    text = ""
    for part in loc:
        text += f"[{part + 1}]" if isinstance(part, int) else ("." if text else "") + str(part)
    return text


def _explain(exc: ValidationError, model: type[BaseModel], path: Path) -> ParameterError:
    err = exc.errors()[0]
    loc = _position(err["loc"])
    if err["type"] == "extra_forbidden":
        known = list(model.model_fields)
        close = difflib.get_close_matches(str(err["loc"][-1]), known, n=1)
        hint = f"; menade du '{close[0]}'?" if close else ""
        return ParameterError(f"okänd parameter{hint}", file=path, parameter=loc)
    if err["type"] == "missing":
        return ParameterError("parametern krävs men saknas", file=path, parameter=loc)
    from evaluation.exceptions import pydantic_message

    msg = pydantic_message(err)
    return ParameterError(f"{msg} (fick {err.get('input')!r})", file=path, parameter=loc)


def _data_folder(params_file: Path, data: str | Path) -> Path:
    """The data folder a parameters file names: relative paths count from the file."""
    data = Path(data)
    return data if data.is_absolute() else (params_file.parent / data).resolve()


def load_params(path: str | Path, **overrides: Any) -> EvaluationParams:
    """Read and validate one evaluation's YAML; ``data`` is resolved against the file."""
    path = Path(path).resolve()
    raw = {**_read_yaml(path), **overrides}
    try:
        params = EvaluationParams.model_validate(raw)
    except ValidationError as exc:
        raise _explain(exc, EvaluationParams, path) from None
    data = _data_folder(path, params.data)
    if not data.is_dir():
        raise ParameterError(f"datamappen {data} finns inte", file=path, parameter="data")
    extension = get_kind(params.kind).params_model()
    if extension is not None:
        try:
            extension.model_validate(raw)
        except ValidationError as exc:
            raise _explain(exc, extension, path) from None
    if params.period_start and params.period_end and params.period_start > params.period_end:
        raise ParameterError(
            "period_start ligger efter period_end", file=path, parameter="period_start"
        )
    loaded = params.model_copy(update={"data": data, "source_file": path})
    loaded._data_as_written = str(raw["data"]) if raw.get("data") is not None else None
    return loaded


class ParamsHead(NamedTuple):
    """Where a report of a parameters file goes: its kind, area, data folder and file."""

    kind: str
    area: str
    data: Path
    source_file: Path


def validated_head(
    path: str | Path, validated_before: Callable[[str, str, str], bool]
) -> ParamsHead | None:
    """The head of a parameters file whose exact bytes this code validated before, else None.

    ``validated_before(area, kind, sha256)`` tells whether the report of ``area`` and
    ``kind`` records a file with these bytes' SHA-256 as rendered by this very package
    (same version and source hash); its render began with :func:`load_params` on them.
    Validation is a function of the bytes, this package's code and the report kind's
    record, so those bytes pass again and a no-op batch need not build the models. Only
    the data folder depends on where the file is now, and is looked up again. Anything
    else - bytes not vouched for, a kind whose parameter checks come from outside the
    package ($EVALUATION_KINDS), a missing data folder, YAML that does not parse -
    returns None, and the caller validates the file in full.
    """
    import hashlib

    path = Path(path).resolve()
    try:
        data = path.read_bytes()
        raw = load_yaml(data.decode("utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    if not isinstance(raw, dict):
        return None
    kind, area, folder = raw.get("kind"), raw.get("area"), raw.get("data")
    if not (isinstance(kind, str) and isinstance(area, str) and isinstance(folder, str)):
        return None
    try:
        record = get_kind(kind)
    except ParameterError:
        return None
    checks = record.params
    if checks is not None and not (isinstance(checks, str) and checks.startswith("evaluation.")):
        return None
    if not validated_before(area, kind, hashlib.sha256(data).hexdigest()):
        return None
    folder_path = _data_folder(path, folder)
    if not folder_path.is_dir():
        return None
    return ParamsHead(kind, area, folder_path, path)


def load_batch(path: str | Path) -> BatchParams:
    """Read a batch file; evaluation paths are resolved against the file."""
    path = Path(path).resolve()
    raw = _read_yaml(path)
    try:
        batch = BatchParams.model_validate(raw)
    except ValidationError as exc:
        raise _explain(exc, BatchParams, path) from None
    evaluations = tuple(
        p if p.is_absolute() else (path.parent / p).resolve() for p in batch.evaluations
    )
    return batch.model_copy(update={"evaluations": evaluations, "source_file": path})
