"""Checks across and within tables that a per-column schema cannot express."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from evaluation.exceptions import DataError
from evaluation.idnumbers import quote_safely
from evaluation.load.fastops import isin
from evaluation.load.schemas import first_row
from evaluation.metadata.codes import NATIONAL_CODE
from evaluation.metadata.contract import TABLES

_AREA_TABLES = (
    "referrals",
    "assessments",
    "investigations",
    "interventions",
    "activities",
    "survey_invitations",
    "survey_responses",
)


def _date_order(tables: dict, files: dict, folder: Path) -> None:
    for name, spec in TABLES.items():
        frame = tables.get(name)
        if frame is None:
            continue
        for earlier, later in spec.date_order:
            bad = (frame[later] < frame[earlier]).fillna(False).astype(bool)
            if bad.any():
                raise DataError(
                    f"{later} is before {earlier}",
                    file=folder / files[name],
                    row=first_row(bad),
                    column=later,
                    expected=f"a date on or after {earlier}",
                    found="an earlier date",
                )


def _references(tables: dict, files: dict, folder: Path) -> None:
    for name, spec in TABLES.items():
        frame = tables.get(name)
        if frame is None:
            continue
        for ref in spec.references:
            target = tables.get(ref.table)
            if target is None:
                continue
            known = target[ref.target_column].dropna().unique()
            bad = frame[ref.column].notna() & ~isin(frame[ref.column], known)
            if bad.any():
                raise DataError(
                    f"refers to a {ref.target_column} that is not in {files[ref.table]}",
                    file=folder / files[name],
                    row=first_row(bad),
                    column=ref.column,
                    expected=f"an id present in {files[ref.table]}",
                    found="an unknown id",
                )


def _area_codes(tables: dict, files: dict, folder: Path) -> None:
    areas = tables.get("areas")
    if areas is None:
        return
    codes = list(areas["area_code"])
    mapping = tables.get("area_mapping")
    if mapping is not None:
        codes += list(mapping["from_code"]) + list(mapping["to_code"])
    known = pd.unique(pd.Series(codes, dtype="string"))
    for name in _AREA_TABLES:
        frame = tables.get(name)
        if frame is None:
            continue
        bad = frame["area_code"].notna() & ~isin(frame["area_code"], known)
        if bad.any():
            raise DataError(
                "unknown area code",
                file=folder / files[name],
                row=first_row(bad),
                column="area_code",
                expected=f"a code in {files['areas']}",
                found=quote_safely(frame.loc[bad, "area_code"].iloc[0], 20),
            )
    stats = tables.get("area_statistics")
    if stats is not None:
        allowed = [*known, *areas["municipality_code"], NATIONAL_CODE]
        bad = ~isin(stats["area_code"], allowed)
        if bad.any():
            raise DataError(
                "unknown area code",
                file=folder / files["area_statistics"],
                row=first_row(bad),
                column="area_code",
                expected="an area code, a municipality code or SE",
                found=quote_safely(stats.loc[bad, "area_code"].iloc[0], 20),
            )


def _statistics_keys(tables: dict, files: dict, folder: Path) -> None:
    stats = tables.get("area_statistics")
    if stats is None:
        return
    dup = stats.duplicated(["area_code", "year", "indicator"], keep="first")
    if dup.any():
        raise DataError(
            "the same area, year and indicator appear twice",
            file=folder / files["area_statistics"],
            row=first_row(dup),
            column="indicator",
            expected="one value per area, year and indicator",
        )


def _survey(tables: dict, files: dict, folder: Path) -> None:
    questions, responses = tables.get("survey_questions"), tables.get("survey_responses")
    if questions is None or responses is None:
        return
    known = pd.MultiIndex.from_frame(questions[["survey", "question_id"]])
    keys = pd.MultiIndex.from_frame(responses[["survey", "question_id"]])
    bad = pd.Series(~keys.isin(known), index=responses.index)
    if bad.any():
        raise DataError(
            "answers a question that is not in " + files["survey_questions"],
            file=folder / files["survey_responses"],
            row=first_row(bad),
            column="question_id",
            expected="a survey and question_id pair listed in " + files["survey_questions"],
            found="an unknown question",
        )


def check_references(tables: dict, files: dict, folder: Path) -> None:
    """Run every cross-table check; raise the first violation."""
    _date_order(tables, files, folder)
    _references(tables, files, folder)
    _area_codes(tables, files, folder)
    _statistics_keys(tables, files, folder)
    _survey(tables, files, folder)
