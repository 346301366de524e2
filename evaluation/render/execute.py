"""Execute a report notebook with papermill and map its failures onto the package's errors."""

from __future__ import annotations

import json
import tempfile
import threading
from pathlib import Path

import nbformat
from papermill.engines import papermill_engines
from papermill.exceptions import PapermillExecutionError
from papermill.execute import (
    prepare_notebook_metadata,
    raise_for_execution_errors,
    remove_error_markers,
)
from papermill.iorw import load_notebook_node
from papermill.parameterize import parameterize_notebook

from evaluation.exceptions import EvaluationError, RenderError, error_classes
from evaluation.render import engine as _engine  # noqa: F401 - registers the engines
from evaluation.render.kernel_setup import ERROR_MARKER
from evaluation.render.outputs import keep_notebook

ENGINES = (_engine.WARM, _engine.FRESH)
#: Set when a notebook starts running in a kernel: work this process can do meanwhile
#: (``AuditAhead`` of a batch rendering in-process) waits for it.
notebook_started = threading.Event()


def _rebuild(ename: str, evalue: str, traceback: list[str]) -> EvaluationError | None:
    """Re-create a package error raised inside the kernel, with its type and fields.

    The kernel's error handler (``kernel_setup.install_error_handler``) appends the
    error's ``to_dict()`` as JSON to the traceback; without it (a kernel that was
    not set up) only the class name and message are known.
    """
    for line in reversed(traceback or []):
        if line.startswith(ERROR_MARKER):
            try:
                data = json.loads(line[len(ERROR_MARKER) :])
            except ValueError:
                break
            if isinstance(data, dict) and data.get("type") in error_classes():
                return EvaluationError.from_dict(data)
            break
    if ename not in error_classes():
        return None
    return EvaluationError.from_dict({"type": ename, "message": evalue})


def execute_notebook(
    notebook: Path,
    parameters: dict,
    failed_path: Path,
    *,
    engine: str = _engine.WARM,
    kernel_name: str | None = None,
    timeout: float | None = None,
) -> nbformat.NotebookNode:
    """Run ``notebook`` with ``parameters`` injected and return the executed notebook.

    On failure the executed notebook, error included, is written to ``failed_path`` and
    the error is raised as the package's own type (a RenderError unless the notebook
    raised a DataError, ParameterError or other EvaluationError).
    """
    if engine not in ENGINES:
        raise RenderError(f"okänd körmotor '{engine}'")
    nb = load_notebook_node(str(notebook))
    nb = parameterize_notebook(nb, parameters, kernel_name=kernel_name, engine_name=engine)
    nb = prepare_notebook_metadata(nb, notebook.name, failed_path.name)
    nb = remove_error_markers(nb)
    kernel_name = papermill_engines.nb_kernel_name(engine_name=engine, nb=nb, name=kernel_name)
    notebook_started.set()
    try:
        nb = papermill_engines.execute_notebook_with_engine(
            engine,
            nb,
            input_path=str(notebook),
            output_path=None,
            kernel_name=kernel_name,
            progress_bar=False,
            log_output=False,
            start_timeout=120,
            kernel_cwd=str(notebook.parent),
            execution_timeout=timeout,
        )
    except Exception as exc:  # dead kernel, timeout: no error output in the notebook
        keep_notebook(nb, failed_path)
        error = RenderError(f"notebooken stannade ({type(exc).__name__})", notebook=failed_path)
        error.detail = str(exc).strip() or None  # nbclient's text quotes the cell's code
        raise error from None
    # papermill writes the failed notebook, its error cell on top, as it is: to a folder
    # outside the reports; what is kept there is its cleaned copy.
    with tempfile.TemporaryDirectory(prefix="evaluation-failed-") as tmp:
        scratch = Path(tmp) / failed_path.name
        try:
            raise_for_execution_errors(nb, str(scratch))
        except PapermillExecutionError as err:
            keep_notebook(nbformat.read(scratch, as_version=4), failed_path)
            raise notebook_error(err, failed_path) from None
    return nb


def notebook_error(err: PapermillExecutionError, failed_path: Path) -> EvaluationError:
    """The package error matching an exception raised in a notebook cell."""
    rebuilt = _rebuild(err.ename, err.evalue, err.traceback)
    if rebuilt is None:  # the notebook's own exception: its text may quote data values
        rebuilt = RenderError(err.ename)
        rebuilt.detail = err.evalue or None
    rebuilt.notebook = str(failed_path)
    rebuilt.cell = err.exec_count
    return rebuilt
