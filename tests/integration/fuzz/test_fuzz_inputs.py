"""Seeded fuzzing of a data folder: every variant is read exactly as expected or refused.

Each mutation class rewrites a copy of the tiny data folder (plus survey files) in a
way a real export can: thousands separators, decimal marks, encodings, dates, file
names, misnamed columns, out-of-range values, duplicated rows, map files. A variant
passes when ``load_data`` returns tables equal to the hand-derived expectation, or
raises a DataError naming the file. Accepting different data, or any other
exception, fails the test. ``FUZZ_SEED`` picks another corpus.
"""

from __future__ import annotations

import json
import os
import random
import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

import evaluation
from evaluation.exceptions import DataError
from tests.tiny_data import write_tiny

SEED = int(os.environ.get("FUZZ_SEED", "20261125"))
SAME, REFUSE, EITHER = "same", "refuse", "same-or-refuse"

QUESTIONS = (
    "survey,question_id,text,scale\n"
    "enk,q1,Jag blev bemött med respekt.,agree5\n"
    "enk,q2,Fick du hjälp?,yesno\n"
)
INVITATIONS = "survey,period,unit,area_code,invited\nenk,2023,Enhet Norrby,0999A001,1040\n"


def _responses() -> str:
    rows = ["survey,period,unit,area_code,respondent_id,question_id,answer"]
    for i in range(12):
        rows.append(f"enk,2023,Enhet Norrby,0999A001,B{i:03d},q1,{1 + i % 5}")
        rows.append(f"enk,2023,Enhet Norrby,0999A001,B{i:03d},q2,{'ja' if i % 3 else 'nej'}")
    return "\n".join(rows) + "\n"


def _base(folder: Path) -> Path:
    write_tiny(folder)
    (folder / "survey_questions.csv").write_text(QUESTIONS, encoding="utf-8")
    (folder / "survey_invitations.csv").write_text(INVITATIONS, encoding="utf-8")
    (folder / "survey_responses.csv").write_text(_responses(), encoding="utf-8")
    stats = pd.read_csv(folder / "area_statistics.csv", dtype=str, keep_default_na=False)
    share = pd.DataFrame(
        [
            ["0999A001", str(y), "foreign_born_share", f"{v:.1f}", str(n), "400"]
            for y, v, n in ((2021, 12.5, 50), (2022, 13.75, 55), (2023, 15.0, 60))
        ],
        columns=stats.columns,
    )
    pd.concat([stats, share]).to_csv(folder / "area_statistics.csv", index=False)
    return folder


@dataclass
class Variant:
    """One mutated folder and what reading it must give."""

    cls: str
    expect: str
    mutate: Callable[[Path, random.Random], None]


def _csv(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / name, dtype=str, keep_default_na=False)


def _write(frame: pd.DataFrame, folder: Path, name: str, **kw) -> None:
    frame.to_csv(folder / name, index=False, **kw)


def _set_cell(folder: Path, name: str, column: str, value: str, rng: random.Random) -> None:
    frame = _csv(folder, name)
    frame.loc[rng.randrange(len(frame)), column] = value
    _write(frame, folder, name)


# ---- mutation classes -------------------------------------------------------------


def thousands_int(folder, rng):
    """Counts with thousands separators in an int column: read as the same count."""
    frame = _csv(folder, "survey_invitations.csv")
    frame["invited"] = "1" + rng.choice([",", ".", " ", "\u00a0"]) + "040"
    _write(frame, folder, "survey_invitations.csv")


def thousands_float(folder, rng):
    """'4,000' in a float column (counts): ambiguous unless the column shows decimals."""
    frame = _csv(folder, "area_statistics.csv")
    mark = rng.choice([",", "."])
    counts = frame["value"].str.fullmatch(r"\d{4,}")
    frame.loc[counts, "value"] = frame.loc[counts, "value"].map(
        lambda v: f"{int(v[:-3]):d}{mark}{v[-3:]}"
    )
    _write(frame, folder, "area_statistics.csv")


def mixed_marks(folder, rng):
    """Decimal comma in some cells and decimal point in others: refused."""
    frame = _csv(folder, "area_statistics.csv")
    decimals = frame.index[frame["value"].str.contains(".", regex=False)]
    frame.loc[decimals[0], "value"] = frame.loc[decimals[0], "value"].replace(".", ",")
    _write(frame, folder, "area_statistics.csv")


def swedish_excel(folder, rng):
    """';'-separated, decimal comma, Windows-1252: read the same."""
    name = rng.choice(["area_statistics.csv", "survey_questions.csv", "activities.csv"])
    frame = _csv(folder, name)
    if name == "area_statistics.csv":
        frame["value"] = frame["value"].str.replace(".", ",", regex=False)
    text = frame.to_csv(index=False, sep=";", lineterminator=rng.choice(["\n", "\r\n"]))
    (folder / name).write_bytes(text.encode("cp1252"))


def utf8_variants(folder, rng):
    """BOM, CRLF, UTF-16 with BOM: read the same."""
    name = rng.choice(["referrals.csv", "survey_questions.csv", "activities.csv"])
    text = (folder / name).read_text(encoding="utf-8")
    choice = rng.choice(["bom", "crlf", "utf16"])
    if choice == "bom":
        (folder / name).write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    elif choice == "crlf":
        (folder / name).write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    else:
        (folder / name).write_bytes(text.encode("utf-16"))


def utf16_no_bom(folder, rng):
    """UTF-16 without a byte-order mark: refused, never garbled."""
    name = rng.choice(["referrals.csv", "survey_questions.csv"])
    text = (folder / name).read_text(encoding="utf-8")
    (folder / name).write_bytes(text.encode(rng.choice(["utf-16-le", "utf-16-be"])))


def mixed_encoding(folder, rng):
    """One cp1252 byte in a UTF-8 file with letters: refused naming the row."""
    lines = (folder / "survey_questions.csv").read_text(encoding="utf-8").splitlines()
    i = rng.randrange(1, len(lines))
    raw = [line.encode("utf-8") for line in lines]
    raw[i] = raw[i] + " Skäggetorp".encode("cp1252")
    (folder / "survey_questions.csv").write_bytes(b"\n".join(raw) + b"\n")


def bare_year(folder, rng):
    """A bare year, an Excel serial or a number in a CSV date column: refused."""
    name, column = rng.choice(
        [
            ("referrals.csv", "received_date"),
            ("activities.csv", "date"),
            ("investigations.csv", "start_date"),
        ]
    )
    _set_cell(folder, name, column, rng.choice(["2019", "45356", "7", "2022.5"]), rng)


def datetime_same_day(folder, rng):
    """A date written with a midnight time: read as the same date."""
    frame = _csv(folder, "referrals.csv")
    i = rng.randrange(len(frame))
    frame.loc[i, "received_date"] = frame.loc[i, "received_date"] + rng.choice(
        [" 00:00", " 00:00:00", "T00:00:00"]
    )
    _write(frame, folder, "referrals.csv")


def case_variant(folder, rng):
    """'Referrals.CSV' instead of 'referrals.csv': the same table."""
    name = rng.choice(["referrals.csv", "activities.csv", "area_statistics.csv"])
    new = rng.choice([name.capitalize(), name.upper(), name[:-4] + ".CSV"])
    (folder / name).rename(folder / new)


def case_duplicate(folder, rng):
    """'Referrals.CSV' beside 'referrals.csv', or an .xlsx beside it: refused."""
    name = rng.choice(["referrals.csv", "activities.csv"])
    if rng.random() < 0.5:
        shutil.copyfile(folder / name, folder / name.upper())
    else:
        _csv(folder, name).to_excel(folder / name.replace(".csv", ".xlsx"), index=False)


def directory(folder, rng):
    """A folder where a table file is expected: refused."""
    name = rng.choice(["referrals.csv", "activities.csv", "area_statistics.csv"])
    (folder / name).unlink()
    (folder / rng.choice([name, name.upper()])).mkdir()


def misnamed_optional(folder, rng):
    """'numerators' for 'numerator': refused with a did-you-mean."""
    frame = _csv(folder, "area_statistics.csv")
    column = rng.choice(["numerator", "denominator"])
    wrong = rng.choice([column + "s", column[:-1], column.upper() + "S"])
    frame = frame.rename(columns={column: wrong})
    _write(frame, folder, "area_statistics.csv")


def bad_number(folder, rng):
    """inf, 1e400, NaN text or a negative count: refused naming file, row and column."""
    name, column = rng.choice(
        [
            ("referrals.csv", "child_age"),
            ("activities.csv", "participants"),
            ("survey_invitations.csv", "invited"),
            ("area_statistics.csv", "numerator"),
        ]
    )
    _set_cell(folder, name, column, rng.choice(["inf", "-inf", "1e400", "-3", "Infinity"]), rng)


def over_denominator(folder, rng):
    """A numerator above its denominator, or a share above 100: refused."""
    frame = _csv(folder, "area_statistics.csv")
    rows = frame.index[frame["indicator"] == "foreign_born_share"]
    i = rng.choice(list(rows))
    if rng.random() < 0.5:
        frame.loc[i, "numerator"] = "500"
    else:
        frame.loc[i, "value"] = "250"
    _write(frame, folder, "area_statistics.csv")


def mixed_share_scale(folder, rng):
    """One indicator as a fraction on one row and a percentage on the others: refused."""
    frame = _csv(folder, "area_statistics.csv")
    rows = list(frame.index[frame["indicator"] == "foreign_born_share"])
    i = rng.choice(rows)
    frame.loc[i, "value"] = f"{float(frame.loc[i, 'value']) / 100:.5f}"
    _write(frame, folder, "area_statistics.csv")


def duplicated_row(folder, rng):
    """A repeated row in any table: refused."""
    name = rng.choice(
        [
            "referrals.csv",
            "activities.csv",
            "survey_responses.csv",
            "survey_invitations.csv",
            "area_statistics.csv",
        ]
    )
    frame = _csv(folder, name)
    i = rng.randrange(len(frame))
    _write(pd.concat([frame, frame.iloc[[i]]]), folder, name)


def bad_answer(folder, rng):
    """An answer outside its question's scale (NA, 6, 'kanske'): refused at load."""
    frame = _csv(folder, "survey_responses.csv")
    i = rng.randrange(len(frame))
    frame.loc[i, "answer"] = rng.choice(["NA", "6", "0", "kanske", "-"])
    _write(frame, folder, "survey_responses.csv")


def answer_spelling(folder, rng):
    """Answer codes with spaces or as Swedish labels: accepted (normalised where used)."""
    frame = _csv(folder, "survey_responses.csv")
    i = rng.randrange(len(frame))
    frame.loc[i, "answer"] = " " + frame.loc[i, "answer"] + " "
    _write(frame, folder, "survey_responses.csv")


def geo_without_crs(folder, rng):
    """SWEREF 99 TM coordinates in GeoJSON without a CRS member: read as EPSG:3006."""
    data = json.loads((folder / "areas.geojson").read_text(encoding="utf-8"))
    data.pop("crs", None)
    (folder / "areas.geojson").write_text(json.dumps(data), encoding="utf-8")


def geo_out_of_range(folder, rng):
    """Coordinates that are neither lon/lat nor Swedish SWEREF: refused."""
    data = json.loads((folder / "areas.geojson").read_text(encoding="utf-8"))
    data.pop("crs", None)
    factor = rng.choice([100.0, 0.01, -1.0])
    for feature in data["features"]:
        feature["geometry"]["coordinates"] = [
            [[x * factor, y * factor] for x, y in ring]
            for ring in feature["geometry"]["coordinates"]
        ]
    (folder / "areas.geojson").write_text(json.dumps(data), encoding="utf-8")


def geo_bowtie(folder, rng):
    """A self-intersecting polygon: refused."""
    data = json.loads((folder / "areas.geojson").read_text(encoding="utf-8"))
    feature = rng.choice(data["features"])
    ring = feature["geometry"]["coordinates"][0]
    ring[1], ring[2] = ring[2], ring[1]
    (folder / "areas.geojson").write_text(json.dumps(data), encoding="utf-8")


CLASSES: dict[str, tuple[str, Callable]] = {
    "thousands-int": (SAME, thousands_int),
    "thousands-float": (EITHER, thousands_float),
    "mixed-marks": (REFUSE, mixed_marks),
    "swedish-excel": (SAME, swedish_excel),
    "utf8-variants": (SAME, utf8_variants),
    "utf16-no-bom": (REFUSE, utf16_no_bom),
    "mixed-encoding": (REFUSE, mixed_encoding),
    "bare-year": (REFUSE, bare_year),
    "datetime-same-day": (SAME, datetime_same_day),
    "case-variant": (SAME, case_variant),
    "case-duplicate": (REFUSE, case_duplicate),
    "directory": (REFUSE, directory),
    "misnamed-optional": (REFUSE, misnamed_optional),
    "bad-number": (REFUSE, bad_number),
    "over-denominator": (REFUSE, over_denominator),
    "mixed-share-scale": (REFUSE, mixed_share_scale),
    "duplicated-row": (REFUSE, duplicated_row),
    "bad-answer": (REFUSE, bad_answer),
    "answer-spelling": (SAME, answer_spelling),
    "geo-without-crs": (SAME, geo_without_crs),
    "geo-out-of-range": (REFUSE, geo_out_of_range),
    "geo-bowtie": (REFUSE, geo_bowtie),
}
PER_CLASS_FAST, PER_CLASS_SLOW = 2, 10  # 44 variants in `make test`, 220 with -m slow


def _frames(data) -> dict[str, pd.DataFrame]:
    out = {}
    for name in data.files:
        frame = data.table(name)
        if name == "areas":
            frame = pd.DataFrame(frame.drop(columns="geometry")).assign(
                geometry=frame.geometry.normalize().to_wkt(rounding_precision=3)
            )
        if name == "survey_responses":
            frame = frame.assign(answer=frame["answer"].str.strip())
        out[name] = frame.reset_index(drop=True)
    return out


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> tuple[Path, dict[str, pd.DataFrame]]:
    folder = _base(tmp_path_factory.mktemp("fuzz") / "base")
    return folder, _frames(evaluation.load_data(folder))


def _check(base, tmp_path: Path, cls: str, seed: int) -> str:
    """Run one variant; return its outcome ('same' or 'refused') or fail the test."""
    folder, expected = base
    expect, mutate = CLASSES[cls]
    target = tmp_path / f"{cls}-{seed}"
    shutil.copytree(folder, target)
    mutate(target, random.Random(f"{SEED}-{cls}-{seed}"))
    try:
        data = evaluation.load_data(target)
    except DataError as exc:
        assert exc.file, f"{cls}/{seed}: a refusal must name the file: {exc}"
        assert "Internal" not in str(exc)
        assert expect in (REFUSE, EITHER), f"{cls}/{seed}: refused a good variant: {exc}"
        return "refused"
    except Exception as exc:  # noqa: BLE001 - the point: never a crash
        pytest.fail(f"{cls}/{seed}: crashed with {type(exc).__name__}: {exc}")
    assert expect in (SAME, EITHER), f"{cls}/{seed}: accepted a variant it must refuse"
    found = _frames(data)
    assert sorted(found) == sorted(expected), f"{cls}/{seed}: other tables"
    for name, frame in expected.items():
        other = found[name]
        pd.testing.assert_frame_equal(other, frame, check_dtype=False, obj=f"{cls}/{seed} {name}")
    return "same"


def _run(base, tmp_path, per_class: int) -> Counter:
    outcomes: Counter = Counter()
    for cls in CLASSES:
        for seed in range(per_class):
            outcomes[(cls, _check(base, tmp_path, cls, seed))] += 1
    return outcomes


def test_fuzz_fast_subset(base, tmp_path: Path) -> None:
    outcomes = _run(base, tmp_path, PER_CLASS_FAST)
    assert sum(outcomes.values()) == PER_CLASS_FAST * len(CLASSES)


@pytest.mark.slow
def test_fuzz_full_corpus(base, tmp_path: Path, capsys) -> None:
    outcomes = _run(base, tmp_path, PER_CLASS_SLOW)
    assert sum(outcomes.values()) >= 200
    with capsys.disabled():
        print()
        for (cls, outcome), n in sorted(outcomes.items()):
            print(f"fuzz {cls:20s} {outcome:8s} {n}")
