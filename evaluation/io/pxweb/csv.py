"""Read SCB's CSV downloads (wide web downloads and PxWeb v2 'usecodes' long CSV)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd

from evaluation.exceptions import DataError
from evaluation.io.pxweb.read import MEASURE, NOTE, VALUE, _finish, _parse_value
from evaluation.io.pxweb.regions import parse_region

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


def read_csv(path: Path) -> pd.DataFrame:
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
            "ingen rubrikrad hittades",
            file=path,
            row=1,
            expected="en rubrikrad med dimensions- och värdekolumner",
            found="inga kolumner",
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
            "oväntad rubrikrad i SCB-CSV",
            file=path,
            row=header_row,
            expected="dimensionskolumner (t.ex. region, ålder, kön) och sedan värdekolumner "
            "med namn som '<innehåll> <år>' eller en kolumn 'Tid'",
            found=", ".join(header)[:120],
        )
    records = []
    for offset, row in enumerate(rows[1:], start=header_row + 1):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise DataError(
                "raden har ett annat antal fält än rubrikraden",
                file=path,
                row=offset,
                expected=f"{len(header)} fält",
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
