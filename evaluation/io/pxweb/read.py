"""Read SCB PxWeb responses (``json``, ``json-stat2``) into one tidy table.

Every reader returns one row per cell: a column per dimension named by its
code (``Region``, ``Alder``, ``Kon``, ``Tid``...), ``measure`` when the
response carries several content variables, a float ``value`` and
``value_note`` explaining a missing value (SCB's ``..``, ``.``, ``-``).
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from evaluation.exceptions import DataError

#: SCB's special symbols, as English reason codes kept in ``value_note``.
MARKERS = {
    "..": "not_available",  # uppgift inte tillgänglig eller för osäker
    "...": "not_available",
    ".": "not_applicable",  # uppgift kan inte förekomma
    "-": "nil",  # inget finns att redovisa
}
MEASURE = "measure"
VALUE = "value"
NOTE = "value_note"


def read_pxweb(source: str | Path | dict) -> pd.DataFrame:
    """Read a PxWeb response file (``.json`` v1 or json-stat2, or ``.csv``) or parsed dict.

    Returns one row per cell: dimension columns, optional ``measure``, ``value``, ``value_note``.
    """
    if isinstance(source, dict):
        return _from_document(source, "<response>")
    path = Path(source)
    if not path.exists():
        raise DataError("filen finns inte", file=path)
    if path.suffix.lower() in (".csv", ".txt"):
        from evaluation.io.pxweb.csv import read_csv

        return read_csv(path)
    return _from_document(load_json(path), path)


def load_json(path: str | Path) -> Any:
    """Parse a JSON file, turning a decoding error into a DataError with line and column."""
    path = Path(path)
    raw = path.read_bytes()
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise DataError(
            "filen är inte JSON i UTF-8",
            file=path,
            expected="JSON i UTF-8",
            found=f"oläslig byte på position {exc.start}",
        ) from None
    except json.JSONDecodeError as exc:
        hint = " (filen ser avkortad ut)" if raw.rstrip()[-1:] not in (b"}", b"]") else ""
        raise DataError(
            f"filen är inte giltig JSON{hint}",
            file=path,
            row=exc.lineno,
            expected="ett komplett JSON-dokument",
            found=f"{exc.msg} på rad {exc.lineno}, kolumn {exc.colno}",
        ) from None


def _from_document(doc: Any, file: str | Path) -> pd.DataFrame:
    if isinstance(doc, dict) and "columns" in doc and "data" in doc:
        return _from_v1(doc, file)
    if isinstance(doc, dict) and ("dimension" in doc or doc.get("class") == "dataset"):
        return _from_jsonstat2(doc, file)
    found = f"nycklar {sorted(doc)[:8]}" if isinstance(doc, dict) else type(doc).__name__
    raise DataError(
        "inget svar från PxWeb",
        file=file,
        expected="PxWeb 'json' (columns, data) eller 'json-stat2' (dimension, value)",
        found=found,
    )


def _parse_value(text: Any) -> tuple[float, str | None]:
    """Turn one PxWeb cell into (number, note); SCB markers give NaN and a reason."""
    if text is None:
        return np.nan, "not_available"
    if isinstance(text, (int, float)):
        return float(text), None
    text = str(text).strip()
    if text in MARKERS:
        return np.nan, MARKERS[text]
    try:
        return float(text.replace(",", ".").replace("\u00a0", "").replace(" ", "")), None
    except ValueError:
        return np.nan, f"marker:{text}"


def _finish(frame: pd.DataFrame, dims: list[str]) -> pd.DataFrame:
    for dim in dims:
        frame[dim] = frame[dim].astype("string")
    frame[VALUE] = frame[VALUE].astype("float64")
    frame[NOTE] = frame[NOTE].astype("string")
    return frame.reset_index(drop=True)


def _from_v1(doc: dict, file: str | Path) -> pd.DataFrame:
    """PxWeb v1 ``json``: ``columns`` typed d/t/c and ``data`` rows of key + values."""
    columns = doc["columns"]
    try:
        dims = [c["code"] for c in columns if c.get("type") != "c"]
        contents = [c["code"] for c in columns if c.get("type") == "c"]
    except (TypeError, KeyError):
        raise DataError(
            "en post i 'columns' saknar 'code'", file=file, expected="kolumner med code, text, type"
        ) from None
    if not contents:
        raise DataError(
            "svaret har ingen innehållskolumn (typ 'c')",
            file=file,
            expected="minst en kolumn av typ 'c'",
        )
    records = []
    for i, row in enumerate(doc["data"]):
        key, values = _v1_row(row, i, len(dims), len(contents), file)
        for code, raw in zip(contents, values, strict=False):
            number, note = _parse_value(raw)
            records.append((*key, code, number, note))
    frame = pd.DataFrame.from_records(records, columns=[*dims, MEASURE, VALUE, NOTE])
    if len(contents) == 1:
        frame = frame.drop(columns=MEASURE)
    else:
        dims = [*dims, MEASURE]
    return _finish(frame, dims)


def _v1_row(row: Any, i: int, n_dims: int, n_contents: int, file) -> tuple[list, list]:
    where = f"data[{i}]"
    if not isinstance(row, dict) or "key" not in row or "values" not in row:
        raise DataError(
            f"{where} saknar 'key' och 'values'",
            file=file,
            column=where,
            expected="{'key': [...], 'values': [...]}",
            found=str(row)[:60],
        )
    key, values = row["key"], row["values"]
    if len(key) != n_dims:
        raise DataError(
            f"{where}.key stämmer inte med dimensionskolumnerna",
            file=file,
            column=where,
            expected=f"{n_dims} koder",
            found=f"{len(key)} koder",
        )
    if len(values) != n_contents:
        raise DataError(
            f"{where}.values stämmer inte med innehållskolumnerna",
            file=file,
            column=where,
            expected=f"{n_contents} värden",
            found=f"{len(values)}",
        )
    return [str(k) for k in key], values


def _category_codes(dim: dict, name: str, file) -> list[str]:
    try:
        index = dim["category"]["index"]
    except (TypeError, KeyError):
        raise DataError(
            f"dimensionen '{name}' saknar category.index",
            file=file,
            column=name,
            expected="dimension.<id>.category.index",
        ) from None
    if isinstance(index, list):
        return [str(code) for code in index]
    return [str(code) for code, _ in sorted(index.items(), key=lambda item: item[1])]


def _metric_dimension(doc: dict) -> str | None:
    metric = (doc.get("role") or {}).get("metric") or []
    if metric:
        return metric[0]
    return "ContentsCode" if "ContentsCode" in doc.get("id", []) else None


def _from_jsonstat2(doc: dict, file: str | Path) -> pd.DataFrame:
    """json-stat 2.0 dataset: values in row-major order over ``id`` with ``size``."""
    for key in ("id", "size", "dimension", "value"):
        if key not in doc:
            raise DataError(
                f"json-stat2-svaret saknar '{key}'",
                file=file,
                column=key,
                expected="id, size, dimension, value",
            )
    ids, sizes = list(doc["id"]), list(doc["size"])
    missing = [d for d in ids if d not in doc["dimension"]]
    if missing or len(ids) != len(sizes):
        raise DataError(
            "json-stat2 'id' nämner en dimension som inte beskrivs",
            file=file,
            column="dimension",
            expected=f"dimensionerna {ids}",
            found=f"saknas: {missing}" if missing else f"storlek {sizes}",
        )
    codes = [_category_codes(doc["dimension"][d], d, file) for d in ids]
    for d, size, cats in zip(ids, sizes, codes, strict=False):
        if len(cats) != size:
            raise DataError(
                f"dimensionen '{d}' har {len(cats)} kategorier men storleken {size}",
                file=file,
                column=d,
                expected=str(size),
                found=str(len(cats)),
            )
    n_cells = int(np.prod(sizes)) if sizes else 0
    values = _dense(doc["value"], n_cells, "value", file)
    status = _dense(doc.get("status"), n_cells, "status", file)
    rows = list(itertools.product(*codes))  # row-major: the last dimension varies fastest
    parsed = [_parse_value(v) for v in values]
    notes = [
        MARKERS.get(s, f"marker:{s}") if s and np.isnan(num) else note
        for (num, note), s in zip(parsed, status, strict=False)
    ]
    frame = pd.DataFrame.from_records(rows, columns=ids)
    frame[VALUE] = [num for num, _ in parsed]
    frame[NOTE] = notes
    metric = _metric_dimension(doc)
    if metric in ids:
        if sizes[ids.index(metric)] == 1:
            frame = frame.drop(columns=metric)
        else:
            frame = frame.rename(columns={metric: MEASURE})
    dims = [c for c in frame.columns if c not in (VALUE, NOTE)]
    return _finish(frame, dims)


def _dense(values: Any, n: int, name: str, file) -> list:
    """json-stat2 ``value``/``status`` may be a list, a sparse dict or (status) one string."""
    if values is None:
        return [None] * n
    if isinstance(values, str):
        return [values] * n
    if isinstance(values, dict):
        out = [None] * n
        for key, item in values.items():
            out[int(key)] = item
        return out
    if len(values) != n:
        raise DataError(
            f"json-stat2 '{name}' har fel längd",
            file=file,
            column=name,
            expected=f"{n} celler (produkten av size)",
            found=f"{len(values)}",
        )
    return list(values)
