"""Shares in area_statistics in percent: fractions (0.2 for 20 %) are recognised per indicator.

The catalogue defines shares in percent (0–100). A file may give them as fractions
(0–1); whether it does is decided once per indicator from the whole column, never
per value: by the numerators and denominators when the file has them, else by the
size of the values and the catalogue's unit. A column that could be either is refused.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from evaluation.exceptions import DataError

#: Catalogue units that say the values are fractions (0–1) rather than percent.
FRACTION_UNITS = {"andel", "andel (0–1)", "andel (0-1)", "kvot", "fraction"}


def _scale_from_ratio(rows: pd.DataFrame) -> float | None:
    """100 when values are percent of numerator/denominator, 1 when fractions, else None."""
    ok = rows["numerator"].notna() & (rows["denominator"] > 0) & rows["value"].notna()
    if not ok.any():
        return None
    ratio = (rows.loc[ok, "numerator"] / rows.loc[ok, "denominator"]).to_numpy()
    value = rows.loc[ok, "value"].to_numpy()
    for scale in (100.0, 1.0):
        if np.allclose(value, ratio * scale, rtol=0.01, atol=0.05 * scale / 100):
            return scale
    return None


def normalise_shares(stats: pd.DataFrame, catalogue: dict, file: Path) -> pd.DataFrame:
    """Return ``stats`` with every share indicator in percent; DataError when undecidable."""
    shares = [k for k, info in catalogue.items() if info.kind == "share"]
    out = stats
    for key in shares:
        mask = (stats["indicator"] == key).to_numpy()
        rows = stats.loc[mask]
        values = rows["value"].dropna()
        if values.empty:
            continue
        unit = catalogue[key].unit.strip().lower()
        scale = _scale_from_ratio(rows) if "numerator" in rows and "denominator" in rows else None
        if scale is None:
            if unit in FRACTION_UNITS:
                scale = 1.0
            elif values.max() > 1:
                scale = 100.0
            else:
                raise DataError(
                    f"indikatorn {key} är en andel, men alla värden ligger mellan 0 och 1, så "
                    "det går inte att avgöra om de är procent eller andelar; ange procent "
                    "(0–100), lägg till numerator och denominator, eller ge indikatorn "
                    "unit: andel (0–1) i datamappens indicators.yaml",
                    file=file,
                    column="value",
                    expected="andelar i procent (0–100)",
                    found=f"värden {values.min():g}–{values.max():g}",
                )
        if scale == 1.0:
            if values.max() > 1 + 1e-9:
                raise DataError(
                    f"indikatorn {key} anges som andelar (0–1) men har värden över 1",
                    file=file,
                    column="value",
                    expected="en skala för hela kolumnen",
                    found=f"högsta värde {values.max():g}",
                )
            if out is stats:
                out = stats.copy()
            out.loc[mask, "value"] = out.loc[mask, "value"] * 100.0
        elif values.max() > 100 + 1e-9:
            raise DataError(
                f"indikatorn {key} är en andel i procent men har värden över 100",
                file=file,
                column="value",
                expected="värden 0–100",
                found=f"högsta värde {values.max():g}",
            )
        _refuse_hundredfold(out, mask, key, file)
    return out


def _refuse_hundredfold(stats: pd.DataFrame, mask: np.ndarray, key: str, file: Path) -> None:
    """Refuse a value a hundred times off its area's other values (a fraction among percent).

    Rows with a numerator and denominator are checked against them elsewhere; a row
    without them can only be compared with the same area's other periods. Written by
    hand: no library judges a scale per group, and a share does not move a hundredfold.
    """
    from evaluation.load.schemas import first_row

    if "area_code" not in stats:
        return
    rows = stats.loc[mask, ["area_code", "value"]]
    median = rows.groupby("area_code")["value"].transform("median")
    ratio = (rows["value"] / median).where((rows["value"] > 0) & (median > 0))
    off = ((ratio > 0.005) & (ratio < 0.02)) | ((ratio > 50) & (ratio < 200))
    if not off.any():
        return
    bad = pd.Series(False, index=stats.index)
    bad[off[off].index] = True
    at = off[off].index[0]
    raise DataError(
        f"indikatorn {key} blandar andelar (0–1) och procent (0–100): värdet är omkring "
        "hundra gånger mindre eller större än områdets övriga värden",
        file=file,
        row=first_row(bad),
        column="value",
        expected="en skala för hela indikatorn",
        found=f"{stats.loc[at, 'value']:g} (områdets median {median.loc[at]:g})",
    )


def normalise_folder_shares(stats: pd.DataFrame, folder: Path, file: Path) -> pd.DataFrame:
    """``normalise_shares`` with the packaged catalogue plus the folder's indicators.yaml."""
    return normalise_shares(stats, folder_catalogue(folder), file)


#: Catalogues already read: (indicators.yaml's stat identity or None) -> (catalogue, sha256).
_CATALOGUES: dict[tuple, tuple[dict, str | None]] = {}


def _indicators_file(folder: Path) -> Path | None:
    """The folder's indicators.yaml, found as the fingerprint finds it (any case)."""
    from evaluation.load.fingerprint import resolve_files

    return resolve_files(Path(folder)).get("indicators")


def _catalogue_entry(folder: Path) -> tuple[dict, str | None]:
    """The catalogue for ``folder`` and the hash of its indicators.yaml, read once per version.

    Every load checks shares and counts against the catalogue; parsing its YAML twice
    per load was a third of the loader's time. The folder's file is hashed when read and
    its stat identity checked unchanged afterwards (load_catalogue reads it by path).
    """
    from evaluation.exceptions import DataError
    from evaluation.load.fingerprint import _stat_key, read_once
    from evaluation.metadata.catalogue import load_catalogue

    extra = _indicators_file(folder)
    key = _stat_key(extra) if extra is not None else ("packaged",)
    if key not in _CATALOGUES:
        digest = read_once(extra)[1] if extra is not None else None
        catalogue = load_catalogue(extra)
        if extra is not None and _stat_key(extra) != key:
            raise DataError("filen ändrades medan den lästes; kör igen", file=extra)
        _CATALOGUES[key] = (catalogue, digest)
    return _CATALOGUES[key]


def folder_catalogue(folder: Path) -> dict:
    """The packaged indicator catalogue with the folder's indicators.yaml merged on top."""
    return _catalogue_entry(folder)[0]


def folder_catalogue_digest(folder: Path) -> str | None:
    """SHA-256 of the folder's indicators.yaml as read for ``folder_catalogue``."""
    return _catalogue_entry(folder)[1]
