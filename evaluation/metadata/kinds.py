"""Registry of report kinds: which notebook renders which kind of report."""

from __future__ import annotations

import os
from pathlib import Path

from evaluation.exceptions import ParameterError

#: Report kind -> notebook file name in the notebook directory.
REPORT_NOTEBOOKS: dict[str, str] = {
    "area_analysis": "area_analysis.ipynb",
    "outcome_followup": "outcome_followup.ipynb",
    "user_survey": "user_survey.ipynb",
}

NOTEBOOK_DIR_ENV = "EVALUATION_NOTEBOOK_DIR"


def register_report_kind(kind: str, notebook: str) -> None:
    """Add or replace the notebook that renders ``kind``."""
    REPORT_NOTEBOOKS[kind] = notebook


def notebook_dir() -> Path:
    """Folder holding the report notebooks.

    ``$EVALUATION_NOTEBOOK_DIR`` when set, else the repository's ``notebooks/``.
    """
    override = os.environ.get(NOTEBOOK_DIR_ENV)
    if override:
        return Path(override).resolve()
    return Path(__file__).resolve().parents[2] / "notebooks"


def notebook_path(kind: str) -> Path:
    """Path of the notebook for ``kind``; a ParameterError when unknown or missing."""
    try:
        name = REPORT_NOTEBOOKS[kind]
    except KeyError:
        raise ParameterError(
            f"no notebook is registered for report kind '{kind}'", parameter="kind"
        ) from None
    path = notebook_dir() / name
    if not path.is_file():
        raise ParameterError(
            f"notebook {name} for report kind '{kind}' not found in {path.parent}", parameter="kind"
        )
    return path
