"""A crafted, tiny data folder with small counts, built in code for tests.

Three areas: one large ('Norrby'), one medium ('Söderby') and one very small
('Lillby', a handful of children), so suppression has work to do.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import box

AREAS = [("0999A001", "Norrby", 4000), ("0999A002", "Söderby", 1500), ("0999A003", "Lillby", 40)]
START, END = pd.Timestamp("2021-01-01"), pd.Timestamp("2023-12-31")


def write_tiny(folder: Path, seed: int = 7) -> Path:
    """Write the tiny data folder and return it."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    gdf = gpd.GeoDataFrame(
        {
            "area_code": [a[0] for a in AREAS],
            "area_name": [a[1] for a in AREAS],
            "municipality_code": ["0999"] * 3,
        },
        geometry=[box(500000 + i * 2000, 6400000, 501500 + i * 2000, 6401500) for i in range(3)],
        crs="EPSG:3006",
    )
    gdf.to_file(folder / "areas.geojson", driver="GeoJSON")
    stats = []
    for code, _, children in AREAS:
        for year in range(2020, 2024):
            stats += [
                (code, year, "population_0_17", children, None, None),
                (code, year, "population_total", children * 4, None, None),
            ]
    pd.DataFrame(
        stats, columns=["area_code", "year", "indicator", "value", "numerator", "denominator"]
    ).to_csv(folder / "area_statistics.csv", index=False)
    days = (END - START).days
    rows, assess, inv, ivs, acts = [], [], [], [], []
    cats = ["school", "police", "public", "healthcare", "family"]
    for code, _, children in AREAS:
        n = max(3, int(children * 0.08 * 3))
        for _ in range(n):
            i = len(rows)
            date = START + pd.Timedelta(days=int(rng.integers(0, days)))
            rows.append(
                (
                    f"R{i:05d}",
                    date.date(),
                    code,
                    int(rng.integers(0, 18)),
                    rng.choice(["F", "M"]),
                    rng.choice(cats),
                )
            )
            assess.append(
                (
                    f"A{i:05d}",
                    f"R{i:05d}",
                    code,
                    date.date(),
                    (date + pd.Timedelta(days=int(rng.integers(3, 20)))).date(),
                    bool(rng.random() < 0.4),
                    rng.choice(["investigation", "no_investigation"]),
                )
            )
            if rng.random() < 0.4:
                end = date + pd.Timedelta(days=int(rng.integers(60, 160)))
                inv.append(
                    (
                        f"U{i:05d}",
                        code,
                        int(rng.integers(0, 18)),
                        rng.choice(["F", "M"]),
                        date.date(),
                        end.date() if end < END else None,
                        "intervention" if end < END else None,
                        bool(rng.random() < 0.7),
                    )
                )
            if rng.random() < 0.2:
                typ = rng.choice(["open_care", "family_home", "residential_care"])
                ivs.append(
                    (
                        f"I{i:05d}",
                        f"P{i:05d}",
                        code,
                        typ,
                        "individual",
                        "decision",
                        date.date(),
                        (date + pd.Timedelta(days=20)).date(),
                        None,
                        None,
                        True,
                        bool(rng.random() < 0.6) if typ != "open_care" else None,
                    )
                )
    pd.DataFrame(
        rows,
        columns=[
            "referral_id",
            "received_date",
            "area_code",
            "child_age",
            "child_sex",
            "reporter_category",
        ],
    ).to_csv(folder / "referrals.csv", index=False)
    pd.DataFrame(
        assess,
        columns=[
            "assessment_id",
            "referral_id",
            "area_code",
            "start_date",
            "decision_date",
            "joint_with_provider",
            "decision",
        ],
    ).to_csv(folder / "assessments.csv", index=False)
    pd.DataFrame(
        inv,
        columns=[
            "investigation_id",
            "area_code",
            "child_age",
            "child_sex",
            "start_date",
            "end_date",
            "outcome",
            "child_interviewed",
        ],
    ).to_csv(folder / "investigations.csv", index=False)
    pd.DataFrame(
        ivs,
        columns=[
            "intervention_id",
            "person_id",
            "area_code",
            "intervention_type",
            "level",
            "basis",
            "decision_date",
            "start_date",
            "end_date",
            "end_reason",
            "consent",
            "prior_open_care",
        ],
    ).to_csv(folder / "interventions.csv", index=False)
    for j in range(30):
        date = START + pd.Timedelta(days=int(rng.integers(0, days)))
        acts.append(
            (
                f"X{j:04d}",
                AREAS[j % 2][0],
                date.date(),
                rng.choice(["collaboration_meeting", "outreach"]),
                "school;police",
                int(rng.integers(3, 30)),
                rng.choice(["group", "area"]),
            )
        )
    pd.DataFrame(
        acts,
        columns=[
            "activity_id",
            "area_code",
            "date",
            "activity_type",
            "partners",
            "participants",
            "level",
        ],
    ).to_csv(folder / "activities.csv", index=False)
    (folder / "metadata.yaml").write_text("name: Testkommun\nsynthetic: true\n", encoding="utf-8")
    return folder


def write_params(folder: Path, data: Path, **extra) -> Path:
    """An outcome follow-up params file for the tiny folder."""
    import yaml

    params = {
        "kind": "outcome_followup",
        "area": "Norrby",
        "data": str(data),
        "comparison_areas": ["Söderby", "Lillby"],
        "intervention_start": "2022-06-01",
        **extra,
    }
    path = folder / "tiny_outcome.yaml"
    path.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    return path
