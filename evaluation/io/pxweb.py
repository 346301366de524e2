"""Read SCB PxWeb responses (``json``, ``json-stat2``, CSV) into one tidy table.

Every reader returns one row per cell: a column per dimension named by its
code (``Region``, ``Alder``, ``Kon``, ``Tid``...), ``measure`` when the
response carries several content variables, a float ``value`` and
``value_note`` explaining a missing value (SCB's ``..``, ``.``, ``-``).
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
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
        raise DataError("file not found", file=path)
    if path.suffix.lower() in (".csv", ".txt"):
        return _read_csv(path)
    return _from_document(load_json(path), path)


def load_json(path: str | Path) -> Any:
    """Parse a JSON file, turning a decoding error into a DataError with line and column."""
    path = Path(path)
    raw = path.read_bytes()
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise DataError(
            "file is not UTF-8 encoded JSON",
            file=path,
            expected="UTF-8 JSON",
            found=f"undecodable byte at position {exc.start}",
        ) from None
    except json.JSONDecodeError as exc:
        hint = " (the file looks truncated)" if raw.rstrip()[-1:] not in (b"}", b"]") else ""
        raise DataError(
            f"file is not valid JSON{hint}",
            file=path,
            row=exc.lineno,
            expected="a complete JSON document",
            found=f"{exc.msg} at line {exc.lineno}, column {exc.colno}",
        ) from None


def _from_document(doc: Any, file: str | Path) -> pd.DataFrame:
    if isinstance(doc, dict) and "columns" in doc and "data" in doc:
        return _from_v1(doc, file)
    if isinstance(doc, dict) and ("dimension" in doc or doc.get("class") == "dataset"):
        return _from_jsonstat2(doc, file)
    found = f"keys {sorted(doc)[:8]}" if isinstance(doc, dict) else type(doc).__name__
    raise DataError(
        "not a PxWeb response",
        file=file,
        expected="PxWeb 'json' (columns, data) or 'json-stat2' (dimension, value)",
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
            "a 'columns' entry has no 'code'", file=file, expected="columns with code, text, type"
        ) from None
    if not contents:
        raise DataError(
            "response has no content column (type 'c')",
            file=file,
            expected="at least one column of type 'c'",
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
            f"{where} has no 'key' and 'values'",
            file=file,
            column=where,
            expected="{'key': [...], 'values': [...]}",
            found=str(row)[:60],
        )
    key, values = row["key"], row["values"]
    if len(key) != n_dims:
        raise DataError(
            f"{where}.key does not match the dimension columns",
            file=file,
            column=where,
            expected=f"{n_dims} codes",
            found=f"{len(key)} codes",
        )
    if len(values) != n_contents:
        raise DataError(
            f"{where}.values does not match the content columns",
            file=file,
            column=where,
            expected=f"{n_contents} values",
            found=f"{len(values)}",
        )
    return [str(k) for k in key], values


def _category_codes(dim: dict, name: str, file) -> list[str]:
    try:
        index = dim["category"]["index"]
    except (TypeError, KeyError):
        raise DataError(
            f"dimension '{name}' has no category index",
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
                f"json-stat2 response has no '{key}'",
                file=file,
                column=key,
                expected="id, size, dimension, value",
            )
    ids, sizes = list(doc["id"]), list(doc["size"])
    missing = [d for d in ids if d not in doc["dimension"]]
    if missing or len(ids) != len(sizes):
        raise DataError(
            "json-stat2 'id' names a dimension that is not described",
            file=file,
            column="dimension",
            expected=f"dimensions {ids}",
            found=f"missing {missing}" if missing else f"size {sizes}",
        )
    codes = [_category_codes(doc["dimension"][d], d, file) for d in ids]
    for d, size, cats in zip(ids, sizes, codes, strict=False):
        if len(cats) != size:
            raise DataError(
                f"dimension '{d}' has {len(cats)} categories but size {size}",
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
            f"json-stat2 '{name}' has the wrong length",
            file=file,
            column=name,
            expected=f"{n} cells (product of size)",
            found=f"{len(values)}",
        )
    return list(values)


def to_jsonstat2(
    frame: pd.DataFrame,
    *,
    label: str = "",
    source: str = "SCB",
    metric_codes: list[str] | None = None,
) -> dict:
    """Write a tidy PxWeb frame back as a json-stat2 dataset (dimensions in column order).

    A frame without ``measure`` gets a one-category ``ContentsCode`` from ``metric_codes``.
    """
    frame = frame.copy()
    if MEASURE in frame.columns:
        frame = frame.rename(columns={MEASURE: "ContentsCode"})
    elif metric_codes:
        frame["ContentsCode"] = metric_codes[0]
    dims = [c for c in frame.columns if c not in (VALUE, NOTE)]
    cats = {d: list(dict.fromkeys(frame[d].astype(str))) for d in dims}
    full = pd.MultiIndex.from_product([cats[d] for d in dims], names=dims)
    indexed = frame.astype({d: str for d in dims}).set_index(dims).reindex(full)
    reasons = {v: k for k, v in reversed(MARKERS.items())}
    values: list[float | None] = []
    status: dict[str, str] = {}
    for i, (number, note) in enumerate(zip(indexed[VALUE], indexed[NOTE], strict=False)):
        values.append(None if pd.isna(number) else float(number))
        if pd.isna(number):
            status[str(i)] = reasons.get(note, "..") if isinstance(note, str) else ".."
    dimension = {
        d: {
            "label": d,
            "category": {
                "index": {c: i for i, c in enumerate(cats[d])},
                "label": {c: c for c in cats[d]},
            },
        }
        for d in dims
    }
    doc: dict[str, Any] = {
        "version": "2.0",
        "class": "dataset",
        "label": label,
        "source": source,
        "id": dims,
        "size": [len(cats[d]) for d in dims],
        "dimension": dimension,
        "value": values,
    }
    if "ContentsCode" in dims:
        doc["role"] = {"metric": ["ContentsCode"]}
    time = [d for d in dims if d == "Tid"]
    if time:
        doc.setdefault("role", {})["time"] = time
    if status:
        doc["status"] = status
    return doc


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


# --- SCB CSV downloads -----------------------------------------------------------------------

# Header texts SCB writes for the dimensions we know, mapped to their API codes.
_DIM_ALIASES = {
    "region": "Region",
    "ålder": "Alder",
    "alder": "Alder",
    "kön": "Kon",
    "kon": "Kon",
    "år": "Tid",
    "tid": "Tid",
    "inkomstkomponent": "Inkomstkomponenter",
    "inkomstkomponenter": "Inkomstkomponenter",
    "tabellinnehåll": MEASURE,
    "contentscode": MEASURE,
}
_SEX_TEXT = {
    "män": "1",
    "kvinnor": "2",
    "totalt": "1+2",
    "män och kvinnor": "1+2",
    "båda könen": "1+2",
    "totalt kön": "1+2",
}
_PERIOD = re.compile(r"^(?:(?P<label>.*\S)\s+)?(?P<period>\d{4}(?:[MKH]\d{1,2})?)$")


def _decode(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:  # SCB's older downloads are Windows-1252
        return raw.decode("cp1252")


def _csv_code(dim: str, text: str) -> str:
    """Turn a CSV cell that may be 'code text' or a Swedish label into the API's code."""
    text = text.strip()
    if dim == "Region":
        first = text.split(" ", 1)[0]
        try:
            parse_region(first)
            return first
        except ValueError:
            return text
    if dim == "Kon":
        return _SEX_TEXT.get(text.lower(), text)
    if dim == "Alder":
        low = text.lower().removesuffix(" år").strip()
        if low.startswith("totalt"):
            return "totalt"
        low = re.sub(r"^0-", "-", low)
        return re.sub(r"^(\d+)\+$", r"\1-", low)
    return text


def _read_csv(path: Path) -> pd.DataFrame:
    """SCB CSV: optional title line, then dimension columns and value columns.

    Value columns are named '<content> <period>' (wide, as the v1 API and the web download
    write them) or are content codes beside a ``Tid`` column (long, PxWeb v2 'usecodes').
    """
    lines = _decode(path).splitlines()
    start: int | None = None
    sep: str | None = ","
    for i, line in enumerate(lines):  # skip title lines: the header is the first with 2+ fields
        sep = next(
            (s for s in (";", "\t", ",") if len(next(csv.reader([line], delimiter=s), [])) > 1),
            None,
        )
        if sep:
            start = i
            break
    if start is None:
        raise DataError(
            "no header line found",
            file=path,
            row=1,
            expected="a header with dimension and value columns",
            found="no columns",
        )
    rows = list(csv.reader(io.StringIO("\n".join(lines[start:])), delimiter=sep or ","))
    header = [h.strip() for h in rows[0]]
    header_row = start + 1
    dims: list[str] = []
    values: list[str] = []
    for name in header:
        period = _PERIOD.match(name)
        if name.lower() in _DIM_ALIASES or (not period and not values and name):
            dims.append(name)
        elif name:
            values.append(name)
        else:
            values = []
            break
    codes = [_DIM_ALIASES.get(d.lower(), d) for d in dims]
    long_form = "Tid" in codes
    if (
        not dims
        or not values
        or len(set(header)) != len(header)
        or (not long_form and not all(_PERIOD.match(v) for v in values))
    ):
        raise DataError(
            "unexpected header in SCB CSV",
            file=path,
            row=header_row,
            expected="dimension columns (e.g. region, ålder, kön) then value "
            "columns named '<content> <year>' or a 'Tid' column",
            found=", ".join(header)[:120],
        )
    records = []
    for offset, row in enumerate(rows[1:], start=header_row + 1):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise DataError(
                "row has a different number of fields than the header",
                file=path,
                row=offset,
                expected=f"{len(header)} fields",
                found=f"{len(row)}",
            )
        key = [_csv_code(code, cell) for code, cell in zip(codes, row, strict=False)]
        for name, cell in zip(values, row[len(dims) :], strict=False):
            number, note = _parse_value(cell)
            if long_form:
                records.append((*key, name, number, note))
            else:
                match = _PERIOD.match(name)
                assert match is not None  # the header loop kept only names that match
                records.append((*key, match["label"] or "", match["period"], number, note))
    extra = [MEASURE] if long_form else [MEASURE, "Tid"]
    frame = pd.DataFrame.from_records(records, columns=[*codes, *extra, VALUE, NOTE])
    if frame[MEASURE].nunique() <= 1:
        frame = frame.drop(columns=MEASURE)
    order = [c for c in ("Region",) if c in frame] + [
        str(c) for c in frame if c not in ("Region", "Tid", MEASURE, VALUE, NOTE)
    ]
    order += [c for c in ("Tid", MEASURE) if c in frame]
    frame = frame[[*order, VALUE, NOTE]]
    return _finish(frame, order)


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
                f"no dimension '{col}' in the PxWeb table",
                column=col,
                expected=col,
                found=", ".join(map(str, frame.columns)),
            )
    for col, wanted in (filters or {}).items():
        if col not in frame.columns:
            raise DataError(
                f"filter on unknown dimension '{col}'",
                column=col,
                found=", ".join(map(str, frame.columns)),
            )
        wanted = [wanted] if isinstance(wanted, str) else list(wanted)
        absent = sorted(set(wanted) - set(frame[col]))
        if absent:
            raise DataError(
                f"dimension '{col}' has no value {absent}",
                column=col,
                expected=", ".join(sorted(frame[col].unique()))[:120],
            )
        frame = frame[frame[col].isin(wanted)]
    denominators = None
    if MEASURE in frame.columns:
        choices = sorted(frame[MEASURE].unique())
        if measure is None:
            raise DataError(
                "the table has several content variables; name one with measure=",
                column=MEASURE,
                expected="one of " + ", ".join(choices),
            )
        for name in (measure, denominator_measure):
            if name is not None and name not in choices:
                raise DataError(
                    f"no content variable '{name}'",
                    column=MEASURE,
                    expected="one of " + ", ".join(choices),
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
            f"dimensions {varying} still vary; fix them with filters=",
            column=varying[0],
            expected="one value per region and year",
            found=", ".join(sorted(frame[varying[0]].unique()))[:120],
        )
    parsed = []
    for code in frame[region]:
        try:
            parsed.append(parse_region(code))
        except ValueError:
            raise DataError(
                "region code maps to no area",
                column=region,
                expected="DeSO/RegSO code (with optional _DeSO2025 suffix), "
                "municipality code, or 00 for Sweden",
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
            "age label is not a band",
            column="Alder",
            expected="'-4', '5-9', '80-', '17' or 'totalt'",
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
            f"age bands do not add up to {label}",
            column=age,
            expected=f"bands that exactly cover ages {label}",
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
