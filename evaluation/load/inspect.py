"""Check a whole data folder in one pass and collect every problem instead of the first.

``load_data`` stops at the first broken cell (a report needs all of it); this
module is what ``evaluation validate`` and the checks before a render use: which
contract tables were found and in which file, which are missing, which files the
contract does not know, and every row-level problem grouped per file and column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from evaluation.exceptions import DataError
from evaluation.metadata.contract import METADATA_FILE, TABLES

AREAS = "areas"
#: Files a data folder may hold besides the contract tables.
KNOWN_FILES = {METADATA_FILE, "indicators.yaml", "readme.md", "readme.txt", "license"}


@dataclass
class FolderCheck:
    """What one pass over a data folder found."""

    folder: Path
    found: dict[str, str] = field(default_factory=dict)  # table -> file name
    unknown: list[str] = field(default_factory=list)  # files the contract does not know
    problems: list[DataError] = field(default_factory=list)
    tables: dict[str, object] = field(default_factory=dict)  # readable tables

    @property
    def missing(self) -> list[str]:
        """Contract tables (and the areas layer) no file supplies."""
        return [t for t in (AREAS, *TABLES) if t not in self.found]

    def broken(self, table: str) -> bool:
        """True when the table's file has a problem."""
        file = self.found.get(table)
        return file is not None and any(
            Path(getattr(p, "file", "") or "").name == file for p in self.problems
        )


def table_files(folder: Path) -> dict[str, list[Path]]:
    """Table -> every entry in ``folder`` that may supply it (more than one is a problem).

    The loader's own resolution (``fingerprint.candidates``): any case, folders included.
    """
    from evaluation.load.fingerprint import candidates

    found = candidates(Path(folder))
    return {name: found.get(name, []) for name in (*TABLES, AREAS)}


def inspect_folder(folder: str | Path) -> FolderCheck:
    """Read every file of ``folder`` and collect all problems (nothing is written)."""
    from evaluation.io.tables import read_raw
    from evaluation.load.coerce import coerce_table, guard_identity_numbers
    from evaluation.load.references import check_references
    from evaluation.load.schemas import validate_table

    folder = Path(folder)
    if not folder.is_dir():
        raise DataError("datamappen finns inte", file=folder)
    from evaluation.load.fingerprint import candidate_problem
    from evaluation.load.fingerprint import candidates as all_files

    check = FolderCheck(folder)
    all_candidates = all_files(folder)
    candidates = table_files(folder)
    used = {p.name for paths in all_candidates.values() for p in paths}
    check.unknown = sorted(
        p.name
        for p in folder.iterdir()
        if p.is_file()
        and not p.name.startswith(".")
        and p.name not in used
        and p.name.lower() not in KNOWN_FILES
    )
    unusable: set[str] = set()
    for name, paths in candidates.items():
        if not paths:
            continue
        check.found[name] = paths[0].name
        problem = candidate_problem(name, paths)
        if problem is not None:  # two files for one table, or a folder: nothing is read
            check.problems.append(problem)
            unusable.add(name)
    for name in (METADATA_FILE, "indicators.yaml"):
        problem = candidate_problem(name, all_candidates.get(Path(name).stem, []))
        if problem is not None:
            check.problems.append(problem)
    for name in TABLES:
        if name not in check.found or name in unusable:
            continue
        path = folder / check.found[name]
        before = len(check.problems)
        try:
            raw = read_raw(path)
            guard_identity_numbers(raw, TABLES[name])
        except DataError as err:
            check.problems.append(err)
            continue
        frame = coerce_table(raw, TABLES[name], check.problems)
        if frame is None:
            continue
        bad_columns = {p.column for p in check.problems[before:] if p.column}
        frame = validate_table(frame, TABLES[name], path, check.problems, skip=bad_columns)
        if len(check.problems) == before:
            check.tables[name] = frame
    if AREAS in check.found and AREAS not in unusable:
        from evaluation.io.geo import read_areas

        try:
            check.tables[AREAS] = read_areas(folder / check.found[AREAS])
        except DataError as err:
            check.problems.append(err)
    check_references(check.tables, check.found, folder, check.problems)
    if "area_statistics" in check.tables:
        from evaluation.load.shares import normalise_folder_shares

        path = folder / check.found["area_statistics"]
        try:
            stats = check.tables["area_statistics"]
            assert isinstance(stats, pd.DataFrame)
            check.tables["area_statistics"] = normalise_folder_shares(stats, folder, path)
        except DataError as err:
            check.problems.append(err)
            del check.tables["area_statistics"]
    return check


def as_dataset(check: FolderCheck):
    """The readable tables as a Dataset (area mapping applied) for checks of parameters."""
    from evaluation.load.dataset import Dataset
    from evaluation.load.fingerprint import read_metadata
    from evaluation.load.mapping import apply_mapping

    tables = apply_mapping(dict(check.tables), check.folder)
    return Dataset(
        folder=check.folder,
        metadata=read_metadata(check.folder),
        fingerprint={},
        files=dict(check.found),
        **tables,
    )
