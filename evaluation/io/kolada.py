"""Read Kolada responses (KPI × municipality × year × gender) and turn them into area_statistics.

Kolada's v3 API answers ``{"count", "values", "next_url", "previous_url"}``; saved v2 files
page with ``next_page`` instead. Each value holds one KPI, municipality and period with a
list of per-gender figures (``T`` total, ``K`` women, ``M`` men).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from evaluation.exceptions import DataError
from evaluation.io.pxweb import load_json

COLUMNS = ["kpi", "municipality", "period", "gender", "value", "status"]
NATIONAL = "0000"


def read_kolada(source: str | Path | dict | list) -> pd.DataFrame:
    """Read a Kolada response file, one parsed page, or a list of pages into a tidy frame.

    Columns: kpi, municipality, period (int), gender (T/K/M), value (float), status.
    """
    file: str | Path = "<response>"
    if isinstance(source, (str, Path)):
        file = Path(source)
        if not file.exists():
            raise DataError("filen finns inte", file=file)
        source = load_json(file)
    pages = source if isinstance(source, list) else [source]
    records = []
    for number, page in enumerate(pages, start=1):
        records.extend(_page_records(page, number, file))
    frame = pd.DataFrame.from_records(records, columns=COLUMNS)
    frame = frame.astype(
        {
            "kpi": "string",
            "municipality": "string",
            "period": "int64",
            "gender": "string",
            "value": "float64",
            "status": "string",
        }
    )
    return frame


def next_link(page: dict) -> str | None:
    """Return the URL of the next page (v3 ``next_url``, v2 ``next_page``), or None."""
    return page.get("next_url") or page.get("next_page") or None


def _page_records(page: Any, number: int, file) -> list[tuple]:
    if not isinstance(page, dict) or not isinstance(page.get("values"), list):
        found = f"nycklar {sorted(page)[:6]}" if isinstance(page, dict) else type(page).__name__
        raise DataError(
            f"sida {number} är inget datasvar från Kolada",
            file=file,
            column="values",
            expected="ett objekt med en lista 'values'",
            found=found,
        )
    if next_link(page) and isinstance(file, Path):
        warnings.warn(
            f"{file.name}: sida {number} länkar till en nästa sida som inte finns i "
            "filen; datan kan vara ofullständig",
            stacklevel=3,
        )
    records = []
    for i, item in enumerate(page["values"]):
        where = f"values[{i}]"
        if not isinstance(item, dict):
            raise DataError(f"{where} är inget objekt", file=file, column=where)
        missing = [k for k in ("kpi", "municipality", "period", "values") if k not in item]
        if missing:
            what = " (data för organisatoriska enheter?)" if "ou" in item else ""
            raise DataError(
                f"{where} saknar {missing}{what}",
                file=file,
                column=where,
                expected="kpi, municipality, period, values",
                found=", ".join(sorted(item)),
            )
        try:
            period = int(str(item["period"])[:4])
        except ValueError:
            raise DataError(
                f"{where}.period är inget år",
                file=file,
                column=where,
                expected="ett år, t.ex. 2024",
                found=str(item["period"]),
            ) from None
        for cell in item["values"]:
            value = cell.get("value")
            records.append(
                (
                    str(item["kpi"]),
                    str(item["municipality"]).zfill(4),
                    period,
                    str(cell.get("gender", "T")),
                    np.nan if value is None else float(value),
                    cell.get("status") or None,
                )
            )
    return records


def kolada_to_area_statistics(
    frame: pd.DataFrame, kpi_to_indicator: dict[str, str], *, gender: str = "T"
) -> pd.DataFrame:
    """Turn a Kolada frame into area_statistics rows (municipality codes, ``0000`` -> ``SE``).

    Only the KPIs in ``kpi_to_indicator`` are kept; a mapped KPI absent from the frame is a
    DataError, since a silently empty indicator would look like missing data later.
    """
    absent = sorted(set(kpi_to_indicator) - set(frame["kpi"]))
    if absent:
        raise DataError(
            f"nyckeltalet {', '.join(absent)} finns inte i Kolada-datan",
            column="kpi",
            expected=", ".join(sorted(kpi_to_indicator)),
            found=", ".join(sorted(frame["kpi"].unique())),
        )
    chosen = frame[frame["kpi"].isin(list(kpi_to_indicator)) & (frame["gender"] == gender)]
    area = chosen["municipality"].where(chosen["municipality"] != NATIONAL, "SE")
    return pd.DataFrame(
        {
            "area_code": area.astype("string").to_numpy(),
            "year": chosen["period"].to_numpy(dtype="int64"),
            "indicator": pd.array(chosen["kpi"].map(kpi_to_indicator).to_numpy(), dtype="string"),
            "value": chosen["value"].to_numpy(dtype="float64"),
            "numerator": np.nan,
            "denominator": np.nan,
            "division": pd.array([""] * len(chosen), dtype="string"),
        }
    ).reset_index(drop=True)
