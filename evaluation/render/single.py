"""Render one evaluation: execute its notebook, export HTML, scan it, write it atomically."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from evaluation.exceptions import EvaluationError, RenderError, user_message
from evaluation.load.fingerprint import data_fingerprint
from evaluation.metadata.kinds import notebook_path
from evaluation.params import load_params
from evaluation.privacy.publication import data_fingerprint_only, hidden_digest
from evaluation.render.manifest import (
    clear_attempt,
    input_key,
    is_up_to_date,
    write_attempt,
    write_manifest,
)
from evaluation.render.paths import ReportPaths, atomic_write_text, report_paths

WARM_ENGINE = "evaluation-warm"
_UNSET = object()


class DataChangedError(RenderError):
    """A data file changed while its report was being rendered; nothing was written."""


#: The reason recorded for a render stopped by Ctrl-C, SIGTERM or a killed worker.
INTERRUPTED = "avbruten innan rapporten var klar"


@dataclass
class ReportResult:
    """Outcome of one evaluation: ``status`` is 'ok', 'reused' or 'failed'."""

    params_file: str
    status: str
    area: str | None = None
    kind: str | None = None
    html: str | None = None
    seconds: float = 0.0
    message: str = ""
    error: str | None = None
    failed_notebook: str | None = None
    last_good: str | None = None  # when the kept, earlier report was rendered (failed rows)
    #: A failed row's whole message, for the terminal only; ``message`` is what the index
    #: page and the attempt record show (``one_line(exc, public=True)``).
    detail: str = ""

    @property
    def ok(self) -> bool:
        """True unless the evaluation failed."""
        return self.status != "failed"

    def as_dict(self) -> dict:
        """Plain-data form (for JSON and for crossing process boundaries)."""
        return asdict(self)


def one_line(exc: BaseException, *, public: bool = False) -> str:
    """The message a user sees for ``exc``: one line, no traceback, no absolute path.

    ``public``: for a page or a file in the reports folder, without values from the data
    and without text the toolkit did not write (see ``user_message``).
    """
    if isinstance(exc, EvaluationError):
        text = user_message(exc, name_only=True, public=public)
    elif public:
        text = f"{type(exc).__name__} (hela meddelandet står i terminalen)"
    else:
        text = f"{type(exc).__name__}: {exc}"
    return redact(" ".join(text.split()))


def redact(text: str) -> str:
    """Replace anything shaped like an identity number with '[dolt]' (R8: never echo one)."""
    from evaluation.idnumbers import redact as _redact

    return _redact(text)


def render_report(
    params_path: str | Path,
    output_dir: str | Path,
    *,
    cache_dir: str | Path | None = None,
    force: bool = False,
    engine: str = WARM_ENGINE,
    timeout: float | None = None,
    fingerprint: dict[str, str] | None = None,
    commit=_UNSET,
) -> ReportResult:
    """Render the report for one parameters file into ``output_dir/<area-slug>/<kind>.html``.

    Parameters
    ----------
    params_path : path of the evaluation's YAML parameters.
    output_dir : folder that receives one sub-folder per area.
    cache_dir : batch-wide cache for canonical tables, passed to the notebook.
    force : re-render even when the manifest says nothing changed.
    engine : papermill engine, 'evaluation-warm' (reused kernel) or 'evaluation-fresh'.
    timeout : seconds the notebook may run (all cells together); None for no limit.
    fingerprint : data file hashes (and the hidden-set digest) when the caller has them;
        by default the data folder's hashes and ``output_dir``'s hidden-set digest.
    commit : git commit shown in the footer; computed when not given.

    Returns
    -------
    ReportResult with status 'ok' or 'reused'. Failures raise the package's errors:
    ParameterError/DataError from the parameters or notebook, RenderError when a
    cell fails (the executed notebook is kept as ``<kind>.failed.ipynb``), and
    PrivacyError when the report holds an identity number (nothing is written).
    A failed or interrupted attempt never touches the last good report and its
    manifest; it records its reason in ``<kind>.attempt.json`` beside them.
    """
    started = time.perf_counter()
    params = load_params(params_path)
    notebook = notebook_path(params.kind)
    paths = report_paths(output_dir, params.area, params.kind)
    if fingerprint is None:
        # Keyed like a batch keys it (data files plus the folder's hidden-set digest): a
        # report rendered alone into a batch folder is re-used by the next batch, and a
        # batch's report by ``evaluation run``; the footer lists the data files only.
        fingerprint = {**data_fingerprint(params.data), **hidden_digest(output_dir)}
    key = input_key(Path(params.source_file), notebook, fingerprint)
    result = ReportResult(str(params_path), "ok", params.area, params.kind, str(paths.html))
    if not force and (manifest := is_up_to_date(paths, key)) is not None:
        clear_attempt(paths)
        result.status, result.seconds = "reused", float(manifest.get("render_seconds", 0.0))
        return result

    # Check data and parameters before the notebook runs: bad input fails fast with a clean
    # error, no report or failed notebook is touched (the last good report stays), and the
    # notebook then reads the warm cache. In the kernel that will run the notebook when it
    # is warm already (it has the data libraries imported, and hands the data it checked
    # to the notebook), else here while a kernel starts.
    from evaluation.reports.preflight import preflight

    checked = None
    if engine == WARM_ENGINE and (waiting := _check_in_kernel(params, cache_dir)) is not None:
        from evaluation.render import execute  # noqa: F401 - papermill, while the kernel checks

        checked = waiting()
    if checked is None:
        loaded = preflight(params, cache_dir, data=_loaded_before(params.data, fingerprint))
        _remember(params.data, loaded)
        checked = loaded.fingerprint
    ledger_path = publication_ledger_path(paths.html)
    try:
        # The data preflight read (and validated) is the data the key names: one read only.
        _same_data(fingerprint, checked, params.data)
        paths.folder.mkdir(parents=True, exist_ok=True)
        paths.failed_notebook.unlink(missing_ok=True)
        html, ledger = _render_html(
            params, notebook, paths, cache_dir, engine, timeout, fingerprint, commit
        )
        # The footer names these hashes: refuse a page built while a file changed.
        _same_data(fingerprint, data_fingerprint(params.data), params.data)
        atomic_write_text(paths.html, html)
        if ledger is not None:  # R0: what the page publishes, for the joint audit
            atomic_write_text(ledger_path, ledger)
        else:  # an earlier render's ledger does not describe this page
            ledger_path.unlink(missing_ok=True)
        result.seconds = time.perf_counter() - started
        write_manifest(paths, key, result.seconds)
    except BaseException as exc:
        # The last good report and its manifest stay as they are (complete or absent,
        # never lost to a failed retry); the reason is kept beside them for the index.
        reason = one_line(exc, public=True) if isinstance(exc, Exception) else INTERRUPTED
        if paths.folder.is_dir():
            write_attempt(paths, reason)
        if isinstance(exc, EvaluationError) or not isinstance(exc, Exception):
            raise
        error = RenderError("exporten misslyckades")
        error.detail = one_line(exc)
        raise error from exc
    return result


#: Seconds a kept kernel may take to check one evaluation's inputs (a national data
#: folder's cache takes a while to read; a kernel that died is noticed at once).
CHECK_TIMEOUT = 600


def _check_in_kernel(params, cache_dir) -> Callable[[], dict[str, str] | None] | None:
    """Start ``preflight`` in this thread's warm kernel; the call returned waits for its end.

    That call gives the data files' hashes once the checks passed, else None: the checks
    did not pass there, or the kernel did not answer. The caller then checks here and
    raises the error with all its details. None instead of a call: no warm kernel yet
    (the checks then run here while it warms up).
    """
    import ast

    from evaluation.render.kernel import ready_kernel

    kernel = ready_kernel()
    if kernel is None:
        return None
    cache = str(Path(cache_dir).resolve()) if cache_dir else None
    source = str(Path(params.source_file).resolve())
    call = "__import__('evaluation.render.kernel_setup', fromlist=['_']).check_inputs"
    try:
        value = kernel.evaluate(f"{call}({source!r}, {cache!r})", timeout=CHECK_TIMEOUT)
    except Exception:  # noqa: BLE001 - a kernel that does not answer: the checks run here
        return None

    def checked() -> dict[str, str] | None:
        try:
            text = value()
            found = ast.literal_eval(text) if text else None
        except Exception:  # noqa: BLE001 - as above
            return None
        return found if isinstance(found, dict) else None

    return checked


#: The last Dataset this process validated, per data folder, for checks that run here
#: (no warm kernel, as with the fresh-kernel engine): re-reading a folder's cache per
#: report was ~0.2-0.4 s each. Only these checks read it, never a notebook.
_LOADED: dict[str, object] = {}
#: Larger datasets are not kept between reports (memory of a national folder).
KEEP_ROWS = 2_000_000


def _loaded_before(folder, fingerprint: dict[str, str]):
    """The Dataset validated earlier in this process when its files are unchanged, else None."""
    data = _LOADED.get(str(Path(folder).resolve()))
    if data is None or data.fingerprint != data_fingerprint_only(fingerprint):
        return None
    return data


def _remember(folder, data) -> None:
    rows = sum(len(v) for v in vars(data).values() if hasattr(v, "shape"))
    key = str(Path(folder).resolve())
    if rows <= KEEP_ROWS:
        _LOADED[key] = data
    else:
        _LOADED.pop(key, None)


def _same_data(expected: dict[str, str], found: dict[str, str], folder) -> None:
    """Raise DataChangedError when the data files differ from the hashes the render started with.

    Only data files count: ``expected`` may also carry the batch's hidden-set digest.
    """
    expected = data_fingerprint_only(expected)
    if expected != found:
        changed = sorted(
            name for name in set(expected) | set(found) if expected.get(name) != found.get(name)
        )
        raise DataChangedError(
            f"datafilen {', '.join(changed)} i {Path(folder).name} ändrades under körningen; "
            "kör igen"
        )


def _render_html(params, notebook, paths, cache_dir, engine, timeout, fingerprint, commit):
    """Execute, export and scan; return the page and its ledger (nothing written on failure)."""
    from evaluation.privacy.publication import PUBLICATION_PARAMETER, take_ledger
    from evaluation.render.execute import execute_notebook
    from evaluation.render.export import export_html, exporter_ahead
    from evaluation.render.outputs import check_outputs
    from evaluation.render.provenance import git_commit, report_context
    from evaluation.render.scan import check_text

    exporter_ahead()  # built while the kernel runs the notebook, unless built already
    parameters = {
        "params_file": str(params.source_file),
        "cache_dir": str(Path(cache_dir).resolve()) if cache_dir else None,
        PUBLICATION_PARAMETER: str(paths.folder.parent.resolve()),
    }
    # A failure keeps the notebook cleaned and scanned (``outputs.keep_notebook``).
    nb = execute_notebook(
        notebook, parameters, paths.failed_notebook, engine=engine, timeout=timeout
    )
    check_outputs(nb, paths.failed_notebook)  # R10: only protected outputs are published
    context = report_context(
        params,
        notebook,
        fingerprint=fingerprint,
        commit=git_commit() if commit is _UNSET else commit,
    )
    ledger = take_ledger(nb)
    html = export_html(nb, context)
    check_text(html, f"report {paths.folder.name}/{paths.html.name}")
    return html, ledger


def publication_ledger_path(html: Path) -> Path:
    """Where a report's publication ledger is kept: ``<kind>.ledger.json`` beside the page."""
    return ReportPaths(html.parent, html.stem).ledger
