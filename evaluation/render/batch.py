"""Run every evaluation of a batch: incremental, in parallel, with an index page."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from evaluation.exceptions import EvaluationError, ParameterError
from evaluation.load.fingerprint import data_fingerprint
from evaluation.metadata.kinds import notebook_path
from evaluation.params import load_batch, load_params
from evaluation.render.executors import get_executor
from evaluation.render.manifest import input_key, is_up_to_date, read_manifest
from evaluation.render.paths import area_slug, remove_stale_temp_files, report_paths
from evaluation.render.progress import BatchProgress
from evaluation.render.single import WARM_ENGINE, ReportResult
from evaluation.render.task import RenderTask, failed_result

CACHE_FOLDER = ".cache"


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
    engine, timeout : passed to ``render_report`` in the workers.

    Returns
    -------
    BatchResult; failed evaluations are rows in it (and in the index), never exceptions.
    Only an unreadable batch file or an unknown executor raises (ParameterError).
    """
    started = time.perf_counter()
    batch = load_batch(batch_path)
    runner = get_executor(executor, workers=workers, scheduler=scheduler)
    out = Path(output_root) / batch.batch
    cache = out / CACHE_FOLDER
    out.mkdir(parents=True, exist_ok=True)
    for folder in [out, *[p for p in out.iterdir() if p.is_dir()]]:
        remove_stale_temp_files(folder)

    from evaluation.render.provenance import git_commit

    commit = git_commit()
    # R0: figures hidden by earlier terms (sibling batch folders) stay hidden in this one
    from evaluation.privacy.publication import hidden_digest, seed_hidden

    history = _history(out)
    seed_hidden(out, history)
    results, tasks, prepare = _plan(
        batch.evaluations, out, cache, force, engine, timeout, commit, hidden_digest(out)
    )
    with BatchProgress(len(results) + len(tasks), enabled=progress) as bar:
        for result in results:
            bar.add(result)
        if tasks:

            def done(result: ReportResult) -> None:
                results.append(result)
                bar.add(result)

            runner.run(prepare, tasks, done)
    audit = _audit_publication(
        out, history, results, runner, prepare, (cache, engine, timeout, commit)
    )
    if not audit.ok:
        results.append(
            ReportResult(
                "sekretessgranskning",
                "failed",
                "hela publiceringen",
                "publication_audit",
                None,
                audit.seconds,
                audit.summary(),
                "PrivacyError",
            )
        )
    from evaluation.render.index import write_index

    seconds = time.perf_counter() - started
    index = write_index(
        out / "index.html", batch.title or f"Rapporter: {batch.batch}", results, seconds
    )
    summary = (
        f"{audit.summary()} Granskning {audit.audit_seconds:.1f} s, "
        f"{audit.rounds} omtag ({audit.seconds:.1f} s med omrenderingar)."
    )
    return BatchResult(batch.batch, index, results, seconds, summary)


def _history(out: Path) -> list[Path]:
    """Earlier batches beside this one (their ledgers are the publication's history)."""
    from evaluation.privacy.publication_audit import find_ledgers

    return sorted(p for p in out.parent.iterdir() if p.is_dir() and p != out and find_ledgers(p))


def _audit_publication(out, history, results, runner, prepare, how):
    """Joint audit of the whole batch (R0); repair by hiding more and re-rendering.

    Returns the last audit; a failed one becomes a failed row in the index.
    """
    from evaluation.privacy.publication import settle

    cache, engine, timeout, commit = how
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
                RenderTask(r.params_file, str(out), cache_dir, engine, timeout, fingerprint, commit)
            )

        def done(result: ReportResult) -> None:
            for i, old in enumerate(results):
                if old.params_file == result.params_file:
                    results[i] = result
            if result.html:
                by_html[str(Path(result.html).resolve())] = result

        if tasks:
            runner.run(prepare, tasks, done)

    return settle(out, history, rerender)


def _raw_area_kind(path: Path) -> tuple[str | None, str | None]:
    """Area and kind as written in a parameters file that failed validation, if readable."""
    import yaml

    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return None, None
    if not isinstance(raw, dict):
        return None, None
    area, kind = raw.get("area"), raw.get("kind")
    return (area if isinstance(area, str) else None, kind if isinstance(kind, str) else None)


def _plan(
    evaluations,
    out: Path,
    cache: Path,
    force: bool,
    engine: str,
    timeout: float | None,
    commit: str | None,
    hidden: dict[str, str] | None = None,
):
    """Split evaluations into finished rows (re-used or unloadable) and tasks to render."""
    results: list[ReportResult] = []
    tasks: list[RenderTask] = []
    prepare: dict[str, tuple[str, str, str]] = {}
    fingerprints: dict[Path, dict[str, str]] = {}
    claimed: dict[tuple[str, str], Path] = {}
    expected: dict[str, float] = {}
    for params_file in evaluations:
        area = kind = None
        try:
            params = load_params(params_file)
            area, kind = params.area, params.kind
            notebook = notebook_path(params.kind)
            target = (area_slug(params.area), params.kind)
            if target in claimed:
                raise ParameterError(
                    f"the same area and report kind as {claimed[target].name}", file=params_file
                )
            claimed[target] = Path(params_file)
            if params.data not in fingerprints:
                fingerprints[params.data] = data_fingerprint(params.data)
            fingerprint = {**fingerprints[params.data], **(hidden or {})}
            paths = report_paths(out, params.area, params.kind)
            manifest = (
                None
                if force
                else is_up_to_date(
                    paths, input_key(Path(params.source_file), notebook, fingerprint)
                )
            )
        except EvaluationError as exc:
            if area is None:
                area, kind = _raw_area_kind(Path(params_file))
            results.append(failed_result(str(params_file), exc, area=area, kind=kind))
            continue
        if manifest is not None:
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
                commit,
            )
        )
        expected[tasks[-1].params_file] = float(
            (read_manifest(paths) or {}).get("render_seconds", 0.0)
        )
        prepare.setdefault(str(params.data), (str(params.data), str(cache.resolve()), engine))
    # Longest first (by the last render's time) so a slow report never starts last and
    # leaves the other workers idle; stable, so a first batch keeps the file's order.
    tasks.sort(key=lambda t: -expected[t.params_file])
    return results, tasks, list(prepare.values())
