"""Apply ``area_mapping.csv``: statistical areas (DeSO/RegSO) combined into evaluated areas.

Mapped areas are dissolved into their target; areas the mapping does not name
stay as they are, so the rest of the municipality remains for comparisons.
Statistics are combined honestly (sums, or ratios of summed numerators and
denominators; a mean without its base is flagged, never averaged).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from evaluation.io.geo import aggregate_areas, aggregate_statistics
from evaluation.metadata.catalogue import load_catalogue

_CASE_TABLES = (
    "referrals",
    "assessments",
    "investigations",
    "interventions",
    "activities",
    "survey_invitations",
    "survey_responses",
)


def _complete_mapping(areas: pd.DataFrame, mapping: pd.DataFrame) -> pd.DataFrame:
    """The mapping plus one identity row for every area it does not name."""
    mapped = set(mapping["from_code"])
    rest = areas.loc[~areas["area_code"].isin(mapped), ["area_code", "area_name"]]
    identity = pd.DataFrame(
        {"from_code": rest["area_code"], "to_code": rest["area_code"], "to_name": rest["area_name"]}
    )
    base = mapping.copy()
    if "to_name" not in base.columns:
        base["to_name"] = pd.NA
    return pd.concat([base[["from_code", "to_code", "to_name"]], identity], ignore_index=True)


def apply_mapping(tables: dict, folder: Path) -> dict:
    """Return the tables with areas, statistics and case records on the evaluated areas."""
    mapping, areas = tables.get("area_mapping"), tables.get("areas")
    if mapping is None or areas is None:
        return tables
    full = _complete_mapping(areas, mapping)
    out = dict(tables)
    out["areas"] = aggregate_areas(areas, full)
    stats = tables.get("area_statistics")
    if stats is not None:
        extra = folder / "indicators.yaml"
        catalogue = load_catalogue(extra if extra.is_file() else None)
        out["area_statistics"] = aggregate_statistics(stats, full, catalogue)
    to_code = dict(zip(full["from_code"], full["to_code"], strict=True))
    for name in _CASE_TABLES:
        frame = tables.get(name)
        if frame is not None and "area_code" in frame.columns:
            codes = frame["area_code"]
            out[name] = frame.assign(area_code=codes.map(to_code).fillna(codes).astype("string"))
    return out
