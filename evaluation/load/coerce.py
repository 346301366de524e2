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
_FIRST_SERIAL = 18264  # 1950-01-01: smaller numbers in a date cell are years or counts

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


_NUMBER_SHAPES = {
    # one pattern per way a cell can be written; decided per column, never per cell
    "plain": r"[-+]?\d+",
    "comma_group": r"[-+]?[1-9]\d{0,2},\d{3}",  # 15,708: thousands or three decimals
    "dot_group": r"[-+]?[1-9]\d{0,2}\.\d{3}",  # 15.708: the same question
    "comma_thousands": r"[-+]?[1-9]\d{0,2}(,\d{3}){2,}|[-+]?[1-9]\d{0,2}(,\d{3})+\.\d+",
    "dot_thousands": r"[-+]?[1-9]\d{0,2}(\.\d{3}){2,}|[-+]?[1-9]\d{0,2}(\.\d{3})+,\d+",
    "comma_decimal": r"[-+]?\d*,\d+",
    "dot_decimal": r"[-+]?\d*\.\d+([eE][-+]?\d+)?|[-+]?\d+([eE][-+]?\d+)",
}


def _number_marks(raw: RawTable, text: pd.Series, col: Column) -> tuple[str | None, str | None]:
    """(thousands mark, decimal mark) of a text column, decided from all its values.

    Hand-written because no parser decides this per column: ``15,708`` is fifteen
    thousand in a count column and ambiguous in a column of decimals. A mark seen as
    a decimal in some cells and as a thousands separator in others, or a column
    whose only evidence is ambiguous, is refused naming the file and column.
    """
    values = pd.Series(text.dropna().unique(), dtype="string")
    shapes = {
        name: values.str.fullmatch(pattern).fillna(False).astype(bool)
        for name, pattern in _NUMBER_SHAPES.items()
    }
    seen = {name: bool(mask.any()) for name, mask in shapes.items()}
    ambiguous_comma = shapes["comma_group"]
    ambiguous_dot = shapes["dot_group"]
    # Decimal evidence: a mark followed by other than exactly three digits, or after 0.
    comma_dec = bool((shapes["comma_decimal"] & ~ambiguous_comma).any())
    dot_dec = bool((shapes["dot_decimal"] & ~ambiguous_dot).any())
    comma_thou, dot_thou = seen["comma_thousands"], seen["dot_thousands"]
    thousands: str | None
    decimal: str | None

    def refuse(why: str) -> DataError:
        return DataError(
            f"talen kan läsas på två sätt: {why}",
            file=raw.path,
            column=col.name,
            expected="ett decimaltecken för hela kolumnen, inga tusentalsavgränsare "
            "(eller mellanslag: 15 708)",
            found="båda läsningarna möjliga",
        )

    if (comma_dec and comma_thou) or (dot_dec and dot_thou) or (comma_dec and dot_dec):
        raise refuse("samma kolumn blandar decimaltecken och tusentalsavgränsare")
    for mark, decimal_seen, group in ((",", comma_dec, "comma_group"), (".", dot_dec, "dot_group")):
        if decimal_seen and seen[group]:  # 12.5 and 4.000: is 4.000 four or four thousand?
            raise refuse(
                f"'{mark}' är decimaltecken i vissa värden och har precis tre siffror "
                f"efter sig i andra (4{mark}000 kan vara fyra eller fyratusen)"
            )
    if comma_thou or (dot_dec and seen["comma_group"]):
        thousands, decimal = ",", "."
    elif dot_thou or (comma_dec and seen["dot_group"]):
        thousands, decimal = ".", ","
    elif col.kind == "int" and not (comma_dec or dot_dec):  # 11,0 is eleven: a decimal mark
        thousands = "," if seen["comma_group"] else "." if seen["dot_group"] else None
        if seen["comma_group"] and seen["dot_group"]:
            raise refuse("både ',' och '.' står mellan grupper om tre siffror")
        decimal = None
    elif comma_dec:
        thousands, decimal = None, ","
    elif dot_dec:
        thousands, decimal = None, "."
    elif seen["comma_group"] or seen["dot_group"]:
        mark = "," if seen["comma_group"] else "."
        raise refuse(
            f"varje värde med '{mark}' har precis tre siffror efter sig (15{mark}708 "
            "kan vara femtontusen eller femton komma sju)"
        )
    else:
        thousands, decimal = None, None
    return thousands, decimal


def _numbers(raw: RawTable, s: pd.Series, col: Column) -> pd.Series:
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        out = s.astype("float64")
    else:
        text = s.astype("string").str.strip()
        text = text.str.replace(r"[\s\u00a0\u202f]", "", regex=True)  # thousands spaces
        text = text.replace({"": pd.NA})
        if pd.api.types.is_object_dtype(s):  # Excel: numbers stay numbers, text is decided
            is_num = s.map(
                lambda v: (
                    isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
                )
            )
            numeric = pd.to_numeric(s.where(is_num), errors="coerce").astype("float64")
            text = text.where(~is_num.astype(bool))
        else:
            is_num, numeric = None, None
        marks = (
            _number_marks(raw, text, col)
            if text.str.contains(r"[,.]", regex=True).fillna(False).any()
            else (None, None)
        )
        thousands, decimal = marks
        if thousands:
            text = text.str.replace(thousands, "", regex=False)
        if decimal == ",":
            text = text.str.replace(",", ".", regex=False)
        out = (
            fast
            if is_num is None and (fast := _arrow_float(text, False)) is not None
            else pd.to_numeric(text, errors="coerce").astype("float64")
        )
        if numeric is not None and is_num is not None:
            out = out.where(~is_num.astype(bool), numeric)
        bad = out.isna() & text.notna()
        if bad.any():
            raise _fail_rows(raw, bad, col, s)
    infinite = ~np.isfinite(out.to_numpy(dtype="float64", na_value=0.0))
    if infinite.any():
        pos = int(np.flatnonzero(infinite)[0])
        raise _fail(raw, pos, col, s.iloc[pos], "not a finite number", "a finite number")
    return out


#: No whole number in the contract (ages, years, counts of people) comes near this;
#: a larger one is an export error (a pasted id, 1e15), not a count.
MAX_WHOLE = 10**9


def _int(raw: RawTable, s: pd.Series, col: Column) -> pd.Series:
    if not pd.api.types.is_numeric_dtype(s):  # 1e3 is how a spreadsheet shows a lost count
        text = s.astype("string").str.strip()
        exponent = text.str.fullmatch(r"[-+]?[\d.,]+[eE][-+]?\d+").fillna(False).astype(bool)
        if exponent.any():
            raise _fail_rows(raw, exponent, col, s)
    out = _numbers(raw, s, col)
    frac = out.notna() & (out != np.floor(out))
    if frac.any():
        raise _fail_rows(raw, frac, col, s)
    huge = (out.abs() > MAX_WHOLE).fillna(False).astype(bool)
    if huge.any():
        pos = int(np.flatnonzero(huge.to_numpy())[0])
        raise _fail(
            raw,
            pos,
            col,
            s.iloc[pos],
            "orimligt stort tal",
            f"högst {MAX_WHOLE:,}".replace(",", " "),
        )
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
    # A bare year or number in text is refused, never read as an Excel serial date:
    # serials are only taken from a spreadsheet's own numeric cells (``_date``).
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
    if is_num.any():  # Excel serial dates; a year (2019) or small number is not a date
        days = pd.to_numeric(values[is_num]).astype(float)
        ok = days.between(_FIRST_SERIAL, 2958465)
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
                "ett kolumnnamn ser ut som ett svenskt person- eller samordningsnummer",
                file=raw.path,
                row=1,
                found="ett personnummer (visas inte)",
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
    _misnamed_columns(raw, spec)
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
            if col.kind == "text" and (col.unique or col.identifier):
                _refuse_missing_markers(raw, out[col.name], col, s)
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


#: What exports write for "no value"; never an id (an id 'NA' is a missing id).
_MISSING_MARKERS = {"NA", "N/A", "#N/A", "NULL", "NAN", "NONE"}


def _refuse_missing_markers(raw: RawTable, text: pd.Series, col: Column, s: pd.Series) -> None:
    marked = text.str.upper().isin(_MISSING_MARKERS).fillna(False).astype(bool)
    if marked.any():
        pos = int(np.flatnonzero(marked.to_numpy())[0])
        raise _fail(
            raw, pos, col, s.iloc[pos], "ett id saknas (markerat som saknat värde)", "ett id"
        )


def _misnamed_columns(raw: RawTable, spec: TableSpec) -> None:
    """Refuse an unknown column that is close to a contract column the file lacks.

    An optional column spelled ``numerators`` would otherwise be dropped silently and
    read as empty.
    """
    import difflib

    absent = [c.name for c in spec.columns if c.name not in raw.frame.columns]
    known = {c.name for c in spec.columns}
    for name in raw.frame.columns:
        if name in known:
            continue
        close = difflib.get_close_matches(str(name), absent, n=1, cutoff=0.8)
        if close:
            raise DataError(
                f"okänd kolumn '{name}'; menade du '{close[0]}'?",
                file=raw.path,
                row=1,
                column=str(name),
                expected=close[0],
                found=str(name),
            )


def _empty_dtype(col: Column) -> str:
    return {"int": "Int64", "float": "float64", "date": "datetime64[ns]", "bool": "boolean"}.get(
        col.kind, "string"
    )
