"""Regenerate the constructed fixtures from the real SCB responses (run from the repo root).

    .venv/bin/python tests/unit/io/make_fixtures.py

Writes json-stat2 and CSV versions of the same SCB figures, and a small GeoPackage shaped like
SCB's DeSO/RegSO files (layer names, column names, geometry column ``sp_geometry``, EPSG:3006).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import geopandas as gpd
from shapely.geometry import box

from evaluation.io.pxweb import read_pxweb, to_jsonstat2

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
SCB = FIXTURES / "scb"
KALMAR = SCB / "kalmar_regso_population_age_sex_2024.json"
VAXJO = SCB / "vaxjo_regso_income_sex_2024.json"

# SCB's CSV writes Swedish labels; these are the labels for the codes in the fixtures.
SEX_LABEL = {"1": "män", "2": "kvinnor", "1+2": "totalt"}


def _age_label(code: str) -> str:
    if code == "totalt":
        return "totalt ålder"
    if code.startswith("-"):
        return f"0{code} år"
    if code.endswith("-"):
        return f"{code[:-1]}+ år"
    return f"{code} år"


def write_jsonstat2() -> None:
    """json-stat2 of the same cubes; the content code is the one the v1 response names."""
    for source, target in (
        (KALMAR, "kalmar_regso_population_age_sex_2024.jsonstat2.json"),
        (VAXJO, "vaxjo_regso_income_sex_2024.jsonstat2.json"),
    ):
        v1 = json.loads(source.read_text(encoding="utf-8"))
        contents = [c["code"] for c in v1["columns"] if c["type"] == "c"]
        frame = read_pxweb(source)
        doc = to_jsonstat2(frame, label=v1["metadata"][0]["label"], metric_codes=contents)
        doc["updated"] = v1["metadata"][0]["updated"]
        (SCB / target).write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")


def write_csv() -> None:
    """Kalmar as the v1 API's CSV (texts, 'code name' regions), UTF-8 with a title line."""
    frame = read_pxweb(KALMAR)
    path = SCB / "kalmar_regso_population_age_sex_2024.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write('"Folkmängden per region efter region, ålder, kön och år"\n\n')
        out = csv.writer(handle, quoting=csv.QUOTE_NONNUMERIC)
        out.writerow(["region", "ålder", "kön", "Folkmängden per region 2024"])
        for row in frame.itertuples(index=False):
            out.writerow(
                [
                    f"{row.Region} Kalmar {row.Region[5:8]}",
                    _age_label(row.Alder),
                    SEX_LABEL[row.Kon],
                    int(row.value),
                ]
            )
    # Växjö as the semicolon, decimal-comma, Windows-1252 download with two contents.
    frame = read_pxweb(VAXJO)
    wide = frame.pivot_table(
        index=["Region", "Kon"], columns="measure", values="value", sort=False
    ).reset_index()
    path = SCB / "vaxjo_regso_income_sex_2024.csv"
    with path.open("w", encoding="cp1252", newline="") as handle:
        out = csv.writer(handle, delimiter=";")
        out.writerow(
            [
                "region",
                "inkomstkomponent",
                "kön",
                "Medelvärde för samtliga, tkr 2024",
                "Antal personer totalt 2024",
            ]
        )
        for row in wide.itertuples(index=False):
            out.writerow(
                [
                    row.Region,
                    "240 nettoinkomst",
                    SEX_LABEL[row.Kon],
                    f"{row._2:.1f}".replace(".", ","),
                    f"{row._3:.0f}",
                ]
            )


def write_geopackage() -> None:
    """Four 1 km DeSO squares in Kalmar (two RegSO), as SCB publishes them."""
    x0, y0 = 585_000, 6_280_000
    deso = gpd.GeoDataFrame(
        {
            "desokod": ["0880C1010", "0880C1020", "0880C1030", "0880A0040"],
            "regsokod": ["0880R001", "0880R001", "0880R002", "0880R002"],
            "kommunkod": ["0880"] * 4,
            "kommunnamn": ["Kalmar"] * 4,
            "lanskod": ["08"] * 4,
            "version": ["DeSO_2025"] * 4,
        },
        geometry=[box(x0 + i * 1000, y0, x0 + (i + 1) * 1000, y0 + 1000) for i in range(4)],
        crs="EPSG:3006",
    )
    regso = deso.dissolve(by="regsokod", as_index=False)[
        ["regsokod", "kommunkod", "kommunnamn", "geometry"]
    ]
    regso["regsonamn"] = ["Centrum", "Norra staden"]
    regso["version"] = "RegSO_2025"
    path = FIXTURES / "geo" / "scb_deso_regso_2025.gpkg"
    path.unlink(missing_ok=True)
    for layer, frame in (("DeSO_2025", deso), ("RegSO_2025", regso)):
        frame.to_file(
            path,
            layer=layer,
            driver="GPKG",
            engine="pyogrio",
            layer_options={"GEOMETRY_NAME": "sp_geometry"},
        )


if __name__ == "__main__":
    write_jsonstat2()
    write_csv()
    write_geopackage()
