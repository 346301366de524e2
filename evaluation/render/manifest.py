"""Incremental re-runs: a small JSON manifest of the inputs a report was rendered from.

A report is re-used when its HTML exists, is the file the manifest describes, and
the parameters, data files, notebook and package are unchanged.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
import time
from dataclasses import dataclass
from pathlib import Path

from evaluation.load.fingerprint import sha256_file
from evaluation.render.paths import ReportPaths, atomic_write_text

FORMAT = 1


@dataclass(frozen=True)
class InputKey:
    """Hashes of everything a report depends on."""

    params_sha256: str
    notebook_sha256: str
    data: dict[str, str]
    package_version: str
    package_source: str

    @classmethod
    def from_dict(cls, inputs: dict) -> InputKey:
        """The key a manifest's ``inputs`` record (``as_dict`` read back)."""
        return cls(
            inputs["params_sha256"],
            inputs["notebook_sha256"],
            dict(inputs["data"]),
            inputs["package_version"],
            inputs["package_source"],
        )

    def as_dict(self) -> dict:
        """JSON-ready form."""
        return {
            "params_sha256": self.params_sha256,
            "notebook_sha256": self.notebook_sha256,
            "data": dict(sorted(self.data.items())),
            "package_version": self.package_version,
            "package_source": self.package_source,
        }


def input_key(params_file: Path, notebook: Path, fingerprint: dict[str, str]) -> InputKey:
    """The input key of one evaluation."""
    from evaluation.render.provenance import package_source_hash, package_version

    return InputKey(
        sha256_file(params_file),
        sha256_file(notebook),
        dict(fingerprint),
        package_version(),
        package_source_hash(),
    )


def read_manifest(paths: ReportPaths) -> dict | None:
    """The stored manifest, or None when absent or unreadable."""
    try:
        data = json.loads(paths.manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("format") == FORMAT else None


def is_up_to_date(
    paths: ReportPaths, key: InputKey, checked: CheckedPages | None = None
) -> dict | None:
    """The manifest when the report can be re-used as it is, else None.

    The page must be the one the manifest describes: its bytes are hashed, unless
    ``checked`` holds a hash of exactly this file, unchanged since (see CheckedPages).
    """
    manifest = read_manifest(paths)
    if manifest is None or manifest.get("inputs") != key.as_dict():
        return None
    try:
        before = paths.html.stat()
    except OSError:
        return None
    if not stat.S_ISREG(before.st_mode):
        return None
    if not _ledger_as_written(paths, manifest.get("ledger_sha256"), checked):
        return None  # a page whose ledger is gone or changed would escape the joint audit
    expected = manifest.get("html_sha256")
    if checked is not None and checked.same(paths.html, before, expected):
        return manifest
    started = time.time_ns()
    if sha256_file(paths.html) != expected:
        return None
    if checked is not None:
        checked.remember(paths.html, before, expected, started)
    return manifest


def _ledger_as_written(paths: ReportPaths, expected: object, checked: CheckedPages | None):
    """True when the report's ledger is the one written with its page (or it wrote none)."""
    if expected is None:  # a kind that publishes no ledger
        return not paths.ledger.exists()
    try:
        found = checked.sha256(paths.ledger) if checked is not None else sha256_file(paths.ledger)
    except OSError:
        return False
    return found == expected


#: How long before its bytes were hashed a page must last have changed for the hash to
#: be remembered: a later change then gets a new change time (st_ctime), even from a
#: clock that ticks coarsely. The margin is far above any file system's clock tick.
RACY_NS = 2_000_000_000


def _identity(st: os.stat_result) -> list[int]:
    return [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]


class CheckedPages:
    """Hashes of report pages (and data files) this machine already read, by stat identity.

    A no-op batch hashed every page (megabytes each) and data file to prove them
    unchanged; this memo lets it compare one stat instead. It is sound because every
    write, rename or truncation of a file sets its change time (st_ctime) to the
    kernel's clock, which no user call can set back; together with the inode, size and
    mtime, an unchanged identity means unchanged bytes. So a hash is only remembered
    when the file had not changed for ``RACY_NS`` before it was read and did not change
    while it was read (as git does for its index), and only on POSIX systems (Windows'
    st_ctime is the creation time). Written by hand: no library keeps such a memo. The
    memo lives in the private cache folder, never under reports/; losing it costs one
    re-hash.
    """

    def __init__(self, file: Path | None) -> None:
        self.file = file
        self.entries: dict[str, list] = {}
        self.seen: set[str] = set()
        self.changed = False
        if file is None or os.name != "posix":
            self.file = None
            return
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if isinstance(data, dict) and data.get("format") == FORMAT:
            pages = data.get("pages")
            self.entries = pages if isinstance(pages, dict) else {}

    @classmethod
    def for_folder(cls, cache: Path | None, folder: Path) -> CheckedPages:
        """The memo of one output folder, kept in the private cache ``cache``."""
        if cache is None:
            return cls(None)
        import hashlib

        name = hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:32]
        return cls(Path(cache) / "checked-pages" / f"{name}.json")

    def same(self, page: Path, now: os.stat_result, sha256: object) -> bool:
        """True when ``page`` is the file whose bytes were hashed to ``sha256``, unchanged."""
        name = str(page.resolve())
        self.seen.add(name)
        entry = self.entries.get(name)
        return (
            self.file is not None and isinstance(sha256, str) and entry == [*_identity(now), sha256]
        )

    def sha256(self, path: Path) -> str:
        """SHA-256 of a file (a data file): the remembered one while it is unchanged, else read."""
        before = path.stat()
        name = str(path.resolve())
        self.seen.add(name)
        entry = self.entries.get(name)
        if self.file is not None and isinstance(entry, list) and entry[:-1] == _identity(before):
            return entry[-1]
        started = time.time_ns()
        digest = sha256_file(path)
        self.remember(path, before, digest, started)
        return digest

    def remember(self, page: Path, before: os.stat_result, sha256: str, started: int) -> None:
        """Record that ``page`` (stat ``before`` its bytes were read at ``started``) hashes so."""
        if self.file is None or before.st_ctime_ns >= started - RACY_NS:
            return
        try:
            after = page.stat()
        except OSError:
            return
        if _identity(after) == _identity(before):
            name = str(page.resolve())
            self.entries[name] = [*_identity(before), sha256]
            self.seen.add(name)
            self.changed = True

    def save(self) -> None:
        """Write the memo when it learnt something (best effort: it is only a shortcut)."""
        if self.file is None or not self.changed:
            return
        pages = {k: v for k, v in self.entries.items() if k in self.seen}  # pages gone: out
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(self.file, json.dumps({"format": FORMAT, "pages": pages}) + "\n")
        except OSError:
            return
        self.changed = False


def write_manifest(paths: ReportPaths, key: InputKey, seconds: float) -> None:
    """Record the inputs and the HTML's hash after a successful render."""
    manifest = {
        "format": FORMAT,
        "kind": paths.kind,
        "html": paths.html.name,
        "html_sha256": sha256_file(paths.html),
        "ledger_sha256": sha256_file(paths.ledger) if paths.ledger.is_file() else None,
        "render_seconds": round(seconds, 2),
        "rendered_at": _now(),
        "inputs": key.as_dict(),
    }
    atomic_write_text(paths.manifest, json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    clear_attempt(paths)


def restamp_data(paths: ReportPaths, key: str, digest: str) -> None:
    """Set one entry of a current manifest's data fingerprint (the page is unchanged)."""
    manifest = read_manifest(paths)
    if manifest is None or manifest.get("inputs", {}).get("data", {}).get(key) in (None, digest):
        return
    manifest["inputs"]["data"][key] = digest
    atomic_write_text(paths.manifest, json.dumps(manifest, indent=2, sort_keys=True) + "\n")


def forget(paths: ReportPaths) -> None:
    """Remove a report's manifest so the next run renders it again (the HTML is kept).

    Used when a report may have been rendered from data that changed under it: the
    page stays readable, but it is never re-used as up to date.
    """
    paths.manifest.unlink(missing_ok=True)


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def write_attempt(paths: ReportPaths, reason: str) -> None:
    """Record beside the manifest that the latest attempt failed, and why (one line)."""
    record = {"format": FORMAT, "failed_at": _now(), "reason": reason}
    try:
        atomic_write_text(paths.attempt, json.dumps(record, sort_keys=True) + "\n")
    except OSError:  # a full disk must not hide the original failure
        pass


def read_attempt(paths: ReportPaths) -> dict | None:
    """The failure record of the latest attempt, or None when it succeeded."""
    try:
        data = json.loads(paths.attempt.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def clear_attempt(paths: ReportPaths) -> None:
    """Forget a failed attempt (after a success, or when the report is current)."""
    paths.attempt.unlink(missing_ok=True)


def last_good(paths: ReportPaths) -> str | None:
    """When the report on disk was rendered, if a complete one (HTML = manifest) exists."""
    manifest = read_manifest(paths)
    if manifest is None or not paths.html.is_file():
        return None
    try:
        if sha256_file(paths.html) != manifest.get("html_sha256"):
            return None
    except OSError:
        return None
    when = manifest.get("rendered_at")
    if not isinstance(when, str):
        stamp = dt.datetime.fromtimestamp(paths.html.stat().st_mtime, dt.UTC)
        when = stamp.strftime("%Y-%m-%d %H:%M UTC")
    return when
