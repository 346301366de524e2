"""Read one tabular input file (CSV, Excel, Parquet) into raw, untyped columns.

``READERS`` is the one list of input formats: the suffixes a data folder may
use are its keys. A new format is one function ``f(path) -> RawTable`` plus a
``register_reader(".suffix", f)`` call.

Encoding, separator and decimal mark of CSV files are detected, not configured:
UTF-8 with or without BOM, and the "Swedish Excel" variant (``;`` separator,
decimal comma, Windows-1252). Typing happens later, in ``evaluation.load.coerce``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from evaluation.exceptions import DataError

if TYPE_CHECKING:  # pandas is imported by the readers: a data fingerprint (the no-op
    import pandas as pd  # batch re-run) asks only for ``table_suffixes`` and needs none


@dataclass(frozen=True)
class RawTable:
    """A file's cells as read, with what was detected about its format."""

    frame: pd.DataFrame  # object/str columns, names trimmed and lower-cased
    path: Path
    decimal_comma: bool  # numbers in text cells use ',' as decimal mark
    first_data_row: int  # spreadsheet row number of the frame's first row


def _decode(raw: bytes, path: Path) -> str:
    """Text of a whole file: UTF-8 (BOM or not) or, when no byte is UTF-8, Windows-1252.

    Decided on the whole file, never per line: a file that is UTF-8 except for some
    bytes is mixed and refused naming the row of the first bad byte (decoding it all as
    cp1252 would turn every 'ä' into 'Ã¤').
    """
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise DataError(
                "ingen giltig UTF-16-text", file=path, expected="en fil sparad som UTF-8"
            ) from None
    raw = raw.removeprefix(b"\xef\xbb\xbf")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    if _has_utf8_sequences(raw):
        raise DataError(
            "filen blandar teckenkodningar (UTF-8 och en annan); spara den igen som UTF-8",
            file=path,
            row=raw.count(b"\n", 0, first_bad) + 1,
            expected="en kodning för hela filen (UTF-8)",
            found="en byte som inte är UTF-8",
        )
    return _decode_legacy(raw)


_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def _has_utf8_sequences(raw: bytes) -> bool:
    """True when the bytes hold UTF-8 encoded letters (Ã¤-shaped pairs in cp1252 text are rare)."""
    return _UTF8_MULTIBYTE.search(raw) is not None


def _decode_legacy(raw: bytes) -> str:
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        # cp1252 leaves five bytes undefined; latin-1 maps every byte.
        return raw.decode("latin-1")


def _separator(header: str, path: Path) -> str:
    counts = {sep: header.count(sep) for sep in (";", ",", "\t", "|")}
    sep, n = max(counts.items(), key=lambda kv: kv[1])
    if n == 0:
        try:
            return csv.Sniffer().sniff(header).delimiter
        except csv.Error:
            raise DataError(
                "kan inte avgöra kolumnavgränsaren från rubrikraden",
                file=path,
                row=1,
                expected="kolumner åtskilda med ';' eller ','",
                found="en enda kolumn",
            ) from None
    return sep


def _normalise_columns(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    names = [str(c).strip().lower().lstrip("\ufeff") for c in frame.columns]
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise DataError("samma kolumn finns två gånger", file=path, row=1, column=name)
        seen.add(name)
    frame.columns = names
    return frame


def read_csv(path: Path, data: bytes | None = None) -> RawTable:
    """Read a CSV file as text cells, detecting encoding, separator and decimal mark.

    ``data`` are the file's bytes when the caller has read (and hashed) them; then
    the file is not opened again. Arrow parses UTF-8 bytes directly (it skips a BOM
    and rejects invalid UTF-8); only legacy-encoded files are decoded in Python first.
    """
    if data is None:
        data = path.read_bytes()
    head = data[: 1 << 16]
    if not head.strip():
        raise DataError("filen är tom", file=path, expected="en rubrikrad och datarader")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with a byte-order mark
        text = _decode(data, path)
        sep = _separator(text.split("\n", 1)[0], path)
        frame = _pandas_csv(text, sep, path)
        return RawTable(
            _normalise_columns(frame, path), path, decimal_comma=(sep == ";"), first_data_row=2
        )
    if b"\x00" in head:
        raise DataError(
            "filen ser ut som UTF-16 utan byteordningsmarkering, eller är inte text",
            file=path,
            expected="en CSV-fil sparad som UTF-8",
            found="NUL-byte",
        )
    first = head.removeprefix(b"\xef\xbb\xbf").split(b"\n", 1)[0]
    try:
        header = first.decode("utf-8")
        utf8 = True
    except UnicodeDecodeError:
        header, utf8 = _decode_legacy(first), False
    sep = _separator(header, path)
    if utf8:
        try:
            frame = _arrow_csv(_buffer(data), sep, header)
            return RawTable(
                _normalise_columns(frame, path), path, decimal_comma=(sep == ";"), first_data_row=2
            )
        except Exception:  # noqa: BLE001 - not UTF-8 after all, or a broken row: look closer
            pass
    text = _decode(data, path)
    try:
        frame = _arrow_csv(_buffer(text.encode("utf-8")), sep, text.split("\n", 1)[0])
    except Exception:  # noqa: BLE001 - Arrow's message may quote the row; find it with pandas
        frame = _pandas_csv(text, sep, path)
    return RawTable(
        _normalise_columns(frame, path), path, decimal_comma=(sep == ";"), first_data_row=2
    )


def _buffer(data: bytes):
    """A zero-copy Arrow input stream over bytes already in memory."""
    import pyarrow as pa

    return pa.BufferReader(pa.py_buffer(data))


def _arrow_csv(source, sep: str, header: str) -> pd.DataFrame:
    """Multi-threaded Arrow parse of a path or buffer, every column as text (typed later)."""
    import csv as stdcsv

    import pandas as pd
    import pyarrow as pa
    from pyarrow import csv as pacsv

    names = next(stdcsv.reader([header.rstrip("\r")], delimiter=sep))

    table = pacsv.read_csv(
        source,
        read_options=pacsv.ReadOptions(autogenerate_column_names=False),
        parse_options=pacsv.ParseOptions(delimiter=sep, newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names},
            strings_can_be_null=True,
            null_values=[""],
            quoted_strings_can_be_null=True,
        ),
    )
    return table.to_pandas(
        types_mapper=lambda t: pd.StringDtype("pyarrow") if t == pa.string() else None
    )


def _pandas_csv(text: str, sep: str, path: Path) -> pd.DataFrame:
    import pandas as pd

    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            skipinitialspace=False,
            engine="c",
        )
    except pd.errors.ParserError as exc:
        row = _parser_error_row(str(exc))
    else:
        # pandas fills a row with too few fields with empty cells without a word (Arrow,
        # the first reader, refuses it): a value may have been lost, so find the row.
        row = _ragged_row(text, sep)
        if row is None:
            return frame
    raise DataError(
        "raden har ett annat antal fält än rubrikraden",
        file=path,
        row=row,
        expected=f"fält åtskilda med '{sep}'",
    )


def _ragged_row(text: str, sep: str) -> int | None:
    """Line number of the first record whose field count differs from the header's, or None."""
    import csv as stdcsv

    reader = stdcsv.reader(io.StringIO(text), delimiter=sep)
    width = None
    for fields in reader:
        if not fields or fields == [""]:
            continue  # a blank line, skipped by pandas too
        if width is None:
            width = len(fields)
        elif len(fields) != width:
            return reader.line_num
    return None


def _parser_error_row(message: str) -> int | None:
    # pandas says "Expected 6 fields in line 12, saw 7": line numbers count the header.
    import re

    m = re.search(r"line (\d+)", message)
    return int(m.group(1)) if m else None


def read_excel(path: Path, data: bytes | None = None, sheet: str | int = 0) -> RawTable:
    """Read the first (or a named) sheet of an .xlsx file (or its bytes), keeping Excel's types."""
    import pandas as pd

    source = io.BytesIO(data) if data is not None else path
    try:
        frame = pd.read_excel(source, sheet_name=sheet, dtype=object, engine="openpyxl")
    except ValueError as exc:
        raise DataError(f"kan inte läsa bladet: {exc}", file=path) from None
    except Exception as exc:  # openpyxl raises many types for a corrupt file
        raise DataError(f"ingen läsbar .xlsx-fil ({type(exc).__name__})", file=path) from None
    return RawTable(_normalise_columns(frame, path), path, decimal_comma=False, first_data_row=2)


def read_parquet(path: Path, data: bytes | None = None) -> RawTable:
    """Read a Parquet file (or its bytes); rows are numbered as if it were a sheet with a header."""
    import pandas as pd

    try:
        frame = pd.read_parquet(io.BytesIO(data) if data is not None else path)
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError...
        raise DataError(f"ingen läsbar Parquet-fil ({type(exc).__name__})", file=path) from None
    return RawTable(_normalise_columns(frame, path), path, decimal_comma=False, first_data_row=2)


#: A reader: one file's path in, its raw cells out (or a DataError naming the file).
Reader = Callable[[Path], RawTable]

#: Registry of table readers by lower-case file suffix, in order of preference.
READERS: dict[str, Reader] = {}
#: Readers that also take the file's bytes (``reader(path, data)``), so nothing is read twice.
_READS_BYTES: set[str] = set()


def register_reader(suffix: str, reader: Reader, *, takes_bytes: bool = False) -> None:
    """Accept files ending in ``suffix`` (e.g. ``".tsv"``) as tables, read by ``reader``.

    With ``takes_bytes`` the reader is called as ``reader(path, data)`` with the bytes
    the loader has already read and hashed.
    """
    if not suffix.startswith(".") or len(suffix) < 2:
        raise ValueError(f"a suffix starts with '.', got {suffix!r}")
    READERS[suffix.lower()] = reader
    if takes_bytes:
        _READS_BYTES.add(suffix.lower())
    else:
        _READS_BYTES.discard(suffix.lower())


def table_suffixes() -> tuple[str, ...]:
    """Suffixes of the readable table formats, in order of preference."""
    return tuple(READERS)


register_reader(".csv", read_csv, takes_bytes=True)
register_reader(".xlsx", read_excel, takes_bytes=True)
register_reader(".parquet", read_parquet, takes_bytes=True)


def read_raw(path: str | Path, data: bytes | None = None) -> RawTable:
    """Read any supported tabular file by its suffix; from ``data`` when given (its bytes).

    A registered reader that cannot take bytes reads the file itself; the file's
    stat identity is then checked to be unchanged, so the caller's hash still holds.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    reader = READERS.get(suffix)
    if reader is None:
        raise DataError(
            "filtypen stöds inte",
            file=path,
            expected=", ".join(READERS),
            found=path.suffix or "no suffix",
        )
    if data is None:
        return reader(path)
    if suffix in _READS_BYTES:
        return reader(path, data)  # type: ignore[call-arg]
    before = path.stat()
    table = reader(path)
    after = path.stat()
    if (before.st_ino, before.st_size, before.st_mtime_ns) != (
        after.st_ino,
        after.st_size,
        after.st_mtime_ns,
    ) or after.st_size != len(data):
        raise DataError("filen ändrades medan den lästes; kör igen", file=path)
    return table
