"""Work units sent to batch workers: plain, picklable, and never raising."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from evaluation.exceptions import EvaluationError
from evaluation.render.single import ReportResult, one_line, render_report


@dataclass(frozen=True)
class RenderTask:
    """Everything a worker needs to render one evaluation."""

    params_file: str
    output_dir: str
    cache_dir: str | None
    engine: str
    timeout: float | None = None
    fingerprint: dict | None = None
    commit: str | None = None
    area: str | None = None
    kind: str | None = None


def failed_result(
    params_file: str, exc: BaseException, *, area: str | None = None, kind: str | None = None
) -> ReportResult:
    """A failed row carrying the error's one-line message and type."""
    notebook = getattr(exc, "notebook", None)
    if notebook and not Path(notebook).exists():
        notebook = None
    if area is not None:  # the index page prints it (R8: never echo an identity number)
        from evaluation.idnumbers import redact

        area = redact(area)
    return ReportResult(
        params_file,
        "failed",
        area,
        kind,
        None,
        0.0,
        one_line(exc, public=True),  # the index page and the attempt record show it
        type(exc).__name__,
        notebook,
        detail=one_line(exc),
    )


def lost_result(task: RenderTask, reason: str) -> ReportResult:
    """A failed row for a task whose worker or kernel died, timed out or was stopped.

    Names the area and kind, records the reason beside the report (the worker could
    not) and points at the earlier good report, which is left untouched.
    """
    from evaluation.exceptions import RenderError
    from evaluation.render.manifest import write_attempt
    from evaluation.render.paths import report_paths

    result = failed_result(task.params_file, RenderError(reason), area=task.area, kind=task.kind)
    if task.area and task.kind:
        paths = report_paths(task.output_dir, task.area, task.kind)
        if paths.folder.is_dir():
            write_attempt(paths, result.message)
        if paths.failed_notebook.exists():
            result.failed_notebook = str(paths.failed_notebook)
    return with_last_good(result, task.output_dir)


def with_last_good(result: ReportResult, output_dir: str) -> ReportResult:
    """Add when the kept, earlier good report was rendered to a failed row (if there is one)."""
    if result.status == "failed" and result.area and result.kind:
        from evaluation.render.manifest import last_good
        from evaluation.render.paths import report_paths

        result.last_good = last_good(report_paths(output_dir, result.area, result.kind))
        if result.last_good:
            result.html = str(report_paths(output_dir, result.area, result.kind).html)
    return result


def render_task(task: RenderTask) -> ReportResult:
    """Render one evaluation in this worker; every failure becomes a failed result."""
    import time

    started = time.perf_counter()
    try:
        return render_report(
            task.params_file,
            task.output_dir,
            cache_dir=task.cache_dir,
            force=True,
            engine=task.engine,
            timeout=task.timeout,
            fingerprint=task.fingerprint,
            commit=task.commit,
        )
    except Exception as exc:  # noqa: BLE001 - a batch keeps going; the row carries the reason
        area = kind = None
        try:
            from evaluation.params import load_params

            params = load_params(task.params_file)
            area, kind = params.area, params.kind
        except EvaluationError:
            pass
        result = failed_result(task.params_file, exc, area=area, kind=kind)
        result.seconds = time.perf_counter() - started
        return with_last_good(result, task.output_dir)


def prepare_task(folder: str, cache_dir: str | None, engine: str) -> str:
    """Parse and validate one data folder into the batch cache, in this worker's warm kernel."""
    if engine != "evaluation-warm":
        return ""
    try:
        from evaluation.render.kernel import warm_kernel

        kernel = warm_kernel()
        content = kernel.run(
            "__import__('evaluation.render.kernel_setup', fromlist=['_'])"
            f".prepare_data({folder!r}, {cache_dir!r})"
        )
        return "" if content.get("status") == "ok" else str(content.get("evalue", ""))
    except Exception as exc:  # noqa: BLE001 - the notebooks will report the same problem
        return f"{type(exc).__name__}: {exc}"


def preload_renderer(*, fork_safe: bool = False) -> None:
    """Import what renders a report outside the kernel (kernel client, exporter, papermill).

    papermill imports pyarrow when it is installed (for HDFS paths, never used here), and
    pyarrow's memory allocator starts a thread. ``fork_safe``, for a process that runs
    one thread and will fork its workers: papermill is imported as if pyarrow were not
    installed (its HDFS handler then says so), so no thread starts. pyarrow itself stays
    importable for whatever needs it later.
    """
    import sys

    from evaluation.render import kernel  # noqa: F401 - launches and talks to the kernel
    from evaluation.render.export import _exporter

    _exporter()
    hide = fork_safe and "pyarrow" not in sys.modules
    if hide:
        sys.modules["pyarrow"] = None  # type: ignore[assignment] - an import of it fails
    try:
        from evaluation.render import engine  # noqa: F401 - registers the papermill engines
    finally:
        if hide and sys.modules.get("pyarrow", False) is None:
            del sys.modules["pyarrow"]


def warm_worker() -> None:
    """Process-pool initializer: start this worker's kernel before the first report arrives.

    The kernel is launched first and the worker's own imports (papermill, nbconvert's
    exporter, ~1 CPU-s) run in a thread while it waits for the kernel to answer, so the
    kernel's warm-up starts a second earlier on a batch's cores that are still half idle.
    """
    import threading

    def import_renderer() -> None:
        try:
            preload_renderer()
        except Exception:  # noqa: BLE001 - the first task imports again and reports it
            pass

    try:
        from multiprocessing.util import Finalize

        from evaluation.render.kernel import shutdown_all, warm_kernel

        # Pool workers leave through os._exit, which skips atexit: stop the kernel explicitly.
        Finalize(None, shutdown_all, exitpriority=100)
        importer = threading.Thread(target=import_renderer, daemon=True)
        importer.start()
        try:
            # Warm before the first report: its checks then run in the kernel, which has
            # the data libraries imported, and this worker never imports them.
            warm_kernel().wait_warm()
        finally:
            importer.join()
        import gc

        gc.freeze()  # the imports above live as long as the worker: keep them out of GC passes
    except Exception:  # noqa: BLE001 - the first task retries and reports the problem
        pass
