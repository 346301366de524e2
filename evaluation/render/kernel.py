"""A Jupyter kernel kept warm and reused across notebooks, and for a while across commands.

Starting a kernel and importing pandas, matplotlib and the package costs seconds;
a worker pays it once and resets the kernel between reports
(see ``kernel_setup.reset``). When a command ends, one of its kernels is kept, reset
and idle, for ``$EVALUATION_KEEP_KERNEL`` seconds (default 600; 0 keeps none): the
next command on the same code, environment and data cache adopts it instead of
starting one, so a one-report update skips the start-up and the imports.
"""

from __future__ import annotations

import ast
import atexit
import hashlib
import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import nbformat
from jupyter_core.utils import run_sync
from nbclient import NotebookClient

from evaluation.render.kernel_setup import remove_sockets

_SETUP = "evaluation.render.kernel_setup"
_local = threading.local()
_all: list[WarmKernel] = []
_lock = threading.Lock()
#: Called with the new kernel's process id and socket folder whenever this process starts
#: or adopts a kernel (a batch worker tells its parent, which stops the kernel and removes
#: the folder if the worker dies).
on_kernel_start = None

KEEP_ENV = "EVALUATION_KEEP_KERNEL"
#: Seconds one idle kernel outlives a command when ``$EVALUATION_KEEP_KERNEL`` is unset.
KEEP_SECONDS = 600.0
#: A kept kernel this close to its exit is left to exit rather than adopted.
ADOPT_MARGIN = 5.0
#: Environment variables that shape what a kernel computes: a kept one must share them.
_ENV_SHAPING = (
    "EVALUATION_",
    "PYTHON",
    "MPL",
    "JUPYTER",
    "IPYTHON",
    "LANG",
    "LC_",
    "TZ",
    "SOURCE_DATE_EPOCH",
    "OMP_",
    "OPENBLAS_",
    "MKL_",
    "PATH",
    "VIRTUAL_ENV",
    "HOME",
)


def keep_seconds() -> float:
    """Seconds to keep one warm kernel after this process ends (``$EVALUATION_KEEP_KERNEL``)."""
    raw = os.environ.get(KEEP_ENV, "").strip()
    if not raw:
        return KEEP_SECONDS
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value >= 0):
        from evaluation.exceptions import ParameterError

        raise ParameterError(
            f"ska vara ett antal sekunder (0: ingen kärna sparas), fick {raw!r}",
            parameter=KEEP_ENV,
        )
    return value


def kept_record_path() -> Path:
    """Where a kept kernel's record lives: the private data cache (its key opens the kernel)."""
    from evaluation.load.cachedir import default_cache_dir

    return default_cache_dir() / "kept-kernel.json"


def _fingerprint(kernel_name: str) -> str:
    """What a kernel's results depend on besides its inputs: code, installation, environment.

    Taken before a kernel starts, so a change after it imported its code makes the
    next command's fingerprint differ and that kernel is never adopted.
    """
    import sysconfig

    from evaluation.render.provenance import package_source_hash

    purelib = sysconfig.get_paths()["purelib"]
    try:
        installed = os.stat(purelib).st_mtime_ns  # changes when a distribution is (un)installed
    except OSError:
        installed = 0
    env = sorted(
        (k, v) for k, v in os.environ.items() if k.startswith(_ENV_SHAPING) and k != KEEP_ENV
    )
    parts = [package_source_hash(), sys.executable, sys.prefix, purelib, installed, kernel_name]
    return hashlib.sha256(json.dumps([*parts, env]).encode()).hexdigest()


def _is_kernel_process(pid: int) -> bool:
    """Whether ``pid`` runs an IPython kernel (so a recycled pid is never stopped)."""
    import psutil

    try:
        return any("ipykernel" in part for part in psutil.Process(pid).cmdline())
    except psutil.Error:
        return False


def kill_group(pid: int) -> None:
    """Stop process ``pid`` and, where it leads one, its process group (SIGKILL; any platform).

    Kernels lead their own session and batch workers their own group, so their children go too.
    """
    import psutil

    if hasattr(os, "killpg"):
        try:
            os.killpg(pid, signal.SIGKILL)
            return
        except OSError:
            pass
    try:
        psutil.Process(pid).kill()
    except psutil.Error:
        pass


#: Longest socket path every POSIX system takes (``sun_path``: 108 bytes on Linux, 104 on macOS).
SOCKET_PATH_MAX = 100


def _transport(sockets: str) -> tuple[str, str]:
    """The kernel's transport and address: local sockets where the system takes the path.

    Local sockets in the kernel's own folder are faster and not reachable over the
    network; elsewhere (Windows, a long TMPDIR) TCP on this machine only.
    """
    ip = os.path.join(sockets, "kernel")
    if os.name == "posix" and len(os.fsencode(ip)) + len("-65535") <= SOCKET_PATH_MAX:
        return "ipc", ip
    return "tcp", "127.0.0.1"


class _AdoptedProcess:
    """What jupyter_client needs of ``subprocess.Popen`` for a kernel another process started."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        from evaluation.render.kernel_setup import process_alive

        if self.returncode is None and not process_alive(self.pid):
            self.returncode = 0
        return self.returncode

    def wait(self, timeout: float | None = None) -> int | None:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout or 0)
            time.sleep(0.05)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        if self.poll() is None:
            kill_group(self.pid)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


def _claim_kept() -> dict | None:
    """Take the kept kernel's record, if any: renamed first, so one command alone gets it."""
    path = kept_record_path()
    claim = path.with_name(f".{path.name}.{os.getpid()}-{threading.get_ident()}")
    try:
        os.rename(path, claim)
    except OSError:
        return None
    try:
        record = json.loads(claim.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    finally:
        try:
            claim.unlink(missing_ok=True)
        except OSError:  # not a file: leave it
            pass
    return record if isinstance(record, dict) else None


def _put_record(path: Path, record: dict) -> bool:
    """Write a kept kernel's record (mode 0600) unless a live kernel is on record already."""
    from evaluation.render.kernel_setup import process_alive

    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".kept-kernel-")  # mode 0600
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(record, fh)
    try:
        os.link(tmp, path)  # fails when a record exists: of two keepers, one wins
        os.unlink(tmp)
        return True
    except FileExistsError:
        try:
            current = json.loads(path.read_text(encoding="utf-8"))
            live = process_alive(current.get("pid")) and float(current["until"]) > time.time()
        except (OSError, ValueError, AttributeError, TypeError, KeyError):
            live = False
        if live:
            os.unlink(tmp)
            return False
    except OSError:  # no hard links here: replace, last keeper wins
        pass
    os.replace(tmp, path)
    return True


def _stop_kept(record: dict) -> None:
    """Stop a kept kernel that is not adopted (another code or environment, or expiring)."""
    pid, sockets = record.get("pid"), record.get("sockets")
    if isinstance(pid, int) and pid > 1 and _is_kernel_process(pid):
        kill_group(pid)
    remove_sockets(sockets if isinstance(sockets, str) else None)


def _imports_of(source: str) -> set[str]:
    """Module names imported by one code cell (magics and shell lines skipped).

    ``from package import name`` gives the package and ``package.name``, which may be
    a submodule (``from evaluation.reports import area_analysis``) or may not exist
    (then ``warm_up`` cannot import it, and leaves it).
    """
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
            found.update(f"{node.module}.{alias.name}" for alias in node.names if alias.name != "*")
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


async def _until_connected(kc, timeout: float) -> None:
    """Wait until a kept kernel answers on the shell channel and its IOPub reaches us.

    jupyter_client's ``wait_for_ready`` makes the same checks (a reply, a live process, a
    message on IOPub) and then always waits 0.2 s more for a quiet IOPub channel, to
    throw away messages nobody asked for; the notebook client ignores messages of other
    requests anyway, so an adopted kernel skips that wait (written here because
    jupyter_client has no option for it).
    """
    from queue import Empty

    deadline = time.monotonic() + timeout
    while True:
        kc.kernel_info()
        try:
            reply = await kc.shell_channel.get_msg(timeout=1)
        except Empty:
            reply = None
        if reply is not None and reply["msg_type"] == "kernel_info_reply":
            try:  # the request's busy status: proof that IOPub is subscribed
                await kc.iopub_channel.get_msg(timeout=0.2)
            except Empty:
                pass
            else:
                return
        if not await kc.is_alive():  # stopped since it was claimed: start one, do not wait
            raise RuntimeError("the kept kernel stopped before it answered")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the kept kernel did not answer in {timeout:.0f} s")


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
        self.fingerprint = _fingerprint(kernel_name)
        self.adopted = False  # True: kept by an earlier command (``adopt``)
        # The kernel outlives its starter only when kept (``keep``): until then it watches
        # this process from its first line, in place of ipykernel's parent poller.
        self._sockets = tempfile.mkdtemp(prefix="evaluation-kernel-")
        setup = f"__import__({_SETUP!r}, fromlist=['_'])"
        watch = f"{setup}.watch_owner({os.getpid()}, {self._sockets!r})"
        self._client = NotebookClient(
            nbformat.v4.new_notebook(),
            kernel_name=kernel_name,
            startup_timeout=startup_timeout,
            shutdown_kernel="immediate",
            extra_arguments=[f"--IPKernelApp.exec_lines={watch}"],
        )
        self._client.km = self._client.create_kernel_manager()
        self._client.km.transport, self._client.km.ip = _transport(self._sockets)
        quiet = (
            {}
            if os.environ.get("EVALUATION_KERNEL_LOG")
            else {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        )
        env = {k: v for k, v in os.environ.items() if k != "JPY_PARENT_PID"}
        try:
            self._client.start_new_kernel(
                cwd=str(cwd) if cwd else None, independent=True, env=env, **quiet
            )
            self._client.start_new_kernel_client()
        except BaseException:
            self.shutdown()  # a kernel that did not start leaves no process and no folder
            raise
        if on_kernel_start is not None and self.pid is not None:
            on_kernel_start(self.pid, self._sockets)
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

    @classmethod
    def adopt(cls, kernel_name: str = "python3", timeout: int = 10) -> WarmKernel | None:
        """The kernel an earlier command kept (``keep``), now watching this process; or None.

        Adopted only when it runs the same code in the same installation and environment
        (``_fingerprint``) and is not about to exit; otherwise it is stopped.
        """
        from evaluation.render.kernel_setup import process_alive

        record = _claim_kept()
        if record is None:
            return None
        pid = record.get("pid")
        usable = (
            isinstance(pid, int)
            and record.get("kernel_name") == kernel_name
            and record.get("fingerprint") == _fingerprint(kernel_name)
            and float(record.get("until", 0)) - time.time() > ADOPT_MARGIN
            and isinstance(record.get("connection"), dict)
            and isinstance(record.get("sockets"), str)
            and process_alive(pid)
            and _is_kernel_process(pid)
        )
        if not usable:
            _stop_kept(record)
            return None
        from jupyter_client.provisioning import LocalProvisioner

        self = cls.__new__(cls)
        self.kernel_name = kernel_name
        self.adopted = True
        self.fingerprint = record["fingerprint"]
        self.reports = int(record.get("reports", 0))
        self._warming = None
        self._sockets = record["sockets"]
        self._client = NotebookClient(
            nbformat.v4.new_notebook(),
            kernel_name=kernel_name,
            startup_timeout=timeout,
            shutdown_kernel="immediate",
        )
        km = self._client.km = self._client.create_kernel_manager()
        km.load_connection_info(record["connection"])
        provisioner = LocalProvisioner(kernel_id=km.kernel_id or "", kernel_spec=None, parent=km)
        provisioner.process = _AdoptedProcess(pid)
        provisioner.pid = provisioner.pgid = pid
        km.provisioner = provisioner
        try:
            self._client.kc = km.client()
            self._client.kc.start_channels()
            run_sync(_until_connected)(self._client.kc, float(timeout))
            self._client.kc.allow_stdin = False
            reply = self.run(f"__import__({_SETUP!r}, fromlist=['_']).watch_owner({os.getpid()})")
            adopted = reply.get("status") == "ok"
        except Exception:  # noqa: BLE001 - any failure: start a kernel instead
            adopted = False
        if not adopted:
            self.shutdown()
            _stop_kept(record)
            return None
        if on_kernel_start is not None:
            on_kernel_start(pid, self._sockets)
        return self

    def keep(self, seconds: float) -> bool:
        """Leave this kernel running, reset and idle, for the next command; False if not kept.

        One kernel is kept at a time: while a live one is on record, this one is not.
        """
        path = kept_record_path()
        pid = self.pid
        if pid is None or os.environ.get("EVALUATION_KERNEL_LOG"):  # its log is this terminal
            return False
        info = {
            k: v.decode() if isinstance(v, bytes) else v
            for k, v in self.km.get_connection_info(session=False).items()
        }
        record = {
            "pid": pid,
            "kernel_name": self.kernel_name,
            "fingerprint": self.fingerprint,
            "until": time.time() + float(seconds),
            "reports": self.reports,
            "connection": info,
            "sockets": self._sockets,
        }
        setup = f"__import__({_SETUP!r}, fromlist=['_'])"
        try:
            reply = self.run(
                f"{setup}.keep({float(seconds)!r}, {str(path)!r})",
                timeout=60,
            )
            if reply.get("status") != "ok":
                return False
            # Not waited for; sent before the record exists, so an adopter's requests
            # queue behind it.
            home = os.path.expanduser("~")
            self.kc.execute(f"{setup}.reset({home!r})", silent=True, store_history=False)
        except Exception:  # noqa: BLE001 - not kept: the caller stops it
            return False
        if not _put_record(path, record):  # another kernel is kept: the caller stops this one
            return False
        try:  # let go without stopping it: close the channels, forget the process
            self.kc.stop_channels()
        except Exception:  # noqa: BLE001
            pass
        self.km.provisioner = None
        return True

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

    @property
    def warm(self) -> bool:
        """True once the warm-up imports were waited for (an adopted kernel is warm)."""
        return self._warming is None

    def evaluate(self, expression: str, timeout: float = 60) -> Callable[[], str | None]:
        """Send ``expression`` now; the call returned waits for its value as text (its repr).

        The value is None when the expression raised. The caller can work meanwhile.
        """
        reply = self._send("", timeout, user_expressions={"value": expression})

        def value() -> str | None:
            found = reply().get("user_expressions", {}).get("value", {})
            if found.get("status") != "ok":
                return None
            return found.get("data", {}).get("text/plain")

        return value

    def wait_warm(self, timeout: float = 300) -> None:
        """Wait until the warm-up imports sent at start have finished."""
        if self._warming is not None:
            msg_id, self._warming = self._warming, None
            self._client.timeout = int(timeout)
            self._client.wait_for_reply(msg_id)

    def run(self, code: str, timeout: float = 300) -> dict:
        """Execute ``code`` silently and return the reply's content."""
        return self._send(code, timeout)()

    def _send(self, code: str, timeout: float, **options) -> Callable[[], dict]:
        """Send ``code`` for a silent run once warm; the call returned waits for the reply.

        That call gives the reply's content, empty when no reply came.
        """
        self.wait_warm(timeout)
        msg_id = self.kc.execute(
            code, silent=True, store_history=False, allow_stdin=False, **options
        )

        def reply() -> dict:
            self._client.timeout = int(timeout)
            found = self._client.wait_for_reply(msg_id)
            return found["content"] if found else {}

        return reply

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
        remove_sockets(self._sockets)


def ready_kernel() -> WarmKernel | None:
    """The calling thread's kernel if it runs and is warm; None otherwise (never starts one)."""
    kernel = getattr(_local, "kernel", None)
    return kernel if kernel is not None and kernel.warm and kernel.is_alive() else None


def warm_kernel(kernel_name: str = "python3", cwd: str | Path | None = None) -> WarmKernel:
    """The calling thread's warm kernel, (re)started when absent or dead."""
    kernel = getattr(_local, "kernel", None)
    if kernel is not None and (kernel.kernel_name != kernel_name or not kernel.is_alive()):
        discard_warm_kernel()
        kernel = None
    if kernel is None:
        if keep_seconds() > 0:  # a bad setting is named here, when the first kernel starts
            try:
                kernel = WarmKernel.adopt(kernel_name)
            except Exception:  # noqa: BLE001 - no usable kept kernel: start one
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


def running_kernels() -> dict[int, str]:
    """The kernels this process runs: process id → socket folder."""
    with _lock:
        return {k.pid: k._sockets for k in _all if k.pid is not None}


@atexit.register
def shutdown_all() -> None:
    """Stop every warm kernel this process runs, keeping one for the next command."""
    with _lock:
        kernels = list(_all)
        _all.clear()
    try:
        seconds = keep_seconds()
    except Exception:  # noqa: BLE001 - a bad value was reported when the kernel started
        seconds = 0.0
    kept = False
    for kernel in kernels:
        if not kept and seconds > 0 and kernel.is_alive():
            try:
                kept = kernel.keep(seconds)
            except Exception:  # noqa: BLE001 - e.g. no private cache to record it in
                kept = False
            if kept:
                continue
        kernel.shutdown()
