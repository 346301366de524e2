"""Coverage and false-positive rates of the causal methods on simulated municipal panels.

Scenarios: one treated area among 12 (monthly 2019–2025, negative binomial counts with
seasonality, area levels and common shocks; start 2022-09) with independent area noise,
with area-specific AR(1) noise (ρ = 0.5, 0.8) and with strong overdispersion (variance
μ + 0.3 μ²); and staggered cohorts (24 areas, three cohorts of four starting 2021-03,
2022-09 and 2024-01). Each scenario runs with a true rate ratio of 0.8 and of 1.0.

One area: the REPORT'S DEFAULT, i.e. the outcome follow-up's own functions
(``reports.effects.sdid_estimate`` on half-year rates, ``did_estimates`` on monthly counts
and half-year counts, ``headline_choice`` to pick the headline), scored on the headline it
picks. Staggered cohorts: ``staggered_did`` (the report evaluates one area, so this is the
library's default). Run (small, the machine is shared):

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/methods_coverage.py --reps 400 --workers 2
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import warnings  # noqa: E402
from concurrent.futures import ProcessPoolExecutor  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from evaluation.methods import staggered_did  # noqa: E402
from evaluation.methods.simulate import simulate_referral_panel  # noqa: E402
from evaluation.reports import effects  # noqa: E402

START = "2022-09-01"
COHORTS = {"2021-03-01": 4, "2022-09-01": 4, "2024-01-01": 4}
SCENARIOS = ("single_rho0", "single_rho0.5", "single_rho0.8", "single_nb0.3", "staggered")


def _half_years(df: pd.DataFrame) -> pd.DataFrame:
    """Half-year panel of the mean monthly rate per 1 000 (and its expected values)."""
    df = df.assign(half=df["month"].dt.to_period("2Q").dt.start_time)
    h = df["month"].dt.month <= 6
    df["half"] = pd.to_datetime(df["month"].dt.year.astype(str)) + pd.to_timedelta(
        np.where(h, 0, 181), unit="D"
    )
    df["half"] = df["half"].dt.to_period("M").dt.start_time
    df["exp1"] = df["expected"] / df["children"] * 1000
    df["exp0"] = df["expected_untreated"] / df["children"] * 1000
    return df.groupby(["area", "half"], as_index=False)[["rate_per_1000", "exp1", "exp0"]].mean()


def _report_default(df: pd.DataFrame) -> tuple[dict, dict]:
    """SDID and DiD for area A01 exactly as the outcome follow-up runs them, and the truths.

    The report's columns: ``area_code``, ``period_start``, counts and person-years; rates
    per 1 000 and year (``value``) by half-year for SDID, counts with person-years as
    exposure by month for DiD and by half-year for the event study.
    """
    month = df.rename(columns={"area": "area_code", "month": "period_start"})
    month["person_years"] = month["children"] / 12.0
    month["exp_py"] = month["person_years"]
    month["half"] = month["period_start"].dt.year.astype(str) + np.where(
        month["period_start"].dt.month <= 6, "-01-01", "-07-01"
    )
    half = month.groupby(["area_code", "half"], as_index=False)[
        ["referrals", "person_years", "expected", "expected_untreated"]
    ].sum()
    half["period_start"] = pd.to_datetime(half["half"])
    half["value"] = half["referrals"] / half["person_years"] * 1000
    donors = [a for a in half["area_code"].unique() if a != "A01"]
    kw = dict(outcome="referrals", model="poisson", offset="person_years")
    results = {
        effects.SDID: effects.sdid_estimate(half, "A01", START, donors),
        effects.DID: effects.did_estimates(month, half, kw, "A01", START),
    }
    # Truths: SDID's post periods are the half-years from the one holding the start.
    own = half[(half["area_code"] == "A01") & (half["period_start"] >= "2022-07-01")]
    sdid_truth = float(
        ((own["expected"] - own["expected_untreated"]) / own["person_years"] * 1000).mean()
    )
    post = month[(month["area_code"] == "A01") & (month["period_start"] >= START)]
    rr_truth = float(post["expected"].sum() / post["expected_untreated"].sum())
    return results, {effects.SDID: sdid_truth, effects.DID: rr_truth}


def one_replication(seed: int, rate_ratio: float, scenario: str) -> list[dict]:
    """Run the default method(s) of one scenario on one simulated panel."""
    rows = []

    def record(method, result, truth):
        rows.append(
            {
                "scenario": scenario,
                "method": method,
                "seed": seed,
                "rate_ratio": rate_ratio,
                "covered": result.ci_low <= truth <= result.ci_high,
                "rejected_null": not result.ci_covers_null,
                "warned": bool(result.warnings),
            }
        )

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if scenario == "staggered":
            starts, i = {}, 0
            for s, n in COHORTS.items():
                for _ in range(n):
                    starts[f"A{i + 1:02d}"] = s
                    i += 1
            df = simulate_referral_panel(
                n_areas=24, rate_ratio=rate_ratio, starts=starts, seed=seed
            )
            half = _half_years(df)
            res = staggered_did(half, "rate_per_1000", "area", "half", starts)
            # Truth: mean over post cohort-period cells (equal cohort sizes, so equal
            # weights) of the cohort's expected effect on the rate.
            half["diff"] = half["exp1"] - half["exp0"]
            halves = np.sort(half["half"].unique())
            cohort = {a: halves[halves >= pd.Timestamp(s)][0] for a, s in starts.items()}
            half["cohort"] = half["area"].map(cohort)
            cells = half[half["cohort"].notna() & (half["half"] >= half["cohort"])]
            truth = float(cells.groupby(["cohort", "half"])["diff"].mean().mean())
            record("Staggered DiD (Callaway–Sant'Anna), default", res, truth)
            return rows
        rho = float(scenario.removeprefix("single_rho")) if "rho" in scenario else 0.0
        disp = float(scenario.removeprefix("single_nb")) if "nb" in scenario else 0.03
        df = simulate_referral_panel(rate_ratio=rate_ratio, ar_rho=rho, dispersion=disp, seed=seed)
        results, truths = _report_default(df)
        headline, _ = effects.headline_choice(results)
        if headline is None:
            rows.append(
                {
                    "scenario": scenario,
                    "method": "report headline",
                    "seed": seed,
                    "rate_ratio": rate_ratio,
                    "headline": "none",
                    "covered": np.nan,
                    "rejected_null": np.nan,
                    "warned": True,
                }
            )
            return rows
        res = results[headline]
        res = res[0] if isinstance(res, tuple) else res
        record("report headline", res, truths[headline])
        rows[-1]["headline"] = headline
    return rows


def run(reps: int, workers: int, seed: int = 20220901, scenarios=SCENARIOS) -> pd.DataFrame:
    """All replications of each scenario, for a true rate ratio of 0.8 and of 1.0."""
    jobs = [(seed + i, rr, sc) for sc in scenarios for rr in (0.8, 1.0) for i in range(reps)]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        results = pool.map(one_replication, *zip(*jobs, strict=False), chunksize=2)
        return pd.DataFrame([row for rows in results for row in rows])


def summarise(raw: pd.DataFrame) -> pd.DataFrame:
    """Coverage under a true effect (RR 0.8) and false-positive rate under no effect.

    Coverage and rejections are over the replications with a headline; ``no_headline`` is
    the share where the report shows none, ``sdid_share`` where SDID is the headline.
    """
    raw = raw.copy()
    for c in ("covered", "rejected_null"):
        raw[c] = raw[c].astype(float)
    if "headline" not in raw:
        raw["headline"] = "staggered"
    raw["headline"] = raw["headline"].fillna("staggered")
    keys = ["scenario", "method"]
    eff, null = raw[raw["rate_ratio"] != 1.0], raw[raw["rate_ratio"] == 1.0]
    out = pd.DataFrame(
        {
            "coverage_effect": eff.groupby(keys)["covered"].mean(),
            "coverage_null": null.groupby(keys)["covered"].mean(),
            "false_positive": null.groupby(keys)["rejected_null"].mean(),
            "power_rr_0.8": eff.groupby(keys)["rejected_null"].mean(),
            "no_headline": raw.groupby(keys)["headline"].apply(lambda h: (h == "none").mean()),
            "sdid_share": raw.groupby(keys)["headline"].apply(lambda h: (h == effects.SDID).mean()),
            "warned": raw.groupby(keys)["warned"].mean(),
            "reps": null.groupby(keys).size(),
        }
    )
    return out.round(3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scenarios", nargs="*", default=list(SCENARIOS), choices=SCENARIOS)
    parser.add_argument("--raw", help="also write every replication to this CSV file")
    args = parser.parse_args()
    raw = run(args.reps, args.workers, scenarios=args.scenarios)
    if args.raw:
        raw.to_csv(args.raw, index=False)
    pd.set_option("display.width", 160)
    print(summarise(raw).to_string())


if __name__ == "__main__":
    main()
