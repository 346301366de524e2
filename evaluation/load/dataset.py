"""``load_data``: a data folder in, validated canonical tables out (cached by content)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from evaluation import __version__
from evaluation.exceptions import DataError
from evaluation.io.tables import read_raw
from evaluation.load.cachedir import CACHE_ENV, private_dir
from evaluation.load.coerce import coerce_table, guard_identity_numbers
from evaluation.load.fingerprint import DataMetadata, data_fingerprint, read_metadata
from evaluation.load.mapping import apply_mapping
from evaluation.load.references import check_references
from evaluation.load.schemas import validate_table
from evaluation.metadata.contract import AREA_FILES, TABLES, table_extensions

CACHE_FORMAT = "3"  # bump when canonical tables change shape or content


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


def _find(folder: Path, stems: tuple[str, ...], suffixes: tuple[str, ...]) -> Path | None:
    by_lower = {p.name.lower(): p for p in folder.iterdir() if p.is_file()}
    found = [by_lower[f"{s}{x}"] for s in stems for x in suffixes if f"{s}{x}" in by_lower]
    if len(found) > 1:
        raise DataError(
            "flera filer innehåller samma tabell; behåll en",
            file=folder / found[1].name,
            expected=found[0].name,
            found=", ".join(p.name for p in found),
        )
    return found[0] if found else None


def read_contract_table(path: Path, name: str) -> pd.DataFrame:
    """Read, guard, type and validate one contract table file."""
    spec = TABLES[name]
    raw = read_raw(path)
    guard_identity_numbers(raw, spec)
    frame = coerce_table(raw, spec)
    assert frame is not None  # without a problem list, coerce_table raises instead
    return validate_table(frame, spec, path)


def _read_all(folder: Path) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    files: dict[str, str] = {}
    for name, spec in TABLES.items():
        path = _find(folder, spec.file_stems, table_extensions())
        if path is not None:
            files[name] = path.name
    # Arrow parsing and most column kernels release the GIL, so two threads use both cores.
    with ThreadPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
        futures = {
            name: pool.submit(read_contract_table, folder / file, name)
            for name, file in files.items()
        }
        tables: dict[str, pd.DataFrame] = {name: futures[name].result() for name in files}
    area_path = _find(folder, ("areas",), tuple(Path(f).suffix for f in AREA_FILES))
    if area_path is not None:
        from evaluation.io.geo import read_areas

        tables["areas"] = read_areas(area_path)
        files["areas"] = area_path.name
    check_references(tables, files, folder)
    if "area_statistics" in tables:
        from evaluation.load.shares import normalise_folder_shares

        stats = tables["area_statistics"]
        assert isinstance(stats, pd.DataFrame)
        tables["area_statistics"] = normalise_folder_shares(
            stats, folder, folder / files["area_statistics"]
        )
    return apply_mapping(tables, folder), files


def _cache_key(fingerprint: dict[str, str]) -> str:
    blob = json.dumps(
        {"files": fingerprint, "version": __version__, "format": CACHE_FORMAT}, sort_keys=True
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


def _write_cache(target: Path, tables: dict[str, pd.DataFrame], files: dict[str, str]) -> None:
    private_dir(target.parent)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=".tmp-"))
    try:
        for name, frame in tables.items():
            frame.to_parquet(tmp / f"{name}.parquet", index=False)
        (tmp / "files.json").write_text(json.dumps(files, sort_keys=True), encoding="utf-8")
        try:
            os.replace(tmp, target)
        except OSError:  # another worker won the race; its copy is identical
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _read_cache(source: Path) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    files = json.loads((source / "files.json").read_text(encoding="utf-8"))
    tables: dict[str, pd.DataFrame] = {}
    for name in files:
        path = source / f"{name}.parquet"
        if name == "areas":
            import geopandas as gpd

            tables[name] = gpd.read_parquet(path)
        else:
            tables[name] = pd.read_parquet(path)
    return tables, files


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
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError("datamappen finns inte", file=folder)
    fingerprint = data_fingerprint(folder)
    metadata = read_metadata(folder)
    cache_dir = cache_dir or os.environ.get(CACHE_ENV)
    cached = Path(cache_dir) / _cache_key(fingerprint) if cache_dir else None
    if cached is not None and (cached / "files.json").is_file():
        tables, files = _read_cache(cached)
    else:
        tables, files = _read_all(folder)
        if cached is not None:
            _write_cache(cached, tables, files)
    return Dataset(folder=folder, metadata=metadata, fingerprint=fingerprint, files=files, **tables)
