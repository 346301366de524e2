"""Registry of batch executors: a local process pool, or a Dask distributed cluster.

An executor takes the data folders to prepare and the render tasks, and calls
``on_done`` with each ReportResult as it finishes. Workers keep a warm kernel, so
imports are paid once per worker, not once per report.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Sequence

from evaluation.exceptions import ParameterError
from evaluation.render.single import ReportResult
from evaluation.render.task import (
    RenderTask,
    failed_result,
    preload_renderer,
    prepare_task,
    render_task,
    warm_worker,
)

Prepare = tuple[str, str | None, str]
OnDone = Callable[[ReportResult], None]


def default_workers() -> int:
    """One worker per available core."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


#: Seconds a worker may run past the report's own time limit (kernel start, export,
#: scan) before it is stopped from outside, kernel and all.
HARD_TIMEOUT_GRACE = 120.0


class WorkerLost(Exception):
    """A worker process died, hung past its time limit, or was stopped."""


class _Worker:
    """One worker: its process, its end of the pipe, the task it holds, its kernels."""

    def __init__(self, context) -> None:
        self.conn, child = context.Pipe(duplex=True)
        self.process = context.Process(target=_worker_main, args=(child,), daemon=True)
        self.process.start()
        child.close()
        self.task: RenderTask | tuple | None = None
        self.started = 0.0
        self.kernels: dict[int, str] = {}  # process id -> socket folder

    def send(self, item) -> None:
        self.task, self.started = item, time.monotonic()
        self.conn.send(item)

    def kill(self) -> None:
        """Stop the worker, its process group and every kernel it started (SIGKILL)."""
        _kill_tree(self.process.pid, self.kernels)
        self.process.join(2.0)
        self.conn.close()


def _kill_tree(pid: int | None, kernels: dict[int, str]) -> None:
    """Kill a worker and its kernels; a killed kernel cannot remove its socket folder."""
    from evaluation.render.kernel import kill_group
    from evaluation.render.kernel_setup import remove_sockets

    for kernel, sockets in kernels.items():  # own sessions: not in the worker's group
        kill_group(kernel)
        remove_sockets(sockets)
    if pid:
        kill_group(pid)  # the worker leads its own process group


def _worker_main(conn) -> None:
    """Worker loop: warm a kernel, then run what the parent sends until it sends None.

    The worker leads its own process group, so a Ctrl-C in the terminal reaches only
    the batch process, which stops the workers and their kernels itself. A watchdog
    thread stops the worker and its kernels when the batch process is gone.
    """
    import signal
    import threading

    os.setpgid(0, 0)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a forked worker inherits the batch's handler
    parent = os.getppid()
    lock = threading.Lock()

    def tell(message) -> None:
        with lock:
            try:
                conn.send(message)
            except OSError:
                pass

    from evaluation.render import kernel as kernel_module

    kernel_module.on_kernel_start = lambda pid, sockets: tell(("kernel", (pid, sockets)))

    def watchdog() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                _kill_tree(None, kernel_module.running_kernels())
                os._exit(1)

    threading.Thread(target=watchdog, daemon=True).start()
    warm_worker()
    while True:
        try:
            item = conn.recv()
        except (EOFError, OSError):
            break
        if item is None:
            break
        if isinstance(item, RenderTask):
            tell(("done", render_task(item)))
        else:
            tell(("done", prepare_task(*item)))
    kernel_module.shutdown_all()


def start_method() -> str:
    """How a worker is started: 'fork' on Linux while this process runs one thread, else 'spawn'.

    A forked worker begins with what this process has imported; a spawned one imports
    it all again (~1 CPU-s per worker). Forking is safe only while no other thread
    could hold a lock the child would inherit held, so threads are counted by the
    operating system (a native library's threads count too); macOS's system
    libraries are not fork-safe at all.
    """
    if sys.platform != "linux":
        return "spawn"
    try:
        return "fork" if len(os.listdir("/proc/self/task")) == 1 else "spawn"
    except OSError:
        return "spawn"


class LocalExecutor:
    """Worker processes on this machine (forked or spawned, each with its own warm kernel).

    A small pool written here rather than ``ProcessPoolExecutor``: that pool cannot
    tell which task a dead worker held (every pending future breaks), cannot stop a
    hung worker, and leaves kernels orphaned when it is torn down. Here each worker
    holds one task at a time; a worker that dies or outlives the time limit fails
    only that task and is replaced.
    """

    def __init__(
        self,
        workers: int | None = None,
        scheduler: str | None = None,
        timeout: float | None = None,
    ) -> None:
        if scheduler:
            raise ParameterError("--scheduler kräver --executor dask", parameter="scheduler")
        self.workers = workers or default_workers()
        self.timeout = timeout
        self._started: list[_Worker] = []

    def start(self, tasks: int) -> None:
        """Start the workers for ``tasks`` reports now; call before this process starts a thread.

        With one thread the render stack is imported here once and the workers are
        forked with it (``start_method``); they launch their kernels at once.
        """
        if start_method() == "fork":
            preload_renderer(fork_safe=True)
        context = multiprocessing.get_context(start_method())  # asked again: after the imports
        gc.freeze()  # a forked worker's collector then leaves the inherited objects alone
        try:
            for _ in range(self._pool_size(tasks) - len(self._started)):
                self._started.append(_Worker(context))
        finally:
            gc.unfreeze()

    def _pool_size(self, tasks: int) -> int:
        """Workers for ``tasks`` reports: no more than there are reports, at least one."""
        return max(1, min(self.workers, tasks))

    def close(self) -> None:
        """Stop the workers that were started but not used; each stops its own kernel."""
        started, self._started = self._started, []
        for worker in started:
            try:
                worker.conn.send(None)
            except OSError:
                pass
        deadline = time.monotonic() + 3.0
        for worker in started:
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.is_alive():  # still warming up: kill it and the kernel it named
                self._collect(worker, lambda result: None)
                worker.kill()

    def run(self, prepare: Sequence[Prepare], tasks: Sequence[RenderTask], on_done: OnDone) -> None:
        """Prepare the data folders, then render every task, reporting each result."""
        from multiprocessing.connection import wait

        from evaluation.render.task import lost_result

        n = self._pool_size(len(tasks))
        queue: list = [tuple(item) for item in prepare] + list(tasks)
        pool, self._started = self._started[:n], self._started[n:]
        try:
            self.close()  # workers started for more tasks than came
            while queue or any(w.task is not None for w in pool):
                while len(pool) < n and (queue or not pool):
                    pool.append(_Worker(multiprocessing.get_context(start_method())))
                for worker in pool:
                    preparing = any(isinstance(w.task, tuple) for w in pool)
                    if worker.task is None and queue:
                        if isinstance(queue[0], RenderTask) and preparing:
                            break  # renders start once the data folders are parsed
                        worker.send(queue.pop(0))
                busy = [w for w in pool if w.task is not None]
                wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout=1.0)
                for worker in list(pool):
                    lost = self._collect(worker, on_done)
                    if lost is None:
                        continue
                    task = worker.task
                    worker.kill()
                    pool.remove(worker)
                    if isinstance(task, RenderTask):
                        on_done(lost_result(task, lost))
        finally:
            for worker in pool:
                try:
                    worker.conn.send(None) if worker.task is None else None
                except OSError:
                    pass
            deadline = time.monotonic() + 3.0
            for worker in pool:
                if worker.task is None:
                    worker.process.join(max(0.0, deadline - time.monotonic()))
                if worker.process.is_alive() or worker.task is not None:
                    worker.kill()  # interrupted: stop it and its kernels, now

    def _collect(self, worker: _Worker, on_done: OnDone) -> str | None:
        """Read the worker's messages; the reason when it is lost (dead or past its time)."""
        try:
            while worker.conn.poll():
                kind, payload = worker.conn.recv()
                if kind == "kernel":
                    pid, sockets = payload
                    worker.kernels[pid] = sockets
                elif kind == "done":
                    task, worker.task = worker.task, None
                    if isinstance(task, RenderTask):
                        on_done(payload)
        except (EOFError, OSError):
            pass
        if worker.task is None:
            return None if worker.process.is_alive() else "arbetsprocessen stannade"
        if not worker.process.is_alive():
            code = worker.process.exitcode
            return f"arbetsprocessen dog (slutkod {code}) medan rapporten skapades"
        limit = (self.timeout or 0) + HARD_TIMEOUT_GRACE if self.timeout else None
        if limit and isinstance(worker.task, RenderTask):
            if time.monotonic() - worker.started > limit:
                return f"stoppad efter {limit:.0f} s: rapporten blev inte klar i tid"
        return None


class SerialExecutor:
    """Every task in this process, one after the other, in its warm kernel (tests, debugging)."""

    def __init__(
        self,
        workers: int | None = None,
        scheduler: str | None = None,
        timeout: float | None = None,
    ) -> None:
        if scheduler:
            raise ParameterError("--scheduler kräver --executor dask", parameter="scheduler")

    def run(self, prepare: Sequence[Prepare], tasks: Sequence[RenderTask], on_done: OnDone) -> None:
        """Prepare the data folders, then render every task in order."""
        if any(t.engine == "evaluation-warm" for t in tasks):
            from evaluation.render.kernel import warm_kernel

            warm_kernel()  # a new one imports while the first report's data is checked here
        for item in prepare:
            prepare_task(*item)
        for task in tasks:
            on_done(render_task(task))


class DaskExecutor:
    """Tasks on a Dask distributed cluster: ``scheduler`` address, or a LocalCluster.

    Workers must see the same package, notebooks, data and output folder (a shared
    file system); each worker thread keeps its own warm kernel. With a ``timeout`` each
    report also has a hard limit (``timeout + grace``): on the worker, a timer kills the
    report's kernel when it is reached, so the report fails alone and the worker goes on;
    the batch process stops waiting for a report whose worker does not answer even then.
    """

    def __init__(
        self,
        workers: int | None = None,
        scheduler: str | None = None,
        processes: bool = True,
        timeout: float | None = None,
    ) -> None:
        self.workers = workers or default_workers()
        self.scheduler = scheduler
        self.processes = processes
        self.timeout = timeout
        self.grace = HARD_TIMEOUT_GRACE  # seconds past ``timeout`` before the kernel is killed

    @property
    def hard_limit(self) -> float | None:
        """Seconds a report may run on a worker before its kernel is killed (None: no limit)."""
        return self.timeout + self.grace if self.timeout else None

    def run(self, prepare: Sequence[Prepare], tasks: Sequence[RenderTask], on_done: OnDone) -> None:
        """Prepare the data folders, then render every task, reporting each result."""
        from distributed import Client, LocalCluster

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
            self._render(client, list(tasks), on_done)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()

    def _render(self, client, tasks: list[RenderTask], on_done: OnDone) -> None:
        """Submit at most one task per worker thread, so a task's clock starts when it runs.

        The batch process gives up on a task ``WAIT_PAST_LIMIT`` seconds after its hard
        limit (its worker is stuck outside the kernel): the row says so and the future
        is cancelled.
        """
        from distributed import wait as dask_wait

        from evaluation.render.task import lost_result

        limit = self.hard_limit
        slots = max(1, sum(client.nthreads().values()) or 1)
        queue = list(tasks)
        running: dict = {}  # future -> (task, submitted at)
        while queue or running:
            while queue and len(running) < slots:
                task = queue.pop(0)
                future = client.submit(_render_within, task, limit, pure=False, retries=0)
                running[future] = (task, time.monotonic())
            try:
                done = dask_wait(list(running), timeout=1.0, return_when="FIRST_COMPLETED").done
            except TimeoutError:  # nothing finished within the second
                done = set()
            for future in done:
                task, _ = running.pop(future)
                on_done(_result(future, task))
            if limit is None:
                continue
            for future, (task, since) in list(running.items()):
                if time.monotonic() - since > limit + WAIT_PAST_LIMIT:
                    running.pop(future)
                    future.cancel()
                    hung = f"stoppad efter {limit:.0f} s: arbetsprocessen hängde sig"
                    on_done(lost_result(task, hung))


#: Seconds the batch process waits past a report's hard limit for its Dask worker.
WAIT_PAST_LIMIT = 120.0


def _render_within(task: RenderTask, limit: float | None) -> ReportResult:
    """``render_task`` on a Dask worker, with the report's kernel killed at ``limit`` seconds.

    Killing the kernel ends a cell that ignores the cell time limit; the render then fails,
    the next report gets a fresh kernel, and the row says the report ran out of time.
    """
    if not limit:
        return render_task(task)
    import threading

    from evaluation.render import kernel as kernel_module
    from evaluation.render.task import lost_result

    try:
        own = {kernel_module.warm_kernel().pid}  # the kernel this thread's reports use
    except Exception:  # noqa: BLE001 - the render starts one itself and reports failures
        own = set()
    before = set(kernel_module.running_kernels())
    fired, finished = threading.Event(), threading.Event()

    def stop() -> None:
        if finished.wait(limit):
            return
        fired.set()
        # Until the render gives up, kill its kernel and any it starts in its place
        # (a kernel killed before the notebook ran is simply replaced by the engine).
        while not finished.is_set():
            running = kernel_module.running_kernels()
            doomed = {pid for pid in own | (set(running) - before) if pid}
            _kill_tree(None, {pid: running.get(pid, "") for pid in doomed})
            finished.wait(1.0)

    threading.Thread(target=stop, daemon=True, name="hard-timeout").start()
    try:
        result = render_task(task)
    finally:
        finished.set()
    if fired.is_set():
        return lost_result(task, f"stoppad efter {limit:.0f} s: rapporten blev inte klar i tid")
    return result


def _result(future, task: RenderTask) -> ReportResult:
    """The future's ReportResult, or a failed row when the worker itself broke."""
    try:
        return future.result()
    except Exception as exc:  # noqa: BLE001 - worker died, cluster lost, task cancelled
        from evaluation.render.task import with_last_good

        result = failed_result(task.params_file, exc, area=task.area, kind=task.kind)
        return with_last_good(result, task.output_dir)


#: Executor name -> class; add a backend by registering a class with ``run``.
EXECUTORS: dict[str, type] = {
    "local": LocalExecutor,
    "dask": DaskExecutor,
    "serial": SerialExecutor,
}


def get_executor(
    name: str,
    workers: int | None = None,
    scheduler: str | None = None,
    timeout: float | None = None,
):
    """An executor instance from the registry; ParameterError for an unknown name."""
    try:
        cls = EXECUTORS[name]
    except KeyError:
        raise ParameterError(
            f"okänd executor '{name}' (välj bland {', '.join(EXECUTORS)})", parameter="executor"
        ) from None
    return cls(workers=workers, scheduler=scheduler, timeout=timeout)
