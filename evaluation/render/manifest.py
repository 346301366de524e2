"""Incremental re-runs: a small JSON manifest of the inputs a report was rendered from.

A report is re-used when its HTML exists, is the file the manifest describes, and
the parameters, data files, notebook and package are unchanged.
"""

from __future__ import annotations

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
        "inputs": key.as_dict(),
    }
    atomic_write_text(paths.manifest, json.dumps(manifest, indent=2, sort_keys=True) + "\n")


def forget(paths: ReportPaths) -> None:
    """Remove a report's HTML and manifest (after a failure)."""
    paths.html.unlink(missing_ok=True)
    paths.manifest.unlink(missing_ok=True)
