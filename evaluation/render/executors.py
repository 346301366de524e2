"""Registry of batch executors: a local process pool, or a Dask distributed cluster.

An executor takes the data folders to prepare and the render tasks, and calls
``on_done`` with each ReportResult as it finishes. Workers keep a warm kernel, so
imports are paid once per worker, not once per report.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool

from evaluation.exceptions import ParameterError
from evaluation.render.single import ReportResult
from evaluation.render.task import RenderTask, failed_result, prepare_task, render_task, warm_worker

Prepare = tuple[str, str | None, str]
OnDone = Callable[[ReportResult], None]


def default_workers() -> int:
    """One worker per available core."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


class LocalExecutor:
    """Worker processes on this machine (spawned, each with its own warm kernel)."""

    def __init__(self, workers: int | None = None, scheduler: str | None = None) -> None:
        if scheduler:
            raise ParameterError("--scheduler needs --executor dask", parameter="scheduler")
        self.workers = workers or default_workers()

    def run(self, prepare: Sequence[Prepare], tasks: Sequence[RenderTask], on_done: OnDone) -> None:
        """Prepare the data folders, then render every task, reporting each result."""
        workers = max(1, min(self.workers, len(tasks)))
        context = multiprocessing.get_context("spawn")
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=warm_worker)
        pending = list(tasks)
        try:
            for future in [pool.submit(prepare_task, *item) for item in prepare]:
                future.exception()
            futures = {pool.submit(render_task, task): task for task in tasks}
            for future in as_completed(futures):
                pending.remove(futures[future])
                on_done(_result(future, futures[future]))
        except BrokenProcessPool as exc:
            for task in pending:
                on_done(failed_result(task.params_file, exc))
        finally:
            _close(pool)


class SerialExecutor:
    """Every task in this process, one after the other, in its warm kernel (tests, debugging)."""

    def __init__(self, workers: int | None = None, scheduler: str | None = None) -> None:
        if scheduler:
            raise ParameterError("--scheduler needs --executor dask", parameter="scheduler")

    def run(self, prepare: Sequence[Prepare], tasks: Sequence[RenderTask], on_done: OnDone) -> None:
        """Prepare the data folders, then render every task in order."""
        for item in prepare:
            prepare_task(*item)
        for task in tasks:
            on_done(render_task(task))


def _close(pool: ProcessPoolExecutor, grace: float = 3.0) -> None:
    """Shut the pool down without waiting for a worker still warming up its kernel."""
    processes = list(getattr(pool, "_processes", {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    deadline = time.monotonic() + grace
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            process.terminate()  # its kernel exits when it sees its parent gone
            process.join(1.0)


class DaskExecutor:
    """Tasks on a Dask distributed cluster: ``scheduler`` address, or a LocalCluster.

    Workers must see the same package, notebooks, data and output folder (a shared
    file system); each worker thread keeps its own warm kernel.
    """

    def __init__(
        self, workers: int | None = None, scheduler: str | None = None, processes: bool = True
    ) -> None:
        self.workers = workers or default_workers()
        self.scheduler = scheduler
        self.processes = processes

    def run(self, prepare: Sequence[Prepare], tasks: Sequence[RenderTask], on_done: OnDone) -> None:
        """Prepare the data folders, then render every task, reporting each result."""
        from distributed import Client, LocalCluster
        from distributed import as_completed as dask_completed

        cluster = None
        if self.scheduler:
            client = Client(self.scheduler)
        else:
            cluster = LocalCluster(
                n_workers=max(1, min(self.workers, len(tasks))),
                threads_per_worker=1,
                processes=self.processes,
                dashboard_address=None,
            )
            client = Client(cluster)
        try:
            client.gather(
                client.map(prepare_task, *zip(*prepare, strict=False), pure=False)
                if prepare
                else [],
                errors="skip",
            )
            futures = client.map(render_task, list(tasks), pure=False, retries=0)
            by_key = {future.key: task for future, task in zip(futures, tasks, strict=False)}
            for future in dask_completed(futures):
                on_done(_result(future, by_key[future.key]))
        finally:
            client.close()
            if cluster is not None:
                cluster.close()


def _result(future, task: RenderTask) -> ReportResult:
    """The future's ReportResult, or a failed row when the worker itself broke."""
    try:
        return future.result()
    except Exception as exc:  # noqa: BLE001 - worker died, cluster lost, task cancelled
        return failed_result(task.params_file, exc)


#: Executor name -> class; add a backend by registering a class with ``run``.
EXECUTORS: dict[str, type] = {
    "local": LocalExecutor,
    "dask": DaskExecutor,
    "serial": SerialExecutor,
}


def get_executor(name: str, workers: int | None = None, scheduler: str | None = None):
    """An executor instance from the registry; ParameterError for an unknown name."""
    try:
        cls = EXECUTORS[name]
    except KeyError:
        raise ParameterError(
            f"unknown executor '{name}' (choose from {', '.join(EXECUTORS)})", parameter="executor"
        ) from None
    return cls(workers=workers, scheduler=scheduler)
