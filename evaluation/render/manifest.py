"""Incremental re-runs: a small JSON manifest of the inputs a report was rendered from.

A report is re-used when its HTML exists, is the file the manifest describes, and
the parameters, data files, notebook and package are unchanged.
"""

from __future__ import annotations

import datetime as dt
import json
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


def is_up_to_date(paths: ReportPaths, key: InputKey) -> dict | None:
    """The manifest when the report can be re-used as it is, else None."""
    manifest = read_manifest(paths)
    if manifest is None or manifest.get("inputs") != key.as_dict() or not paths.html.is_file():
        return None
    if sha256_file(paths.html) != manifest.get("html_sha256"):
        return None
    return manifest


def write_manifest(paths: ReportPaths, key: InputKey, seconds: float) -> None:
    """Record the inputs and the HTML's hash after a successful render."""
    manifest = {
        "format": FORMAT,
        "kind": paths.kind,
        "html": paths.html.name,
        "html_sha256": sha256_file(paths.html),
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
