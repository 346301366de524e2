"""SCB region codes and age bands, and a PxWeb frame into the contract's area_statistics."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from evaluation.exceptions import DataError
from evaluation.io.pxweb.read import MEASURE, NOTE, VALUE

# --- region codes ----------------------------------------------------------------------------

# SCB writes DeSO as KKKK + letter + 4 digits and RegSO as KKKK + R + 3 digits; from the 2025
# revision (reference year 2024 onwards) the API appends "_DeSO2025"/"_RegSO2025". Codes
# without a suffix belong to the 2018 division, the only one before the revision.
_STAT_AREA = re.compile(
    r"^(?P<code>\d{4}(?P<kind>[A-Z])\d{3,4})(?:_(?P<div>(?:DeSO|RegSO)\d{4}))?$"
)
NATIONAL = {"00", "0000", "SE", "Riket", "riket"}


def parse_region(code: str) -> tuple[str, str]:
    """Split an SCB region code into (plain area code, division); riket becomes ``SE``.

    ``0880R001_RegSO2025`` -> (``0880R001``, ``RegSO2025``); ``0580`` -> (``0580``, ``""``).
    Raises ValueError for a code of no known shape.
    """
    code = str(code).strip()
    if code in NATIONAL:
        return "SE", ""
    if re.fullmatch(r"\d{4}", code):
        return code, ""
    if re.fullmatch(r"\d{2}", code):
        return code, "county"
    match = _STAT_AREA.match(code)
    if not match:
        raise ValueError(code)
    if match["div"]:
        return match["code"], match["div"]
    kind = "RegSO" if match["kind"] == "R" and len(match["code"]) == 8 else "DeSO"
    return match["code"], f"{kind}2018"


# --- into the contract's long format ---------------------------------------------------------


def pxweb_to_area_statistics(
    frame: pd.DataFrame,
    indicator: str,
    *,
    region: str = "Region",
    time: str = "Tid",
    filters: dict | None = None,
    measure: str | None = None,
    denominator_measure: str | None = None,
    scale: float = 1.0,
) -> pd.DataFrame:
    """Turn a PxWeb frame into area_statistics rows (plus ``division``) for one indicator.

    ``filters`` fixes the other dimensions ({"Kon": "1+2", "Alder": "totalt"}); ``measure``
    picks a content variable; ``denominator_measure`` names the count behind a mean or share,
    kept as denominator with numerator = value × denominator / ``scale`` (100 for a percent).
    """
    frame = frame.copy()
    for col in (region, time):
        if col not in frame.columns:
            raise DataError(
                f"dimensionen '{col}' finns inte i PxWeb-tabellen",
                column=col,
                expected=col,
                found=", ".join(map(str, frame.columns)),
            )
    for col, wanted in (filters or {}).items():
        if col not in frame.columns:
            raise DataError(
                f"filter på okänd dimension '{col}'",
                column=col,
                found=", ".join(map(str, frame.columns)),
            )
        wanted = [wanted] if isinstance(wanted, str) else list(wanted)
        absent = sorted(set(wanted) - set(frame[col]))
        if absent:
            raise DataError(
                f"dimensionen '{col}' har inte värdet {absent}",
                column=col,
                expected=", ".join(sorted(frame[col].unique()))[:120],
            )
        frame = frame[frame[col].isin(wanted)]
    denominators = None
    if MEASURE in frame.columns:
        choices = sorted(frame[MEASURE].unique())
        if measure is None:
            raise DataError(
                "tabellen har flera innehållsvariabler; ange en med measure=",
                column=MEASURE,
                expected="en av " + ", ".join(choices),
            )
        for name in (measure, denominator_measure):
            if name is not None and name not in choices:
                raise DataError(
                    f"innehållsvariabeln '{name}' finns inte",
                    column=MEASURE,
                    expected="en av " + ", ".join(choices),
                )
        if denominator_measure:
            denominators = (
                frame[frame[MEASURE] == denominator_measure]
                .drop(columns=[MEASURE, NOTE])
                .rename(columns={VALUE: "denominator"})
            )
        frame = frame[frame[MEASURE] == measure].drop(columns=MEASURE)
    keys = [c for c in frame.columns if c not in (VALUE, NOTE)]
    if denominators is not None:
        frame = frame.merge(denominators, on=keys, how="left")
    varying = [c for c in keys if c not in (region, time) and frame[c].nunique() > 1]
    if varying:
        raise DataError(
            f"dimensionerna {varying} varierar fortfarande; lås dem med filters=",
            column=varying[0],
            expected="ett värde per region och år",
            found=", ".join(sorted(frame[varying[0]].unique()))[:120],
        )
    parsed = []
    for code in frame[region]:
        try:
            parsed.append(parse_region(code))
        except ValueError:
            raise DataError(
                "regionkoden hör inte till något område",
                column=region,
                expected="DeSO/RegSO-kod (gärna med ändelsen _DeSO2025), "
                "kommunkod, eller 00 för riket",
                found=str(code),
            ) from None
    out = pd.DataFrame(
        {
            "area_code": pd.array([p[0] for p in parsed], dtype="string"),
            "year": frame[time].str.slice(0, 4).astype("int64").to_numpy(),
            "indicator": pd.array([indicator] * len(frame), dtype="string"),
            "value": frame[VALUE].to_numpy(dtype="float64"),
            "numerator": np.nan,
            "denominator": np.nan,
            "division": pd.array([p[1] for p in parsed], dtype="string"),
        }
    )
    if denominators is not None:
        den = frame["denominator"].to_numpy(dtype="float64")
        out["denominator"] = den
        out["numerator"] = out["value"].to_numpy() * den / scale
    return out


# --- age bands -------------------------------------------------------------------------------


def age_band(label: str) -> tuple[int, int | None] | None:
    """Read an SCB age label: ``-4`` (0–4), ``5-9``, ``80-`` (80+), ``17``; ``totalt`` is None."""
    text = str(label).strip().lower().removesuffix(" år")
    if text.startswith("totalt") or text == "tot":
        return None
    match = re.fullmatch(r"(\d*)\s*-\s*(\d*)|(\d+)\+?", text)
    if not match:
        raise DataError(
            "ålderstexten är inget åldersintervall",
            column="Alder",
            expected="'-4', '5-9', '80-', '17' eller 'totalt'",
            found=label,
        )
    if match[3] is not None:
        return int(match[3]), (None if text.endswith("+") else int(match[3]))
    return int(match[1] or 0), (int(match[2]) if match[2] else None)


def sum_age_bands(
    frame: pd.DataFrame,
    lower: int,
    upper: int | None,
    *,
    age: str = "Alder",
    label: str | None = None,
) -> pd.DataFrame:
    """Sum the age bands that make up ``lower``–``upper`` into one band called ``label``.

    Raises DataError when a band straddles a limit or a year in the range has no band.
    """
    label = label or (f"{lower}-{upper}" if upper is not None else f"{lower}-")
    bands = {lab: age_band(lab) for lab in frame[age].unique()}
    inside, straddling = [], []
    hi = upper if upper is not None else 10_000
    for lab, band in bands.items():
        if band is None:
            continue
        b_lo, b_hi = band[0], band[1] if band[1] is not None else 10_000
        if b_lo >= lower and b_hi <= hi:
            inside.append((b_lo, b_hi, lab))
        elif b_lo <= hi and b_hi >= lower:
            straddling.append(lab)
    inside.sort()
    covered, gaps = lower, []
    for b_lo, b_hi, _ in inside:
        if b_lo > covered:
            gaps.append(f"{covered}-{b_lo - 1}")
        covered = max(covered, b_hi + 1)
    if covered <= hi and upper is not None:
        gaps.append(f"{covered}-{hi}")
    if straddling or gaps or not inside:
        found = (
            f"band(s) {', '.join(straddling)} cross the limits"
            if straddling
            else f"no band for ages {', '.join(gaps) or f'{lower}-{upper}'}"
        )
        raise DataError(
            f"åldersintervallen summerar inte till {label}",
            column=age,
            expected=f"intervall som precis täcker åldrarna {label}",
            found=found,
        )
    chosen = frame[frame[age].isin([lab for *_, lab in inside])]
    keys = [c for c in frame.columns if c not in (age, VALUE, NOTE)]
    # min_count: one missing band makes the sum missing rather than silently too small.
    summed = (
        chosen.groupby(keys, sort=False, dropna=False)[VALUE]
        .sum(min_count=len(inside))
        .reset_index()
    )
    counts = chosen.groupby(keys, sort=False, dropna=False)[VALUE].count().to_numpy()
    summed.loc[counts < len(inside), VALUE] = np.nan
    summed[age] = label
    summed[NOTE] = pd.array(
        [None if n == len(inside) else "incomplete_bands" for n in counts], dtype="string"
    )
    summed[age] = summed[age].astype("string")
    return summed[[*[c for c in frame.columns if c not in (VALUE, NOTE)], VALUE, NOTE]]
