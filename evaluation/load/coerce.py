"""Turn raw cells into the contract's types, naming the first bad cell on failure.

Written by hand rather than left to pandera's coercion because the contract
accepts Swedish spellings (ja/nej, decimal comma, Excel serial dates) and the
error must name the spreadsheet row without ever echoing a sensitive value.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from evaluation.exceptions import DataError, IdentityNumberError
from evaluation.idnumbers import (
    contains_identity_number,
    first_identity_number_row,
    quote_safely,
)
from evaluation.io.tables import RawTable
from evaluation.load.fastops import iso_dates
from evaluation.metadata.contract import Column, TableSpec

_TRUE = {"true", "1", "ja", "j", "yes", "y", "sant"}
_FALSE = {"false", "0", "nej", "n", "no", "falskt"}
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")

_KIND_EXPECTED = {
    "text": "text",
    "int": "ett heltal",
    "float": "ett tal",
    "date": "ett datum ÅÅÅÅ-MM-DD",
    "bool": "ja/nej, j/n, 1/0 eller true/false",
    "list": "koder åtskilda med ';'",
}


def _fail(
    raw: RawTable,
    pos: int,
    col: Column,
    found: object,
    message: str | None = None,
    expected: str | None = None,
) -> DataError:
    return DataError(
        message or f"inte {_KIND_EXPECTED[col.kind]}",
        file=raw.path,
        row=raw.first_data_row + pos,
        column=col.name,
        expected=expected or _KIND_EXPECTED[col.kind],
        found=quote_safely(found),
    )


def _fail_rows(raw: RawTable, bad: pd.Series, col: Column, s: pd.Series) -> DataError:
    """A DataError for the first bad cell that also lists every bad row (``rows``, ``count``)."""
    positions = np.flatnonzero(bad.to_numpy(dtype=bool))
    err = _fail(raw, int(positions[0]), col, s.iloc[int(positions[0])])
    err.rows = [raw.first_data_row + int(p) for p in positions[:ROWS_KEPT]]
    err.count = len(positions)
    return err


ROWS_KEPT = 20  # bad rows remembered per column; the count covers them all


def _is_blank(s: pd.Series) -> pd.Series:
    return s.isna() | s.astype(str).str.strip().eq("")


def _text(s: pd.Series) -> pd.Series:
    def norm(v: object) -> object:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return pd.NA
        if isinstance(v, float) and v.is_integer():
            v = int(v)  # Excel turns codes into numbers
        return str(v).strip() or pd.NA

    if s.dtype == object:
        s = s.map(norm)
    else:
        s = s.astype("string").str.strip().replace({"": pd.NA})
    return s.astype("string")


def _arrow_float(s: pd.Series, decimal_comma: bool) -> pd.Series | None:
    """Arrow's cast for clean numeric text (the common case); None if any cell needs care."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(s.astype("string[pyarrow]").array)
    if decimal_comma:
        arr = pc.replace_substring(arr, ",", ".")
    try:
        out = pc.cast(arr, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return pd.Series(out.to_numpy(zero_copy_only=False), index=s.index, dtype="float64")


def _numbers(raw: RawTable, s: pd.Series, col: Column) -> pd.Series:
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        out = s.astype("float64")
    elif (
        not pd.api.types.is_object_dtype(s)
        and (fast := _arrow_float(s, raw.decimal_comma)) is not None
    ):
        out = fast
    else:
        text = s.astype("string").str.strip()
        text = text.str.replace(r"[\s\u00a0\u202f]", "", regex=True)  # thousands spaces
        if raw.decimal_comma or text.str.contains(",", regex=False).any():
            text = text.str.replace(",", ".", regex=False)
        text = text.replace({"": pd.NA})
        out = pd.to_numeric(text, errors="coerce").astype("float64")
        bad = out.isna() & text.notna()
        if bad.any():
            raise _fail_rows(raw, bad, col, s)
    return out


def _int(raw: RawTable, s: pd.Series, col: Column) -> pd.Series:
    out = _numbers(raw, s, col)
    frac = out.notna() & (out != np.floor(out))
    if frac.any():
        raise _fail_rows(raw, frac, col, s)
    return out.astype("Int64")


def _date_text(raw: RawTable, s: pd.Series, col: Column) -> pd.Series:
    """Fast path for text cells (CSV): ISO dates and date-times, Excel serials as a fallback."""
    text = s.astype("string").str.strip().replace({"": pd.NA})
    longer = text.str.len() > 10
    if not longer.any() and (fast := iso_dates(text)) is not None:
        return fast
    out = pd.to_datetime(text.str.slice(0, 10), format="%Y-%m-%d", errors="coerce")
    if longer.any():  # date-times: check the whole value, not just its date part
        full = pd.to_datetime(text[longer], format="ISO8601", errors="coerce")
        out[longer] = full
    failed = out.isna() & text.notna()
    if failed.any():
        serial = text[failed].str.fullmatch(r"\d{4,5}(\.\d+)?").fillna(False).astype(bool)
        idx = serial[serial].index
        if len(idx):
            out[idx] = _EXCEL_EPOCH + pd.to_timedelta(pd.to_numeric(text[idx]), unit="D")
        bad = out.isna() & text.notna()
        if bad.any():
            raise _fail_rows(raw, bad, col, s)
    return out.dt.normalize().astype("datetime64[ns]")


def _date(raw: RawTable, s: pd.Series, col: Column) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(s):
        return s.dt.tz_localize(None).dt.normalize() if s.dt.tz else s.dt.normalize()
    if not pd.api.types.is_object_dtype(s):
        return _date_text(raw, s, col)
    values = s.copy()
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    is_ts = values.map(lambda v: isinstance(v, (dt.datetime, dt.date, pd.Timestamp)))
    if is_ts.any():
        out[is_ts] = pd.to_datetime(values[is_ts].astype(object), errors="coerce")
    is_num = values.map(
        lambda v: (
            isinstance(v, (int, float, np.integer, np.floating))
            and not isinstance(v, bool)
            and not pd.isna(v)
        )
    )
    if is_num.any():  # Excel serial dates
        days = pd.to_numeric(values[is_num]).astype(float)
        ok = days.between(1, 2958465)
        out[is_num & ok.reindex(s.index, fill_value=False)] = _EXCEL_EPOCH + pd.to_timedelta(
            days[ok], unit="D"
        )
    rest = ~(is_ts | is_num) & ~_is_blank(values)
    if rest.any():  # text cells among Excel's own types: the same rules as a CSV's
        text = values.where(rest).map(lambda v: pd.NA if pd.isna(v) else str(v))
        out[rest] = _date_text(raw, text.astype("string"), col)[rest]
    bad = out.isna() & ~_is_blank(values)
    if bad.any():
        raise _fail_rows(raw, bad, col, s)
    return out.dt.normalize().astype("datetime64[ns]")


def _bool(raw: RawTable, s: pd.Series, col: Column) -> pd.Series:
    if pd.api.types.is_bool_dtype(s):
        return s.astype("boolean")
    if not pd.api.types.is_object_dtype(s):
        text = s.astype("string").str.strip().str.lower()
        return _bool_from_text(raw, s, col, text)
    text = s.map(
        lambda v: (
            pd.NA
            if v is None or (isinstance(v, float) and np.isnan(v))
            else str(int(v))
            if isinstance(v, (bool, np.bool_)) or (isinstance(v, float) and v.is_integer())
            else str(v)
        )
    )
    text = text.astype("string").str.strip().str.lower()
    return _bool_from_text(raw, s, col, text)


def _bool_from_text(raw: RawTable, s: pd.Series, col: Column, text: pd.Series) -> pd.Series:
    out = pd.Series(pd.NA, index=s.index, dtype="boolean")
    out[text.isin(_TRUE).fillna(False).astype(bool)] = True
    out[text.isin(_FALSE).fillna(False).astype(bool)] = False
    bad = out.isna() & text.notna() & text.ne("")
    if bad.any():
        raise _fail_rows(raw, bad, col, s)
    return out


def _list(raw: RawTable, s: pd.Series, col: Column) -> pd.Series:
    text = _text(s).str.lower().str.replace(r"\s*[;|]\s*", ";", regex=True)
    return text.str.strip(";").replace({"": pd.NA})


_CONVERTERS = {"int": _int, "float": _numbers, "date": _date, "bool": _bool, "list": _list}


def guard_identity_numbers(raw: RawTable, spec: TableSpec | None = None) -> None:
    """Reject the file if any cell holds a personal identity or coordination number.

    Dates, booleans and coded columns are left to their own parsers, which reject
    such a value anyway and never echo it; every other column (ids, free text,
    numbers, unknown extra columns) is scanned here.
    """
    typed = (
        set()
        if spec is None
        else {
            c.name
            for c in spec.columns
            if c.kind in ("date", "bool") or (c.allowed is not None and c.kind == "text")
        }
    )
    for name in raw.frame.columns:
        if contains_identity_number(str(name)):  # the header row is text too
            raise IdentityNumberError(
                "a column name is shaped like a Swedish personal identity or coordination number",
                file=raw.path,
                row=1,
                found="a personal identity number (not shown)",
            )
    for name in raw.frame.columns:
        if name in typed:
            continue
        pos = first_identity_number_row(raw.frame[name])
        if pos is not None:
            raise IdentityNumberError(
                "filen har ett värde som ser ut som ett person- eller samordningsnummer; "
                "id:n måste vara pseudonymer",
                file=raw.path,
                row=raw.first_data_row + pos,
                column=name,
                expected="ett pseudonymt id",
                found="ett personnummer (visas inte)",
            )


def coerce_table(
    raw: RawTable, spec: TableSpec, problems: list[DataError] | None = None
) -> pd.DataFrame | None:
    """Check columns are present and convert each to its contract type.

    Unknown extra columns are kept as they are; missing optional columns are
    added empty so downstream code can rely on every contract column existing.
    With a ``problems`` list every bad column is appended there (its cells left
    empty) instead of raising the first; a file without required columns gives None.
    """
    frame = raw.frame
    missing = [c.name for c in spec.columns if c.required and c.name not in frame.columns]
    if missing:
        err = DataError(
            "en obligatorisk kolumn saknas",
            file=raw.path,
            row=1,
            column=missing[0] if len(missing) == 1 else ", ".join(missing),
            expected=f"kolumnerna {', '.join(c.name for c in spec.columns if c.required)}",
            found=", ".join(map(str, frame.columns)) or "inga kolumner",
        )
        if problems is None:
            raise err
        problems.append(err)
        return None
    out = {}
    for col in spec.columns:
        if col.name not in frame.columns:
            out[col.name] = pd.Series(index=frame.index, dtype=_empty_dtype(col))
            continue
        s = frame[col.name]
        try:
            out[col.name] = (
                _CONVERTERS[col.kind](raw, s, col) if col.kind in _CONVERTERS else _text(s)
            )
        except DataError as err:
            if problems is None:
                raise
            problems.append(err)
            out[col.name] = pd.Series(index=frame.index, dtype=_empty_dtype(col))
    result = pd.DataFrame(out, index=frame.index)
    extras = [c for c in frame.columns if c not in result.columns]
    for name in extras:
        result[name] = frame[name]
    return result.reset_index(drop=True)


def _empty_dtype(col: Column) -> str:
    return {"int": "Int64", "float": "float64", "date": "datetime64[ns]", "bool": "boolean"}.get(
        col.kind, "string"
    )
