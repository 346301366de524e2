"""Code that runs inside the Jupyter kernel: warm-up imports and the reset between reports.

Runs inside the kernel; the rendering process imports only its constants. ``reset`` makes a reused
kernel behave like a fresh one for the next notebook: empty namespace, no open
figures, default plotting and pandas settings, fixed seeds, the notebook folder
as working directory. ``watch_owner`` ends the kernel with the process that uses it,
and ``keep`` lets it outlive that process for a while, idle, for the next command.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import random
import shutil
import sys
import threading
import time
import warnings
from collections.abc import Iterator

#: Always imported; the notebooks' own imports are added by the caller (``kernel.warm_modules``).
WARM_MODULES = ("IPython.display", "evaluation")

#: Fixed salt so matplotlib's SVG element ids are the same on every render.
SVG_HASHSALT = "evaluation-report"

#: Prefix of the traceback line that carries a package error as JSON (``render.execute`` reads it).
ERROR_MARKER = "evaluation-error-json: "

#: Display type of the message that opens each cell's outputs when a notebook's code cells
#: run in one request (``run_cells``); the renderer sorts the outputs by it, never shows it.
CELL_MARK = "application/x-evaluation-cell+json"

_rc_snapshot: dict | None = None
_warning_filters: list | None = None
#: Who this kernel serves: the owner's pid, or (kept) the time it exits and its record;
#: and its socket folder, removed whenever it exits on its own.
_owner: dict = {"pid": None, "until": None, "record": None, "sockets": None}
_watcher: threading.Thread | None = None
#: Seconds between the owner checks.
WATCH_INTERVAL = 0.5


def process_alive(pid: int | None) -> bool:
    """True while process ``pid`` runs (a zombie, dead but not yet reaped, does not).

    psutil, not ``os.kill(pid, 0)``: on Windows that call terminates the process.
    """
    if not pid:
        return False
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:  # exists, owned by someone else
        return True


def _watch() -> None:
    while True:
        time.sleep(WATCH_INTERVAL)
        until = _owner["until"]
        if until is not None:
            if time.time() >= until:
                _leave()
        elif not process_alive(_owner["pid"]):
            _leave()


def remove_sockets(sockets: str | None) -> None:
    """Remove a kernel's socket folder (only a folder this package made).

    Here, not in ``kernel``, because the kernel itself calls it and imports only this module.
    """
    if sockets and os.path.basename(sockets).startswith("evaluation-kernel-"):
        shutil.rmtree(sockets, ignore_errors=True)


def _leave(status: int = 0) -> None:
    """Exit this kernel, leaving nothing: its socket folder, and its record if it names this.

    Every way a kernel of this package ends on its own comes here: its owner gone, its kept
    time up, or a SIGTERM from outside (``kill``, a logout), whose default ended the
    process at once and left the folder (with the kernel's key) and the record behind.
    """
    remove_sockets(_owner["sockets"])
    record = _owner["record"]  # None while a command owns the kernel
    try:
        with open(record, encoding="utf-8") as fh:
            mine = json.load(fh).get("pid") == os.getpid()
    except (OSError, TypeError, ValueError, AttributeError):
        mine = False
    if mine:  # a newer kernel's record stays
        try:
            os.remove(record)
        except OSError:
            pass
    os._exit(status)


def watch_owner(pid: int, sockets: str | None = None) -> None:
    """Stop this kernel (within ``WATCH_INTERVAL``) once process ``pid`` is gone.

    Kernels are launched independent of the process that starts them, so that one can
    be kept for the next command (``keep``); this takes the place of ipykernel's parent
    poller, which ends a kernel whose parent exits. ``pid`` is the process rendering
    with the kernel: its starter, or the command that adopted it after a ``keep``.
    ``sockets`` is the kernel's socket folder (given by its starter), removed on such an
    exit: an owner killed outright leaves it behind otherwise.
    """
    global _watcher
    _owner.update(pid=pid, until=None, record=None)
    if sockets is not None:
        _owner["sockets"] = sockets
    if threading.current_thread() is threading.main_thread():
        import signal

        if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
            signal.signal(signal.SIGTERM, lambda signum, _frame: _leave(128 + signum))
    if _watcher is None:
        _watcher = threading.Thread(target=_watch, daemon=True, name="evaluation-owner")
        _watcher.start()


def keep(seconds: float, record: str) -> None:
    """Stay up, idle and ownerless, for ``seconds``; then exit, removing the socket folder.

    A later command adopts the kernel (``watch_owner`` with its pid) and skips the
    start-up and imports. ``record`` (the kept-kernel record) is removed too while it
    still names this kernel. The keeper sends ``reset`` next, so nothing of the last
    report stays in the kept kernel.
    """
    _owner.update(pid=None, until=time.time() + float(seconds), record=record)


def _configure_matplotlib() -> None:
    import matplotlib

    try:  # the reports' plot style for every figure, in every report, in any order
        from evaluation.present.charts import STYLE

        matplotlib.rcParams.update(STYLE)
    except ImportError:
        pass
    matplotlib.rcParams["svg.hashsalt"] = SVG_HASHSALT
    try:
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats("png", "svg")  # the exporter keeps the smaller of the two
    except Exception:  # noqa: BLE001 - outside a kernel there is no inline backend
        pass


def _single_threaded_blas() -> None:
    """Use one BLAS thread per report kernel.

    Batch workers already use every core, and
    oversubscribed OpenBLAS made model fits about ten times slower on two cores.
    """
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=1)
    except ImportError:
        pass


def _error_handler(shell, etype, value, tb, tb_offset=None) -> list[str]:
    """IPython handler for package errors: the usual traceback plus the error as JSON."""
    stb = shell.InteractiveTB.structured_traceback(etype, value, tb, tb_offset=tb_offset)
    stb = [*stb, ERROR_MARKER + json.dumps(value.to_dict(), ensure_ascii=True, default=str)]
    # IPython 8+ ignores the handler's return value: the handler shows the traceback itself.
    shell._showtraceback(etype, value, stb)
    return stb


def install_error_handler() -> bool:
    """Let package errors leave the kernel with their fields (see ``render.execute``)."""
    try:
        from IPython import get_ipython

        from evaluation.exceptions import EvaluationError
    except ImportError:
        return False
    ip = get_ipython()
    if ip is None:
        return False
    ip.set_custom_exc((EvaluationError,), _error_handler)
    return True


def run_cells(sources: list[str]) -> None:
    """Run a notebook's code cells in turn, each as IPython runs a request's cell; stop at an error.

    Before each cell a ``CELL_MARK`` display (its number and execution count) tells the
    renderer where the cell's outputs begin; publishing it flushes the streams first, so
    text printed by one cell never lands after the next cell's mark.
    """
    from IPython import get_ipython

    shell = get_ipython()
    with _flush_only_what_was_written():
        for number, source in enumerate(sources):
            mark = {"cell": number, "execution_count": shell.execution_count}
            shell.display_pub.publish({CELL_MARK: mark}, metadata={})
            if not shell.run_cell(source, store_history=True).success:
                return


@contextlib.contextmanager
def _flush_only_what_was_written() -> Iterator[None]:
    """Let ``flush()`` of the kernel's stdout and stderr return at once when nothing waits.

    ipykernel flushes both streams before every display and result, and each flush waits
    for a round trip through its IOPub thread, also when nothing was printed: ~0.3 CPU-ms
    per display over the two threads, ~7 per report. Text printed before a display
    still goes out before it: both leave through the IOPub thread, in order. Hand-written:
    ipykernel has no setting for it; streams without its buffers keep their own flush.
    """
    patched = []
    for stream in {id(s): s for s in (sys.stdout, sys.stderr)}.values():
        lock, full = getattr(stream, "_buffer_lock", None), stream.flush
        if lock is None or not isinstance(getattr(stream, "_buffers", None), dict):
            continue

        def flush(stream=stream, lock=lock, full=full) -> None:
            with lock:
                waiting = any(buffer.tell() for buffer in stream._buffers.values())
            if waiting:
                full()

        stream.flush = flush
        patched.append(stream)
    try:
        yield
    finally:
        for stream in patched:
            del stream.flush  # the stream's own method again


def warm_up(modules: tuple[str, ...] = WARM_MODULES) -> list[str]:
    """Import the report notebooks' modules; return those that could not be imported."""
    global _rc_snapshot, _warning_filters
    _warning_filters = list(warnings.filters)
    os.environ.setdefault("SOURCE_DATE_EPOCH", "0")
    missing = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in modules:
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 - optional modules may not exist yet
                missing.append(name)
    _single_threaded_blas()
    install_error_handler()
    try:
        import matplotlib

        _configure_matplotlib()
        _rc_snapshot = dict(matplotlib.rcParams)
    except ImportError:
        pass
    _freeze_survivors()
    return missing


def _freeze_survivors() -> None:
    """Move every object alive now out of the garbage collector's reach (``gc.freeze``).

    The warm-up imports leave hundreds of thousands of long-lived objects (modules,
    functions, pandas and matplotlib internals); the full collection after each report
    walked them all (~0.2-0.4 s). Frozen, a collection only walks what the last report
    created (a few ms). Nothing a report computes depends on it.
    """
    import gc

    gc.collect()
    gc.freeze()


def reset(cwd: str) -> None:
    """Make the kernel look freshly started for the next notebook, working in ``cwd``."""
    from IPython import get_ipython

    # Figures a report's charts and maps reuse outlive its namespace: drop them with it.
    charts = sys.modules.get("evaluation.present.charts")
    if charts is not None:
        charts._REUSED.clear()
    maps = sys.modules.get("evaluation.present.maps")
    if maps is not None:
        maps._FIGURE.clear()
    ip = get_ipython()
    if ip is not None:
        # ``%reset -f`` without its cache flush's full collection, which walks every object
        # the report still holds before the namespace is cleared; the collection in
        # ``_freeze_survivors`` below, once the namespace is gone, frees the same garbage.
        hook = ip.displayhook
        full_cache = hook.do_full_cache
        hook.do_full_cache = False
        try:
            ip.reset(new_session=False)
        finally:
            hook.do_full_cache = full_cache
        hook._ = hook.__ = hook.___ = ""  # the flush's other work: the last three results
        ip.execution_count = 1
    # What outlived the report (caches filled on first use, such as matplotlib's fonts)
    # lives on: collected once here, then kept out of the next reports' collections.
    _freeze_survivors()
    os.chdir(cwd)
    random.seed(0)
    if "numpy" in sys.modules:
        sys.modules["numpy"].random.seed(0)
    if "matplotlib.pyplot" in sys.modules:
        import matplotlib
        import matplotlib.pyplot as plt

        plt.close("all")
        if _rc_snapshot is not None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                matplotlib.rcParams.update(_rc_snapshot)
        _configure_matplotlib()
    if "pandas" in sys.modules:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                sys.modules["pandas"].reset_option("all")
            except Exception:  # noqa: BLE001 - best effort across pandas versions
                pass
    if _warning_filters is not None:
        # typeshed declares warnings.filters a Sequence; at run time it is the list to reset.
        warnings.filters[:] = _warning_filters  # type: ignore[index]


def check_inputs(params_file: str, cache_dir: str | None) -> dict[str, str]:
    """``preflight`` of one evaluation in this kernel; the data files' hashes by file name.

    The data libraries are imported here already, so the rendering process need not
    import them only to check (~0.5 CPU-s each). The validated data is handed over to
    the report's notebook, which runs next in this kernel and so reads the cache once.
    """
    from evaluation.load.dataset import hand_over, load_data
    from evaluation.params import load_params
    from evaluation.reports.preflight import preflight

    params = load_params(params_file)
    # Loaded first: the cache is current here (a batch prepared it, an update found it
    # so), so preflight's quick look at the area names before a long parse would only
    # read the areas file once more. A failure is checked again, in full, by the caller.
    data = preflight(params, cache_dir, data=load_data(params.data, cache_dir=cache_dir))
    hand_over(data, cache_dir)
    return dict(data.fingerprint)  # its repr is a literal the caller reads back


def prepare_data(folder: str, cache_dir: str | None) -> str:
    """Parse and validate a data folder into the batch cache; return '' or the error text."""
    try:
        import evaluation

        load = getattr(evaluation, "load_data", None)
        if load is None:
            return ""
        load(folder, cache_dir=cache_dir)
    except Exception as exc:  # noqa: BLE001 - the notebooks report the same error
        return f"{type(exc).__name__}: {exc}"
    return ""
