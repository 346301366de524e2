"""Content hashes of a data folder and its metadata, for caching and provenance."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from evaluation.exceptions import DataError
from evaluation.metadata.contract import AREA_FILES, METADATA_FILE, TABLES, table_extensions
from evaluation.yaml_text import load_yaml

_EXTRA_FILES = ("indicators.yaml", METADATA_FILE)


@dataclass(frozen=True)
class DataMetadata:
    """What ``metadata.yaml`` in a data folder says about the data."""

    name: str
    synthetic: bool
    description: str = ""


def sha256_bytes(data: bytes) -> str:
    """Hex SHA-256 of bytes already read."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def candidates(folder: Path) -> dict[str, list[Path]]:
    """Table name -> every entry of ``folder`` that may supply it, files or not, sorted.

    Names match case-insensitively and over every readable format; ``areas``,
    ``metadata`` and ``indicators`` are included. More than one entry, or one that is
    not a file, is a problem the callers report.
    """
    folder = Path(folder)
    try:
        entries = list(folder.iterdir())
    except OSError:
        return {}
    by_lower: dict[str, list[Path]] = {}
    for entry in entries:
        by_lower.setdefault(entry.name.lower(), []).append(entry)
    wanted: dict[str, list[str]] = {
        name: [f"{stem}{ext}" for stem in spec.file_stems for ext in table_extensions()]
        for name, spec in TABLES.items()
    }
    wanted["areas"] = list(AREA_FILES)
    for extra in _EXTRA_FILES:
        wanted[Path(extra).stem] = [extra]
    return {
        table: sorted(p for n in names for p in by_lower.get(n, []))
        for table, names in wanted.items()
    }


def candidate_problem(table: str, hits: list[Path]) -> DataError | None:
    """The DataError for a table's entries: two files for one table, or a folder; else None."""
    if len(hits) > 1:
        return DataError(
            "flera filer innehåller samma tabell; behåll en",
            file=hits[1],
            expected=f"en fil för {table}",
            found=" och ".join(p.name for p in hits),
        )
    if hits and not hits[0].is_file():
        return DataError(
            "en mapp där en datafil väntas",
            file=hits[0],
            expected="en fil",
            found="en mapp" if hits[0].is_dir() else "ingen vanlig fil",
        )
    return None


def resolve_files(folder: Path) -> dict[str, Path]:
    """Table name -> the file that supplies it: the one resolution the loader and hashes use.

    Names match case-insensitively (``Referrals.CSV`` supplies ``referrals``); two files
    for one table (``referrals.csv`` beside ``Referrals.CSV`` or ``referrals.xlsx``) and a
    folder where a file is expected are DataErrors naming them. ``areas``, ``metadata``
    and ``indicators`` are resolved the same way.
    """
    found: dict[str, Path] = {}
    for table, hits in candidates(folder).items():
        problem = candidate_problem(table, hits)
        if problem is not None:
            raise problem
        if hits:
            found[table] = hits[0]
    return found


def contract_files(folder: Path) -> list[Path]:
    """Every file in ``folder`` that the loaders read, in a stable order."""
    return sorted(resolve_files(Path(folder)).values())


#: File hashes already computed in this process, keyed by the file's stat identity.
_HASHES: dict[tuple, str] = {}


def _hash_once(path: Path) -> str:
    """SHA-256 of a data file, computed once per process for each version of the file.

    Every report loads its data folder (in the render process and in the kernel);
    re-reading gigabytes per report would be the slowest step of a national batch.
    A changed file has a new inode, size or nanosecond mtime, so it is hashed again.
    """
    key = _stat_key(path)
    if key not in _HASHES:
        _HASHES[key] = sha256_file(path)
    return _HASHES[key]


def _stat_key(path: Path) -> tuple:
    st = path.stat()  # ctime too: a file written over in place with its mtime put back
    return (str(path.resolve()), st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def read_once(path: Path) -> tuple[bytes, str]:
    """A file's bytes and their SHA-256: the hash is of exactly the bytes that are parsed.

    Provenance names what was read, not a second read of a file that may have changed
    in between. When the file's stat identity is the same before and after the read,
    the hash is also remembered for ``data_fingerprint``.
    """
    path = Path(path)
    try:
        before = _stat_key(path)
        data = path.read_bytes()
        after = _stat_key(path)
    except IsADirectoryError:
        raise DataError("en mapp där en datafil väntas", file=path, expected="en fil") from None
    except OSError as exc:
        raise DataError(f"filen kan inte läsas ({exc.strerror})", file=path) from None
    digest = sha256_bytes(data)
    if before == after:
        _HASHES[after] = digest
    return data, digest


def data_fingerprint(
    folder: str | Path, sha256: Callable[[Path], str] | None = None
) -> dict[str, str]:
    """Map each contract file's name to the SHA-256 of its content.

    ``sha256``: how a file is hashed, e.g. from a memo that outlives this process (a
    batch's no-op); by default once per process and file version.
    """
    return {p.name: (sha256 or _hash_once)(p) for p in contract_files(Path(folder))}


def read_metadata(folder: str | Path) -> DataMetadata:
    """Read ``metadata.yaml``; a folder without one is treated as real, unnamed data."""
    return read_metadata_once(folder)[0]


def read_metadata_once(folder: str | Path) -> tuple[DataMetadata, dict[str, str] | None]:
    """``metadata.yaml`` read once: what it says, and ``{file name: sha256}`` of the bytes read.

    The file is found as the fingerprint finds it (any case); None for a folder without one.
    """
    folder = Path(folder)
    stem = Path(METADATA_FILE).stem
    hits = candidates(folder).get(stem, [])
    problem = candidate_problem(stem, hits)
    if problem is not None:
        raise problem
    if not hits:
        return DataMetadata(name=folder.name, synthetic=False), None
    path = hits[0]
    data, digest = read_once(path)
    return _parse_metadata(folder, path, data), {path.name: digest}


def _parse_metadata(folder: Path, path: Path, data: bytes) -> DataMetadata:
    try:
        raw = load_yaml(data.decode("utf-8")) or {}
    except UnicodeDecodeError:
        raise DataError("inte sparad som UTF-8", file=path, expected="UTF-8") from None
    except yaml.YAMLError:
        raise DataError("inte giltig YAML", file=path) from None
    if not isinstance(raw, dict):
        raise DataError("väntade rader 'nyckel: värde'", file=path)
    from evaluation.exceptions import IdentityNumberError
    from evaluation.idnumbers import guard_mapping

    guard_mapping(
        raw,
        path,
        lambda where: IdentityNumberError(
            "ett värde format som ett svenskt person- eller samordningsnummer "
            "(visas inte); datans namn och beskrivning skrivs ut i rapporterna",
            file=path,
            column=where,
        ),
    )
    synthetic = raw.get("synthetic", False)
    if not isinstance(synthetic, bool):
        raise DataError(
            "ska vara true eller false",
            file=path,
            column="synthetic",
            expected="true/false",
            found=repr(synthetic),
        )
    return DataMetadata(
        name=str(raw.get("name", folder.name)),
        synthetic=synthetic,
        description=str(raw.get("description", "")),
    )
