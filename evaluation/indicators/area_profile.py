"""Area profile indicators: catalogue values per place and year, ranks, deviations, pyramid.

Pure functions on canonical tables (``area_statistics`` in the long format of
the data contract, the case tables) returning tidy frames with the counts
behind every share and rate, so the privacy layer can be applied afterwards.
Shares are returned as fractions (0–1), rates per 1 000, means in their unit.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from evaluation.indicators.base import in_window
from evaluation.indicators.shares import add_rate, add_share

#: Catalogue keys of the population by sex and five-year age band.
AGE_SEX_KEY = re.compile(r"^population_(female|male)_(\d+)_(\d+|plus)$")
SEX_LABEL = {"female": "Kvinnor", "male": "Män"}

#: How each row of a profile is protected: "share", "rate", "count" or "statistic".
PROTECTION = ("share", "rate", "count", "statistic")


def is_age_sex(key: str) -> bool:
    """True for the age and sex pyramid's keys (``population_female_0_4`` ...)."""
    return AGE_SEX_KEY.match(key) is not None


def band_label(lower: int, upper: str) -> str:
    """Swedish age band label: ``0–4`` or ``85+``."""
    return f"{lower}+" if upper == "plus" else f"{lower}–{upper}"


def indicator_rows(stats: pd.DataFrame, catalogue: dict, places: dict[str, str]) -> pd.DataFrame:
    """Catalogue indicators (pyramid keys excepted) for ``places`` (code → name), every year.

    Columns: ``area_code``, ``group`` (place name), ``indicator``, ``year``,
    ``period``, ``period_start``, ``protection``, ``numerator``, ``denominator``,
    ``n``, ``value``, ``ci_low``, ``ci_high``. Shares and rates with their counts
    are recomputed from them (Wilson and exact Poisson intervals); values published
    without counts (means, or a share without its base) are kept as published
    (shares as fractions) with ``n`` = the place's population, the base of a
    published statistic; counts have ``n`` = the count.
    """
    keys = [k for k in catalogue if not is_age_sex(k)]
    rows = stats[stats["indicator"].isin(keys) & stats["area_code"].isin(list(places))].copy()
    pop = stats[stats["indicator"] == "population_total"].set_index(["area_code", "year"])["value"]
    rows["group"] = rows["area_code"].map(places)
    rows["period"] = rows["year"].astype(int).astype(str)
    rows["period_start"] = pd.to_datetime(rows["period"] + "-01-01")
    kind = rows["indicator"].map(lambda k: catalogue[k].kind)
    has_base = rows["numerator"].notna() & rows["denominator"].notna() & (rows["denominator"] > 0)
    rows["protection"] = np.select(
        [kind == "count", (kind == "share") & has_base, (kind == "rate") & has_base],
        ["count", "share", "rate"],
        "statistic",
    )
    idx = pd.MultiIndex.from_arrays([rows["area_code"], rows["year"]])
    rows["n"] = np.where(
        rows["protection"] == "count", rows["value"], pop.reindex(idx).to_numpy(dtype=float)
    )
    published_share = (kind == "share") & (rows["protection"] == "statistic")
    rows.loc[published_share, "value"] = rows.loc[published_share, "value"] / 100.0
    rows["ci_low"], rows["ci_high"] = np.nan, np.nan
    parts = []
    for how, part in rows.groupby("protection", sort=False):
        if how == "share":
            part = add_share(part)
        elif how == "rate":
            part = add_rate(part)
        parts.append(part)
    out = pd.concat(parts) if parts else rows
    cols = [
        "area_code",
        "group",
        "indicator",
        "year",
        "period",
        "period_start",
        "protection",
        "numerator",
        "denominator",
        "n",
        "value",
        "ci_low",
        "ci_high",
    ]
    order = {k: i for i, k in enumerate(keys)}
    out = out.assign(
        _k=out["indicator"].map(order),
        _p=out["area_code"].map({c: i for i, c in enumerate(places)}),
    )
    return out.sort_values(["_k", "_p", "year"])[cols].reset_index(drop=True)


def latest_year(stats: pd.DataFrame, indicator: str, codes) -> int | None:
    """The last year with a value for ``indicator`` in any of ``codes``."""
    sel = stats[
        (stats["indicator"] == indicator)
        & stats["area_code"].isin(list(codes))
        & stats["value"].notna()
    ]
    return None if sel.empty else int(sel["year"].max())


def age_sex_shares(stats: pd.DataFrame, places: dict[str, str], year: int) -> pd.DataFrame:
    """Each sex × age band's share of the whole population of each place, in ``year``.

    Columns: ``group``, ``sex`` (Swedish), ``age`` (band label), ``age_order``,
    ``numerator``, ``denominator`` (the sum of all bands), ``value``, ``ci_low``,
    ``ci_high``. Empty when the data have no pyramid keys for that year.
    """
    rows = stats[
        stats["indicator"].map(is_age_sex)
        & (stats["year"] == year)
        & stats["area_code"].isin(list(places))
    ].copy()
    if rows.empty:
        return pd.DataFrame(
            columns=[
                "group",
                "sex",
                "age",
                "age_order",
                "numerator",
                "denominator",
                "value",
                "ci_low",
                "ci_high",
            ]
        )
    parts = rows["indicator"].str.extract(AGE_SEX_KEY)
    rows["sex"] = parts[0].map(SEX_LABEL)
    rows["age_order"] = parts[1].astype(int)
    rows["age"] = [band_label(int(lo), hi) for lo, hi in zip(parts[1], parts[2], strict=False)]
    rows["numerator"] = rows["value"].astype(float)
    rows["denominator"] = rows.groupby("area_code")["numerator"].transform("sum")
    rows["group"] = pd.Categorical(
        rows["area_code"].map(places), categories=list(dict.fromkeys(places.values())), ordered=True
    )
    out = add_share(rows[["group", "sex", "age", "age_order", "numerator", "denominator"]])
    return out.sort_values(["group", "sex", "age_order"]).reset_index(drop=True)


def ranks(values: pd.Series, higher_first: bool = True) -> pd.Series:
    """Rank of each shown value (1 = highest), ties share the best rank; NaN stays NaN."""
    return values.rank(ascending=not higher_first, method="min")


def standardised_difference(area_value: float, reference: float, area_values: pd.Series) -> float:
    """(area − reference) in standard deviations of the areas' values (NaN when undefined)."""
    shown = pd.Series(area_values, dtype=float).dropna()
    if len(shown) < 3 or pd.isna(area_value) or pd.isna(reference):
        return float("nan")
    sd = float(shown.std(ddof=1))
    return float("nan") if sd == 0 else (float(area_value) - float(reference)) / sd


def deviations(frame: pd.DataFrame, top: int = 5, threshold: float = 0.5) -> pd.DataFrame:
    """The largest standardised differences, biggest first.

    ``frame`` has ``indicator``, ``z`` and ``higher_is_better`` (True, False or
    None). Adds ``direction`` ("högre"/"lägre") and ``judgement`` ("bättre",
    "sämre", or "" when the catalogue gives no direction) and keeps at most
    ``top`` rows with |z| ≥ ``threshold``.
    """
    out = frame[frame["z"].notna() & (frame["z"].abs() >= threshold)].copy()
    out = out.reindex(out["z"].abs().sort_values(ascending=False, kind="stable").index)
    out = out.head(top)
    out["direction"] = np.where(out["z"] > 0, "högre", "lägre")

    def judge(row) -> str:
        better = row["higher_is_better"]
        if better is None or pd.isna(better):
            return ""
        return "bättre" if (row["z"] > 0) == bool(better) else "sämre"

    out["judgement"] = [judge(r) for _, r in out.iterrows()] if len(out) else []
    return out.reset_index(drop=True)


def case_crosstab(
    frame: pd.DataFrame,
    codes_: tuple[str, ...],
    date_col: str,
    start,
    end,
    row: str,
    column: str,
    row_labels: dict[str, str],
    column_labels: dict[str, str],
    list_column: bool = False,
) -> pd.DataFrame:
    """Records in ``codes_`` areas within [start, end]: rows × columns of counts (Swedish).

    With ``list_column``, ``column`` holds ';'-separated lists and a record is
    counted once under each element (columns then overlap: no row totals).
    """
    rows = in_window(frame[frame["area_code"].isin(codes_)], date_col, start, end)
    if list_column:
        rows = rows.assign(**{column: rows[column].str.split(";")}).explode(column)
        rows = rows[rows[column].notna() & (rows[column] != "")]
    rows = rows[rows[row].isin(list(row_labels)) & rows[column].isin(list(column_labels))]
    table = pd.crosstab(rows[row], rows[column])
    table = table.reindex(
        index=[r for r in row_labels if r in table.index],
        columns=[c for c in column_labels if c in table.columns],
        fill_value=0,
    )
    table.index = [row_labels[r] for r in table.index]
    table.columns = [column_labels[c] for c in table.columns]
    return table.astype(int)


__all__ = [
    "AGE_SEX_KEY",
    "age_sex_shares",
    "band_label",
    "case_crosstab",
    "deviations",
    "indicator_rows",
    "is_age_sex",
    "latest_year",
    "ranks",
    "standardised_difference",
]
