"""Generate the whole synthetic data folder and write it with byte-stable formatting."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import yaml

from evaluation.metadata.contract import TABLES
from evaluation.synthetic import (
    activities,
    casework,
    geography,
    interventions,
    population,
    referrals,
    surveys,
)

DEFAULT_SEED = 580
METADATA = {
    "name": "Exempelkommun (syntetiska data)",
    "synthetic": True,
    "description": (
        "Syntetiska exempeldata för en kommun modellerad efter Linköping (0580): "
        "områdesstatistik 2018–2025, ärenden 2019-01-01–2025-06-30 och en "
        "brukarundersökning. Inga verkliga personer eller ärenden. Områdesgränserna är "
        "illustrativa, inte verkliga. "
        "Kända effekter av Socialtjänst Skäggetorp från 2022-09-01 finns inlagda "
        "(evaluation/synthetic/effects.py)."
    ),
}


def _rng(seed: int, part: int) -> np.random.Generator:
    """Independent generator per part, so changing one part leaves the others unchanged."""
    return np.random.default_rng([seed, part])


def generate(seed: int = DEFAULT_SEED) -> tuple[dict[str, pd.DataFrame], gpd.GeoDataFrame]:
    """All contract tables (by name) and the areas layer for ``seed``."""
    stats = population.area_statistics(_rng(seed, 1), age_rng=_rng(seed, 9))
    refs = referrals.referrals(population.children(stats), _rng(seed, 2))
    ass = casework.assessments(refs, _rng(seed, 3))
    inv = casework.investigations(ass, _rng(seed, 4))
    tables = {
        "area_statistics": stats,
        "referrals": refs,
        "assessments": ass,
        "investigations": inv,
        "interventions": interventions.interventions(inv, ass, _rng(seed, 5)),
        "activities": activities.activities(_rng(seed, 6)),
        "survey_questions": surveys.survey_questions(),
        "survey_invitations": surveys.survey_invitations(),
        "survey_responses": surveys.survey_responses(_rng(seed, 7)),
    }
    tables = {name: df[[c.name for c in TABLES[name].columns]] for name, df in tables.items()}
    return tables, geography.area_polygons(_rng(seed, 8))


def _cell(v: object) -> str:
    """One value as CSV text: empty for missing, true/false, ISO dates, at most one decimal."""
    if v is None or v is pd.NA or v is pd.NaT:
        return ""
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        if math.isnan(v):
            return ""
        return str(int(v)) if float(v).is_integer() else f"{v:.1f}"
    if isinstance(v, (pd.Timestamp, np.datetime64)):
        return pd.Timestamp(v).strftime("%Y-%m-%d")
    return str(v)


def format_table(df: pd.DataFrame) -> pd.DataFrame:
    """Every column as text, formatted the same way on every platform."""
    out = {}
    for col in df.columns:
        s = df[col]
        if pd.api.types.is_datetime64_any_dtype(s):
            out[col] = s.dt.strftime("%Y-%m-%d").fillna("").astype(object)
        else:
            out[col] = np.array([_cell(v) for v in s.astype(object)], dtype=object)
    return pd.DataFrame(out, columns=df.columns)


def write_csv(df: pd.DataFrame, path: Path) -> None:
    r"""Write UTF-8 CSV with '\\n' line endings and no index."""
    text = format_table(df).to_csv(index=False, lineterminator="\n")
    path.write_bytes(text.encode("utf-8"))


def write_areas(areas: gpd.GeoDataFrame, path: Path) -> None:
    """Write the areas GeoPackage with a fixed timestamp, so same GDAL gives same bytes."""
    path.unlink(missing_ok=True)
    previous = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": "2025-06-30T00:00:00.000Z"})
    try:
        areas.to_file(path, driver="GPKG", layer="areas", engine="pyogrio")
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": previous})


def write_sample(out_dir: str | Path, seed: int = DEFAULT_SEED) -> list[Path]:
    """Write a complete contract data folder to ``out_dir``; return the files written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tables, areas = generate(seed)
    written = []
    for name, df in tables.items():
        path = out / f"{name}.csv"
        write_csv(df, path)
        written.append(path)
    gpkg = out / "areas.gpkg"
    write_areas(areas, gpkg)
    meta = out / "metadata.yaml"
    meta.write_bytes(
        yaml.safe_dump(
            dict(METADATA, seed=seed), allow_unicode=True, sort_keys=False, width=88
        ).encode("utf-8")
    )
    return written + [gpkg, meta]
