"""Render one evaluation: execute its notebook, export HTML, scan it, write it atomically."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path

from evaluation.exceptions import EvaluationError, PrivacyError, RenderError
from evaluation.load.fingerprint import data_fingerprint
from evaluation.metadata.kinds import notebook_path
from evaluation.params import load_params
from evaluation.render.manifest import forget, input_key, is_up_to_date, write_manifest
from evaluation.render.paths import atomic_write_text, report_paths

WARM_ENGINE = "evaluation-warm"
_UNSET = object()


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

    @property
    def ok(self) -> bool:
        """True unless the evaluation failed."""
        return self.status != "failed"

    def as_dict(self) -> dict:
        """Plain-data form (for JSON and for crossing process boundaries)."""
        return asdict(self)


def one_line(exc: BaseException) -> str:
    """The message a user sees for ``exc``: one line, no traceback, no absolute path."""
    if isinstance(exc, RenderError):
        text = exc.message if exc.cell is None else f"cell {exc.cell}: {exc.message}"
    elif isinstance(exc, EvaluationError):
        text = str(exc)
    else:
        text = f"{type(exc).__name__}: {exc}"
    return redact(" ".join(text.split()))


def redact(text: str) -> str:
    """Replace anything shaped like an identity number with '[dolt]' (R8: never echo one)."""
    from evaluation.load.idnumbers import find_identity_numbers

    for start, end in reversed(find_identity_numbers(text)):
        text = text[:start] + "[dolt]" + text[end:]
    return text


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
    timeout : seconds a single cell may run; None for no limit.
    fingerprint : data file hashes when the caller already has them.
    commit : git commit shown in the footer; computed when not given.

    Returns
    -------
    ReportResult with status 'ok' or 'reused'. Failures raise the package's errors:
    ParameterError/DataError from the parameters or notebook, RenderError when a
    cell fails (the executed notebook is kept as ``<kind>.failed.ipynb``), and
    PrivacyError when the report holds an identity number (nothing is written).
    """
    started = time.perf_counter()
    params = load_params(params_path)
    notebook = notebook_path(params.kind)
    paths = report_paths(output_dir, params.area, params.kind)
    fingerprint = data_fingerprint(params.data) if fingerprint is None else fingerprint
    key = input_key(Path(params.source_file), notebook, fingerprint)
    result = ReportResult(str(params_path), "ok", params.area, params.kind, str(paths.html))
    if not force and (manifest := is_up_to_date(paths, key)) is not None:
        result.status, result.seconds = "reused", float(manifest.get("render_seconds", 0.0))
        return result

    if cache_dir is not None:
        # Validate here, before any kernel starts: bad input fails fast with a clean error,
        # no report is touched, and the notebook then reads the warm cache.
        from evaluation.load.dataset import load_data

        try:
            load_data(params.data, cache_dir=cache_dir)
        except EvaluationError:
            forget(paths)
            raise
    paths.folder.mkdir(parents=True, exist_ok=True)
    paths.failed_notebook.unlink(missing_ok=True)
    ledger_path = publication_ledger_path(paths.html)
    ledger_path.unlink(missing_ok=True)
    try:
        html, ledger = _render_html(
            params, notebook, paths, cache_dir, engine, timeout, fingerprint, commit
        )
        atomic_write_text(paths.html, html)
        if ledger is not None:  # R0: what the page publishes, for the joint audit
            import json

            atomic_write_text(ledger_path, json.dumps(ledger, ensure_ascii=False))
    except BaseException as exc:
        forget(paths)
        if isinstance(exc, EvaluationError) or not isinstance(exc, Exception):
            raise
        raise RenderError(f"export failed: {one_line(exc)}") from exc
    result.seconds = time.perf_counter() - started
    write_manifest(paths, key, result.seconds)
    return result


def _render_html(params, notebook, paths, cache_dir, engine, timeout, fingerprint, commit):
    """Execute, export and scan; return the page and its ledger (nothing written on failure)."""
    from evaluation.privacy.publication import PUBLICATION_PARAMETER, take_ledger
    from evaluation.render.execute import execute_notebook
    from evaluation.render.export import export_html
    from evaluation.render.provenance import git_commit, report_context
    from evaluation.render.scan import check_text, scan_file

    parameters = {
        "params_file": str(params.source_file),
        "cache_dir": str(Path(cache_dir).resolve()) if cache_dir else None,
        PUBLICATION_PARAMETER: str(paths.folder.parent.resolve()),
    }
    try:
        nb = execute_notebook(
            notebook, parameters, paths.failed_notebook, engine=engine, timeout=timeout
        )
    except EvaluationError:
        if paths.failed_notebook.exists():
            try:
                scan_file(paths.failed_notebook)  # R8 holds for the kept notebook too
            except PrivacyError as leak:
                raise PrivacyError(f"{leak} (the failed notebook was removed)") from None
        raise
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
    return html.with_name(html.stem + ".ledger.json")
