"""Registry of report kinds: the one place that says which kinds exist.

A kind is one :class:`ReportKind` record (key, notebook, Swedish label, optional
parameter extension and header lines). Parameters validation, the renderer, the
batch index, the provenance footer and the report header all read it from here,
so adding a kind is one ``register_report_kind`` call plus its notebook.

A user's own kinds live in an importable module that calls
``register_report_kind``; name it in ``$EVALUATION_KINDS`` (module names,
comma-separated). The registry imports those modules the first time it is
read, in the CLI process and in every report kernel alike.
"""

from __future__ import annotations

import difflib
import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evaluation.exceptions import ParameterError, RenderError

if TYPE_CHECKING:
    from pydantic import BaseModel

#: Environment variable naming the notebook folder (default: the repository's notebooks/).
NOTEBOOK_DIR_ENV = "EVALUATION_NOTEBOOK_DIR"
#: Environment variable naming modules that register extra report kinds.
KINDS_ENV = "EVALUATION_KINDS"

#: Header lines of a report: (label, value) pairs shown under the title.
HeaderDetails = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class ReportKind:
    """One kind of report.

    Parameters
    ----------
    key : the ``kind:`` value in a params file, the notebook's and the report module's name.
    notebook : notebook file name in the notebook folder, or an absolute path.
    label : Swedish name shown in titles, the batch index and the footer.
    params : optional pydantic model of extra checks for this kind; it is validated
        against the params file's mapping (unknown keys are ignored by it).
    header_details : optional ``f(report) -> ((label, value), ...)`` replacing the
        header's default lines (area, period, comparisons, start).

    ``params`` and ``header_details`` may also be given as ``"module:name"`` so the
    registry need not import the report layer; they are imported on first use.
    """

    key: str
    notebook: str
    label: str
    params: type[BaseModel] | str | None = None
    header_details: Callable[[Any], HeaderDetails] | str | None = None

    def params_model(self) -> type[BaseModel] | None:
        """The parameter extension model, imported when given as ``"module:name"``."""
        return _resolve(self.params)

    def details(self, report: Any) -> HeaderDetails | None:
        """Header lines of this kind for ``report``; None for the default lines."""
        func = _resolve(self.header_details)
        return func(report) if func is not None else None


def _resolve(ref: Any) -> Any:
    if not isinstance(ref, str):
        return ref
    module, _, name = ref.partition(":")
    return getattr(importlib.import_module(module), name)


_REGISTRY: dict[str, ReportKind] = {}
_loaded_env: str | None = None


def register_report_kind(
    kind: str | ReportKind,
    notebook: str | os.PathLike[str] | None = None,
    label: str | None = None,
    *,
    params: type[BaseModel] | str | None = None,
    header_details: Callable[[Any], HeaderDetails] | str | None = None,
) -> ReportKind:
    """Add or replace a report kind; give a ReportKind or its fields."""
    if isinstance(kind, ReportKind):
        record = kind
    else:
        if not kind.isidentifier():
            raise ValueError(f"a report kind key must be a Python identifier, got {kind!r}")
        record = ReportKind(
            kind,
            str(notebook) if notebook is not None else f"{kind}.ipynb",
            label or kind,
            params,
            header_details,
        )
    _REGISTRY[record.key] = record
    return record


def _load_user_kinds() -> None:
    """Import the modules named in ``$EVALUATION_KINDS`` (once per distinct value)."""
    global _loaded_env
    value = os.environ.get(KINDS_ENV, "")
    if value == _loaded_env:
        return
    _loaded_env = value
    for name in filter(None, (m.strip() for m in value.split(","))):
        try:
            importlib.import_module(name)
        except ImportError as exc:
            raise ParameterError(
                f"kan inte importera rapporttypsmodulen '{name}' som anges i ${KINDS_ENV}: {exc}"
            ) from None


def report_kinds() -> dict[str, ReportKind]:
    """Every registered kind by key, in registration order (built-in kinds first)."""
    _load_user_kinds()
    return dict(_REGISTRY)


def get_kind(key: str) -> ReportKind:
    """The record of ``key``; a ParameterError (with a did-you-mean) when unknown."""
    kinds = report_kinds()
    if key in kinds:
        return kinds[key]
    close = difflib.get_close_matches(str(key), list(kinds), n=1)
    hint = f"menade du '{close[0]}'? " if close else ""
    raise ParameterError(
        f"okänd rapporttyp '{key}'; {hint}registrerade typer: {', '.join(kinds)}",
        parameter="kind",
    )


def kind_label(key: str | None, default: str = "") -> str:
    """Swedish label of ``key``; ``default`` (or the key itself) when it is not registered."""
    record = report_kinds().get(key or "")
    return record.label if record else (default or key or "")


def notebook_dir() -> Path:
    """Folder holding the report notebooks.

    ``$EVALUATION_NOTEBOOK_DIR`` when set, else the repository's ``notebooks/``.
    """
    override = os.environ.get(NOTEBOOK_DIR_ENV)
    if override:
        return Path(override).resolve()
    return Path(__file__).resolve().parents[2] / "notebooks"


def notebook_path(kind: str) -> Path:
    """Path of the notebook for ``kind``.

    A ParameterError when the kind is unknown, a RenderError when its notebook is missing.
    """
    record = get_kind(kind)
    path = Path(record.notebook)
    if not path.is_absolute():
        path = notebook_dir() / path
    if not path.is_file():
        raise RenderError(
            f"notebooken {path.name} för rapporttypen '{kind}' finns inte i {path.parent}"
        )
    return path


# The built-in kinds; their report modules are evaluation.reports.<key>.
register_report_kind(
    "area_analysis",
    label="Områdesanalys",
    header_details="evaluation.reports.area_analysis:header_details",
)
register_report_kind("outcome_followup", label="Uppföljning av utfall")
register_report_kind(
    "user_survey",
    label="Brukarundersökning",
    params="evaluation.params:UserSurveyParams",
    header_details="evaluation.reports.user_survey:header_details",
)
