"""Provenance of a report: parameters, input hashes, notebook, versions, git commit."""

from __future__ import annotations

import functools
import hashlib
import os
import subprocess
from datetime import date
from pathlib import Path

import yaml

from evaluation.load.fingerprint import data_fingerprint, read_metadata, sha256_file
from evaluation.metadata.kinds import kind_label as _kind_label
from evaluation.params import EvaluationParams

#: Distributions whose versions are listed in every report (docs/privacy.md R10).
TOOLS = (
    "python",
    "evaluation",
    "pandas",
    "numpy",
    "matplotlib",
    "seaborn",
    "geopandas",
    "papermill",
    "nbconvert",
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def package_version() -> str:
    """``evaluation.__version__`` when defined, else the installed distribution's version."""
    import evaluation

    version = getattr(evaluation, "__version__", None)
    if version:
        return str(version)
    from importlib import metadata  # not at import: a no-op batch never needs it

    try:
        return metadata.version("evaluation")
    except metadata.PackageNotFoundError:
        return "0+unknown"


@functools.cache
def package_source_hash() -> str:
    """SHA-256 over the package's source files, so an unreleased code change re-renders.

    Computed once per process: the code a process runs was imported when it started,
    and hashing every file per evaluation was half of a no-op batch's time.
    """
    root = Path(__file__).resolve().parents[1]
    found = []  # (relative posix name, full path); plain strings: this runs in every no-op
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != "__pycache__"]  # not listed at all: half the files
        rel = os.path.relpath(folder, root).replace(os.sep, "/")
        for name in files:
            if name.endswith((".py", ".yaml", ".j2", ".css", ".html")):
                found.append((name if rel == "." else f"{rel}/{name}", os.path.join(folder, name)))
    h = hashlib.sha256()
    for name, full in sorted(found, key=lambda f: f[0].split("/")):  # the order of Path parts
        with open(full, "rb") as fh:
            h.update(name.encode())
            h.update(hashlib.sha256(fh.read()).hexdigest().encode())
    return h.hexdigest()


def git_commit(root: Path = PROJECT_ROOT) -> str | None:
    """Short commit of the project checkout, with '-dirty' for local changes; None outside git."""
    try:
        out = subprocess.run(
            [
                "git",
                "-C",
                str(root),
                "describe",
                "--always",
                "--dirty",
                "--abbrev=12",
                "--exclude=*",
            ],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
            env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"},
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


@functools.cache  # installed versions do not change while a worker renders its reports
def tool_versions() -> tuple[tuple[str, str], ...]:
    """(name, version) of the tools that shape a report."""
    import platform
    from importlib import metadata

    found = []
    for name in TOOLS:
        if name == "python":
            found.append(("Python", platform.python_version()))
            continue
        try:
            found.append(
                (name, package_version() if name == "evaluation" else metadata.version(name))
            )
        except metadata.PackageNotFoundError:
            continue
    return tuple(found)


def params_text(params: EvaluationParams) -> str:
    """The parameters as YAML, with the data folder as written in the file (no absolute path)."""
    dumped = params.model_dump(mode="json", exclude={"source_file"})
    # as loaded, not read again: the file may have changed since this report's run began
    dumped["data"] = params.data_as_written or Path(params.data).name
    return yaml.safe_dump(dumped, allow_unicode=True, sort_keys=True, width=100)


def report_context(
    params: EvaluationParams,
    notebook: Path,
    *,
    fingerprint: dict[str, str] | None = None,
    commit: str | None = None,
) -> dict:
    """Everything the report template shows besides the notebook's outputs."""
    meta = read_metadata(params.data)
    fingerprint = fingerprint if fingerprint is not None else data_fingerprint(params.data)
    kind_label = _kind_label(params.kind)
    return {
        "title": params.title or f"{kind_label} – {params.area}",
        "kind": params.kind,
        "kind_label": kind_label,
        "area": params.area,
        "synthetic": meta.synthetic,
        "data_name": meta.name,
        "notebook": notebook.name,
        "notebook_sha256": sha256_file(notebook),
        "params_name": Path(params.source_file).name if params.source_file else "",
        "params_sha256": sha256_file(Path(params.source_file)) if params.source_file else "",
        "params_text": params_text(params),
        # Data files only: a batch's hidden-set digest (``ledgers/...``) keys its manifests,
        # and listing it made a batch page differ from the same report rendered alone.
        "inputs": sorted((k, v) for k, v in fingerprint.items() if not k.startswith("ledgers/")),
        "version": package_version(),
        "git_commit": commit,
        "tools": tool_versions(),
        "render_date": date.today().isoformat() if params.show_render_date else None,
    }
