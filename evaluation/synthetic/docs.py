"""The data dictionary and the sample description in ``data/README.md``, derived from code.

``python -m evaluation.synthetic data/sample --readme data/README.md`` regenerates both.
"""

from __future__ import annotations

import pandas as pd

from evaluation.metadata.contract import AREA_COLUMNS, TABLES, Column
from evaluation.synthetic import effects, surveys, timeline
from evaluation.synthetic.geography import AREAS, MUNICIPALITY_CODE, SMALL_AREA
from evaluation.synthetic.write import DEFAULT_SEED, METADATA, generate

_KIND = {
    "text": "text",
    "int": "integer",
    "float": "number",
    "date": "date (YYYY-MM-DD)",
    "bool": "boolean (true/false)",
    "list": "list (`;`-separated)",
}


def _column_row(col: Column) -> str:
    """One Markdown table row describing a contract column."""
    notes = []
    if not col.required:
        notes.append("optional column")
    if col.nullable:
        notes.append("may be empty")
    if col.unique:
        notes.append("unique")
    if col.allowed:
        each = "each element one of " if col.kind == "list" else "one of "
        notes.append(each + ", ".join(f"`{a}`" for a in col.allowed))
    if col.min is not None or col.max is not None:
        notes.append(
            f"range {col.min:g}–{col.max:g}" if col.max is not None else f"at least {col.min:g}"
        )
    if col.identifier:
        notes.append("opaque id, never shown in reports")
    return f"| `{col.name}` | {_KIND[col.kind]} | {col.description} | {'; '.join(notes)} |"


def data_dictionary() -> str:
    """Markdown tables describing every contract file and column."""
    head = "| column | type | meaning | rules |\n|---|---|---|---|"
    parts = [
        "### `areas.gpkg` / `areas.geojson` — Områden\n",
        head,
        *(_column_row(c) for c in AREA_COLUMNS),
        "| `geometry` | polygon / multipolygon | Area boundary, any CRS stored with the "
        "file; reports draw in SWEREF 99 TM (EPSG:3006) | |",
        "",
    ]
    for spec in TABLES.values():
        parts += [
            f"### `{spec.name}.csv` — {spec.swedish}\n",
            head,
            *(_column_row(c) for c in spec.columns),
        ]
        for ref in spec.references:
            parts.append(
                f"\n`{ref.column}` must exist in `{ref.table}.{ref.target_column}` "
                "when that file is present."
            )
        for earlier, later in spec.date_order:
            parts.append(f"\n`{later}` is never before `{earlier}`.")
        parts.append("")
    return "\n".join(parts)


def _areas_table(stats: pd.DataFrame) -> str:
    """Markdown table of the sample's areas in 2024."""
    s = stats[stats["year"] == 2024].pivot(index="area_code", columns="indicator", values="value")
    lines = [
        "| code | name | inhabitants 2024 | children 0–17 | foreign-born % | income support % |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for code in [a.code for a in AREAS] + [MUNICIPALITY_CODE]:
        r = s.loc[code]
        name = next((a.name for a in AREAS if a.code == code), "**Hela kommunen**")
        lines.append(
            f"| `{code}` | {name} | {r.population_total:,.0f} | "
            f"{100 * r.population_0_17 / r.population_total:.0f} % | "
            f"{r.foreign_born_share:.1f} | {r.income_support_share:.1f} |"
        )
    return "\n".join(lines).replace(",", " ")


def _effects_table() -> str:
    """Markdown table of KNOWN_EFFECTS."""
    lines = ["| effect | table | size |", "|---|---|---|"]
    for key, eff in effects.KNOWN_EFFECTS.items():
        if "rate_ratio" in eff:
            size = f"rate ratio × {eff['rate_ratio']}"
        elif key.endswith("_share"):
            size = f"{eff['before']:g} % → {eff['after']:g} %"
        else:
            size = f"{eff['before']:g} → {eff['after']:g} a month"
        lines.append(f"| `{key}`: {eff['description']} | `{eff['table']}` | {size} |")
    return "\n".join(lines)


def _survey_table() -> str:
    """Markdown table of the survey units and their designed cases."""
    lines = [
        "| unit | area_code | 2023 invited / answered | 2024 invited / answered | case |",
        "|---|---|---|---|---|",
    ]
    cases = {
        "Socialtjänst Skäggetorp": "high response rate, enough answers",
        "Familjebehandlingen Ryd": "tiny sample (suppressed)",
        "Öppenvården Berga": "low response rate (~30 %)",
        "Familjehemsenheten": "no area (municipality-wide unit)",
    }
    for unit, area, n in surveys.UNITS:
        lines.append(
            f"| {unit} | {f'`{area}`' if area else '(empty)'} | "
            f"{n['2023'][0]} / {n['2023'][1]} | {n['2024'][0]} / {n['2024'][1]} | "
            f"{cases[unit]} |"
        )
    return "\n".join(lines)


def readme(seed: int = DEFAULT_SEED) -> str:
    """The full text of ``data/README.md``."""
    tables, _ = generate(seed)
    rows = "\n".join(
        f"| `{name}.csv` | {len(df):,} |".replace(",", " ") for name, df in tables.items()
    )
    big = surveys.POSITIVE_SHARE["Socialtjänst Skäggetorp"]
    return TEMPLATE.format(
        dictionary=data_dictionary(),
        areas=_areas_table(tables["area_statistics"]),
        effects=_effects_table(),
        surveys=_survey_table(),
        rows=rows,
        seed=seed,
        name=METADATA["name"],
        start=timeline.START,
        cutoff=timeline.CUTOFF,
        effect_start=effects.EFFECT_START,
        effect_area=effects.EFFECT_AREA,
        trend=effects.COMMON_TREND_PER_YEAR,
        small=SMALL_AREA,
        joint_base=effects.BASELINE["joint_assessment_share"],
        prior_base=effects.BASELINE["placements_without_prior_open_care_share"],
        q2=big["q2_snabb_hjalp"],
        q1=big["q1_respekt"],
        survey=surveys.SURVEY,
    )


TEMPLATE = """\
# Data

A data folder holds the input of every evaluation: area boundaries, area
statistics, pseudonymised case records and user surveys. The toolkit reads it,
validates it against the data contract (`evaluation/metadata/contract.py`,
`docs/data-contract.md`) and never writes to it.

    data/
      README.md     this file: the data dictionary and the sample description
      sample/       synthetic sample municipality (committed, regenerated by code)

Your own data folder has the same file names. Every table may also be an
`.xlsx` or `.parquet` file, or a "Swedish Excel" CSV (`;`, decimal comma,
Windows-1252); column names are matched case-insensitively. Missing optional
files switch off the report sections that need them. Record-level files must
be pseudonymised: ids are opaque strings, and a value shaped like a personal
identity number (personnummer/samordningsnummer) makes the loader reject the file.

Also read by the toolkit when present: `metadata.yaml` (`name`, `synthetic`,
`description`), `indicators.yaml` (extends the indicator catalogue) and
`area_mapping.csv` (aggregates statistical areas into evaluated areas).

## Data dictionary

Generated from `evaluation/metadata/contract.py` by `evaluation/synthetic/docs.py`.
Booleans are read as true/false, 1/0, ja/nej or j/n; empty means unknown.
In `area_statistics.csv` shares are in percent (0–100) and rates per 1 000;
`numerator` and `denominator` are the counts behind a share or rate.

{dictionary}
### Survey answer codes (as used in the sample)

| scale | answers | counted as positive |
|---|---|---|
| `agree5` | `1`–`5`, 5 = instämmer helt, 1 = instämmer inte alls | `4`, `5` |
| `satisfied4` | `1`–`4`, 4 = mycket nöjd, 1 = inte alls nöjd | `3`, `4` |
| `yesno` | `ja`, `nej` | `ja` |
| `free_text` | a short phrase; never shown in a report, only counted | |

An empty answer means the respondent skipped the question.

## The sample: {name}

`data/sample/` is **entirely synthetic**: no real people, cases or answers. It
is modelled loosely on Linköping (municipality code `0580`, about 165 000
inhabitants) and on Socialtjänst Skäggetorp, so that every report and method
has realistic data to run on. Regenerate it (byte-identical CSV files) with

    python -m evaluation.synthetic data/sample --seed {seed} --readme data/README.md

and `tests/unit/test_synthetic.py` checks that the committed copy matches the code.

| file | rows |
|---|---:|
{rows}

### Areas

{areas}

Area codes are local codes (`0580` + three letters), not SCB DeSO/RegSO codes.
The areas together make up the whole municipality, so the municipality's
counts (`area_code` `0580`) equal the sum of its areas, and its shares are
computed from the summed numerators and denominators. `SE` rows give Sweden's
levels (approximate published values); numerators and denominators are given
there only for foreign-born share and reported crimes. Mean income has no
numerator or denominator. `{small}` (Tornby) is deliberately small, so that
privacy suppression shows in the reports.

The population by sex and five-year age band (`population_female_0_4` …
`population_male_85_plus`, 36 keys) adds up to `population_total` in every
area, the municipality and Sweden each year; it feeds the area analysis's age
and sex pyramid.

**The polygons in `areas.gpkg` are illustrative shapes, NOT real district
boundaries.** They are non-overlapping polygons in SWEREF 99 TM (EPSG:3006)
placed roughly where the districts lie around Linköping (≈ E 535 000,
N 6 476 000); "Landsbygd och småorter" is the rest of an invented municipal
outline.

### Case records

Referrals, assessments, investigations, interventions and activities cover
{start} to {cutoff} (the extraction date). They are generated month by month:
referral rates of roughly 45–115 per 1 000 children 0–17 a year depending on
the area's need, highest in Skäggetorp; a reporter mix dominated by police and
school, with fewer referrals from the public in areas with high need;
seasonality (a dip in July, more in autumn); overdispersed noise and a mild
common trend (× {trend} a year) everywhere. Most assessments are decided within
14 days and most investigations within 120 days, some take longer; cases still
open at the extraction date have empty decision or end dates. Interventions
come from investigations (by decision) and from assessments that offered
support (as a service); some decisions are not executed within three months,
some have not started at all, some end unplanned. Activities are area and
group work (collaboration, groups, outreach, citizen dialogue, information).

### Known effects (for checking methods)

From **{effect_start}** the area-based office works in Skäggetorp
(`{effect_area}`). Only that area changes; every other area has its own noise
and the common trend only. The sizes are constants in
`evaluation/synthetic/effects.py` (`KNOWN_EFFECTS`):

{effects}

Elsewhere the joint-assessment share is {joint_base:g} % and the share of
placements without prior open care {prior_base:g} %, with no change. With a
single area and a few years, a method should at least recover the direction of
each effect; the placement effect rests on few placements and is noisy.

### User survey `{survey}`

One survey, periods `2023` and `2024`, questions on the scales `agree5`,
`satisfied4`, `yesno` and one `free_text` question (short harmless phrases, never names).

{surveys}

Designed results in Socialtjänst Skäggetorp (share of positive answers among
those who answered): `q2_snabb_hjalp` ("Jag fick hjälp snabbt när jag behövde
det.") **really changes**, {q2[0]} % → {q2[1]} %; `q1_respekt` ("Jag blev bemött med
respekt.") has **no real change**, {q1[0]} % → {q1[1]} %, and neither do `q3_nojd`
and `q4_vet_vart`. The other units have no designed changes.

### Not included

`area_mapping.csv` is absent (the sample's areas are the evaluated areas) and
so is a data-folder `indicators.yaml` (the project's catalogue covers every key).
"""


if __name__ == "__main__":
    print(readme(), end="")
