"""Scale benchmark: a national-scale synthetic data folder through load_data and aggregation.

Generates >= 5 million referrals over >= 6,000 areas (other case files in
proportion), then times loading + validation (``evaluation.load_data``) and
aggregation to area × month, at several sizes, printing time, peak memory and
how time grows. Targets (issue 5): <= 30 s and <= 4 GB at 5 M referrals.

    .venv/bin/python benchmarks/scale.py [--sizes 0.5,1,2,5] [--areas 6000] [--keep]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

OUT = Path(__file__).parent / "output" / "scale"
START = np.datetime64("2019-01-01")
DAYS = 6 * 365


def _ids(prefix: str, n: int) -> np.ndarray:
    return np.char.add(prefix, np.char.zfill(np.arange(n).astype(str), 9))


def _dates(rng, n: int, offset: np.ndarray | None = None, lo: int = 0, hi: int = 60):
    base = (
        START + rng.integers(0, DAYS, n).astype("timedelta64[D]")
        if offset is None
        else (offset + rng.integers(lo, hi, n).astype("timedelta64[D]"))
    )
    return np.datetime_as_string(base, unit="D")


def generate(folder: Path, referrals: int, n_areas: int, seed: int = 1) -> None:
    """Write a contract data folder with ``referrals`` rows and ``n_areas`` areas (no maps)."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    codes = np.char.add("A", np.char.zfill(np.arange(n_areas).astype(str), 5))
    muni = np.char.zfill((np.arange(n_areas) % 290).astype(str), 4)
    pd.DataFrame({"area_code": codes, "area_name": codes, "municipality_code": muni}).to_csv(
        folder / "area_list.csv", index=False
    )
    years = np.arange(2018, 2026)
    pop = rng.integers(300, 3000, n_areas)
    stats = pd.DataFrame(
        {
            "area_code": np.repeat(codes, len(years)),
            "year": np.tile(years, n_areas),
            "indicator": "population_0_17",
            "value": np.repeat(pop, len(years)),
        }
    )
    stats.to_csv(folder / "area_statistics.csv", index=False)
    area = codes[rng.integers(0, n_areas, referrals)]
    received = START + rng.integers(0, DAYS, referrals).astype("timedelta64[D]")
    cats = np.array(
        [
            "school",
            "preschool",
            "police",
            "healthcare",
            "social_services",
            "public",
            "family",
            "self",
            "other",
        ]
    )
    pd.DataFrame(
        {
            "referral_id": _ids("R", referrals),
            "received_date": np.datetime_as_string(received, unit="D"),
            "area_code": area,
            "child_age": rng.integers(0, 18, referrals),
            "child_sex": rng.choice(np.array(["F", "M", ""]), referrals),
            "reporter_category": cats[rng.integers(0, len(cats), referrals)],
        }
    ).to_csv(folder / "referrals.csv", index=False)
    n_a = int(referrals * 0.9)
    pick = rng.choice(referrals, n_a, replace=False)
    start = received[pick]
    pd.DataFrame(
        {
            "assessment_id": _ids("A", n_a),
            "referral_id": _ids("R", referrals)[pick],
            "area_code": area[pick],
            "start_date": np.datetime_as_string(start, unit="D"),
            "decision_date": _dates(rng, n_a, start, 0, 30),
            "joint_with_provider": rng.choice(np.array(["ja", "nej"]), n_a),
            "decision": rng.choice(np.array(["investigation", "no_investigation"]), n_a),
        }
    ).to_csv(folder / "assessments.csv", index=False)
    n_i = int(referrals * 0.3)
    s = START + rng.integers(0, DAYS, n_i).astype("timedelta64[D]")
    pd.DataFrame(
        {
            "investigation_id": _ids("U", n_i),
            "area_code": codes[rng.integers(0, n_areas, n_i)],
            "child_age": rng.integers(0, 18, n_i),
            "child_sex": rng.choice(np.array(["F", "M"]), n_i),
            "start_date": np.datetime_as_string(s, unit="D"),
            "end_date": _dates(rng, n_i, s, 30, 200),
            "outcome": rng.choice(np.array(["intervention", "no_intervention"]), n_i),
            "child_interviewed": rng.choice(np.array(["1", "0"]), n_i),
        }
    ).to_csv(folder / "investigations.csv", index=False)
    n_v = int(referrals * 0.3)
    d = START + rng.integers(0, DAYS, n_v).astype("timedelta64[D]")
    types = np.array(
        [
            "open_care",
            "parenting_support",
            "contact_person",
            "family_home",
            "residential_care",
            "supported_housing",
            "other",
        ]
    )
    pd.DataFrame(
        {
            "intervention_id": _ids("I", n_v),
            "person_id": _ids("P", n_v),
            "area_code": codes[rng.integers(0, n_areas, n_v)],
            "intervention_type": types[rng.integers(0, len(types), n_v)],
            "level": "individual",
            "basis": rng.choice(np.array(["decision", "service"]), n_v),
            "decision_date": np.datetime_as_string(d, unit="D"),
            "start_date": _dates(rng, n_v, d, 0, 40),
            "end_date": "",
            "end_reason": "",
            "consent": "true",
            "prior_open_care": "",
        }
    ).to_csv(folder / "interventions.csv", index=False)
    n_x = int(referrals * 0.05)
    pd.DataFrame(
        {
            "activity_id": _ids("X", n_x),
            "area_code": codes[rng.integers(0, n_areas, n_x)],
            "date": _dates(rng, n_x),
            "activity_type": "outreach",
            "partners": "school;police",
            "participants": rng.integers(1, 50, n_x),
            "level": "area",
        }
    ).to_csv(folder / "activities.csv", index=False)


def _write_areas(folder: Path) -> None:
    """Square placeholder polygons, so area codes are checked as in real folders."""
    import geopandas as gpd
    from shapely import box

    lst = pd.read_csv(folder / "area_list.csv", dtype=str)
    i = np.arange(len(lst))
    gdf = gpd.GeoDataFrame(lst, geometry=box(i * 10.0, 0.0, i * 10.0 + 9, 9), crs="EPSG:3006")
    gdf.to_file(folder / "areas.gpkg", driver="GPKG")
    (folder / "area_list.csv").unlink()


def measure(folder: Path) -> dict:
    """Load, validate and aggregate in this process; report seconds and peak memory."""
    import evaluation
    from evaluation.indicators.periods import period_label

    t0 = time.perf_counter()
    data = evaluation.load_data(folder)
    t1 = time.perf_counter()
    monthly = (
        data.referrals.assign(month=period_label(data.referrals["received_date"], "month"))
        .groupby(["area_code", "month"], observed=True)
        .size()
    )
    t2 = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    return {
        "rows": int(
            sum(
                len(data.table(t))
                for t in (
                    "referrals",
                    "assessments",
                    "investigations",
                    "interventions",
                    "activities",
                )
            )
        ),
        "referrals": len(data.referrals),
        "cells": int(len(monthly)),
        "load_validate_s": round(t1 - t0, 2),
        "aggregate_s": round(t2 - t1, 2),
        "total_s": round(t2 - t0, 2),
        "peak_gb": round(peak, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="0.5,1,2,5", help="millions of referrals")
    parser.add_argument("--areas", type=int, default=6000)
    parser.add_argument("--keep", action="store_true", help="keep the generated folders")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:  # child process: a fresh interpreter per size, so peak memory is its own
        print(json.dumps(measure(Path(args.measure))))
        return
    results = []
    for size in (float(s) for s in args.sizes.split(",")):
        folder = OUT / f"{size:g}M"
        if not (folder / "referrals.csv").exists():
            t = time.perf_counter()
            generate(folder, int(size * 1_000_000), args.areas)
            _write_areas(folder)
            print(
                f"generated {size:g} M referrals in {time.perf_counter() - t:.0f} s",
                file=sys.stderr,
            )
        out = subprocess.run(
            [sys.executable, __file__, "--measure", str(folder)],
            capture_output=True,
            text=True,
            check=True,
        )
        row = json.loads(out.stdout.strip().splitlines()[-1])
        row["size_m"] = size
        results.append(row)
        print(
            f"{size:>5g} M referrals, {row['rows']:>10,} case rows: load+validate "
            f"{row['load_validate_s']:6.1f} s, aggregate {row['aggregate_s']:5.1f} s, total "
            f"{row['total_s']:6.1f} s, peak {row['peak_gb']:.2f} GB"
        )
        if not args.keep:
            shutil.rmtree(folder)
    if len(results) > 1:
        a, b = results[0], results[-1]
        print(
            f"growth: {b['size_m'] / a['size_m']:.0f}x the rows took "
            f"{b['total_s'] / a['total_s']:.1f}x the time "
            f"(targets at 5 M: <= 30 s, <= 4 GB)"
        )


if __name__ == "__main__":
    main()
