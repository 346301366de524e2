"""Broken inputs, run as a user would: `evaluation run` on a damaged copy of a data folder.

Each case asserts the exit code, that the message names the file, column and row,
that no traceback is printed, and that no report is left behind.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.tiny_data import write_params

EXE = Path(sys.executable).parent / "evaluation"


def _edit(folder: Path, name: str, fn) -> None:
    path = folder / name
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    fn(frame)
    frame.to_csv(path, index=False)


def _set(name: str, row: int, column: str, value: str):
    def apply(folder: Path) -> None:
        def fn(frame):
            frame.loc[row, column] = value

        _edit(folder, name, fn)

    return apply


def _drop_column(name: str, column: str):
    def apply(folder: Path) -> None:
        path = folder / name
        pd.read_csv(path, dtype=str, keep_default_na=False).drop(columns=column).to_csv(
            path, index=False
        )

    return apply


def _duplicate_id(folder: Path) -> None:
    def fn(frame):
        frame.loc[3, "referral_id"] = frame.loc[1, "referral_id"]

    _edit(folder, "referrals.csv", fn)


def _ragged(folder: Path) -> None:
    path = folder / "activities.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[4] += ",extra,fields"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _duplicate_statistic(folder: Path) -> None:
    path = folder / "area_statistics.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    pd.concat([frame, frame.iloc[[2]]]).to_csv(path, index=False)


CASES = [
    # id, mutation, file, column, row (spreadsheet row; None where there is none)
    (
        "unknown-code",
        _set("referrals.csv", 6, "reporter_category", "skolan"),
        "referrals.csv",
        "reporter_category",
        8,
    ),
    (
        "bad-date",
        _set("assessments.csv", 2, "start_date", "2023-02-30"),
        "assessments.csv",
        "start_date",
        4,
    ),
    (
        "missing-column",
        _drop_column("investigations.csv", "child_age"),
        "investigations.csv",
        "child_age",
        1,
    ),
    ("duplicate-id", _duplicate_id, "referrals.csv", "referral_id", 5),
    (
        "unknown-referral",
        _set("assessments.csv", 9, "referral_id", "R99999"),
        "assessments.csv",
        "referral_id",
        11,
    ),
    (
        "unknown-area",
        _set("investigations.csv", 0, "area_code", "0999X999"),
        "investigations.csv",
        "area_code",
        2,
    ),
    (
        "end-before-start",
        _set("investigations.csv", 1, "end_date", "2000-01-01"),
        "investigations.csv",
        "end_date",
        3,
    ),
    (
        "identity-number",
        _set("interventions.csv", 2, "person_id", "19121212-1212"),
        "interventions.csv",
        "person_id",
        4,
    ),
    (
        "not-a-number",
        _set("referrals.csv", 10, "child_age", "tolv"),
        "referrals.csv",
        "child_age",
        12,
    ),
    (
        "age-out-of-range",
        _set("referrals.csv", 11, "child_age", "47"),
        "referrals.csv",
        "child_age",
        13,
    ),
    (
        "bad-boolean",
        _set("assessments.csv", 5, "joint_with_provider", "kanske"),
        "assessments.csv",
        "joint_with_provider",
        7,
    ),
    (
        "bad-partner-list",
        _set("activities.csv", 3, "partners", "school;mafia"),
        "activities.csv",
        "partners",
        5,
    ),
    ("ragged-row", _ragged, "activities.csv", None, 5),
    ("duplicate-statistic", _duplicate_statistic, "area_statistics.csv", "indicator", None),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_broken_input_gives_one_clean_error(case, tiny_folder, tmp_path):
    name, mutate, file, column, row = case
    data = tmp_path / "data"
    shutil.copytree(tiny_folder, data)
    mutate(data)
    params = write_params(tmp_path, data)
    out = tmp_path / "reports"
    result = subprocess.run(
        [str(EXE), "run", str(params), "--output-dir", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    message = result.stdout + result.stderr
    assert result.returncode == 2, message
    assert "Traceback" not in message
    assert file in message
    if column:
        assert f"'{column}'" in message
    if row:
        assert f"rad {row}" in message or f"({row}" in message or f" {row}," in message
    assert "1212" not in message  # identity numbers are never echoed
    assert not list(out.rglob("*.html")), "no report may be left behind"


def test_unknown_parameter_is_named(tiny_folder, tmp_path):
    params = write_params(tmp_path, tiny_folder, comparision_areas=["Söderby"])
    result = subprocess.run(
        [str(EXE), "run", str(params), "--output-dir", str(tmp_path / "r")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    message = result.stdout + result.stderr
    assert result.returncode == 2 and "Traceback" not in message
    assert "comparision_areas" in message and "menade du 'comparison_areas'?" in message
    assert not list((tmp_path / "r").rglob("*.html"))


def test_a_value_from_the_data_reaches_the_terminal_never_the_reports_folder(tiny_folder, tmp_path):
    # A name typed into a date column: the batch names file, column and row on its index
    # page, and the value itself only in the terminal (the reports folder is published).
    data = tmp_path / "data"
    shutil.copytree(tiny_folder, data)
    _set("assessments.csv", 2, "start_date", "Anna Lindqvist")(data)
    params = write_params(tmp_path, data)
    batch = tmp_path / "batch.yaml"
    batch.write_text(f"batch: term\nevaluations:\n  - {params.name}\n", encoding="utf-8")
    out = tmp_path / "reports"
    result = subprocess.run(
        [str(EXE), "batch", str(batch), "-o", str(out), "--no-progress"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Anna Lindqvist" in result.stderr and "Traceback" not in result.stderr
    index = (out / "term" / "index.html").read_text(encoding="utf-8")
    assert "assessments.csv" in index and "start_date" in index and "rad 4" in index
    files = [p for p in out.rglob("*") if p.is_file()]
    assert files and not [p for p in files if b"Lindqvist" in p.read_bytes()]
