"""Run every evaluation of a batch: incremental, in parallel, with an index page."""

from __future__ import annotations

import contextlib
import functools
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from evaluation.exceptions import EvaluationError, ParameterError
from evaluation.load.cachedir import cache_dir_outside
from evaluation.load.fingerprint import data_fingerprint
from evaluation.metadata.kinds import notebook_path
from evaluation.params import load_batch, load_params, validated_head
from evaluation.privacy.publication import data_fingerprint_only
from evaluation.render.executors import get_executor
from evaluation.render.lock import folder_lock
from evaluation.render.manifest import (
    CheckedPages,
    InputKey,
    clear_attempt,
    forget,
    input_key,
    is_up_to_date,
    read_manifest,
)
from evaluation.render.paths import (
    area_slug,
    remove_legacy_cache,
    remove_stale_temp_files,
    report_paths,
)
from evaluation.render.progress import BatchProgress
from evaluation.render.single import WARM_ENGINE, ReportResult
from evaluation.render.task import RenderTask, failed_result, lost_result


@dataclass
class BatchResult:
    """What a batch produced: one result per evaluation and the index page."""

    batch: str
    index: Path
    results: list[ReportResult] = field(default_factory=list)
    seconds: float = 0.0
    publication: str = ""  # the joint audit's one-line summary (R0)

    def count(self, status: str) -> int:
        """Number of reports with ``status`` ('ok', 'reused', 'failed')."""
        return sum(r.status == status for r in self.results)

    @property
    def failed(self) -> list[ReportResult]:
        """The evaluations that failed."""
        return [r for r in self.results if r.status == "failed"]

    @property
    def ok(self) -> bool:
        """True when no evaluation failed."""
        return not self.failed


def _sv_seconds(seconds: float) -> str:
    """'19,4 s': seconds with a Swedish decimal comma, as the rest of the CLI prints them."""
    return f"{seconds:.1f} s".replace(".", ",")


def _git_commit_once():
    """The project's git commit, asked of git the first time a page is to be written."""

    @functools.cache
    def commit() -> str | None:
        from evaluation.render.provenance import git_commit

        return git_commit()

    return commit


def run_batch(
    batch_path: str | Path,
    output_root: str | Path = "reports",
    *,
    workers: int | None = None,
    executor: str = "local",
    scheduler: str | None = None,
    force: bool = False,
    progress: bool = True,
    engine: str = WARM_ENGINE,
    timeout: float | None = None,
) -> BatchResult:
    """Render every evaluation in a batch file into ``output_root/<batch>/``.

    Parameters
    ----------
    batch_path : the batch YAML (name, title, evaluations).
    output_root : folder that receives ``<batch>/index.html`` and one folder per area.
    workers : parallel workers; default one per core.
    executor : 'local' (process pool) or 'dask' (``scheduler`` address or a LocalCluster).
    force : re-render reports whose inputs are unchanged.
    progress : show a progress bar on stderr.
    engine : passed to ``render_report`` in the workers.
    timeout : seconds one report may run; a report past it fails alone (its executed
        notebook kept), and a worker hung past it is stopped with its kernel.

    Returns
    -------
    BatchResult; failed evaluations are rows in it (and in the index), never exceptions.
    Only an unreadable batch file, an unknown executor or a bad ``$EVALUATION_KEEP_KERNEL``
    raises (ParameterError), and another batch on the same folder (FolderBusyError).
    Ctrl-C or SIGTERM stops the workers and their kernels, writes the index (unfinished
    rows say so) and re-raises.
    """
    started = time.perf_counter()
    batch = load_batch(batch_path)
    runner = get_executor(executor, workers=workers, scheduler=scheduler, timeout=timeout)
    out = Path(output_root) / batch.batch
    cache = cache_dir_outside(Path(output_root))  # record-level data never under reports/
    out.mkdir(parents=True, exist_ok=True)
    remove_legacy_cache(out)
    with folder_lock(out), _stop_on_signals():
        try:
            return _run_locked(batch, out, cache, runner, force, progress, engine, timeout, started)
        finally:
            if hasattr(runner, "close"):
                runner.close()  # workers started for reports that never ran


def _run_locked(batch, out, cache, runner, force, progress, engine, timeout, started):
    """The batch itself, run while holding the output folder's lock."""
    for folder in [out, *[p for p in out.iterdir() if p.is_dir()]]:
        remove_stale_temp_files(folder)

    # R0: figures hidden by earlier terms (sibling batch folders) stay hidden in this one
    from evaluation.privacy.publication import hidden_digest, seed_hidden

    history = _history(out)
    seed_hidden(out, history)
    hidden = hidden_digest(out)
    results, tasks, prepare, data_of = _plan(
        batch.evaluations, out, cache, force, engine, timeout, hidden, history
    )
    commit = _git_commit_once()  # the footer: a git subprocess only when a page is written
    tasks = [replace(t, commit=commit()) for t in tasks]
    ahead = None
    runner = _runner_for(runner, tasks, prepare, engine)
    if tasks and hasattr(runner, "start"):
        runner.start(len(tasks))  # before the threads below, so the workers can be forked
    if tasks:
        from evaluation.privacy.publication import AuditAhead
        from evaluation.render.executors import SerialExecutor
        from evaluation.render.kernel import keep_seconds
        from evaluation.render.single import publication_ledger_path

        keep_seconds()  # a bad $EVALUATION_KEEP_KERNEL is named once, before any report runs
        # The joint audit's reading (ledgers, pages) is done while reports render.
        in_process = isinstance(runner, SerialExecutor)  # its kernel's wait is the idle time
        notebook_started = None
        if in_process:  # papermill (~0.5 s of imports) only where this process renders
            from evaluation.render.execute import notebook_started

            notebook_started.clear()
        ahead = AuditAhead(
            (
                publication_ledger_path(Path(r.html))
                for r in results
                if r.html
                and r.status == "reused"
                and publication_ledger_path(Path(r.html)).is_file()
            ),
            start_after=notebook_started,
        )
    stopped: BaseException | None = None
    # Nothing to wait for (a no-op): no bar, whose terminal set-up and import cost more
    # than the rest of the run; the command still prints what was re-used.
    with BatchProgress(len(results) + len(tasks), enabled=progress and bool(tasks)) as bar:
        for result in results:
            bar.add(result)
        finished: dict[str, ReportResult] = {}

        def done(result: ReportResult) -> None:
            finished[result.params_file] = result
            bar.add(result)
            if ahead is not None and result.status == "ok" and result.html:
                ahead.page_written(result.html)

        todo = list(tasks)
        try:
            for attempt in range(CHANGE_RETRIES + 1):
                if not todo:
                    break
                runner.run(prepare if attempt == 0 else [], todo, done)
                last = attempt == CHANGE_RETRIES
                todo = _changed_during_batch(todo, data_of, finished, last=last)
        except KeyboardInterrupt as exc:  # Ctrl-C or SIGTERM: workers and kernels are stopped
            stopped = exc
    reason = f"avbruten ({_signal_name(stopped)}) innan rapporten var klar"
    for task in tasks:
        if task.params_file not in finished:
            finished[task.params_file] = lost_result(task, reason)
    results += [finished[t.params_file] for t in tasks]
    audit = None
    if stopped is None:
        audit = _audit_publication(
            out, history, results, runner, prepare, (cache, engine, timeout, commit)
        )
        if audit.ok:
            if hidden_digest(out) != hidden:  # the repair hid more: record it where unchanged
                _restamp_hidden(out, results)
        else:
            _record_failed_audit(out, results, audit)
    else:
        _audit_after_stop(out, history, results)
    from evaluation.render.index import write_index

    if stopped is None:
        _remember_written(out, cache, results)
    seconds = time.perf_counter() - started
    index = write_index(
        out / "index.html",
        batch.title or f"Rapporter: {batch.batch}",
        results,
        seconds,
    )
    if stopped is not None:
        raise stopped
    assert audit is not None
    summary = (
        audit.summary()
        if audit.unchanged
        else f"{audit.summary()} Granskning {_sv_seconds(audit.audit_seconds)}, "
        f"{audit.rounds} omtag ({_sv_seconds(audit.seconds)} med omrenderingar)."
    )
    return BatchResult(batch.batch, index, results, seconds, summary)


def _audit_row(message: str, seconds: float = 0.0) -> ReportResult:
    """The index row of a joint audit that did not pass."""
    return ReportResult(
        "sekretessgranskning",
        "failed",
        "hela publiceringen",
        "publication_audit",
        None,
        seconds,
        message,
        "PrivacyError",
    )


def _audit_after_stop(out: Path, history, results: list[ReportResult]) -> None:
    """Audit what a stopped batch left in its folder: no repair, withdrawal only.

    The reports rendered before the stop are in the folder the researcher sends on,
    so it is not left unaudited: pages the audit cannot vouch for are withdrawn, as in
    a finished batch. A second Ctrl-C or SIGTERM ends the audit; the index then says
    the folder was not audited.
    """
    from evaluation.privacy.publication import settle

    try:
        audit = settle(out, history, lambda html_paths: None, max_rounds=0)
    except KeyboardInterrupt:
        results.append(
            _audit_row(
                "gjordes inte: körningen avbröts också under granskningen. Skicka inte vidare "
                "mappen förrän en körning har gått klart eller 'evaluation audit' godkänt den."
            )
        )
        return
    if not audit.ok:
        _record_failed_audit(out, results, audit)


def _record_failed_audit(out: Path, results: list[ReportResult], audit) -> None:
    """Rows of a failed joint audit: its withdrawn pages, and the audit's own."""
    _mark_withdrawn(out, results, audit.withdrawn)
    results.append(_audit_row(audit.summary(), audit.seconds))


def _remember_written(out: Path, cache: Path, results: list[ReportResult]) -> None:
    """Hash the pages this batch wrote, so the next run (a no-op) need not read them.

    A page is remembered only once it is older than the racy margin (CheckedPages): on
    a batch of many reports that is most of them; the rest are hashed by the next run.
    """
    checked = CheckedPages.for_folder(cache, out)
    if checked.file is None:
        return
    checked.seen.update(checked.entries)  # keep what the plan remembered
    for r in results:
        if r.status == "ok" and r.html and r.area and r.kind:
            paths = report_paths(out, r.area, r.kind)
            manifest = read_manifest(paths)
            if manifest is not None:
                try:
                    is_up_to_date(paths, InputKey.from_dict(manifest.get("inputs")), checked)
                except (OSError, KeyError, TypeError, ValueError):
                    continue
    checked.save()


def _runner_for(runner, tasks, prepare, engine):
    """The batch's executor, or this process when one report is to be rendered.

    A one-report update (one parameters file changed) with its data already in the
    cache needs neither a worker pool nor the prepare step: spawning a worker and
    importing the render stack in it cost seconds. The local pool only (Dask is
    the user's explicit choice); on Ctrl-C and SIGTERM the kernel is stopped, on exit kept
    for the next command (``render.kernel``).
    """
    from evaluation.render.executors import LocalExecutor, SerialExecutor

    if len(tasks) == 1 and not prepare and engine == WARM_ENGINE:
        if type(runner) is LocalExecutor:
            return SerialExecutor()
    return runner


def _cache_current(cache: Path, fingerprint: dict[str, str]) -> bool:
    """True when the private cache holds a copy made from exactly these data files.

    Read without importing the loaders (pandas): a copy's ``files.json`` names its
    sources. The copy itself is checked again when it is read, so a stale or broken
    one costs a re-parse, never a wrong report.
    """
    import json

    try:
        records = list(cache.glob("*/files.json"))
    except OSError:
        return False
    for record in records:
        try:
            if json.loads(record.read_text(encoding="utf-8")).get("sources") == fingerprint:
                return True
        except (OSError, ValueError, AttributeError):
            continue
    return False


def _mark_withdrawn(out: Path, results: list, withdrawn) -> None:
    """Rows for the pages a failed joint audit removed: failed, with no last good report."""
    gone = {str(Path(p).resolve()) for p in withdrawn}
    for i, r in enumerate(results):
        if r.html and r.area and r.kind and str(Path(r.html).resolve()) in gone:
            forget(report_paths(out, r.area, r.kind))
            results[i] = ReportResult(
                r.params_file,
                "failed",
                r.area,
                r.kind,
                None,
                r.seconds,
                "togs bort: sekretessgranskningen av hela publiceringen underkändes, och "
                "rapporten visar uppgifter som tillsammans med andra pekar ut en dold uppgift",
                "PrivacyError",
            )


def _restamp_hidden(out: Path, results) -> None:
    """Record the final hidden set in the manifests of reports the repair left alone.

    The repair re-renders every report that shows a newly hidden figure; the others
    would render the same page with the final hidden set, so they are current and the
    next run re-uses them instead of rendering them again (a no-op stays a no-op).
    """
    from evaluation.privacy.publication import HIDDEN_DIGEST_KEY, hidden_digest
    from evaluation.render.manifest import restamp_data

    digest = hidden_digest(out)[HIDDEN_DIGEST_KEY]
    for r in results:
        if r.status in ("ok", "reused") and r.html and r.area and r.kind:
            restamp_data(report_paths(out, r.area, r.kind), HIDDEN_DIGEST_KEY, digest)


def _history(out: Path) -> list[Path]:
    """Earlier batches beside this one or carried in it (the publication's history)."""
    from evaluation.privacy.ledger import history_folders

    return history_folders(out)


def _audit_publication(out, history, results, runner, prepare, how):
    """Joint audit of the whole batch (R0); repair by hiding more and re-rendering.

    Returns the last audit; a failed one becomes a failed row in the index.
    """
    from evaluation.privacy.publication import settle

    cache, engine, timeout, commit = how  # commit: called when a page is to be written
    cache_dir = str(Path(cache).resolve()) if cache is not None else None
    by_html = {str(Path(r.html).resolve()): r for r in results if r.html and r.status != "failed"}

    def rerender(html_paths: list[str]) -> None:
        from evaluation.privacy.publication import hidden_digest

        digest = hidden_digest(out)
        tasks = []
        for html in html_paths:
            r = by_html.get(str(Path(html).resolve()))
            if r is None:
                continue
            fingerprint = {**data_fingerprint(load_params(r.params_file).data), **digest}
            tasks.append(
                RenderTask(
                    r.params_file, str(out), cache_dir, engine, timeout, fingerprint, commit()
                )
            )

        def done(result: ReportResult) -> None:
            for i, old in enumerate(results):
                if old.params_file == result.params_file:
                    results[i] = result
            if result.html:
                by_html[str(Path(result.html).resolve())] = result

        if tasks:  # the data is in the cache by now: no prepare step
            _runner_for(runner, tasks, [], engine).run([], tasks, done)

    return settle(out, history, rerender)


#: How often the reports of a data folder that changed during the batch are rendered again.
CHANGE_RETRIES = 1


def _changed_during_batch(tasks, data_of, finished, *, last: bool) -> list[RenderTask]:
    """Tasks to render again because their data folder changed while the batch ran.

    The files are hashed again at the end: a report built while a file changed could
    name the old hashes in its footer. Its manifest is dropped (never re-used as up to
    date); it is rendered again with the new hashes, or marked failed on the last round.
    """
    from evaluation.exceptions import RenderError

    now: dict[str, dict[str, str]] = {}
    again: list[RenderTask] = []
    for task in tasks:
        folder = data_of[task.params_file]
        if folder not in now:
            try:
                now[folder] = data_fingerprint(folder)
            except EvaluationError:
                now[folder] = {}
        result = finished.get(task.params_file)
        if now[folder] == data_fingerprint_only(task.fingerprint) or result is None:
            continue
        if task.area and task.kind:
            forget(report_paths(task.output_dir, task.area, task.kind))
        if last:
            finished[task.params_file] = failed_result(
                task.params_file,
                RenderError("en datafil ändrades under batchen; kör batchen igen"),
                area=task.area,
                kind=task.kind,
            )
        else:
            # the new data's hashes, and the hidden-set digest the batch keys manifests with
            data = data_fingerprint_only(task.fingerprint)
            digest = {k: v for k, v in (task.fingerprint or {}).items() if k not in data}
            again.append(replace(task, fingerprint={**now[folder], **digest}))
    return again


def _signal_name(exc: BaseException | None) -> str:
    return getattr(exc, "signal_name", "Ctrl-C")


class Stopped(KeyboardInterrupt):
    """SIGTERM (or SIGINT) received: stop the workers, write the index, exit."""

    def __init__(self, signal_name: str) -> None:
        super().__init__(signal_name)
        self.signal_name = signal_name


@contextlib.contextmanager
def _stop_on_signals():
    """Turn SIGTERM and SIGINT into ``Stopped`` in the main thread while a batch runs."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise Stopped("SIGTERM" if signum == signal.SIGTERM else "Ctrl-C")

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _raw_area_kind(path: Path) -> tuple[str | None, str | None]:
    """Area and kind as written in a parameters file that failed validation, if readable."""
    import yaml

    from evaluation.yaml_text import load_yaml

    try:
        raw = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return None, None
    if not isinstance(raw, dict):
        return None, None
    area, kind = raw.get("area"), raw.get("kind")
    return (area if isinstance(area, str) else None, kind if isinstance(kind, str) else None)


def _last_render_seconds(candidates: list) -> float:
    """The render time in the first of ``candidates`` (report paths) that has one; else 0."""
    for paths in candidates:
        seconds = (read_manifest(paths) or {}).get("render_seconds")
        if isinstance(seconds, int | float) and seconds > 0:
            return float(seconds)
    return 0.0


def _plan(
    evaluations,
    out: Path,
    cache: Path,
    force: bool,
    engine: str,
    timeout: float | None,
    hidden: dict[str, str] | None = None,
    history: Sequence[Path] = (),
):
    """Split evaluations into finished rows (re-used or unloadable) and tasks to render.

    ``history``: earlier terms' batch folders, whose render times order a new term's tasks.
    """
    results: list[ReportResult] = []
    tasks: list[RenderTask] = []
    prepare: dict[str, tuple[str, str, str]] = {}
    fingerprints: dict[Path, dict[str, str]] = {}
    claimed: dict[tuple[str, str], Path] = {}
    expected: dict[str, float] = {}
    data_of: dict[str, str] = {}
    notebooks: dict[str, Path] = {}  # kind -> its notebook, looked up once per batch
    checked = CheckedPages.for_folder(cache, out)

    def vouched(area: str, kind: str, params_sha256: str) -> bool:
        """True when this code rendered the report of ``area``/``kind`` from these bytes."""
        from evaluation.render.provenance import package_source_hash, package_version

        inputs = (read_manifest(report_paths(out, area, kind)) or {}).get("inputs")
        return (
            isinstance(inputs, dict)
            and inputs.get("params_sha256") == params_sha256
            and inputs.get("package_version") == package_version()
            and inputs.get("package_source") == package_source_hash()
        )

    for params_file in evaluations:
        area = kind = None
        try:
            params = (None if force else validated_head(params_file, vouched)) or load_params(
                params_file
            )
            area, kind = params.area, params.kind
            if params.kind not in notebooks:
                notebooks[params.kind] = notebook_path(params.kind)
            notebook = notebooks[params.kind]
            target = (area_slug(params.area), params.kind)
            if target in claimed:
                raise ParameterError(
                    f"samma område och rapporttyp som {claimed[target].name}", file=params_file
                )
            claimed[target] = Path(params_file)
            if params.data not in fingerprints:
                fingerprints[params.data] = data_fingerprint(params.data, checked.sha256)
            fingerprint = {**fingerprints[params.data], **(hidden or {})}
            paths = report_paths(out, params.area, params.kind)
            manifest = (
                None
                if force
                else is_up_to_date(
                    paths, input_key(Path(params.source_file), notebook, fingerprint), checked
                )
            )
        except EvaluationError as exc:
            if area is None:
                area, kind = _raw_area_kind(Path(params_file))
            results.append(failed_result(str(params_file), exc, area=area, kind=kind))
            continue
        if manifest is not None:
            clear_attempt(paths)  # the report on disk is current: an old failure is moot
            results.append(
                ReportResult(
                    str(params_file),
                    "reused",
                    area,
                    kind,
                    str(paths.html),
                    float(manifest.get("render_seconds", 0.0)),
                )
            )
            continue
        tasks.append(
            RenderTask(
                str(params_file),
                str(out),
                str(cache.resolve()),
                engine,
                timeout,
                fingerprint,
                None,  # the git commit, filled in once it is known that pages are written
                area,
                kind,
            )
        )
        data_of[str(params_file)] = str(params.data)
        expected[tasks[-1].params_file] = _last_render_seconds(
            [paths, *(report_paths(h, params.area, params.kind) for h in reversed(history))]
        )
        if not _cache_current(cache, fingerprints[params.data]):
            prepare.setdefault(str(params.data), (str(params.data), str(cache.resolve()), engine))
    checked.save()
    # Longest first (by the last render's time, here or in the latest earlier term) so a
    # slow report never starts last and leaves the other workers idle. A report never
    # rendered takes its kind's longest known time, or, with none known, goes first (an
    # unknown cost scheduled early cannot become the tail); stable, so a first batch keeps
    # the file's order.
    by_kind: dict[str, float] = {}
    for t in tasks:
        if expected[t.params_file] > 0:
            by_kind[t.kind] = max(by_kind.get(t.kind, 0.0), expected[t.params_file])
    for t in tasks:
        if expected[t.params_file] <= 0:
            expected[t.params_file] = by_kind.get(t.kind, math.inf if by_kind else 0.0)
    tasks.sort(key=lambda t: -expected[t.params_file])
    # One report parses its data in its own preflight: a prepare step would only wait.
    prepare_steps = list(prepare.values()) if len(tasks) > 1 else []
    return results, tasks, prepare_steps, data_of
