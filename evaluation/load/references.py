"""Checks across and within tables that a per-column schema cannot express."""

from __future__ import annotations

from pathlib import Path

import numpy as np
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


def _statistics_values(tables: dict, files: dict, folder: Path) -> None:
    """Range checks from the contract and the catalogue: bases, numerators, shares."""
    stats = tables.get("area_statistics")
    if stats is None:
        return
    file = folder / files["area_statistics"]

    def refuse(mask: pd.Series, column: str, message: str, expected: str) -> DataError:
        return DataError(
            message,
            file=file,
            row=first_row(mask),
            column=column,
            expected=expected,
            found=quote_safely(stats.loc[mask.to_numpy(), column].iloc[0], 20),
        )

    from evaluation.load.coerce import MAX_WHOLE

    for column in ("numerator", "denominator"):
        negative = (stats[column] < 0).fillna(False).astype(bool)
        if negative.any():
            raise refuse(negative, column, "ett antal kan inte vara negativt", "0 eller mer")
        huge = (stats[column] > MAX_WHOLE).fillna(False).astype(bool)
        if huge.any():
            raise refuse(huge, column, "ett orimligt stort antal", f"högst {MAX_WHOLE:g}")
    above = (stats["numerator"] > stats["denominator"]).fillna(False).astype(bool)
    if above.any():
        raise refuse(
            above,
            "numerator",
            "täljaren är större än nämnaren",
            "en täljare som inte är större än nämnaren",
        )
    try:
        from evaluation.load.shares import folder_catalogue

        catalogue = folder_catalogue(folder)
    except Exception:  # noqa: BLE001 - a broken catalogue is reported where it is used
        return
    kinds = stats["indicator"].map(lambda k: getattr(catalogue.get(k), "kind", None))
    counts = (kinds == "count").fillna(False).astype(bool)
    negative = counts & (stats["value"] < 0).fillna(False).astype(bool)
    if negative.any():
        raise refuse(negative, "value", "ett antal kan inte vara negativt", "0 eller mer")
    huge = counts & (stats["value"] > MAX_WHOLE).fillna(False).astype(bool)
    if huge.any():
        raise refuse(huge, "value", "ett orimligt stort antal", f"högst {MAX_WHOLE:g}")
    shares = (kinds == "share").fillna(False).astype(bool)
    over = shares & (stats["value"] > 100).fillna(False).astype(bool)
    if over.any():
        raise refuse(over, "value", "en andel över 100", "en andel mellan 0–1 eller 0–100")
    ratio = stats["value"] / (stats["numerator"] / stats["denominator"])
    for indicator in stats.loc[shares, "indicator"].unique():
        rows = shares & (stats["indicator"] == indicator)
        r = ratio[rows].replace([np.inf, -np.inf], np.nan).dropna()
        as_fraction, as_percent = ((r - 1).abs() < 0.05), ((r - 100).abs() < 5)
        if as_fraction.any() and as_percent.any():
            second = as_percent if as_fraction.idxmax() < as_percent.idxmax() else as_fraction
            mask = pd.Series(False, index=stats.index)
            mask[second[second].index[0]] = True
            raise refuse(
                mask,
                "value",
                f"indikatorn {indicator} blandar andelar (0–1) och procent (0–100)",
                "en skala för hela indikatorn",
            )


def _survey_values(tables: dict, files: dict, folder: Path) -> None:
    """Survey answers against their question's scale, and no answer given twice, at load."""
    from evaluation.metadata.scales import SCALES, is_free_text

    responses, questions = tables.get("survey_responses"), tables.get("survey_questions")
    for name, key in (
        ("survey_responses", ["survey", "period", "respondent_id", "question_id"]),
        ("survey_invitations", ["survey", "period", "unit", "area_code"]),
        ("survey_questions", ["survey", "question_id"]),
    ):
        frame = tables.get(name)
        if frame is None:
            continue
        dup = frame.duplicated(key, keep="first")
        if dup.any():
            raise DataError(
                "samma rad förekommer två gånger",
                file=folder / files[name],
                row=first_row(dup),
                column=key[-1],
                expected=f"en rad per {', '.join(key)}",
            )
    if responses is None or questions is None:
        return
    scale_of = {
        (row.survey, row.question_id): row.scale for row in questions.itertuples(index=False)
    }
    keys = list(zip(responses["survey"], responses["question_id"], strict=True))
    bad = np.zeros(len(responses), dtype=bool)
    for code in set(scale_of.values()):
        if is_free_text(code) or code not in SCALES:
            continue
        sc = SCALES[code]
        rows = np.array([scale_of.get(k) == code for k in keys], dtype=bool)
        answers = sc.normalise(responses["answer"][rows])
        bad[np.flatnonzero(rows)] = (answers.notna() & ~answers.isin(sc.answers)).to_numpy(
            dtype=bool
        )
    if bad.any():
        mask = pd.Series(bad, index=responses.index)
        raise DataError(
            "svaret är ingen kod i frågans svarsskala",
            file=folder / files["survey_responses"],
            row=first_row(mask),
            column="answer",
            expected="en kod i skalan som anges i " + files["survey_questions"],
            found="ett annat värde (visas inte)",
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

    for value_check in (_statistics_values, _survey_values):  # each reports its first problem
        try:
            value_check(tables, files, folder)
        except DataError as err:
            if problems is None:
                raise
            problems.append(err)
    for check in (_date_order, _references, _area_codes, _statistics_keys, _survey):
        check(tables, files, folder, emit)
