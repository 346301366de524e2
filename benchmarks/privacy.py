"""Cost of protecting the publication (R0): joint protection and audit against the number of areas.

Builds, without notebooks, what a term batch of N areas publishes through the
``Protector`` as the reports do: per area one report with interventions by type
and year (linked to the other reports through the measure "insatser"), a
per-term rate table of referrals for every group (area, its comparison pool,
the municipality), a share table per year for the same groups, and the
area-statistics panel of every area (each report shows all areas, as the area
analyses do). Then it runs the batch mechanism of ``publication.settle`` without
re-rendering: joint audit (``audit_ledgers``), hide what it names in every
report, protect again, until the audit passes. Printed per N: CPU seconds spent
protecting (all rounds), auditing (all rounds), repair rounds, hidden figures.
CPU time (``time.process_time``), not wall-clock, so a shared machine's load does
not enter the figures.

    .venv/bin/python benchmarks/privacy.py [--areas 5,10,20,40] [--seed 1] [--no-linked]

Each report passes its pooled outputs' figures for every area alone (``members=``),
as the reports do, so the first pass protects pools and the municipality as linked
tables; ``--no-linked`` protects them without (the per-report protection before).

Counts are Poisson with small and large areas mixed (a third of the areas have
under a tenth of the cases), so primary suppression has work to do.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from evaluation.privacy import Protector
from evaluation.privacy.ledger import months_between
from evaluation.privacy.measures import measure_spec
from evaluation.privacy.publication import repair_keys
from evaluation.privacy.publication_audit import audit_ledgers
from evaluation.privacy.recording import Context

START, END = pd.Timestamp("2019-01-01"), pd.Timestamp("2025-06-30")
YEARS = [str(y) for y in range(2019, 2026)]
TERMS = [f"{y}H{h}" for y in range(2019, 2026) for h in (1, 2)][:-1]
TYPES = ["Öppenvård", "Föräldrastöd", "Kontaktperson/-familj", "Familjehem", "HVB", "Övrigt"]


def _data(n_areas: int, rng: np.random.Generator) -> dict:
    codes = [f"A{i:03d}" for i in range(n_areas)]
    size = np.where(np.arange(n_areas) % 3 == 2, rng.uniform(0.03, 0.1, n_areas), 1.0)
    size = size * rng.uniform(0.5, 1.5, n_areas)
    return {
        "codes": codes,
        "names": {c: f"Område {i}" for i, c in enumerate(codes)},
        "types": {
            c: rng.poisson(s * np.array([40, 20, 8, 4, 2, 3])[:, None], (6, 7))
            for c, s in zip(codes, size, strict=True)
        },
        "refs": {c: rng.poisson(s * 120, len(TERMS)) for c, s in zip(codes, size, strict=True)},
        "kids": {c: int(s * 1500) + 30 for c, s in zip(codes, size, strict=True)},
        "share": {c: rng.binomial(1, 0.3, 1) for c in codes},
        "den": {c: rng.poisson(s * 30, len(YEARS)) for c, s in zip(codes, size, strict=True)},
        "pop": {c: int(s * 8000) + 200 for c, s in zip(codes, size, strict=True)},
    }


def _report(d: dict, i: int, forced: set[str], linked: bool = True) -> Protector:
    codes = d["codes"]
    me = codes[i]
    pool = [codes[(i + k) % len(codes)] for k in (1, 2, 3) if len(codes) > 3]
    groups = {
        d["names"][me]: (me,),
        "Jämförelseområden": tuple(pool),
        "Hela kommunen": tuple(codes),
    }
    ctx = Context(
        groups=groups,
        areas=(me,),
        all_areas=tuple(codes),
        window=months_between(START, END),
        forced=forced,
    )
    p = Protector(None, ctx)
    table = pd.DataFrame(d["types"][me], index=TYPES, columns=YEARS)
    p.counts(
        table,
        label="Insatser efter typ och år",
        spec=measure_spec("interventions", rows="intervention_type"),
    )
    singles = {c: (c,) for c in codes}  # every area alone: what the members argument holds

    def ref_rows(groups: dict) -> pd.DataFrame:
        rows = []
        for g, members in groups.items():
            for t, term in enumerate(TERMS):
                k = int(sum(d["refs"][c][t] for c in members))
                py = sum(d["kids"][c] for c in members) / 2
                rows.append(
                    {
                        "group": g,
                        "period": term,
                        "numerator": k,
                        "denominator": py,
                        "value": 1000 * k / py,
                    }
                )
        return pd.DataFrame(rows)

    def share_rows(groups: dict) -> pd.DataFrame:
        rows = []
        for g, members in groups.items():
            for y, year in enumerate(YEARS):
                n = int(sum(d["den"][c][y] for c in members))
                x = int(sum(round(0.3 * d["den"][c][y]) for c in members))
                rows.append(
                    {
                        "group": g,
                        "period": year,
                        "numerator": x,
                        "denominator": n,
                        "value": x / n if n else np.nan,
                    }
                )
        return pd.DataFrame(rows)

    p.rates(
        ref_rows(groups),
        label="Orosanmälningar per 1 000 barn per halvår",
        spec=measure_spec("referrals"),
        members=ref_rows(singles) if linked else None,
    )
    p.shares(
        share_rows(groups),
        label="Andel oplanerade avslut",
        members=share_rows(singles) if linked else None,
    )
    # the area-statistics panel: every area, every year (public populations, shares)
    rows = []
    for c in codes:
        for year in YEARS:
            n = d["pop"][c]
            rows.append(
                {
                    "area_code": c,
                    "year": year,
                    "numerator": int(0.2 * n),
                    "denominator": n,
                    "value": 0.2,
                }
            )
    p.shares(pd.DataFrame(rows), label="Områdesstatistik: andel utrikes födda", keys=("year",))
    return p


def run(n_areas: int, seed: int, linked: bool = True) -> dict:
    """Protect, audit and repair one synthetic batch of ``n_areas`` reports."""
    d = _data(n_areas, np.random.default_rng([seed, n_areas]))
    forced: set[str] = set()
    protect = audit_s = 0.0
    rounds = 0
    for _ in range(6):
        t0 = time.process_time()
        reports = [(f"r{i}", _report(d, i, forced, linked).publication) for i in range(n_areas)]
        protect += time.process_time() - t0
        t0 = time.process_time()
        audit = audit_ledgers(reports)
        audit_s += time.process_time() - t0
        if audit.ok:
            break
        new = repair_keys(audit.failures, [led for _, led in reports], forced)
        if not new:
            break
        forced |= new
        rounds += 1
    return {
        "areas": n_areas,
        "protect_s": protect,
        "audit_s": audit_s,
        "rounds": rounds,
        "figures": audit.figures,
        "targets": audit.targets,
        "kept_hidden": len(forced),
        "ok": audit.ok,
    }


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--areas", default="5,10,20,40")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--no-linked",
        action="store_true",
        help="protect each report's pooled figures without the member areas (as before)",
    )
    args = parser.parse_args()
    print("| areas | protection s | audit s | rounds | figures | hidden | kept hidden | passes |")
    print("|---|---|---|---|---|---|---|---|")
    for n in (int(x) for x in args.areas.split(",")):
        r = run(n, args.seed, linked=not args.no_linked)
        print(
            f"| {r['areas']} | {r['protect_s']:.1f} | {r['audit_s']:.1f} | {r['rounds']} | "
            f"{r['figures']} | {r['targets']} | {r['kept_hidden']} | {r['ok']} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
