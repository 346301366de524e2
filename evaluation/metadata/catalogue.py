"""The indicator catalogue: the packaged ``indicators.yaml`` plus a user's own additions."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from evaluation.exceptions import ParameterError, pydantic_message, yaml_reason
from evaluation.yaml_text import load_yaml

Kind = Literal["count", "share", "rate", "mean"]
Aggregation = Literal["sum", "ratio", "none"]

#: How a share or rate relates to numerator / denominator (shares in percent, rates per 1 000).
SCALE = {"count": 1.0, "share": 100.0, "rate": 1000.0, "mean": 1.0}


class IndicatorInfo(BaseModel):
    """One catalogue entry: label, unit, kind and how statistical areas combine."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    label: str
    unit: str
    kind: Kind
    aggregation: Aggregation
    source: str = ""
    higher_is_better: bool | None = None
    key: bool = False

    @model_validator(mode="after")
    def _aggregation_fits_kind(self) -> IndicatorInfo:
        allowed = {"count": {"sum", "none"}}.get(self.kind, {"ratio", "none"})
        if self.aggregation not in allowed:
            raise ValueError(
                f"aggregation '{self.aggregation}' passar inte kind "
                f"'{self.kind}' (använd {' eller '.join(sorted(allowed))})"
            )
        return self

    @property
    def scale(self) -> float:
        """Factor from numerator / denominator to value (100 for percent, 1000 per 1 000)."""
        return SCALE[self.kind]


def _read(path: Path | None, text: str, name: str) -> dict:
    try:
        data = load_yaml(text) or {}
    except yaml.YAMLError as exc:
        raise ParameterError(yaml_reason(exc, text), file=path or name) from None
    if not isinstance(data, dict):
        raise ParameterError(
            "väntade en mappning från indikatornycklar till poster", file=path or name
        )
    if path is not None:  # a data folder's own labels are printed in reports (R8)
        from evaluation.idnumbers import guard_mapping

        guard_mapping(
            data,
            path,
            lambda where: ParameterError(
                "ett värde som ser ut som ett person- eller samordningsnummer (visas inte)",
                file=path,
                parameter=where,
            ),
        )
    return data


def load_catalogue(extra: Path | str | None = None) -> dict[str, IndicatorInfo]:
    """Load the packaged catalogue and merge ``extra`` on top (field by field per key).

    Raises ParameterError naming the file and the key of an invalid entry.
    """
    packaged = resources.files("evaluation.metadata").joinpath("indicators.yaml")
    base = _read(None, packaged.read_text("utf-8"), "indicators.yaml")
    entries: dict[str, tuple[dict, str | Path]] = {
        key: (dict(value or {}), "indicators.yaml") for key, value in base.items()
    }
    if extra is not None:
        path = Path(extra)
        if not path.exists():
            raise ParameterError("indikatorfilen finns inte", file=path)
        for key, value in _read(path, path.read_text(encoding="utf-8"), path.name).items():
            if not isinstance(value, dict):
                raise ParameterError(
                    "en indikatorpost ska vara en mappning (nyckel: värde)",
                    file=path,
                    parameter=str(key),
                )
            base = entries.get(str(key), ({}, path))[0]
            entries[str(key)] = ({**base, **value}, path)
    catalogue = {}
    for key, (value, origin) in entries.items():
        try:
            catalogue[key] = IndicatorInfo(**value)
        except (ValidationError, TypeError) as exc:
            problems = (
                "; ".join(
                    f"{'.'.join(map(str, e['loc'])) or 'posten'}: {pydantic_message(e)}"
                    for e in exc.errors()
                )
                if isinstance(exc, ValidationError)
                else str(exc)
            )
            raise ParameterError(
                f"ogiltig indikatorpost: {problems}", file=origin, parameter=key
            ) from None
    return catalogue
