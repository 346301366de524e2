"""``load_data``: a data folder in, validated canonical tables out (cached by content)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from evaluation import __version__
from evaluation.exceptions import DataError
from evaluation.io.tables import read_raw
from evaluation.load.cachedir import CACHE_ENV, private_dir
from evaluation.load.coerce import coerce_table, guard_identity_numbers
from evaluation.load.fingerprint import (
    DataMetadata,
    data_fingerprint,
    read_metadata_once,
    read_once,
    resolve_files,
    sha256_file,
)
from evaluation.load.mapping import apply_mapping
from evaluation.load.references import check_references
from evaluation.load.schemas import validate_table
from evaluation.metadata.contract import TABLES

CACHE_FORMAT = "4"  # bump when canonical tables change shape or content


@dataclass
class Dataset:
    """The canonical tables of one data folder; absent optional files are ``None``."""

    folder: Path
    metadata: DataMetadata
    fingerprint: dict[str, str]
    files: dict[str, str] = field(default_factory=dict)  # table -> file name used
    areas: pd.DataFrame | None = None  # a geopandas.GeoDataFrame (a DataFrame subclass)
    area_mapping: pd.DataFrame | None = None
    area_statistics: pd.DataFrame | None = None
    referrals: pd.DataFrame | None = None
    assessments: pd.DataFrame | None = None
    investigations: pd.DataFrame | None = None
    interventions: pd.DataFrame | None = None
    activities: pd.DataFrame | None = None
    survey_questions: pd.DataFrame | None = None
    survey_invitations: pd.DataFrame | None = None
    survey_responses: pd.DataFrame | None = None

    def table(self, name: str) -> pd.DataFrame | None:
        """A canonical table by name."""
        return getattr(self, name)

    def require(self, *names: str, purpose: str) -> None:
        """Raise a DataError naming the missing file when ``purpose`` needs these tables."""
        for name in names:
            if getattr(self, name) is None:
                raise DataError(
                    f"{purpose} behöver filen, och datamappen saknar den",
                    file=self.folder / f"{name}.csv",
                )


def read_contract_table(path: Path, name: str, data: bytes | None = None) -> pd.DataFrame:
    """Read, guard, type and validate one contract table file (or its bytes, ``data``)."""
    spec = TABLES[name]
    raw = read_raw(path, data)
    guard_identity_numbers(raw, spec)
    frame = coerce_table(raw, spec)
    assert frame is not None  # without a problem list, coerce_table raises instead
    return validate_table(frame, spec, path)


def _read_all(folder: Path) -> tuple[dict[str, object], dict[str, str], dict[str, str]]:
    """Every table of ``folder``, the file names used, and the SHA-256 of the bytes parsed.

    Each file is read once: its bytes are hashed and those same bytes are parsed, so the
    provenance names exactly what the tables were built from.
    """
    resolved = resolve_files(folder)
    files: dict[str, str] = {name: resolved[name].name for name in TABLES if name in resolved}
    read: dict[str, str] = {}  # file name -> sha256 of the bytes parsed

    def one(name: str, path: Path) -> pd.DataFrame:
        data, read[path.name] = read_once(path)
        return read_contract_table(path, name, data)

    # Arrow parsing and most column kernels release the GIL, so two threads use both cores.
    with ThreadPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
        futures = {name: pool.submit(one, name, folder / file) for name, file in files.items()}
        tables: dict[str, object] = {name: futures[name].result() for name in files}
    area_path = resolved.get("areas")
    if area_path is not None:
        from evaluation.io.geo import read_areas

        data, read[area_path.name] = read_once(area_path)
        tables["areas"] = read_areas(area_path, data=data)
        files["areas"] = area_path.name
    check_references(tables, files, folder)
    if "area_statistics" in tables:
        from evaluation.load.shares import normalise_folder_shares

        stats = tables["area_statistics"]
        assert isinstance(stats, pd.DataFrame)
        tables["area_statistics"] = normalise_folder_shares(
            stats, folder, folder / files["area_statistics"]
        )
    if "indicators" in resolved:  # the catalogue read for the checks above, hashed as read
        from evaluation.load.shares import folder_catalogue_digest

        digest = folder_catalogue_digest(folder)
        if digest is not None:
            read[resolved["indicators"].name] = digest
    return apply_mapping(tables, folder), files, read


def _cache_key(fingerprint: dict[str, str]) -> str:
    blob = json.dumps(
        {"files": fingerprint, "version": __version__, "format": CACHE_FORMAT}, sort_keys=True
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


def _write_cache(
    target: Path, tables: dict[str, Any], files: dict[str, str], fingerprint: dict[str, str]
) -> None:
    """Write the tables as Parquet with a record of their own hashes and their sources'."""
    private_dir(target.parent)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=".tmp-"))
    try:
        hashes = {}
        for name, frame in tables.items():
            frame.to_parquet(tmp / f"{name}.parquet", index=False)
            hashes[name] = sha256_file(tmp / f"{name}.parquet")
        record = {
            "format": CACHE_FORMAT,
            "files": files,
            "sources": fingerprint,
            "tables": hashes,
            "columns": {name: list(map(str, frame.columns)) for name, frame in tables.items()},
        }
        (tmp / "files.json").write_text(json.dumps(record, sort_keys=True), encoding="utf-8")
        if target.exists():  # a broken or stale copy: replace it
            shutil.rmtree(target, ignore_errors=True)
        try:
            os.replace(tmp, target)
        except OSError:  # another worker won the race; its copy is identical
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


class _BadCache(Exception):
    """The cached copy does not match its own record or its sources."""


def _read_cache(source: Path, fingerprint: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """Read a cached copy after checking it: sources, content hashes and table shapes.

    Raises ``_BadCache`` for anything wrong (truncated, garbage, another table, stale).
    """
    try:
        record = json.loads((source / "files.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise _BadCache("unreadable record") from exc
    if not isinstance(record, dict) or record.get("format") != CACHE_FORMAT:
        raise _BadCache("old or foreign record")
    if record.get("sources") != fingerprint:
        raise _BadCache("made from other source files")
    files, hashes, columns = record.get("files"), record.get("tables"), record.get("columns")
    if not (isinstance(files, dict) and isinstance(hashes, dict) and isinstance(columns, dict)):
        raise _BadCache("incomplete record")
    tables: dict[str, Any] = {}
    for name in files:
        path = source / f"{name}.parquet"
        try:
            if sha256_file(path) != hashes.get(name):
                raise _BadCache(f"{name} changed")
            if name == "areas":
                import geopandas as gpd

                tables[name] = gpd.read_parquet(path)
            else:
                tables[name] = pd.read_parquet(path)
        except _BadCache:
            raise
        except Exception as exc:  # noqa: BLE001 - Arrow/OS errors: a broken copy
            raise _BadCache(f"{name} unreadable") from exc
        if list(map(str, tables[name].columns)) != columns.get(name):
            raise _BadCache(f"{name} holds another table")
        if name in TABLES and any(c.name not in tables[name].columns for c in TABLES[name].columns):
            raise _BadCache(f"{name} holds another table")
    return tables, files


#: A Dataset that a check in this process has just validated (``hand_over``), by folder and
#: cache: the next ``load_data`` of the same files takes it instead of reading the cache
#: again. A kernel checks a report's inputs just before it runs the report's notebook.
_handed: dict[tuple[str, str], Dataset] = {}


def _handover_key(folder: Path, cache_dir: str | Path | None) -> tuple[str, str]:
    cache_dir = cache_dir or os.environ.get(CACHE_ENV)
    return str(folder.resolve()), str(Path(cache_dir).resolve()) if cache_dir else ""


def hand_over(data: Dataset, cache_dir: str | Path | None = None) -> None:
    """Let the next ``load_data`` of ``data``'s folder in this process take ``data``, once.

    Taken only while the folder's files still have ``data``'s fingerprint; one load gets
    it, so what that reader does with the tables never reaches another. Replaces what
    was handed over before.
    """
    _handed.clear()
    _handed[_handover_key(data.folder, cache_dir)] = data


def load_data(folder: str | Path, cache_dir: str | Path | None = None) -> Dataset:
    """Load and validate every contract file in ``folder``.

    Parameters
    ----------
    folder
        The data folder (read only; never modified).
    cache_dir
        Where canonical tables are cached as Parquet, keyed by the content hash of
        the source files; defaults to ``$EVALUATION_CACHE_DIR``; ``None`` disables.
        Renders use ``default_cache_dir()``, never a folder under the reports.
        A cached copy that does not match its own hashes or its sources is rebuilt
        from the source files, with a one-line notice on stderr.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError("datamappen finns inte", file=folder)
    fingerprint = data_fingerprint(folder)  # the cache key: hashed once per file version
    metadata, meta_hash = read_metadata_once(folder)
    if meta_hash is not None:
        fingerprint = {**fingerprint, **meta_hash}
    cache_dir = cache_dir or os.environ.get(CACHE_ENV)
    handed = _handed.pop(_handover_key(folder, cache_dir), None) if _handed else None
    if handed is not None and handed.fingerprint == fingerprint:
        return handed
    cached = Path(cache_dir) / _cache_key(fingerprint) if cache_dir else None
    tables: dict[str, Any] | None = None
    files: dict[str, str] = {}
    if cached is not None and cached.exists():
        try:
            tables, files = _read_cache(cached, fingerprint)
        except _BadCache as exc:
            print(
                f"Cachen för {folder.name} stämde inte ({exc}); läser källfilerna igen.",
                file=sys.stderr,
            )
    if tables is None:
        tables, files, read = _read_all(folder)
        # Provenance is what was read: the hashes of the very bytes parsed (a file that
        # changed since the key was computed has its new hash here, and its new content).
        fingerprint = {**read, **(meta_hash or {})}
        if cache_dir:
            cached = Path(cache_dir) / _cache_key(fingerprint)
            _write_cache(cached, tables, files, fingerprint)
    return Dataset(folder=folder, metadata=metadata, fingerprint=fingerprint, files=files, **tables)
