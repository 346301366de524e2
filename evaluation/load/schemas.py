"""Pandera schemas derived from the contract, and checks across tables.

Each pandera failure becomes one DataError naming file, spreadsheet row, column,
what was expected and what was found (never a sensitive value).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from evaluation.exceptions import DataError
from evaluation.idnumbers import quote_safely
from evaluation.load.fastops import all_unique, isin
from evaluation.metadata.contract import TABLES, Column, TableSpec

FIRST_DATA_ROW = 2  # a spreadsheet shows the header as row 1


def _checks(col: Column) -> list[pa.Check]:
    checks: list[pa.Check] = []
    if col.allowed is not None and col.kind == "list":
        allowed = set(col.allowed)
        checks.append(
            pa.Check(
                lambda s, allowed=allowed: (
                    s.str.split(";")
                    .map(lambda parts: all(p in allowed for p in parts), na_action="ignore")
                    .fillna(True)
                    .astype(bool)
                ),
                error=f"each one of {', '.join(col.allowed)}",
            )
        )
    elif col.allowed is not None:
        options = list(col.allowed)
        checks.append(
            pa.Check(
                lambda s, allowed=options: isin(s, allowed) | s.isna(),
                error=f"one of {', '.join(col.allowed)}",
            )
        )
    if col.min is not None:
        checks.append(pa.Check.ge(col.min, error=f"at least {col.min:g}"))
    if col.max is not None:
        checks.append(pa.Check.le(col.max, error=f"at most {col.max:g}"))
    return checks


@cache
def schema_for(spec_name: str) -> pa.DataFrameSchema:
    """The pandera schema of one contract table (types already coerced)."""
    spec = TABLES[spec_name]
    columns = {
        col.name: pa.Column(
            None,
            checks=_checks(col),
            nullable=col.nullable,
            unique=False,
            required=True,
            coerce=False,
        )
        for col in spec.columns
    }
    return pa.DataFrameSchema(columns, strict=False, name=spec.name)


def validate_table(frame: pd.DataFrame, spec: TableSpec, file: Path) -> pd.DataFrame:
    """Validate a coerced table; raise the first violation as a DataError."""
    try:
        validated = schema_for(spec.name).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        raise _first_error(exc.failure_cases, spec, file, frame) from None
    # Uniqueness is checked here rather than by pandera: its pandas duplicated() is the
    # slowest step at national scale, and the error must name the repeating row.
    for col in spec.columns:
        if col.unique and not all_unique(frame[col.name]):
            repeat = frame[col.name].duplicated(keep="first") & frame[col.name].notna()
            raise DataError(
                "ids must be unique",
                file=file,
                row=first_row(repeat),
                column=col.name,
                expected="a value not used on an earlier row",
                found=quote_safely(frame.loc[repeat, col.name].iloc[0]),
            )
    return validated


def _first_error(
    cases: pd.DataFrame, spec: TableSpec, file: Path, frame: pd.DataFrame
) -> DataError:
    cases = cases.copy()
    cases["index"] = pd.to_numeric(cases["index"], errors="coerce")
    cases = cases.sort_values(["index"], na_position="first", kind="stable")
    case = cases.iloc[0]
    column = case.get("column")
    check = str(case.get("check"))
    row = None if pd.isna(case["index"]) else int(case["index"]) + FIRST_DATA_ROW
    found = case.get("failure_case")
    found_text = quote_safely(found)
    if check == "not_nullable":
        return DataError(
            "a value is required",
            file=file,
            row=row,
            column=column,
            expected="a non-empty cell",
            found="an empty cell",
        )
    if check in ("field_uniqueness", "unique"):
        # pandera lists every copy; the row to fix is the first repeat of an earlier one
        repeat = frame[column].duplicated(keep="first") & frame[column].notna()
        return DataError(
            "ids must be unique",
            file=file,
            row=first_row(repeat),
            column=column,
            expected="a value not used on an earlier row",
            found=found_text,
        )
    col = spec.column(column) if column in {c.name for c in spec.columns} else None
    expected = check
    if col is not None:
        for c in _checks(col):
            if c.error and (c.error == check or check.startswith(c.error)):
                expected = c.error
    return DataError(
        "value not allowed", file=file, row=row, column=column, expected=expected, found=found_text
    )


def first_row(mask: pd.Series) -> int:
    """Spreadsheet row of the first True in a boolean mask."""
    return int(np.flatnonzero(mask.to_numpy(dtype=bool))[0]) + FIRST_DATA_ROW
