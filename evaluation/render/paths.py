"""Where a report's files live, and atomic writes so a report is complete or absent."""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

_TMP_PREFIX = ".evaluation-tmp-"
LEGACY_CACHE_FOLDER = ".cache"  # where versions before 0.2 cached tables, inside reports/
_FOLD = str.maketrans(
    {
        "å": "a",
        "ä": "a",
        "ö": "o",
        "Å": "a",
        "Ä": "a",
        "Ö": "o",
        "é": "e",
        "ü": "u",
        "æ": "ae",
        "ø": "o",
    }
)


def area_slug(area: str) -> str:
    """Lower-case ASCII file name for an area: 'Skäggetorp' -> 'skaggetorp'.

    Raises PrivacyError (without the value) when the name or its slug holds a personal
    identity number: no folder or file may be named by one (R8).
    """
    from evaluation.exceptions import PrivacyError
    from evaluation.idnumbers import contains_identity_number

    text = unicodedata.normalize("NFC", area).translate(_FOLD).lower()
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    # The slug drops look-alike separators, so '121212\u20111212' becomes '1212121212'.
    if contains_identity_number(area) or contains_identity_number(slug):
        raise PrivacyError(
            "ett områdesnamn ser ut som ett person- eller samordningsnummer "
            "(visas inte); ingen rapportmapp skapades"
        )
    return slug or "omrade"


@dataclass(frozen=True)
class ReportPaths:
    """The files belonging to one report: HTML, ledger, manifest and kept failed notebook."""

    folder: Path
    kind: str

    @property
    def html(self) -> Path:
        """The finished report."""
        return self.folder / f"{self.kind}.html"

    @property
    def manifest(self) -> Path:
        """Hashes of the inputs the report was rendered from."""
        return self.folder / f"{self.kind}.manifest.json"

    @property
    def ledger(self) -> Path:
        """What the report publishes, for the joint audit (R0): written with the page."""
        return self.folder / f"{self.kind}.ledger.json"

    @property
    def attempt(self) -> Path:
        """Why the latest render attempt failed; absent after a success."""
        return self.folder / f"{self.kind}.attempt.json"

    @property
    def failed_notebook(self) -> Path:
        """The executed notebook of a failed run, kept for inspection."""
        return self.folder / f"{self.kind}.failed.ipynb"


def report_paths(output_dir: str | Path, area: str, kind: str) -> ReportPaths:
    """Paths of the report for ``area`` and ``kind`` under ``output_dir``."""
    return ReportPaths(Path(output_dir) / area_slug(area), kind)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to a temp file beside ``path``, fsync, then rename over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=_TMP_PREFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """Write UTF-8 ``text`` atomically."""
    atomic_write_bytes(path, text.encode("utf-8"))


def remove_stale_temp_files(folder: Path) -> None:
    """Delete temp files left by a run that was killed while writing."""
    if folder.is_dir():
        for tmp in folder.glob(f"{_TMP_PREFIX}*"):
            tmp.unlink(missing_ok=True)


def remove_legacy_cache(folder: Path) -> None:
    """Delete the data cache older versions kept inside the reports folder (record-level data)."""
    import shutil

    legacy = folder / LEGACY_CACHE_FOLDER
    if legacy.is_dir() and not legacy.is_symlink():
        shutil.rmtree(legacy, ignore_errors=True)


def is_temp_file(path: Path) -> bool:
    """True for the temp files this module writes."""
    return path.name.startswith(_TMP_PREFIX)
