"""A second synthetic municipality, shaped unlike the sample: few, small areas and rare categories.

Used to test disclosure control on data the sample does not resemble (issue 10:
"a second municipality shaped differently"). It is derived from the sample's
generator (same case logic and effects) by keeping five of its areas under
other codes and names and thinning each area's cases to a fraction — so the
areas are small, many categories are rare and most cells are near the limits
— and it is written in another export shape: Swedish Excel CSV (``;``, decimal
comma, Windows-1252), upper-case column names in another order with an extra
column, and the areas as GeoJSON in WGS 84 instead of a GeoPackage.

``python -m evaluation.synthetic.second_municipality OUT_DIR`` writes the data
folder; :func:`write_params` writes parameter files for an outcome follow-up,
an area analysis and the survey (each unit, and municipality-wide).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from evaluation.synthetic.write import DEFAULT_SEED, format_table, generate

MUNICIPALITY_CODE = "2281"
#: sample area → (code, name, share of its cases and people kept)
AREAS = {
    "0580SKA": ("2281N01", "Nackstaby", 0.30),
    "0580RYD": ("2281N02", "Granlo", 0.12),
    "0580BER": ("2281N03", "Bosvedjan", 0.08),
    "0580VAL": ("2281N04", "Haga", 0.10),
    "0580TOR": ("2281N05", "Klissberget", 0.60),
}
EVALUATED, COMPARISON = "Nackstaby", ("Granlo", "Bosvedjan", "Haga")
UNITS = {  # survey units kept: sample unit → new unit
    "Socialtjänst Skäggetorp": "Familjeteamet Nackstaby",
    "Öppenvården Berga": "Öppenvården Bosvedjan",
}
METADATA = {
    "name": "Andra exempelkommunen (syntetiska data)",
    "synthetic": True,
    "description": (
        "Syntetiska data för en liten kommun med fem små områden, härledda ur "
        "exempelkommunens generator: få ärenden per område och sällsynta kategorier. "
        "Inga verkliga personer eller ärenden."
    ),
}
_COUNT_INDICATORS = "population_"


def _keep(frame: pd.DataFrame, rng: np.random.Generator, by: str | None = None) -> pd.DataFrame:
    """Rows of kept areas, each area thinned to its fraction (whole groups ``by`` at a time)."""
    frame = frame[frame["area_code"].isin(AREAS)].copy()
    share = frame["area_code"].map({k: v[2] for k, v in AREAS.items()})
    if by is None:
        keep = rng.random(len(frame)) < share.to_numpy()
    else:
        draw = {g: rng.random() for g in frame[by].unique()}
        keep = frame[by].map(draw).to_numpy() < share.to_numpy()
    out = frame[keep].copy()
    out["area_code"] = out["area_code"].map({k: v[0] for k, v in AREAS.items()})
    return out.reset_index(drop=True)


def _statistics(stats: pd.DataFrame) -> pd.DataFrame:
    """Area statistics of the kept areas, head counts scaled to the thinned populations."""
    out = stats[stats["area_code"].isin(AREAS)].copy()
    share = out["area_code"].map({k: v[2] for k, v in AREAS.items()})
    counts = out["indicator"].astype(str).str.startswith(_COUNT_INDICATORS)
    for col in ("value", "numerator", "denominator"):
        scaled = (pd.to_numeric(out[col], errors="coerce") * share).round()
        if col == "value":
            out[col] = out[col].where(~counts, scaled)
        else:
            out[col] = scaled.where(out[col].notna())
    out["area_code"] = out["area_code"].map({k: v[0] for k, v in AREAS.items()})
    return out.reset_index(drop=True)


def generate_second(seed: int = DEFAULT_SEED):
    """All contract tables (by name) and the areas layer of the second municipality."""
    tables, areas = generate(seed)
    rng = np.random.default_rng([seed, 2281])
    refs = _keep(tables["referrals"], rng)
    ass = tables["assessments"]
    ass = ass[ass["referral_id"].isin(refs["referral_id"])].copy()
    ass["area_code"] = ass["area_code"].map({k: v[0] for k, v in AREAS.items()})
    out = {
        "area_statistics": _statistics(tables["area_statistics"]),
        "referrals": refs,
        "assessments": ass.dropna(subset=["area_code"]).reset_index(drop=True),
        "investigations": _keep(tables["investigations"], rng),
        "interventions": _keep(tables["interventions"], rng, by="person_id"),
        "activities": _keep(tables["activities"], rng),
        "survey_questions": tables["survey_questions"],
    }
    invited = tables["survey_invitations"]
    invited = invited[invited["unit"].isin(UNITS)].copy()
    responses = tables["survey_responses"]
    responses = responses[responses["unit"].isin(UNITS)].copy()
    # a third to a half of each unit's respondents: small groups, answers near the limits
    people = responses["respondent_id"].unique()
    kept = set(people[rng.random(len(people)) < 0.45])
    responses = responses[responses["respondent_id"].isin(kept)].copy()
    invited["invited"] = (invited["invited"] * 0.45).round().astype(int)
    for frame in (invited, responses):
        frame["unit"] = frame["unit"].map(UNITS)
        code = frame["area_code"].map({k: v[0] for k, v in AREAS.items()})
        frame["area_code"] = code.where(frame["area_code"].notna())
    out["survey_invitations"] = invited.reset_index(drop=True)
    out["survey_responses"] = responses.reset_index(drop=True)
    layer = areas[areas["area_code"].isin(AREAS)].copy()
    layer["area_name"] = layer["area_code"].map({k: v[1] for k, v in AREAS.items()})
    layer["area_code"] = layer["area_code"].map({k: v[0] for k, v in AREAS.items()})
    layer["municipality_code"] = MUNICIPALITY_CODE
    return out, layer.reset_index(drop=True)


def _excel_csv(frame: pd.DataFrame, path: Path) -> None:
    """Swedish Excel CSV: ``;``, decimal comma, Windows-1252, upper-case shuffled columns."""
    text = format_table(frame)
    text = text.apply(lambda s: s.str.replace(r"^(-?\d+)\.(\d+)$", r"\1,\2", regex=True))
    text.columns = [c.upper() for c in text.columns]
    text = text[list(reversed(text.columns))]
    text.insert(0, "KOMMENTAR", "")
    body = text.to_csv(index=False, sep=";", lineterminator="\r\n")
    path.write_bytes(body.encode("cp1252"))


def write_second(out_dir: str | Path, seed: int = DEFAULT_SEED) -> list[Path]:
    """Write the second municipality's data folder; return the files written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tables, areas = generate_second(seed)
    written = []
    for name, frame in tables.items():
        path = out / f"{name}.csv"
        _excel_csv(frame, path)
        written.append(path)
    geo = out / "areas.geojson"
    geo.unlink(missing_ok=True)
    areas.to_crs("EPSG:4326").to_file(geo, driver="GeoJSON")
    meta = out / "metadata.yaml"
    meta.write_text(
        yaml.safe_dump(dict(METADATA, seed=seed), allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )
    return [*written, geo, meta]


def write_params(folder: str | Path, data_dir: str | Path, period_end: str) -> list[Path]:
    """Parameter files for the second municipality's reports ending ``period_end``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    data = str(Path(data_dir).resolve())
    specs: dict[str, dict] = {
        "outcome_followup.yaml": {
            "kind": "outcome_followup",
            "area": EVALUATED,
            "comparison_areas": list(COMPARISON),
            "intervention_start": "2022-09-01",
            "period_start": "2019-01-01",
        },
        "area_analysis.yaml": {"kind": "area_analysis", "area": "Bosvedjan"},
        # every unit of the survey and the survey municipality-wide: the reader's
        # attack "whole survey minus the other units" has no unknown but the hidden unit
        **{
            f"survey_{area.lower()}.yaml": {
                "kind": "user_survey",
                "area": area,
                "survey": {"survey": "brukarundersokning_ifo", "unit": unit},
            }
            for area, unit in (
                ("Nackstaby", UNITS["Socialtjänst Skäggetorp"]),
                ("Bosvedjan", UNITS["Öppenvården Berga"]),
            )
        },
        "survey_municipality.yaml": {
            "kind": "user_survey",
            "area": "Hela kommunen",
            "survey": {"survey": "brukarundersokning_ifo"},
        },
    }
    paths = []
    for name, spec in specs.items():
        path = folder / name
        body = {**spec, "data": data, "period_end": period_end}
        path.write_text(yaml.safe_dump(body, allow_unicode=True), encoding="utf-8")
        paths.append(path)
    return paths


if __name__ == "__main__":
    for p in write_second(sys.argv[1] if len(sys.argv) > 1 else "data/second"):
        print(p)
