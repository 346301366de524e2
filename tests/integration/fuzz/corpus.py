"""A seeded fuzz corpus over the sample data folder: read right or refused, never wrong.

Each variant is a copy of ``data/sample`` changed the way a real export can change it
(thousands separators, decimal marks, encodings, dates, file names, folders for files,
map files without a CRS, out-of-range values, duplicated rows, misnamed columns...).
Reading it with ``load_data`` (no cache) and checking it with ``inspect_folder`` (what
``evaluation validate`` runs) must either give the canonical tables of the unchanged
sample (the hand-checked expectation, see ``ANCHORS``) or refuse with a ``DataError``
naming the file, and the row and column where a cell was changed.

Outcome classes: ``clean-error``, ``identical``, ``accepted-different``, ``crash``
(any other exception), ``unnamed-error`` (a DataError without the file, row or column
it must name). Flags: ``refused-good`` (a harmless change refused), ``missed-refusal``
(a change the contract forbids read without a word, even if the tables look the same),
``validate-disagrees`` (``validate`` and ``load_data`` disagree).

``python -m tests.integration.fuzz.corpus --seed N --count 300`` runs a fresh corpus and
prints the counts per class; exit status 1 when any variant is not a clean error or
identical, or is flagged.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[3]
SAMPLE = ROOT / "data" / "sample"

SAME, REFUSE, EITHER = "same", "refuse", "same-or-refuse"
#: What a refusal must name: the file always; the row and column where one cell changed.
FILE, COLUMN, CELL = ("file",), ("file", "column"), ("file", "row", "column")

#: Cells of the unchanged sample checked by hand against the CSV files (the expectation's anchors).
ANCHORS = (
    ("area_statistics", 0, "value", 15708.0),
    ("area_statistics", 3, "numerator", 2507.0),
    ("area_statistics", 5, "value", 76.3),
    ("referrals", 0, "received_date", pd.Timestamp("2019-01-01")),
    ("referrals", 0, "child_age", 11),
    ("assessments", 0, "joint_with_provider", False),
    ("activities", 1, "partners", "school;civil_society;leisure"),
    ("survey_invitations", 0, "unit", "Socialtjänst Skäggetorp"),
    ("survey_invitations", 0, "invited", 120),
)

CSV_TABLES = (
    "area_statistics",
    "referrals",
    "assessments",
    "investigations",
    "interventions",
    "activities",
    "survey_questions",
    "survey_invitations",
    "survey_responses",
)
#: Files with letters outside ASCII on several rows (for mixed-encoding variants).
NON_ASCII = ("survey_invitations", "survey_responses", "survey_questions")
SMALL = ("activities", "survey_questions", "survey_invitations", "survey_responses")
DATE_COLUMNS = (
    ("referrals", "received_date"),
    ("assessments", "start_date"),
    ("assessments", "decision_date"),
    ("investigations", "start_date"),
    ("interventions", "decision_date"),
    ("activities", "date"),
)
INT_COLUMNS = (
    ("referrals", "child_age"),
    ("investigations", "child_age"),
    ("activities", "participants"),
    ("survey_invitations", "invited"),
    ("area_statistics", "year"),
)
BOOL_COLUMNS = (
    ("assessments", "joint_with_provider"),
    ("investigations", "child_interviewed"),
    ("interventions", "consent"),
)
CODED_COLUMNS = (
    ("referrals", "reporter_category"),
    ("assessments", "decision"),
    ("interventions", "intervention_type"),
    ("activities", "activity_type"),
)


@dataclass
class Variant:
    """One mutated copy of the sample folder and what reading it must give."""

    cls: str
    index: int
    expect: str = SAME
    names: tuple[str, ...] = FILE
    what: str = ""


@dataclass
class Outcome:
    """What reading one variant gave."""

    variant: Variant
    outcome: str  # clean-error, identical, accepted-different, crash, unnamed-error
    flags: list[str] = field(default_factory=list)
    detail: str = ""


# ---- file helpers -------------------------------------------------------------------


def _read(folder: Path, table: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False)


def _write(frame: pd.DataFrame, folder: Path, table: str, sep: str = ",", **kw) -> None:
    text = frame.to_csv(index=False, sep=sep, lineterminator=kw.pop("lineterminator", "\n"))
    (folder / f"{table}.csv").write_bytes(text.encode(kw.pop("encoding", "utf-8")))


def _row(rng: random.Random, frame: pd.DataFrame, mask: pd.Series | None = None) -> int:
    rows = list(frame.index if mask is None else frame.index[mask.to_numpy(dtype=bool)])
    return rng.choice(rows)


def _group(text: str, mark: str) -> str:
    """'15708.5' -> '15,708.5' with ``mark`` between groups of three (integer part only)."""
    sign = "-" if text.startswith("-") else ""
    whole, _, frac = text.lstrip("-").partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return sign + mark.join(groups) + ("." + frac if frac else "")


# ---- mutation classes: each changes ``folder`` and fills in ``v`` (expectation) -------


def thousands_value(folder: Path, rng: random.Random, v: Variant) -> None:
    """Thousands separators in area_statistics.value (a float column with decimals)."""
    sep = rng.choice([",", ";"])
    mark = rng.choice([",", ".", " ", "\u00a0", "\u202f"])
    frame = _read(folder, "area_statistics")
    big = frame["value"].str.fullmatch(r"\d{4,}(\.\d+)?")
    pick = big & pd.Series([rng.random() < 0.7 for _ in frame.index], index=frame.index)
    pick.iloc[0] = True
    frame.loc[pick, "value"] = frame.loc[pick, "value"].map(lambda t: _group(t, "\0"))
    decimal = "," if sep == ";" else "."
    frame["value"] = frame["value"].str.replace(".", decimal, regex=False)
    frame["value"] = frame["value"].str.replace("\0", mark, regex=False)
    _write(frame, folder, "area_statistics", sep=sep)
    v.what = f"sep {sep!r}, thousands {mark!r}, decimal {decimal!r}"
    v.expect, v.names = (REFUSE, COLUMN) if mark == decimal else (SAME, FILE)


def thousands_counts(folder: Path, rng: random.Random, v: Variant) -> None:
    """Thousands separators in numerator/denominator (whole numbers in a float column)."""
    column = rng.choice(["numerator", "denominator"])
    mark = rng.choice([",", ".", " ", "\u00a0"])
    frame = _read(folder, "area_statistics")
    big = frame[column].str.fullmatch(r"\d{4,}")
    frame.loc[big, column] = frame.loc[big, column].map(lambda t: _group(t, mark))
    _write(frame, folder, "area_statistics")
    v.what = f"{column}: {mark!r}"
    # only one mark, three digits after it (2,507): a decimal or a thousand, refused as
    # ambiguous, unless a national count shows the mark twice (10,452,326: thousands)
    twice = frame.loc[big, column].str.count(f"[{mark}]").max() >= 2 if big.any() else False
    v.expect, v.names = (REFUSE, COLUMN) if mark in ",." and not twice else (SAME, FILE)


def thousands_int(folder: Path, rng: random.Random, v: Variant) -> None:
    """Thousands separators in an integer column (year): the same whole numbers."""
    mark = rng.choice([",", ".", " ", "\u00a0"])
    frame = _read(folder, "area_statistics")
    frame["year"] = frame["year"].map(lambda t: _group(t, mark))
    _write(frame, folder, "area_statistics")
    v.what = f"year {mark!r}"


def int_as_decimal(folder: Path, rng: random.Random, v: Variant) -> None:
    """Whole numbers written '11.0' (or '11,0' in a ';' file): the same integers."""
    table, column = rng.choice(INT_COLUMNS[:4])
    frame = _read(folder, table)
    sep = rng.choice([",", ";"])
    mark = "," if sep == ";" else "."
    filled = frame[column] != ""
    frame.loc[filled, column] = frame.loc[filled, column] + mark + "0"
    _write(frame, folder, table, sep=sep)
    v.what = f"{table}.{column} {mark}0"


def int_fraction(folder: Path, rng: random.Random, v: Variant) -> None:
    """A fraction or scientific notation in an integer column: refused."""
    table, column = rng.choice(INT_COLUMNS[:4])
    frame = _read(folder, table)
    i = _row(rng, frame, frame[column] != "")
    frame.loc[i, column] = rng.choice(["2.5", "1e3", "3E2", "1e15", "0x10", "½"])
    _write(frame, folder, table)
    v.what = f"{table}.{column} row {i + 2} = {frame.loc[i, column]}"
    v.expect, v.names = REFUSE, CELL


def mixed_marks(folder: Path, rng: random.Random, v: Variant) -> None:
    """Decimal comma in some cells and decimal point in others: refused."""
    frame = _read(folder, "area_statistics")
    decimals = frame["value"].str.contains(".", regex=False)
    for _ in range(rng.randint(1, 5)):
        i = _row(rng, frame, decimals)
        frame.loc[i, "value"] = frame.loc[i, "value"].replace(".", ",")
    _write(frame, folder, "area_statistics")
    v.expect, v.names = REFUSE, COLUMN


def swedish_excel(folder: Path, rng: random.Random, v: Variant) -> None:
    """';'-separated, decimal comma, Windows-1252, CRLF: the same tables."""
    table = rng.choice(CSV_TABLES)
    frame = _read(folder, table)
    if table == "area_statistics":
        frame["value"] = frame["value"].str.replace(".", ",", regex=False)
    encoding = rng.choice(["cp1252", "utf-8", "utf-8-sig"])
    newline = rng.choice(["\n", "\r\n"])
    _write(frame, folder, table, sep=";", encoding=encoding, lineterminator=newline)
    v.what = f"{table} {encoding} {newline!r}"


def encodings(folder: Path, rng: random.Random, v: Variant) -> None:
    """BOM, CRLF, UTF-16 with a BOM, whole-file Windows-1252 or Latin-1: the same tables."""
    table = rng.choice(CSV_TABLES)
    text = (folder / f"{table}.csv").read_text(encoding="utf-8")
    choice = rng.choice(["bom", "crlf", "utf-16", "cp1252", "latin-1", "cr-lf-bom"])
    raw = {
        "bom": lambda: b"\xef\xbb\xbf" + text.encode(),
        "crlf": lambda: text.replace("\n", "\r\n").encode(),
        "utf-16": lambda: text.encode("utf-16"),
        "cp1252": lambda: text.encode("cp1252"),
        "latin-1": lambda: text.encode("latin-1"),
        "cr-lf-bom": lambda: b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode(),
    }[choice]()
    (folder / f"{table}.csv").write_bytes(raw)
    v.what = f"{table} {choice}"


def utf16_no_bom(folder: Path, rng: random.Random, v: Variant) -> None:
    """UTF-16 without a byte-order mark: refused, never garbled."""
    table = rng.choice(CSV_TABLES)
    text = (folder / f"{table}.csv").read_text(encoding="utf-8")
    (folder / f"{table}.csv").write_bytes(text.encode(rng.choice(["utf-16-le", "utf-16-be"])))
    v.expect = REFUSE


def mixed_encoding(folder: Path, rng: random.Random, v: Variant) -> None:
    """Some rows Windows-1252 in an otherwise UTF-8 file: refused naming the row."""
    table = rng.choice(NON_ASCII)
    lines = (folder / f"{table}.csv").read_text(encoding="utf-8").split("\n")
    rows = [i for i, line in enumerate(lines) if not line.isascii()]
    raw = [line.encode("utf-8") for line in lines]
    for i in rng.sample(rows, rng.randint(1, min(3, len(rows) - 1))):
        raw[i] = lines[i].encode("cp1252")
    (folder / f"{table}.csv").write_bytes(b"\n".join(raw))
    v.expect, v.names = REFUSE, ("file", "row")


def bare_date_number(folder: Path, rng: random.Random, v: Variant) -> None:
    """A bare year, an Excel serial or another number in a CSV date column: refused."""
    table, column = rng.choice(DATE_COLUMNS)
    frame = _read(folder, table)
    i = _row(rng, frame)
    frame.loc[i, column] = rng.choice(["2019", "2021", "45356", "43831", "7", "2022.5", "0"])
    _write(frame, folder, table)
    v.what = f"{table}.{column} row {i + 2} = {frame.loc[i, column]}"
    v.expect, v.names = REFUSE, CELL


def other_date_format(folder: Path, rng: random.Random, v: Variant) -> None:
    """Dates written 01/02/2019, 2019/01/02, 20190102 or 2019-13-01: refused."""
    table, column = rng.choice(DATE_COLUMNS)
    frame = _read(folder, table)
    i = _row(rng, frame, frame[column] != "")  # an empty (optional) date has no parts
    y, m, d = frame.loc[i, column][:10].split("-")
    frame.loc[i, column] = rng.choice(
        [f"{d}/{m}/{y}", f"{y}/{m}/{d}", f"{y}{m}{d}", f"{y}-13-{d}", f"{y}-{m}-32", f"{d}.{m}.{y}"]
    )
    _write(frame, folder, table)
    v.what = f"{table}.{column} row {i + 2} = {frame.loc[i, column]}"
    v.expect, v.names = REFUSE, CELL


def datetime_midnight(folder: Path, rng: random.Random, v: Variant) -> None:
    """Dates with a midnight time (as Excel exports them): the same dates."""
    table, column = rng.choice(DATE_COLUMNS)
    frame = _read(folder, table)
    suffix = rng.choice([" 00:00", " 00:00:00", "T00:00:00", "T00:00"])
    picks = pd.Series([rng.random() < 0.5 for _ in frame.index], index=frame.index)
    picks &= frame[column] != ""
    frame.loc[picks, column] = frame.loc[picks, column] + suffix  # empty cells stay empty
    _write(frame, folder, table)
    v.what = f"{table}.{column} + {suffix!r}"


def spreadsheet(folder: Path, rng: random.Random, v: Variant) -> None:
    """A table saved as .xlsx (typed or as text) or Parquet instead of CSV: the same table."""
    table = rng.choice(SMALL)
    frame = _read(folder, table)
    fmt = rng.choice(["xlsx-text", "xlsx-typed", "parquet"])
    (folder / f"{table}.csv").unlink()
    if fmt == "parquet":
        frame.to_parquet(folder / f"{table}.parquet", index=False)
    else:
        if fmt == "xlsx-typed":
            for column in frame.columns:
                if (table, column) in DATE_COLUMNS:
                    frame[column] = pd.to_datetime(frame[column])
                elif (table, column) in INT_COLUMNS:
                    frame[column] = pd.to_numeric(frame[column]).astype("Int64")
        frame.to_excel(folder / f"{table}.xlsx", index=False)
    v.what = f"{table} {fmt}"


def excel_serial(folder: Path, rng: random.Random, v: Variant) -> None:
    """Dates as Excel's own serial numbers in an .xlsx: the same dates."""
    frame = _read(folder, "activities")
    days = (pd.to_datetime(frame["date"]) - pd.Timestamp("1899-12-30")).dt.days
    frame["date"] = days.astype(int)
    frame["participants"] = pd.to_numeric(frame["participants"])
    (folder / "activities.csv").unlink()
    frame.to_excel(folder / "activities.xlsx", index=False)


def case_variant(folder: Path, rng: random.Random, v: Variant) -> None:
    """'Referrals.CSV' instead of 'referrals.csv': the same table."""
    table = rng.choice(CSV_TABLES)
    name = f"{table}.csv"
    new = rng.choice([name.capitalize(), name.upper(), table + ".CSV", table.title() + ".Csv"])
    (folder / name).rename(folder / new)
    v.what = new


def duplicate_file(folder: Path, rng: random.Random, v: Variant) -> None:
    """Two files for one table (case variant or another format): refused naming both."""
    table = rng.choice(SMALL + ("referrals",))
    name = f"{table}.csv"
    how = rng.choice(["upper", "capital", "xlsx", "parquet", "geojson"])
    if how == "upper":
        shutil.copyfile(folder / name, folder / name.upper())
    elif how == "capital":
        shutil.copyfile(folder / name, folder / name.capitalize())
    elif how == "xlsx":
        _read(folder, table).to_excel(folder / f"{table}.xlsx", index=False)
    elif how == "parquet":
        _read(folder, table).to_parquet(folder / f"{table}.parquet", index=False)
    else:
        import geopandas as gpd

        gpd.read_file(folder / "areas.gpkg").to_file(folder / "areas.geojson", driver="GeoJSON")
    v.what = how
    v.expect = REFUSE


def directory(folder: Path, rng: random.Random, v: Variant) -> None:
    """A folder where a table or map file is expected: refused."""
    name = rng.choice([f"{t}.csv" for t in CSV_TABLES] + ["areas.gpkg"])
    (folder / name).unlink()
    target = folder / rng.choice([name, name.upper()])
    target.mkdir()
    if rng.random() < 0.5:
        (target / "readme.txt").write_text("x", encoding="utf-8")
    v.what = target.name
    v.expect = REFUSE


def misnamed_column(folder: Path, rng: random.Random, v: Variant) -> None:
    """An optional column misspelled ('numerators'): refused with a did-you-mean."""
    frame = _read(folder, "area_statistics")
    column = rng.choice(["numerator", "denominator"])
    wrong = rng.choice([column + "s", column[:-1], column.replace("or", "er"), column + "_"])
    _write(frame.rename(columns={column: wrong}), folder, "area_statistics")
    v.what = wrong
    v.expect, v.names = REFUSE, COLUMN


def header_spelling(folder: Path, rng: random.Random, v: Variant) -> None:
    """Header names in other case or with spaces around them: the same table."""
    table = rng.choice(CSV_TABLES)
    frame = _read(folder, table)
    how = rng.choice(["upper", "title", "spaces", "tab"])
    style = {
        "upper": str.upper,
        "title": str.title,
        "spaces": lambda c: f" {c} ",
        "tab": lambda c: f"{c}\t",
    }[how]
    _write(frame.rename(columns={c: style(c) for c in frame.columns}), folder, table)
    v.what = f"{table} {how}"
    if how == "tab":  # more tabs than commas in the header: the separator is in doubt
        v.expect = EITHER


def extra_column(folder: Path, rng: random.Random, v: Variant) -> None:
    """An unknown extra column (a comment): kept aside, the contract columns the same."""
    table = rng.choice(CSV_TABLES)
    frame = _read(folder, table)
    frame.insert(rng.randrange(len(frame.columns) + 1), "kommentar", "ok")
    _write(frame, folder, table)


def spaces_in_cells(folder: Path, rng: random.Random, v: Variant) -> None:
    """Spaces around text, codes, numbers and dates: the same values."""
    table = rng.choice(CSV_TABLES)
    frame = _read(folder, table)
    column = rng.choice(list(frame.columns))
    filled = frame[column] != ""
    frame.loc[filled, column] = " " + frame.loc[filled, column] + " "
    _write(frame, folder, table)
    v.what = f"{table}.{column}"


def bool_spelling(folder: Path, rng: random.Random, v: Variant) -> None:
    """ja/nej, JA/NEJ, 1/0, True/False for booleans: the same values."""
    table, column = rng.choice(BOOL_COLUMNS)
    frame = _read(folder, table)
    yes, no = rng.choice([("ja", "nej"), ("JA", "NEJ"), ("1", "0"), ("True", "False"), ("j", "n")])
    frame[column] = frame[column].map({"true": yes, "false": no, "": ""})
    _write(frame, folder, table)
    v.what = f"{table}.{column} {yes}/{no}"


def bad_bool(folder: Path, rng: random.Random, v: Variant) -> None:
    """'kanske', '2' or 'x' in a boolean column: refused."""
    table, column = rng.choice(BOOL_COLUMNS)
    frame = _read(folder, table)
    i = _row(rng, frame)
    frame.loc[i, column] = rng.choice(["kanske", "2", "x", "-1"])
    _write(frame, folder, table)
    v.expect, v.names = REFUSE, CELL


def bad_code(folder: Path, rng: random.Random, v: Variant) -> None:
    """A code outside the contract's list: refused."""
    table, column = rng.choice(CODED_COLUMNS)
    frame = _read(folder, table)
    i = _row(rng, frame)
    frame.loc[i, column] = rng.choice(["other_thing", "Polis", "okänd", "x"])
    _write(frame, folder, table)
    v.expect, v.names = REFUSE, CELL


def bad_number(folder: Path, rng: random.Random, v: Variant) -> None:
    """inf, 1e400, NaN, text or a negative count in a number column: refused."""
    table, column = rng.choice(
        [*INT_COLUMNS[:4], ("area_statistics", "numerator"), ("area_statistics", "value")]
    )
    frame = _read(folder, table)
    i = _row(rng, frame, frame[column] != "")
    frame.loc[i, column] = rng.choice(
        ["inf", "-inf", "1e400", "-1e400", "Infinity", "NaN", "nan", "-3", "n/a", "12 %", "--"]
    )
    _write(frame, folder, table)
    v.what = f"{table}.{column} row {i + 2} = {frame.loc[i, column]}"
    v.expect, v.names = REFUSE, CELL


def huge_count(folder: Path, rng: random.Random, v: Variant) -> None:
    """1e15 or 10**12 in a count: refused (no count of people is that large)."""
    table, column = rng.choice(
        [
            ("area_statistics", "numerator"),
            ("area_statistics", "denominator"),
            ("survey_invitations", "invited"),
            ("activities", "participants"),
        ]
    )
    frame = _read(folder, table)
    i = _row(rng, frame, frame[column] != "")
    frame.loc[i, column] = rng.choice(["1000000000000000", "999999999999", "1e15"])
    if column == "numerator":
        frame.loc[i, "denominator"] = frame.loc[i, column]
    _write(frame, folder, table)
    v.what = f"{table}.{column} row {i + 2}"
    v.expect, v.names = REFUSE, CELL


def huge_indicator_count(folder: Path, rng: random.Random, v: Variant) -> None:
    """A population count of 1e15 in area_statistics.value: refused."""
    frame = _read(folder, "area_statistics")
    i = _row(rng, frame, frame["indicator"].str.startswith("population_"))
    frame.loc[i, "value"] = rng.choice(["1000000000000000", "1e15", "-5"])
    _write(frame, folder, "area_statistics")
    v.expect, v.names = REFUSE, CELL


def over_denominator(folder: Path, rng: random.Random, v: Variant) -> None:
    """A numerator above its denominator, or a share above 100: refused."""
    frame = _read(folder, "area_statistics")
    has = frame["numerator"] != ""
    i = _row(rng, frame, has & frame["indicator"].str.endswith("share"))
    if rng.random() < 0.5:
        frame.loc[i, "numerator"] = str(int(frame.loc[i, "denominator"]) + rng.randint(1, 50))
    else:
        frame.loc[i, "value"] = rng.choice(["250", "100.5", "1000"])
    _write(frame, folder, "area_statistics")
    v.expect, v.names = REFUSE, CELL


def mixed_share_scale(folder: Path, rng: random.Random, v: Variant) -> None:
    """One row of a share indicator as a fraction, the others in percent: refused."""
    frame = _read(folder, "area_statistics")
    indicator = rng.choice(["foreign_born_share", "low_education_share", "income_support_share"])
    rows = frame["indicator"] == indicator
    for _ in range(rng.randint(1, 3)):
        i = _row(rng, frame, rows & (frame["value"].astype(float) > 2))
        frame.loc[i, "value"] = f"{float(frame.loc[i, 'value']) / 100:.4f}"
    _write(frame, folder, "area_statistics")
    v.what = indicator
    v.expect, v.names = REFUSE, COLUMN


def share_as_fraction(folder: Path, rng: random.Random, v: Variant) -> None:
    """A whole share indicator as fractions (0.16 for 16 %), with its counts: read as percent."""
    frame = _read(folder, "area_statistics")
    indicator = rng.choice(["foreign_born_share", "employment_rate_20_64"])
    rows = frame["indicator"] == indicator
    frame.loc[rows, "value"] = frame.loc[rows, "value"].map(lambda t: repr(float(t) / 100))
    _write(frame, folder, "area_statistics")
    v.what = indicator


def duplicated_row(folder: Path, rng: random.Random, v: Variant) -> None:
    """A repeated row in any table: refused."""
    table = rng.choice(CSV_TABLES)
    frame = _read(folder, table)
    i = rng.randrange(len(frame))
    at = rng.randrange(i + 1, len(frame) + 1)
    frame = pd.concat([frame.iloc[:at], frame.iloc[[i]], frame.iloc[at:]], ignore_index=True)
    _write(frame, folder, table)
    v.what = f"{table} row {i + 2}"
    v.expect, v.names = REFUSE, ("file", "row")


def bad_answer(folder: Path, rng: random.Random, v: Variant) -> None:
    """A survey answer outside its question's scale (NA, 6, 'kanske'): refused at load."""
    frame = _read(folder, "survey_responses")
    i = _row(rng, frame, frame["question_id"] != "q5_battre")
    frame.loc[i, "answer"] = rng.choice(["NA", "6", "0", "kanske", "-", "3.5", "99"])
    _write(frame, folder, "survey_responses")
    v.what = f"row {i + 2} = {frame.loc[i, 'answer']}"
    v.expect, v.names = REFUSE, CELL


def unknown_reference(folder: Path, rng: random.Random, v: Variant) -> None:
    """An unknown area code, referral id or survey question: refused."""
    table, column, value = rng.choice(
        [
            ("referrals", "area_code", "0580XXX"),
            ("referrals", "area_code", "580SKA"),
            ("activities", "area_code", "0580ska "),
            ("assessments", "referral_id", "R999999"),
            ("survey_responses", "question_id", "q9_okand"),
            ("area_statistics", "area_code", "0581"),
        ]
    )
    frame = _read(folder, table)
    i = _row(rng, frame)
    frame.loc[i, column] = value
    _write(frame, folder, table)
    v.what = f"{table}.{column} row {i + 2}"
    v.expect, v.names = REFUSE, CELL


def date_order(folder: Path, rng: random.Random, v: Variant) -> None:
    """An end date before its start date: refused."""
    table, first, later = rng.choice(
        [
            ("assessments", "start_date", "decision_date"),
            ("investigations", "start_date", "end_date"),
            ("interventions", "start_date", "end_date"),
        ]
    )
    frame = _read(folder, table)
    ok = (frame[later] != "") & (frame[first] < frame[later])
    i = _row(rng, frame, ok)
    frame.loc[i, first], frame.loc[i, later] = frame.loc[i, later], frame.loc[i, first]
    _write(frame, folder, table)
    v.expect, v.names = REFUSE, CELL


def missing_value(folder: Path, rng: random.Random, v: Variant) -> None:
    """An empty cell (or NA-like text) in a required column: refused."""
    table = rng.choice(CSV_TABLES[:6])
    frame = _read(folder, table)
    from evaluation.metadata.contract import TABLES

    # only columns the contract requires filled: an optional cell emptied (an end date
    # of an ongoing intervention) is valid data no reader can tell from the original
    required = {c.name for c in TABLES[table].columns if not c.nullable}
    column = rng.choice([c for c in frame.columns if c in required])
    i = _row(rng, frame, frame[column] != "")
    frame.loc[i, column] = rng.choice(["", "NA", "NULL", "-"])
    _write(frame, folder, table)
    v.what = f"{table}.{column} row {i + 2} = {frame.loc[i, column]!r}"
    # some columns may be empty by contract; then an empty cell is harmless but a change
    v.expect, v.names = REFUSE, CELL


def broken_row(folder: Path, rng: random.Random, v: Variant) -> None:
    """A row with a field too many or too few, or an unclosed quote: refused."""
    table = rng.choice(CSV_TABLES)
    lines = (folder / f"{table}.csv").read_text(encoding="utf-8").split("\n")
    i = rng.randrange(1, len(lines) - 1)
    how = rng.choice(["more", "fewer", "quote"])
    if how == "more":
        lines[i] += ",extra"
    elif how == "fewer":
        lines[i] = lines[i].rsplit(",", 1)[0]
    else:
        lines[i] = lines[i].replace(",", ',"', 1)
    (folder / f"{table}.csv").write_text("\n".join(lines), encoding="utf-8")
    v.what = f"{table} row {i + 1} {how}"
    v.expect = REFUSE


def identity_number(folder: Path, rng: random.Random, v: Variant) -> None:
    """A personal identity number in an id or text column: refused without showing it."""
    table, column = rng.choice(
        [
            ("referrals", "referral_id"),
            ("interventions", "person_id"),
            ("survey_responses", "answer"),
        ]
    )
    frame = _read(folder, table)
    i = _row(rng, frame)
    frame.loc[i, column] = rng.choice(["19121212-1212", "201212121212", "121212-1212"])
    _write(frame, folder, table)
    v.expect, v.names = REFUSE, CELL


def empty_file(folder: Path, rng: random.Random, v: Variant) -> None:
    """An empty file, or a header only with a required table's rows gone: refused or the same."""
    table = rng.choice(CSV_TABLES)
    (folder / f"{table}.csv").write_bytes(rng.choice([b"", b"\n", b"\xef\xbb\xbf", b"  \r\n"]))
    v.expect = REFUSE


def geo_crs(folder: Path, rng: random.Random, v: Variant) -> None:
    """The map as GeoJSON: WGS84 (the standard) or SWEREF 99 TM without a CRS member."""
    import geopandas as gpd

    areas = gpd.read_file(folder / "areas.gpkg")
    (folder / "areas.gpkg").unlink()
    how = rng.choice(["wgs84", "sweref-no-crs", "sweref-with-crs"])
    target = folder / "areas.geojson"
    if how == "wgs84":
        areas.to_crs("EPSG:4326").to_file(target, driver="GeoJSON")
    else:
        areas.to_crs("EPSG:3006").to_file(target, driver="GeoJSON")
        if how == "sweref-no-crs":
            data = json.loads(target.read_text(encoding="utf-8"))
            data.pop("crs", None)
            target.write_text(json.dumps(data), encoding="utf-8")
    v.what = how


def geo_out_of_range(folder: Path, rng: random.Random, v: Variant) -> None:
    """GeoJSON without a CRS whose coordinates are neither lon/lat nor Swedish SWEREF: refused."""
    import geopandas as gpd
    from shapely import affinity

    areas = gpd.read_file(folder / "areas.gpkg").to_crs("EPSG:3006")
    (folder / "areas.gpkg").unlink()
    factor = rng.choice([100.0, 0.01, -1.0, 10.0])
    areas["geometry"] = areas.geometry.map(
        lambda g: affinity.scale(g, factor, factor, origin=(0, 0))
    )
    target = folder / "areas.geojson"
    areas.to_file(target, driver="GeoJSON")
    data = json.loads(target.read_text(encoding="utf-8"))
    data.pop("crs", None)
    target.write_text(json.dumps(data), encoding="utf-8")
    v.what = f"x{factor}"
    v.expect, v.names = REFUSE, COLUMN


def geo_invalid(folder: Path, rng: random.Random, v: Variant) -> None:
    """A self-intersecting polygon, an empty geometry or a duplicated area code: refused."""
    import geopandas as gpd
    from shapely.geometry import Point, Polygon

    areas = gpd.read_file(folder / "areas.gpkg")
    i = rng.randrange(len(areas))
    how = rng.choice(["bowtie", "point", "duplicate-code"])
    if how == "bowtie":
        x0, y0, x1, y1 = areas.geometry.iloc[i].bounds
        areas.loc[i, "geometry"] = Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1), (x0, y0)])
    elif how == "point":
        areas.loc[i, "geometry"] = Point(areas.geometry.iloc[i].centroid)
    else:
        areas.loc[i, "area_code"] = areas.loc[(i + 1) % len(areas), "area_code"]
    areas.to_file(folder / "areas.gpkg", driver="GPKG")
    v.what = f"row {i + 2} {how}"
    v.expect, v.names = REFUSE, CELL


#: Mutation classes, in the order a corpus cycles through them.
CLASSES: dict[str, Callable[[Path, random.Random, Variant], None]] = {
    "thousands-value": thousands_value,
    "thousands-counts": thousands_counts,
    "thousands-int": thousands_int,
    "int-as-decimal": int_as_decimal,
    "int-fraction": int_fraction,
    "mixed-marks": mixed_marks,
    "swedish-excel": swedish_excel,
    "encodings": encodings,
    "utf16-no-bom": utf16_no_bom,
    "mixed-encoding": mixed_encoding,
    "bare-date-number": bare_date_number,
    "other-date-format": other_date_format,
    "datetime-midnight": datetime_midnight,
    "spreadsheet": spreadsheet,
    "excel-serial": excel_serial,
    "case-variant": case_variant,
    "duplicate-file": duplicate_file,
    "directory": directory,
    "misnamed-column": misnamed_column,
    "header-spelling": header_spelling,
    "extra-column": extra_column,
    "spaces-in-cells": spaces_in_cells,
    "bool-spelling": bool_spelling,
    "bad-bool": bad_bool,
    "bad-code": bad_code,
    "bad-number": bad_number,
    "huge-count": huge_count,
    "huge-indicator-count": huge_indicator_count,
    "over-denominator": over_denominator,
    "mixed-share-scale": mixed_share_scale,
    "share-as-fraction": share_as_fraction,
    "duplicated-row": duplicated_row,
    "bad-answer": bad_answer,
    "unknown-reference": unknown_reference,
    "date-order": date_order,
    "missing-value": missing_value,
    "broken-row": broken_row,
    "identity-number": identity_number,
    "empty-file": empty_file,
    "geo-crs": geo_crs,
    "geo-out-of-range": geo_out_of_range,
    "geo-invalid": geo_invalid,
}


# ---- reading and judging ---------------------------------------------------------------


def frames(data) -> dict[str, pd.DataFrame]:
    """The contract columns of every table of a Dataset, comparable across variants."""
    from evaluation.metadata.contract import TABLES

    out = {}
    for name in data.files:
        frame = data.table(name)
        if name == "areas":
            columns = ["area_code", "area_name", "municipality_code", "geometry"]
            out[name] = frame[columns].reset_index(drop=True)
            continue
        columns = [c.name for c in TABLES[name].columns]
        out[name] = pd.DataFrame(frame[columns]).reset_index(drop=True)
    return out


def expectation(folder: Path = SAMPLE) -> dict[str, pd.DataFrame]:
    """The unchanged sample's tables, checked against the hand-read ``ANCHORS``."""
    import evaluation

    expected = frames(evaluation.load_data(folder, cache_dir=None))
    for table, row, column, value in ANCHORS:
        found = expected[table].loc[row, column]
        assert found == value, f"anchor {table}[{row}].{column}: {found!r} != {value!r}"
    return expected


def _differences(expected: dict[str, pd.DataFrame], found: dict[str, pd.DataFrame]) -> str:
    """'' when ``found`` holds the expected tables, else what differs first."""
    if sorted(found) != sorted(expected):
        return f"tables {sorted(found)} instead of {sorted(expected)}"
    for name, want in expected.items():
        got = found[name]
        if name == "areas":
            if list(got["area_code"]) != list(want["area_code"]):
                return "areas: other codes"
            same = got.geometry.geom_equals_exact(want.geometry.to_crs(got.crs), tolerance=0.01)
            if got.crs != want.crs or not bool(same.all()):
                return "areas: other geometry or CRS"
            got, want = got.drop(columns="geometry"), want.drop(columns="geometry")
        try:
            pd.testing.assert_frame_equal(
                pd.DataFrame(got), pd.DataFrame(want), check_dtype=False, rtol=1e-9
            )
        except AssertionError as exc:
            return f"{name}: {str(exc).splitlines()[0]} {' '.join(str(exc).split())[:300]}"
    return ""


def _named(exc, names: tuple[str, ...]) -> bool:
    return all(getattr(exc, name, None) not in (None, "") for name in names)


def judge(variant: Variant, folder: Path, expected: dict[str, pd.DataFrame]) -> Outcome:
    """Read ``folder`` with load_data and inspect_folder; classify what happened."""
    import contextlib
    import io

    import evaluation
    from evaluation.exceptions import DataError
    from evaluation.load.inspect import inspect_folder

    refused: DataError | None = None
    data = None
    notes = io.StringIO()
    try:
        with contextlib.redirect_stderr(notes):
            data = evaluation.load_data(folder, cache_dir=None)
    except DataError as exc:
        refused = exc
    except Exception as exc:  # noqa: BLE001 - the point: never a crash
        return Outcome(variant, "crash", detail=f"load_data: {type(exc).__name__}: {exc}")
    try:
        with contextlib.redirect_stderr(notes):
            problems = inspect_folder(folder).problems
    except DataError as exc:
        problems = [exc]
    except Exception as exc:  # noqa: BLE001
        return Outcome(variant, "crash", detail=f"validate: {type(exc).__name__}: {exc}")
    flags = []
    if refused is not None:
        text = str(refused)
        if not _named(refused, variant.names) or "Internal" in text or "intern" in text.lower():
            outcome = Outcome(variant, "unnamed-error", detail=repr(refused.to_dict()))
        else:
            outcome = Outcome(variant, "clean-error", detail=text[:300])
        if variant.expect == SAME:
            flags.append("refused-good")
        if not problems:
            flags.append("validate-disagrees")
        outcome.flags = flags
        return outcome
    assert data is not None
    diff = _differences(expected, frames(data))
    outcome = Outcome(variant, "accepted-different" if diff else "identical", detail=diff)
    if variant.expect == REFUSE:
        flags.append("missed-refusal")
    if problems:
        flags.append("validate-disagrees")
        outcome.detail += " validate: " + str(problems[0])[:200]
    outcome.flags = flags
    return outcome


def variants(seed: int | str, count: int) -> list[tuple[Variant, random.Random]]:
    """``count`` variants cycling through the classes, each with its own seeded generator."""
    names = list(CLASSES)
    order = random.Random(f"order-{seed}")
    out = []
    for i in range(count):
        cls = names[i % len(names)] if i < len(names) else order.choice(names)
        out.append((Variant(cls, i), random.Random(f"{seed}-{i}-{cls}")))
    return out


def run_variant(
    variant: Variant, rng: random.Random, work: Path, expected: dict[str, pd.DataFrame]
) -> Outcome:
    """Copy the sample, mutate it, judge it, remove the copy."""
    folder = work / f"{variant.index:04d}-{variant.cls}"
    shutil.copytree(SAMPLE, folder)
    try:
        try:
            CLASSES[variant.cls](folder, rng, variant)
        except Exception as exc:  # noqa: BLE001 - a mutation that cannot apply is a bug here
            raise RuntimeError(f"mutation {variant.cls}/{variant.index} failed: {exc}") from exc
        return judge(variant, folder, expected)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def failed(outcome: Outcome) -> bool:
    """True when the variant breaks the promise (or the corpus's own expectation)."""
    return outcome.outcome not in ("clean-error", "identical") or bool(outcome.flags)


def run_corpus(
    seed: int | str, count: int, *, verbose: bool = False, only: set[str] | None = None
) -> list[Outcome]:
    """Run a fresh corpus (no cache) and return every outcome (of the ``only`` classes)."""
    from evaluation.load.cachedir import CACHE_ENV

    os.environ.pop(CACHE_ENV, None)  # every variant is read from its files
    expected = expectation()
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
        for variant, rng in variants(seed, count):
            if only and variant.cls not in only:
                continue  # the same variants as a full run, fewer of them
            outcome = run_variant(variant, rng, Path(tmp), expected)
            outcomes.append(outcome)
            if verbose or failed(outcome):
                flags = f" [{', '.join(outcome.flags)}]" if outcome.flags else ""
                print(
                    f"{variant.index:4d} {variant.cls:22s} {variant.what[:40]:40s} "
                    f"{outcome.outcome}{flags}: {outcome.detail[:400]}",
                    flush=True,
                )
    return outcomes


def summary(outcomes: list[Outcome]) -> str:
    """Counts per outcome class and per flag, then per mutation class."""
    by_outcome = Counter(o.outcome for o in outcomes)
    by_flag = Counter(f for o in outcomes for f in o.flags)
    lines = [f"variants: {len(outcomes)}"]
    for name in ("clean-error", "identical", "accepted-different", "crash", "unnamed-error"):
        lines.append(f"  {name:20s} {by_outcome.get(name, 0)}")
    for name in ("refused-good", "missed-refusal", "validate-disagrees"):
        lines.append(f"  flag {name:15s} {by_flag.get(name, 0)}")
    per_class = Counter((o.variant.cls, o.outcome) for o in outcomes)
    lines.append("per mutation class:")
    for cls in CLASSES:
        parts = [f"{k} {per_class[(cls, k)]}" for k in by_outcome if per_class[(cls, k)]]
        lines.append(f"  {cls:22s} {', '.join(parts)}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run a corpus from the command line and print the counts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", default=str(int(time.time())), help="corpus seed")
    parser.add_argument("--count", type=int, default=300, help="number of variants")
    parser.add_argument("--verbose", action="store_true", help="print every variant")
    parser.add_argument(
        "--classes", default="", help="comma-separated mutation classes to run (default: all)"
    )
    args = parser.parse_args(argv)
    only = {c for c in args.classes.split(",") if c}
    if unknown := only - set(CLASSES):
        parser.error(f"unknown classes: {', '.join(sorted(unknown))}")
    started = time.perf_counter()
    outcomes = run_corpus(args.seed, args.count, verbose=args.verbose, only=only)
    print(f"seed {args.seed}, {time.perf_counter() - started:.0f} s")
    print(summary(outcomes))
    return 1 if any(failed(o) for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
