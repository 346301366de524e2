"""Pandera schemas derived from the contract, and checks across tables.

Each pandera failure becomes one DataError naming file, spreadsheet row, column,
what was expected and what was found (never a sensitive value).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from evaluation.exceptions import DataError
from evaluation.idnumbers import quote_safely
from evaluation.load.fastops import all_unique, isin
from evaluation.metadata.contract import TABLES, Column, TableSpec

if TYPE_CHECKING:  # pandera is imported when a table is validated: a report kernel or a
    import pandera.pandas as pa  # worker that reads the validated cache never needs it (~0.3 s)

FIRST_DATA_ROW = 2  # a spreadsheet shows the header as row 1


def _checks(col: Column) -> list[pa.Check]:
    import pandera.pandas as pa

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
                error=f"var och en bland {', '.join(col.allowed)}",
            )
        )
    elif col.allowed is not None:
        options = list(col.allowed)
        checks.append(
            pa.Check(
                lambda s, allowed=options: isin(s, allowed) | s.isna(),
                error=f"en av {', '.join(col.allowed)}",
            )
        )
    if col.min is not None:
        checks.append(pa.Check.ge(col.min, error=f"minst {col.min:g}"))
    if col.max is not None:
        checks.append(pa.Check.le(col.max, error=f"högst {col.max:g}"))
    return checks


@cache
def schema_for(spec_name: str) -> pa.DataFrameSchema:
    """The pandera schema of one contract table (types already coerced)."""
    import pandera.pandas as pa

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


def validate_table(
    frame: pd.DataFrame,
    spec: TableSpec,
    file: Path,
    problems: list[DataError] | None = None,
    skip: frozenset[str] | set[str] = frozenset(),
) -> pd.DataFrame:
    """Validate a coerced table; raise the first violation as a DataError.

    With a ``problems`` list every violation is appended there instead, one per
    column and check with all its rows; columns in ``skip`` (already reported as
    unreadable) are not checked again.
    """
    import pandera.pandas as pa

    validated = frame
    try:
        validated = schema_for(spec.name).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        if problems is None:
            raise _first_error(exc.failure_cases, spec, file, frame) from None
        problems.extend(_all_errors(exc.failure_cases, spec, file, frame, skip))
    # Uniqueness is checked here rather than by pandera: its pandas duplicated() is the
    # slowest step at national scale, and the error must name the repeating row.
    for col in spec.columns:
        if col.name in skip:
            continue
        if col.unique and not all_unique(frame[col.name]):
            repeat = frame[col.name].duplicated(keep="first") & frame[col.name].notna()
            err = with_rows(
                DataError(
                    "id:n måste vara unika",
                    file=file,
                    row=first_row(repeat),
                    column=col.name,
                    expected="ett värde som inte redan finns på en tidigare rad",
                    found=quote_safely(frame.loc[repeat, col.name].iloc[0]),
                ),
                repeat,
            )
            if problems is None:
                raise err
            problems.append(err)
    return validated


ROWS_KEPT = 20  # bad rows remembered per problem; ``count`` covers them all


def with_rows(err: DataError, mask: pd.Series) -> DataError:
    """Attach every spreadsheet row where ``mask`` is True (``rows``, ``count``) to ``err``."""
    positions = np.flatnonzero(mask.to_numpy(dtype=bool))
    err.rows = [int(p) + FIRST_DATA_ROW for p in positions[:ROWS_KEPT]]
    err.count = len(positions)
    return err


def _all_errors(
    cases: pd.DataFrame, spec: TableSpec, file: Path, frame: pd.DataFrame, skip
) -> list[DataError]:
    """One DataError per column and check, listing every failing row."""
    cases = cases.copy()
    cases["index"] = pd.to_numeric(cases["index"], errors="coerce")
    cases = cases[~cases["column"].isin(list(skip))]
    out = []
    for (_column, _check), group in cases.groupby(["column", "check"], sort=False, dropna=False):
        group = group.sort_values("index", na_position="first", kind="stable")
        err = _first_error(group, spec, file, frame)
        rows = sorted({int(i) + FIRST_DATA_ROW for i in group["index"].dropna()})
        if err.message == "id:n måste vara unika" and err.column in frame.columns:
            with_rows(err, frame[err.column].duplicated(keep="first") & frame[err.column].notna())
        elif rows:
            err.rows, err.count = rows[:ROWS_KEPT], len(rows)
        out.append(err)
    return out


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
            "värde saknas",
            file=file,
            row=row,
            column=column,
            expected="en ifylld cell",
            found="en tom cell",
        )
    if check in ("field_uniqueness", "unique"):
        # pandera lists every copy; the row to fix is the first repeat of an earlier one
        repeat = frame[column].duplicated(keep="first") & frame[column].notna()
        return DataError(
            "id:n måste vara unika",
            file=file,
            row=first_row(repeat),
            column=column,
            expected="ett värde som inte redan finns på en tidigare rad",
            found=found_text,
        )
    col = spec.column(column) if column in {c.name for c in spec.columns} else None
    expected = check
    if col is not None:
        for c in _checks(col):
            if c.error and (c.error == check or check.startswith(c.error)):
                expected = c.error
    return DataError(
        "värdet är inte tillåtet",
        file=file,
        row=row,
        column=column,
        expected=expected,
        found=found_text,
    )


def first_row(mask: pd.Series) -> int:
    """Spreadsheet row of the first True in a boolean mask."""
    return int(np.flatnonzero(mask.to_numpy(dtype=bool))[0]) + FIRST_DATA_ROW
