"""Checks across and within tables that a per-column schema cannot express."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from evaluation.exceptions import DataError
from evaluation.idnumbers import quote_safely
from evaluation.load.fastops import isin
from evaluation.load.schemas import first_row, with_rows
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


def _date_order(tables: dict, files: dict, folder: Path, emit) -> None:
    for name, spec in TABLES.items():
        frame = tables.get(name)
        if frame is None:
            continue
        for earlier, later in spec.date_order:
            bad = (frame[later] < frame[earlier]).fillna(False).astype(bool)
            if bad.any():
                emit(
                    DataError(
                        f"{later} ligger före {earlier}",
                        file=folder / files[name],
                        row=first_row(bad),
                        column=later,
                        expected=f"ett datum samma dag som eller efter {earlier}",
                        found="ett tidigare datum",
                    ),
                    bad,
                )


def _references(tables: dict, files: dict, folder: Path, emit) -> None:
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
                emit(
                    DataError(
                        f"hänvisar till ett {ref.target_column} som saknas i {files[ref.table]}",
                        file=folder / files[name],
                        row=first_row(bad),
                        column=ref.column,
                        expected=f"ett id som finns i {files[ref.table]}",
                        found="ett okänt id",
                    ),
                    bad,
                )


def _area_codes(tables: dict, files: dict, folder: Path, emit) -> None:
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
            emit(
                DataError(
                    "okänd områdeskod",
                    file=folder / files[name],
                    row=first_row(bad),
                    column="area_code",
                    expected=f"en kod i {files['areas']}",
                    found=quote_safely(frame.loc[bad, "area_code"].iloc[0], 20),
                ),
                bad,
            )
    stats = tables.get("area_statistics")
    if stats is not None:
        allowed = [*known, *areas["municipality_code"], NATIONAL_CODE]
        bad = ~isin(stats["area_code"], allowed)
        if bad.any():
            emit(
                DataError(
                    "okänd områdeskod",
                    file=folder / files["area_statistics"],
                    row=first_row(bad),
                    column="area_code",
                    expected="en områdeskod, en kommunkod eller SE",
                    found=quote_safely(stats.loc[bad, "area_code"].iloc[0], 20),
                ),
                bad,
            )


def _statistics_keys(tables: dict, files: dict, folder: Path, emit) -> None:
    stats = tables.get("area_statistics")
    if stats is None:
        return
    dup = stats.duplicated(["area_code", "year", "indicator"], keep="first")
    if dup.any():
        emit(
            DataError(
                "samma område, år och indikator förekommer två gånger",
                file=folder / files["area_statistics"],
                row=first_row(dup),
                column="indicator",
                expected="ett värde per område, år och indikator",
            ),
            dup,
        )


def _survey(tables: dict, files: dict, folder: Path, emit) -> None:
    questions, responses = tables.get("survey_questions"), tables.get("survey_responses")
    if questions is None or responses is None:
        return
    known = pd.MultiIndex.from_frame(questions[["survey", "question_id"]])
    keys = pd.MultiIndex.from_frame(responses[["survey", "question_id"]])
    bad = pd.Series(~keys.isin(known), index=responses.index)
    if bad.any():
        emit(
            DataError(
                "svarar på en fråga som inte finns i " + files["survey_questions"],
                file=folder / files["survey_responses"],
                row=first_row(bad),
                column="question_id",
                expected="ett par av survey och question_id som finns i "
                + files["survey_questions"],
                found="en okänd fråga",
            ),
            bad,
        )


def check_references(
    tables: dict, files: dict, folder: Path, problems: list[DataError] | None = None
) -> None:
    """Run every cross-table check; raise the first violation, or append all to ``problems``."""

    def emit(err: DataError, mask: pd.Series) -> None:
        with_rows(err, mask)
        if problems is None:
            raise err
        problems.append(err)

    for check in (_date_order, _references, _area_codes, _statistics_keys, _survey):
        check(tables, files, folder, emit)
