"""Coverage and false-positive rates of the causal methods on simulated municipal panels.

Each replication simulates 12 areas (one treated, 500–12 000 children, monthly 2019–2025,
negative binomial counts with seasonality, area levels and common shocks; start 2022-09) and
records whether each method's 95 % interval covers the true effect. Run:

    .venv/bin/python benchmarks/methods_coverage.py --reps 200 --workers 2
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import warnings  # noqa: E402
from concurrent.futures import ProcessPoolExecutor  # noqa: E402

import pandas as pd  # noqa: E402

from evaluation.methods import (  # noqa: E402
    difference_in_differences,
    event_study,
    interrupted_time_series,
    synthetic_control,
)
from evaluation.methods.simulate import simulate_referral_panel, true_rate_difference  # noqa: E402

START = "2022-09-01"


def one_replication(seed: int, rate_ratio: float, n_areas: int = 12) -> list[dict]:
    """Run every method on one simulated panel; one row per method."""
    df = simulate_referral_panel(n_areas=n_areas, rate_ratio=rate_ratio, start=START, seed=seed)
    diff = true_rate_difference(df, START)
    rows = []

    def record(method, result, truth):
        rows.append(
            {
                "method": method,
                "seed": seed,
                "rate_ratio": rate_ratio,
                "covered": result.ci_low <= truth <= result.ci_high,
                "rejected_null": not result.ci_covers_null,
                "width": result.ci_high - result.ci_low,
            }
        )

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for se in ("hac", "cluster"):
            r = difference_in_differences(
                df,
                "referrals",
                "area",
                "month",
                "A01",
                START,
                model="poisson",
                offset="children",
                se=se,
            )
            record(f"DiD Poisson, se={se}", r, rate_ratio)
        r = difference_in_differences(df, "rate_per_1000", "area", "month", "A01", START)
        record("DiD linjär (andel per 1 000), se=hac", r, diff)
        es = event_study(
            df,
            "referrals",
            "area",
            "month",
            "A01",
            START,
            model="poisson",
            offset="children",
            window=(-24, 24),
        )
        record("Händelsestudie Poisson (medel efter − före)", es, rate_ratio)
        rows[-1]["pretrend_rejected"] = es.pretrend_p_value < 0.05
        area = df[df["area"] == "A01"]
        r = interrupted_time_series(
            area, START, outcome="referrals", time="month", offset="children"
        )
        record("ITS kvasi-Poisson (nivåförändring)", r, rate_ratio)
        r = synthetic_control(df, "rate_per_1000", "area", "month", "A01", START)
        record("Syntetisk kontroll (konformt intervall)", r, diff)
        rows[-1]["placebo_p_below_10"] = r.p_value <= 0.10
    return rows


def run(reps: int, workers: int, seed: int = 20220901) -> pd.DataFrame:
    """All replications for a true rate ratio of 0.8 and for no effect (1.0)."""
    jobs = [(seed + i, rr) for rr in (0.8, 1.0) for i in range(reps)]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        results = pool.map(one_replication, *zip(*jobs, strict=False), chunksize=4)
        return pd.DataFrame([row for rows in results for row in rows])


def summarise(raw: pd.DataFrame) -> pd.DataFrame:
    """Coverage under a true effect (RR 0.8) and false-positive rate under no effect."""
    eff, null = raw[raw["rate_ratio"] != 1.0], raw[raw["rate_ratio"] == 1.0]
    out = pd.DataFrame(
        {
            "coverage_effect": eff.groupby("method")["covered"].mean(),
            "coverage_null": null.groupby("method")["covered"].mean(),
            "false_positive": null.groupby("method")["rejected_null"].mean(),
            "power_rr_0.8": eff.groupby("method")["rejected_null"].mean(),
            "reps": null.groupby("method").size(),
        }
    )
    return out.round(3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    raw = run(args.reps, args.workers)
    pd.set_option("display.width", 160)
    print(summarise(raw).to_string())
    null = raw[raw["rate_ratio"] == 1.0]
    es = null[null["method"].str.startswith("Händelsestudie")]
    sc = null[null["method"].str.startswith("Syntetisk")]
    print(
        f"\nHändelsestudie: förtrendstest förkastat (p < 0,05) utan effekt: "
        f"{es['pretrend_rejected'].mean():.3f}"
    )
    print(
        f"Syntetisk kontroll: placebo-p ≤ 0,10 utan effekt: {sc['placebo_p_below_10'].mean():.3f}"
    )


if __name__ == "__main__":
    main()
