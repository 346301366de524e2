"""Area boundaries: the contract's areas file or SCB's DeSO/RegSO GeoPackages, and aggregation.

Statistical areas (DeSO, RegSO) are combined into the evaluated areas through an
``area_mapping`` table (``from_code``, ``to_code``, optional ``to_name``): geometries are
dissolved, counts summed, shares and rates recomputed from their numerators and denominators.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from evaluation.exceptions import DataError
from evaluation.metadata.codes import NATIONAL_CODE

TARGET_CRS = "EPSG:3006"  # SWEREF 99 TM, what reports draw in
CONTRACT = ["area_code", "area_name", "municipality_code"]

# Column sources in order of preference: the contract's names, then SCB's.
_SOURCES = {
    "area_code": ("area_code", "desokod", "regsokod"),
    "area_name": ("area_name", "regsonamn", "desonamn"),
    "municipality_code": ("municipality_code", "kommunkod"),
}


def _layer(source, layer: str | None, path: Path) -> str | None:
    try:
        layers = [name for name, _ in pyogrio.list_layers(source)]
    except Exception as exc:  # GDAL raises its own types for unreadable files
        raise DataError(
            f"kan inte öppnas som kartfil: {exc}",
            file=path,
            expected="en GeoPackage- eller GeoJSON-fil",
        ) from None
    if layer is not None:
        if layer not in layers:
            raise DataError(
                f"lagret '{layer}' finns inte", file=path, expected=", ".join(layers), found=layer
            )
        return layer
    if len(layers) <= 1:
        return layers[0] if layers else None
    for preferred in (
        "areas",
        *sorted(n for n in layers if n.lower().startswith("deso")),
        *sorted(n for n in layers if n.lower().startswith("regso")),
    ):
        if preferred in layers:
            return preferred
    raise DataError(
        "filen har flera lager; ange ett med layer=",
        file=path,
        expected="ett av " + ", ".join(layers),
    )


def _division(frame: pd.DataFrame, layer: str | None) -> pd.Series | None:
    """SCB's ``version`` ('DeSO_2025') or the layer name, as ``DeSO2025``; None when unknown."""
    if "division" in frame.columns:
        return frame["division"].astype("string")
    if "version" in frame.columns:
        return frame["version"].astype("string").str.replace("_", "", regex=False)
    match = re.fullmatch(r"(?i)(deso|regso)_?(\d{4})", layer) if layer else None
    if match:
        kind, year = match.groups()
        name = "DeSO" if kind.lower() == "deso" else "RegSO"
        return pd.Series([f"{name}{year}"] * len(frame), index=frame.index, dtype="string")
    return None


def read_areas(
    path: str | Path, layer: str | None = None, *, data: bytes | None = None
) -> gpd.GeoDataFrame:
    """Read areas.gpkg/areas.geojson or an SCB DeSO/RegSO GeoPackage into the contract columns.

    ``data`` are the file's bytes when the caller has read (and hashed) them already.
    Returns area_code, area_name, municipality_code, (division), geometry in EPSG:3006, then
    any extra columns. Raises DataError naming file, row, column, expected and found.
    """
    path = Path(path)
    if data is None and not path.exists():
        raise DataError("filen finns inte", file=path)
    import io
    import warnings

    with warnings.catch_warnings():  # GDAL: in-memory GeoPackage "non conformant extension"
        warnings.simplefilter("ignore", RuntimeWarning)
        source = (lambda: io.BytesIO(data)) if data is not None else (lambda: path)
        layer = _layer(source(), layer, path)
        try:
            frame = gpd.read_file(source(), layer=layer, engine="pyogrio")
        except Exception as exc:  # GDAL raises its own types for unreadable files
            raise DataError(f"kan inte läsas som kartfil: {exc}", file=path) from None
    frame = frame.rename(
        columns={c: c.strip().lower() for c in frame.columns if c != frame.geometry.name}
    )
    prefer_regso = bool(layer and layer.lower().startswith("regso"))
    chosen: dict[str, str] = {}
    for target, sources in _SOURCES.items():
        if target == "area_code" and prefer_regso:
            sources = ("area_code", "regsokod")
        present = next((s for s in sources if s in frame.columns), None)
        if present is None and target == "area_name":
            present = chosen.get("area_code")  # DeSO have no names: show the code
        if present is None:
            raise DataError(
                f"kolumnen '{target}' saknas",
                file=path,
                column=target,
                expected=" eller ".join(sources),
                found=", ".join(c for c in frame.columns if c != "geometry"),
            )
        chosen[target] = present
    out = gpd.GeoDataFrame(
        {t: frame[s] for t, s in chosen.items()}, geometry=frame.geometry, crs=frame.crs
    )
    division = _division(frame, layer)
    if division is not None:
        out.insert(3, "division", division.to_numpy())
    extra = [
        c
        for c in frame.columns
        if c not in (*chosen.values(), "geometry", "division", frame.geometry.name)
    ]
    for col in extra:
        out[col] = frame[col].to_numpy()
    from evaluation.idnumbers import guard_frame

    guard_frame(out, path)  # R8: area names are drawn on maps and printed everywhere
    out = _infer_crs(out, path)
    _validate(out, path, chosen)
    out = out.to_crs(TARGET_CRS) if out.crs.to_epsg() != 3006 else out
    bounds = out.total_bounds
    if len(out) and not np.isfinite(bounds).all():
        raise DataError(
            "koordinaterna kan inte placeras på kartan",
            file=path,
            column="geometry",
            expected="koordinater i filens koordinatsystem",
            found="koordinater utanför dess område",
        )
    return out


#: SWEREF 99 TM bounds of Sweden with a margin (easting, northing in metres).
_SWEREF_BOUNDS = (180_000.0, 6_050_000.0, 1_000_000.0, 7_750_000.0)


def _infer_crs(frame: gpd.GeoDataFrame, path: Path) -> gpd.GeoDataFrame:
    """Read GeoJSON without a ``crs`` member right, or refuse it.

    GeoJSON has no CRS member by default and GDAL then assumes WGS84; coordinates
    in metres would turn into infinities. When they lie outside longitude/latitude
    range but inside Sweden in SWEREF 99 TM, they are read as EPSG:3006 (and said);
    otherwise the file is refused with a hint.
    """
    if frame.empty or (frame.crs is not None and frame.crs.to_epsg() != 4326):
        return frame
    minx, miny, maxx, maxy = frame.total_bounds
    if frame.crs is not None and -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90:
        return frame
    lo_x, lo_y, hi_x, hi_y = _SWEREF_BOUNDS
    if lo_x <= minx <= maxx <= hi_x and lo_y <= miny <= maxy <= hi_y:
        import sys

        print(
            f"{path.name}: koordinaterna saknar angivet referenssystem men ligger i Sverige "
            "i SWEREF 99 TM; de läses som EPSG:3006.",
            file=sys.stderr,
        )
        return frame.set_crs(TARGET_CRS, allow_override=True)
    raise DataError(
        "koordinaterna är inte longitud/latitud och filen anger inget koordinatsystem",
        file=path,
        column="geometry",
        expected="ett koordinatsystem sparat i filen (GeoPackage, eller GeoJSON i EPSG:4326), "
        "eller SWEREF 99 TM-koordinater inom Sverige",
        found=f"gränser {minx:.0f}, {miny:.0f}, {maxx:.0f}, {maxy:.0f}",
    )


def _validate(frame: gpd.GeoDataFrame, path: Path, chosen: dict[str, str]) -> None:
    """Contract rules for the areas layer; rows as a spreadsheet shows them (header = 1)."""
    if frame.crs is None:
        raise DataError(
            "filen har inget koordinatsystem",
            file=path,
            column="geometry",
            expected="ett koordinatsystem sparat i filen (t.ex. EPSG:3006)",
            found="inget",
        )
    code = chosen["municipality_code"]
    muni = frame["municipality_code"]
    if pd.api.types.is_numeric_dtype(muni):  # GeoJSON numbers drop the leading zero
        muni = muni.map(lambda v: None if pd.isna(v) else f"{int(v):04d}")
    frame["municipality_code"] = muni.astype("string").str.strip()
    frame["area_code"] = frame["area_code"].astype("string").str.strip()
    frame["area_name"] = frame["area_name"].astype("string")
    for i, value in enumerate(frame["area_code"]):
        if pd.isna(value) or value == "":
            raise DataError(
                "tom områdeskod",
                file=path,
                row=i + 2,
                column=chosen["area_code"],
                expected="en kod",
            )
    duplicated = frame["area_code"].duplicated()
    if duplicated.any():
        i = int(np.flatnonzero(duplicated.to_numpy())[0])
        raise DataError(
            "områdeskoden förekommer flera gånger",
            file=path,
            row=i + 2,
            column=chosen["area_code"],
            expected="varje kod en gång",
            found=str(frame["area_code"].iloc[i]),
        )
    bad = ~frame["municipality_code"].fillna("").str.fullmatch(r"\d{4}")
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            "kommunkoden har inte fyra siffror",
            file=path,
            row=i + 2,
            column=code,
            expected="fyra siffror, t.ex. 0880",
            found=str(frame["municipality_code"].iloc[i]),
        )
    kinds = frame.geometry.geom_type
    wrong = ~kinds.isin(["Polygon", "MultiPolygon"]) | frame.geometry.is_empty
    if wrong.any():
        i = int(np.flatnonzero(wrong.to_numpy())[0])
        raise DataError(
            "geometrin är ingen polygon",
            file=path,
            row=i + 2,
            column="geometry",
            expected="Polygon eller MultiPolygon",
            found=str(kinds.iloc[i]) if kinds.iloc[i] else "ingen geometri",
        )
    invalid = ~frame.geometry.is_valid
    if invalid.any():
        i = int(np.flatnonzero(invalid.to_numpy())[0])
        from shapely.validation import explain_validity

        raise DataError(
            "polygonen är ogiltig (laga den i ett GIS, t.ex. QGIS 'Fix geometries')",
            file=path,
            row=i + 2,
            column="geometry",
            expected="en giltig polygon (som inte korsar sig själv)",
            found=explain_validity(frame.geometry.iloc[i]).split("[")[0].strip(),
        )


def _mapping(mapping: pd.DataFrame) -> pd.DataFrame:
    """Normalise an area_mapping table: trimmed lower-case names, one target per source."""
    mapping = mapping.rename(columns={c: str(c).strip().lower() for c in mapping.columns})
    for col in ("from_code", "to_code"):
        if col not in mapping.columns:
            raise DataError(
                f"area_mapping saknar kolumnen '{col}'",
                file="area_mapping",
                column=col,
                expected="from_code, to_code",
                found=", ".join(map(str, mapping.columns)),
            )
    mapping = mapping.copy()
    for col in ("from_code", "to_code"):
        mapping[col] = mapping[col].astype("string").str.strip()
    targets = mapping.groupby("from_code")["to_code"].nunique()
    if (targets > 1).any():
        code = targets[targets > 1].index[0]
        row = int(np.flatnonzero((mapping["from_code"] == code).to_numpy())[1]) + 2
        raise DataError(
            "ett statistikområde hör till två utvärderade områden",
            file="area_mapping",
            row=row,
            column="from_code",
            expected="varje from_code en gång",
            found=str(code),
        )
    return mapping.drop_duplicates(["from_code", "to_code"])


def aggregate_areas(areas: gpd.GeoDataFrame, mapping: pd.DataFrame) -> gpd.GeoDataFrame:
    """Dissolve statistical areas into evaluated areas; the name comes from ``to_name`` or the code.

    A mapping code with no area, or an evaluated area spanning two municipalities, is a DataError.
    """
    mapping = _mapping(mapping)
    known = set(areas["area_code"])
    for i, code in enumerate(mapping["from_code"]):
        if code not in known:
            raise DataError(
                "koden i områdesindelningen finns inte i områdesfilen",
                file="area_mapping",
                row=i + 2,
                column="from_code",
                expected="en kod i områdesfilen",
                found=str(code),
            )
    joined = areas.merge(mapping, left_on="area_code", right_on="from_code", how="inner")
    munis = joined.groupby("to_code")["municipality_code"].nunique()
    if (munis > 1).any():
        raise DataError(
            "ett utvärderat område ligger i flera kommuner",
            file="area_mapping",
            column="to_code",
            expected="områden inom en kommun",
            found=str(munis[munis > 1].index[0]),
        )
    dissolved = joined.dissolve(
        by="to_code", aggfunc={"municipality_code": "first"}, as_index=False
    )
    names = (
        mapping.dropna(subset=["to_name"])
        .drop_duplicates("to_code")
        .set_index("to_code")["to_name"]
        if "to_name" in mapping.columns
        else pd.Series()
    )
    out = gpd.GeoDataFrame(
        {
            "area_code": dissolved["to_code"].astype("string"),
            "area_name": dissolved["to_code"]
            .map(names)
            .fillna(dissolved["to_code"])
            .astype("string"),
            "municipality_code": dissolved["municipality_code"].astype("string"),
        },
        geometry=dissolved.geometry,
        crs=areas.crs,
    )
    return out


def aggregate_statistics(
    area_statistics: pd.DataFrame,
    mapping: pd.DataFrame,
    catalogue: Mapping,
    *,
    strict: bool = False,
    unmapped: str = "error",
) -> pd.DataFrame:
    """Combine area_statistics of statistical areas into evaluated areas, honestly.

    Counts are summed; shares, rates and means are recomputed from summed numerators and
    denominators. Rows that cannot be combined get value NaN and a ``flag``
    (``not_aggregable``, ``missing_base``, ``missing_component``), or raise with strict=True.
    Municipality and national rows pass through. A statistical area not in the mapping is a
    DataError unless ``unmapped="drop"``.
    """
    mapping = _mapping(mapping)
    stats = area_statistics.reset_index(drop=True)
    for col in ("numerator", "denominator"):
        if col not in stats.columns:
            stats[col] = np.nan
    unknown = sorted(set(stats["indicator"]) - set(catalogue))
    if unknown:
        raise DataError(
            f"indikatorn {unknown[0]} finns inte i indikatorkatalogen",
            column="indicator",
            expected="en nyckel i indicators.yaml",
            found=", ".join(unknown),
        )
    stats["area_code"] = stats["area_code"].astype("string")
    mapped = stats["area_code"].isin(mapping["from_code"])
    passthrough = stats["area_code"].str.fullmatch(r"\d{4}") | (stats["area_code"] == NATIONAL_CODE)
    stray = stats[~mapped & ~passthrough]
    if len(stray) and unmapped == "error":
        raise DataError(
            "områdeskoden i statistiken hör inte till något utvärderat område",
            file="area_statistics",
            row=int(stray.index[0]) + 2,
            column="area_code",
            expected="en from_code i area_mapping (eller ange unmapped='drop')",
            found=str(stray["area_code"].iloc[0]),
        )
    absent = sorted(set(mapping["from_code"]) - set(stats["area_code"]))
    if absent:
        raise DataError(
            "koden i områdesindelningen har inga rader i statistiken",
            file="area_mapping",
            column="from_code",
            expected="statistik för varje område i indelningen",
            found=", ".join(absent[:5]),
        )
    members: dict = mapping.groupby("to_code")["from_code"].nunique().to_dict()
    parts = stats[mapped].merge(
        mapping[["from_code", "to_code"]], left_on="area_code", right_on="from_code"
    )
    rows = []
    for (to_code, year, key), group in parts.groupby(["to_code", "year", "indicator"], sort=True):
        n_members = int(members[to_code])
        rows.append(_combine(group, catalogue[key], n_members, to_code, year, key))
    out = pd.DataFrame(
        rows,
        columns=["area_code", "year", "indicator", "value", "numerator", "denominator", "flag"],
    )
    if strict and out["flag"].notna().any():
        bad = out[out["flag"].notna()].iloc[0]
        raise DataError(
            f"indikatorn {bad['indicator']} kan inte slås samman för "
            f"{bad['area_code']} {bad['year']}",
            column="indicator",
            expected="värden som går att slå samman",
            found=bad["flag"],
        )
    keep = stats.loc[
        passthrough & ~mapped,
        ["area_code", "year", "indicator", "value", "numerator", "denominator"],
    ]
    out = pd.concat([out, keep.assign(flag=None)], ignore_index=True)
    return out.astype(
        {
            "area_code": "string",
            "indicator": "string",
            "flag": "string",
            "year": "int64",
            "value": "float64",
            "numerator": "float64",
            "denominator": "float64",
        }
    )


def _combine(group: pd.DataFrame, info, n_members: int, to_code, year, key) -> tuple:
    """One evaluated area × year × indicator from its statistical areas' rows."""
    aggregation = getattr(info, "aggregation", None) or info["aggregation"]
    kind = getattr(info, "kind", None) or info["kind"]
    scale = {"share": 100.0, "rate": 1000.0}.get(kind, 1.0)
    num, den = group["numerator"].sum(min_count=1), group["denominator"].sum(min_count=1)
    if group["from_code"].nunique() < n_members:
        return to_code, year, key, np.nan, np.nan, np.nan, "missing_component"
    if aggregation == "none":
        return to_code, year, key, np.nan, np.nan, np.nan, "not_aggregable"
    if aggregation == "sum":
        if group["value"].isna().any():
            return to_code, year, key, np.nan, np.nan, np.nan, "missing_component"
        return to_code, year, key, float(group["value"].sum()), num, den, None
    # ratio: a share, rate or mean is only as good as the base every member reports
    if group["numerator"].isna().any() or group["denominator"].isna().any() or not den:
        return to_code, year, key, np.nan, np.nan, np.nan, "missing_base"
    return to_code, year, key, float(num / den * scale), float(num), float(den), None
