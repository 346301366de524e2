"""A Jupyter kernel kept warm and reused across notebooks within one process or thread.

Starting a kernel and importing pandas, matplotlib and the package costs seconds;
a worker pays it once and resets the kernel between reports
(see ``kernel_setup.reset``).
"""

from __future__ import annotations

import ast
import atexit
import json
import os
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

import nbformat
from jupyter_core.utils import run_sync
from nbclient import NotebookClient

_SETUP = "evaluation.render.kernel_setup"
_local = threading.local()
_all: list[WarmKernel] = []
_lock = threading.Lock()
#: Called with the new kernel's process id whenever this process starts a kernel
#: (a batch worker tells its parent, which stops the kernel if the worker dies).
on_kernel_start = None


def _imports_of(source: str) -> set[str]:
    """Module names imported by one code cell (magics and shell lines skipped)."""
    code = "\n".join(
        line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))
    )
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set()
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


def warm_modules() -> tuple[str, ...]:
    """Modules to import at kernel start: the set-up's own plus every report notebook's imports."""
    from evaluation.exceptions import EvaluationError
    from evaluation.metadata.kinds import notebook_path, report_kinds
    from evaluation.render.kernel_setup import WARM_MODULES

    found = set(WARM_MODULES)
    for key in report_kinds():
        try:
            nb = json.loads(notebook_path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError, EvaluationError):
            continue
        for cell in nb.get("cells", []):
            if cell.get("cell_type") == "code":
                source = cell.get("source", "")
                found |= _imports_of(source if isinstance(source, str) else "".join(source))
    return tuple(sorted(found))


def ensure_async_callable(func):
    """Wrap a sync-or-async callable as a coroutine function."""

    async def call():
        result = func()
        return await result if hasattr(result, "__await__") else result

    return call


class WarmKernel:
    """One running kernel with its client, started with the package's warm-up imports."""

    def __init__(
        self,
        kernel_name: str = "python3",
        cwd: str | Path | None = None,
        startup_timeout: int = 120,
        modules: tuple[str, ...] | None = None,
    ) -> None:
        self.kernel_name = kernel_name
        self._client = NotebookClient(
            nbformat.v4.new_notebook(),
            kernel_name=kernel_name,
            startup_timeout=startup_timeout,
            shutdown_kernel="immediate",
        )
        self._client.km = self._client.create_kernel_manager()
        self._sockets = tempfile.mkdtemp(prefix="evaluation-kernel-")
        self._client.km.transport = "ipc"  # local sockets: faster, and not reachable over TCP
        self._client.km.ip = os.path.join(self._sockets, "kernel")
        quiet = (
            {}
            if os.environ.get("EVALUATION_KERNEL_LOG")
            else {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        )
        self._client.start_new_kernel(cwd=str(cwd) if cwd else None, **quiet)
        self._client.start_new_kernel_client()
        if on_kernel_start is not None and self.pid is not None:
            on_kernel_start(self.pid)
        self.reports = 0
        modules = warm_modules() if modules is None else modules
        # Sent now, waited for at the first use (``run``): the kernel imports while the
        # caller goes on (a worker checks its first report's data meanwhile).
        self._warming: str | None = self.kc.execute(
            f"__import__({_SETUP!r}, fromlist=['_']).warm_up({tuple(modules)!r})",
            silent=True,
            store_history=False,
            allow_stdin=False,
        )

    @property
    def pid(self) -> int | None:
        """The kernel's process id, when it runs as a local process."""
        try:
            pid = self._client.km.provisioner.pid
        except AttributeError:
            return None
        return pid if isinstance(pid, int) else None

    @property
    def km(self):
        """The kernel manager."""
        return self._client.km

    @property
    def kc(self):
        """The kernel client."""
        return self._client.kc

    def is_alive(self) -> bool:
        """True while the kernel process runs."""
        try:
            km = self._client.km
            return bool(km.has_kernel and run_sync(ensure_async_callable(km.is_alive))())
        except Exception:  # noqa: BLE001
            return False

    def wait_warm(self, timeout: float = 300) -> None:
        """Wait until the warm-up imports sent at start have finished."""
        if self._warming is not None:
            msg_id, self._warming = self._warming, None
            self._client.timeout = int(timeout)
            self._client.wait_for_reply(msg_id)

    def run(self, code: str, timeout: float = 300) -> dict:
        """Execute ``code`` silently and return the reply's content."""
        self.wait_warm(timeout)
        msg_id = self.kc.execute(code, silent=True, store_history=False, allow_stdin=False)
        self._client.timeout = int(timeout)
        reply = self._client.wait_for_reply(msg_id)
        return reply["content"] if reply else {}

    def reset(self, cwd: str | Path) -> None:
        """Clear state left by the previous notebook and set the working directory."""
        content = self.run(f"__import__({_SETUP!r}, fromlist=['_']).reset({str(cwd)!r})")
        if content.get("status") != "ok":
            raise RuntimeError(f"kernel reset failed: {content.get('evalue')}")

    def shutdown(self) -> None:
        """Stop the client channels and the kernel."""
        try:
            self._client._cleanup_kernel()
        except Exception:  # noqa: BLE001 - shutting down at exit is best effort
            pass
        shutil.rmtree(self._sockets, ignore_errors=True)


def warm_kernel(kernel_name: str = "python3", cwd: str | Path | None = None) -> WarmKernel:
    """The calling thread's warm kernel, (re)started when absent or dead."""
    kernel = getattr(_local, "kernel", None)
    if kernel is not None and (kernel.kernel_name != kernel_name or not kernel.is_alive()):
        discard_warm_kernel()
        kernel = None
    if kernel is None:
        kernel = WarmKernel(kernel_name, cwd=cwd)
        _local.kernel = kernel
        with _lock:
            _all.append(kernel)
    return kernel


def discard_warm_kernel() -> None:
    """Shut down the calling thread's warm kernel (after a crash or timeout)."""
    kernel = getattr(_local, "kernel", None)
    _local.kernel = None
    if kernel is not None:
        kernel.shutdown()
        with _lock:
            if kernel in _all:
                _all.remove(kernel)


def kernel_pids() -> list[int]:
    """Process ids of the kernels this process runs."""
    with _lock:
        return [k.pid for k in _all if k.pid is not None]


@atexit.register
def shutdown_all() -> None:
    """Stop every warm kernel this process started."""
    with _lock:
        kernels = list(_all)
        _all.clear()
    for kernel in kernels:
        kernel.shutdown()
