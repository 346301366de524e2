"""Area statistics in the contract's long format, for areas, the municipality and Sweden."""

from __future__ import annotations

import numpy as np
import pandas as pd

from evaluation.metadata.codes import NATIONAL_CODE
from evaluation.synthetic.geography import AREAS, MUNICIPALITY_CODE, AreaProfile
from evaluation.synthetic.timeline import STAT_YEARS

#: Indicator keys in the order rows are written.
INDICATORS = (
    "population_total",
    "population_0_17",
    "population_0_5",
    "foreign_born_share",
    "mean_income_tsek",
    "employment_rate_20_64",
    "low_education_share",
    "school_eligibility_share",
    "income_support_share",
    "reported_crimes_per_1000",
)
COUNTS = ("population_total", "population_0_17", "population_0_5")
#: Five-year age bands (lower, upper; None = open) of the population by age and sex.
AGE_BANDS = tuple((lo, lo + 4) for lo in range(0, 85, 5)) + ((85, None),)
SEXES = ("female", "male")


def age_sex_key(sex: str, lower: int, upper: int | None) -> str:
    """Catalogue key of one age band and sex, e.g. ``population_female_0_4``."""
    return f"population_{sex}_{lower}_{'plus' if upper is None else upper}"


#: Population by sex and five-year age band, after the other indicators in each area-year.
AGE_SEX = tuple(age_sex_key(s, lo, hi) for s in SEXES for lo, hi in AGE_BANDS)
SHARES = (
    "foreign_born_share",
    "employment_rate_20_64",
    "low_education_share",
    "school_eligibility_share",
    "income_support_share",
)

#: Vallastaden was built from 2017: its own population path 2018-2025.
_VALLASTADEN = (900, 1500, 2100, 2500, 2800, 3000, 3200, 3350)

#: Sweden, 2018-2025, approximate published levels (rounded; 2025 extrapolated).
_NATIONAL = {
    "population_total": (
        10230185,
        10327589,
        10379295,
        10452326,
        10521556,
        10551707,
        10587710,
        10610000,
    ),
    "population_0_17": (2151000, 2172000, 2186000, 2199000, 2213000, 2215000, 2208000, 2200000),
    "population_0_5": (707000, 708000, 703000, 698000, 689000, 672000, 652000, 635000),
    "foreign_born_share": (19.1, 19.6, 19.7, 19.8, 20.4, 20.7, 20.6, 20.5),
    "mean_income_tsek": (317, 326, 331, 343, 357, 372, 386, 398),
    "employment_rate_20_64": (79.6, 79.7, 78.8, 79.5, 80.9, 81.2, 80.9, 80.7),
    "low_education_share": (11.2, 11.0, 10.8, 10.6, 10.4, 10.2, 10.0, 9.8),
    "school_eligibility_share": (84.4, 84.3, 85.6, 85.9, 85.7, 85.1, 84.9, 84.6),
    "income_support_share": (4.3, 4.1, 3.9, 3.6, 3.4, 3.4, 3.5, 3.5),
    "reported_crimes_per_1000": (150.3, 149.8, 149.4, 145.8, 141.4, 135.6, 131.7, 128.0),
}
#: Sweden's age structure (percent of the population per band, 2024, approximate).
_NATIONAL_AGES = (
    5.4,
    5.9,
    6.2,
    6.0,
    5.7,
    6.5,
    6.9,
    6.8,
    6.4,
    6.2,
    6.6,
    6.4,
    5.8,
    5.4,
    5.2,
    4.9,
    3.1,
    2.6,
)
#: Share of women per age band (more women among the oldest).
_FEMALE = (
    0.486,
    0.486,
    0.486,
    0.485,
    0.48,
    0.48,
    0.485,
    0.49,
    0.49,
    0.49,
    0.495,
    0.495,
    0.5,
    0.505,
    0.52,
    0.54,
    0.57,
    0.64,
)
#: Relative size of the adult bands 20-24 ... 60-64 and 65-69 ... 85+ before area tilts.
_WORKING_SHAPE = np.array([1.0, 1.1, 1.1, 1.05, 1.0, 1.0, 1.0, 0.95, 0.9])
_OLD_SHAPE = np.array([1.0, 0.95, 0.8, 0.5, 0.4])
#: Business-cycle dip in employment (percentage points) by year.
_EMPLOYMENT_CYCLE = {2020: -1.6, 2021: -0.8, 2024: -0.3, 2025: -0.4}


def _area_counts(area: AreaProfile, year: int, rng: np.random.Generator) -> dict[str, float]:
    """Counts behind every indicator of one area and year (numerators, denominators, means)."""
    t = year - 2024
    if area.code.endswith("VAL"):
        pop = _VALLASTADEN[STAT_YEARS.index(year)]
    else:
        pop = area.population * (1 + area.growth) ** t
    pop = int(round(pop * (1 + rng.normal(0, 0.002))))
    child = area.child * (1 + 0.004 * t + rng.normal(0, 0.004))
    c17 = int(round(pop * child))
    c05 = int(round(pop * area.young * (1 - 0.02 * t + rng.normal(0, 0.02))))
    fb = np.clip(area.foreign_born + (0.45 if area.foreign_born > 30 else 0.25) * t, 1, 95)
    working = int(round(pop * area.working))
    adults_25 = int(round(pop * (area.working - 0.07)))
    emp = area.employment + 0.35 * t + _EMPLOYMENT_CYCLE.get(year, 0.0)
    low = max(area.low_education - 0.3 * t, 1.0)
    pupils = int(rng.poisson(c17 / 18.0))
    support = area.income_support * (1 - 0.04 * t)
    return {
        "population_total": pop,
        "population_0_17": c17,
        "population_0_5": c05,
        "foreign_born_share": (rng.binomial(pop, fb / 100), pop),
        "mean_income_tsek": area.income * 1.032**t * (1 + rng.normal(0, 0.006)),
        "employment_rate_20_64": (rng.binomial(working, min(emp, 97) / 100), working),
        "low_education_share": (rng.binomial(adults_25, low / 100), adults_25),
        "school_eligibility_share": (rng.binomial(pupils, area.eligibility / 100), pupils),
        "income_support_share": (rng.binomial(pop, support / 100), pop),
        "reported_crimes_per_1000": (rng.poisson(pop * area.crime / 1000 * (1 - 0.012 * t)), pop),
    }


def _age_sex_counts(
    area: AreaProfile, counts: dict[str, object], rng: np.random.Generator
) -> dict[str, int]:
    """Population by sex and age band; the bands add up to ``population_total`` exactly.

    Children follow the area's 0-5 and 0-17 counts, working ages its 20-64 share
    (tilted towards 20-29 where there are few children, as in student areas), and
    the rest are 65 or older. Drawn from their own generator, so the other
    indicators do not change.
    """
    pop = int(counts["population_total"])
    c17, c05 = float(counts["population_0_17"]), float(counts["population_0_5"])
    per_year = max(c17 - c05, 0.0) / 12  # children aged 6-17, per year of age
    working = pop * area.working
    shape = _WORKING_SHAPE.copy()
    if area.child < 0.17:
        shape[:2] *= 1.8
    old = max(pop - c17 - 2 * per_year - working, 0.02 * pop)
    weights = np.concatenate(
        [
            [5 * c05 / 6, c05 / 6 + 4 * per_year, 5 * per_year, 5 * per_year],
            working * shape / shape.sum(),
            old * _OLD_SHAPE / _OLD_SHAPE.sum(),
        ]
    )
    bands = rng.multinomial(pop, weights / weights.sum())
    women = rng.binomial(bands, _FEMALE)
    out = {}
    for (lo, hi), n, f in zip(AGE_BANDS, bands, women, strict=False):
        out[age_sex_key("female", lo, hi)] = int(f)
        out[age_sex_key("male", lo, hi)] = int(n - f)
    return out


def _national_age_sex(pop: int) -> dict[str, int]:
    """Sweden's population by sex and age band, rounded so the bands add up to ``pop``."""
    share = np.array(_NATIONAL_AGES) / sum(_NATIONAL_AGES)
    exact = np.concatenate([pop * share * np.array(_FEMALE), pop * share * (1 - np.array(_FEMALE))])
    whole = np.floor(exact).astype(int)
    whole[np.argsort(whole - exact)[: pop - whole.sum()]] += 1
    keys = [age_sex_key(s, lo, hi) for s in SEXES for lo, hi in AGE_BANDS]
    return dict(zip(keys, (int(v) for v in whole), strict=False))


def _rows(code: str, year: int, counts: dict[str, object]) -> list[dict[str, object]]:
    """Long-format rows (value, numerator, denominator) of one area and year."""
    rows = []
    for key in INDICATORS + tuple(k for k in AGE_SEX if k in counts):
        c = counts[key]
        num = den = None
        if key in COUNTS or key in AGE_SEX:
            value = float(c)
        elif key == "mean_income_tsek":
            value = round(float(c), 1)
        else:
            num, den = c
            scale = 1000.0 if key == "reported_crimes_per_1000" else 100.0
            value = round(scale * num / den, 1) if den else None
        rows.append(
            {
                "area_code": code,
                "year": year,
                "indicator": key,
                "value": value,
                "numerator": num,
                "denominator": den,
            }
        )
    return rows


def _municipality(per_area: list[dict[str, object]]) -> dict[str, object]:
    """Municipality counts as the sum of its areas; mean income weighted by adults."""
    out: dict[str, object] = {}
    for key in INDICATORS + tuple(k for k in AGE_SEX if k in per_area[0]):
        if key in COUNTS or key in AGE_SEX:
            out[key] = sum(int(c[key]) for c in per_area)
        elif key == "mean_income_tsek":
            w = np.array([c["population_total"] - c["population_0_17"] for c in per_area], float)
            out[key] = float(np.dot(w, [c[key] for c in per_area]) / w.sum())
        else:
            out[key] = (
                sum(int(c[key][0]) for c in per_area),
                sum(int(c[key][1]) for c in per_area),
            )
    return out


def _national_rows(year: int, ages: bool = False) -> list[dict[str, object]]:
    """Rows for Sweden: values, with counts only where they are published alongside."""
    i = STAT_YEARS.index(year)
    pop = _NATIONAL["population_total"][i]
    rows = []
    for key in INDICATORS:
        value = float(_NATIONAL[key][i])
        num = den = None
        if key == "foreign_born_share":
            num, den = int(round(pop * value / 100)), pop
            value = round(100 * num / den, 1)
        elif key == "reported_crimes_per_1000":
            num, den = int(round(pop * value / 1000)), pop
            value = round(1000 * num / den, 1)
        rows.append(
            {
                "area_code": NATIONAL_CODE,
                "year": year,
                "indicator": key,
                "value": value,
                "numerator": num,
                "denominator": den,
            }
        )
    for key, n in (_national_age_sex(pop) if ages else {}).items():
        rows.append(
            {
                "area_code": NATIONAL_CODE,
                "year": year,
                "indicator": key,
                "value": float(n),
                "numerator": None,
                "denominator": None,
            }
        )
    return rows


def area_statistics(
    rng: np.random.Generator, age_rng: np.random.Generator | None = None
) -> pd.DataFrame:
    """Every catalogue key x year for every area, the municipality and Sweden (long format).

    With ``age_rng``, also the population by sex and five-year age band (``AGE_SEX``).
    """
    rows: list[dict[str, object]] = []
    for year in STAT_YEARS:
        per_area = [_area_counts(a, year, rng) for a in AREAS]
        if age_rng is not None:
            for area, counts in zip(AREAS, per_area, strict=False):
                counts.update(_age_sex_counts(area, counts, age_rng))
        for area, counts in zip(AREAS, per_area, strict=False):
            rows += _rows(area.code, year, counts)
        rows += _rows(MUNICIPALITY_CODE, year, _municipality(per_area))
        rows += _national_rows(year, ages=age_rng is not None)
    df = pd.DataFrame(rows)
    for col in ("numerator", "denominator"):
        df[col] = df[col].astype("Int64")
    order = {
        code: i
        for i, code in enumerate([a.code for a in AREAS] + [MUNICIPALITY_CODE, NATIONAL_CODE])
    }
    df["_a"] = df["area_code"].map(order)
    df["_k"] = df["indicator"].map({k: i for i, k in enumerate(INDICATORS + AGE_SEX)})
    df = df.sort_values(["_a", "year", "_k"], kind="stable").drop(columns=["_a", "_k"])
    return df.reset_index(drop=True)


def children(stats: pd.DataFrame) -> pd.DataFrame:
    """Children 0-17 per area (rows) and year (columns), areas only."""
    codes = [a.code for a in AREAS]
    sel = stats[(stats["indicator"] == "population_0_17") & stats["area_code"].isin(codes)]
    wide = sel.pivot(index="area_code", columns="year", values="value")
    return wide.loc[codes]
