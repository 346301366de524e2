"""A warm kernel kept for the next command: adopted only when it fits, never left behind.

Each command below is its own Python process, as a user's commands are; the kernel a
process keeps at exit (``render.kernel.shutdown_all``) is what the next one may adopt.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

from evaluation.exceptions import ParameterError
from evaluation.render.kernel import keep_seconds
from evaluation.render.kernel_setup import process_alive

ROOT = Path(__file__).resolve().parents[3]


def _process(args: list[str], env: dict[str, str]) -> str:
    """Run a new Python process with ``args``, as a user's command; its stdout."""
    done = subprocess.run(
        [sys.executable, *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return done.stdout


def _command(code: str, env: dict[str, str]) -> list[str]:
    """Run ``code`` in a new Python process; its stdout lines, parsed as JSON."""
    out = _process(["-c", textwrap.dedent(code)], env)
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


USE_KERNEL = """
    import json
    from evaluation.render.kernel import warm_kernel
    k = warm_kernel()
    k.run("import evaluation.present.charts as c, evaluation.present.maps as m")
    shown = "get_ipython().run_cell({!r}, store_history=True)".format
    k.run(shown("'a new result'"))  # the last three results move along: none may be the last's
    left = k.run(
        "assert 'left_over' not in globals() and not c._REUSED and not m._FIGURE"
        " and list(Out.values()) == ['a new result'] and __ == ___ == ''"
    )
    left = left["status"]
    k.run("left_over = 'a table'; c._REUSED['trend'] = 'a chart'; m._FIGURE.append('a map')")
    k.run(shown("'a result'") + ";" + shown("'the last result'"))
    print(json.dumps({"pid": k.pid, "adopted": k.adopted, "clean": left}))
"""


def _gone(pid: int, within: float = 5.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not process_alive(pid):
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def env(tmp_path):
    """A command's environment: its own data cache (where the kept kernel's record is)."""
    started: list[int] = []
    # The kernels' socket folders go here (short: a socket path has ~100 characters at most),
    # so the kernels this fixture kills outright leave nothing in the system's temp folder.
    sockets = tempfile.mkdtemp(prefix="ek-")
    environment = {
        **os.environ,
        "EVALUATION_CACHE_DIR": str(tmp_path / "cache"),
        "EVALUATION_KEEP_KERNEL": "120",
        "TMPDIR": sockets,
    }
    environment.pop("EVALUATION_KERNEL_LOG", None)
    yield environment, started
    for pid in started:  # whatever a failed assertion left running
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass
    shutil.rmtree(sockets, ignore_errors=True)


def test_next_command_adopts_the_kept_kernel_with_nothing_left_of_the_last(env):
    environment, started = env
    record = Path(environment["EVALUATION_CACHE_DIR"]) / "kept-kernel.json"
    (first,) = _command(USE_KERNEL, environment)
    started.append(first["pid"])
    assert not first["adopted"]
    assert json.loads(record.read_text())["pid"] == first["pid"]
    assert oct(record.stat().st_mode & 0o777) == "0o600"  # it holds the kernel's key

    (second,) = _command(USE_KERNEL, environment)
    assert second == {"pid": first["pid"], "adopted": True, "clean": "ok"}

    # Another environment (here one more EVALUATION_ setting; likewise other code or
    # packages): the kept kernel is stopped, not adopted, and the new one is kept.
    (third,) = _command(USE_KERNEL, {**environment, "EVALUATION_OTHER": "1"})
    started.append(third["pid"])
    assert not third["adopted"] and third["pid"] != first["pid"]
    assert _gone(first["pid"])
    assert json.loads(record.read_text())["pid"] == third["pid"]


def test_kept_kernel_exits_when_its_time_is_up_and_cleans_after_itself(env):
    environment, started = env
    environment["EVALUATION_KEEP_KERNEL"] = "1"
    record = Path(environment["EVALUATION_CACHE_DIR"]) / "kept-kernel.json"
    (used,) = _command(USE_KERNEL, environment)
    pid = used["pid"]
    started.append(pid)
    assert record.is_file()
    sockets = json.loads(record.read_text())["sockets"]
    assert Path(sockets).is_dir()
    assert _gone(pid, within=6.0)
    assert not record.exists() and not Path(sockets).exists()


def test_kept_kernel_stopped_from_outside_cleans_after_itself(env):
    """A kill (SIGTERM) of a kept kernel removes its socket folder (the kernel's key) and record."""
    environment, started = env
    record = Path(environment["EVALUATION_CACHE_DIR"]) / "kept-kernel.json"
    (used,) = _command(USE_KERNEL, environment)
    pid = used["pid"]
    started.append(pid)
    sockets = json.loads(record.read_text())["sockets"]
    assert Path(sockets).is_dir()
    os.kill(pid, signal.SIGTERM)
    assert _gone(pid)
    assert not record.exists() and not Path(sockets).exists()


def test_kernel_stops_with_the_command_that_uses_it_and_leaves_no_sockets(env):
    environment, started = env
    environment["EVALUATION_KEEP_KERNEL"] = "0"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from evaluation.render.kernel import warm_kernel\n"
            "import time\nk = warm_kernel()\nk.run('1')\n"
            "print(k.pid, k._sockets, flush=True)\ntime.sleep(120)",
        ],
        env=environment,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        pid_text, sockets = proc.stdout.readline().split()
        pid = int(pid_text)
        started.append(pid)
        assert process_alive(pid) and Path(sockets).is_dir()
        proc.kill()  # SIGKILL: no atexit, no clean-up of its own
        proc.wait()
        assert _gone(pid)
        assert not Path(sockets).exists()  # the kernel removed its socket folder itself
    finally:
        proc.kill()


def test_one_kernel_is_kept_and_the_others_stopped(env):
    environment, started = env
    code = """
        import json, threading
        from evaluation.render.kernel import warm_kernel
        pids = []
        threads = [threading.Thread(target=lambda: pids.append(warm_kernel().pid)) for _ in "ab"]
        [t.start() for t in threads]
        [t.join() for t in threads]
        print(json.dumps({"pids": pids}))
    """
    (out,) = _command(code, environment)
    started.extend(out["pids"])
    kept = json.loads((Path(environment["EVALUATION_CACHE_DIR"]) / "kept-kernel.json").read_text())
    assert kept["pid"] in out["pids"]
    (other,) = set(out["pids"]) - {kept["pid"]}
    assert _gone(other) and process_alive(kept["pid"])


def test_keep_setting_must_be_seconds(monkeypatch):
    monkeypatch.setenv("EVALUATION_KEEP_KERNEL", "en stund")
    with pytest.raises(ParameterError) as err:
        keep_seconds()
    assert err.value.parameter == "EVALUATION_KEEP_KERNEL"
    monkeypatch.setenv("EVALUATION_KEEP_KERNEL", "0")
    assert keep_seconds() == 0
    monkeypatch.delenv("EVALUATION_KEEP_KERNEL")
    assert keep_seconds() == 600


def test_command_exit_code_and_output_survive_the_fast_exit(tmp_path):
    ok = subprocess.run(
        [sys.executable, "-m", "evaluation", "--help"], capture_output=True, text=True, cwd=ROOT
    )
    assert ok.returncode == 0 and "batch" in ok.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "evaluation", "batch", str(tmp_path / "saknas.yaml")],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert bad.returncode == 2
    assert "saknas.yaml" in bad.stderr and "finns inte" in bad.stderr


def test_a_kernel_that_cannot_be_recorded_is_stopped_not_left(env):
    environment, started = env
    failing = """
        import evaluation.render.kernel as kernel
        def full(path, record):
            raise OSError("no space left on device")
        kernel._put_record = full
    """
    (used,) = _command(textwrap.dedent(failing) + textwrap.dedent(USE_KERNEL), environment)
    started.append(used["pid"])
    assert not used["adopted"]
    assert _gone(used["pid"])
    assert not (Path(environment["EVALUATION_CACHE_DIR"]) / "kept-kernel.json").exists()


def test_a_kernel_that_does_not_start_leaves_no_socket_folder(tmp_path, monkeypatch):
    from evaluation.render.kernel import WarmKernel

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with pytest.raises(Exception, match="no-such-kernel"):
        WarmKernel(kernel_name="no-such-kernel")
    assert not list(tmp_path.glob("evaluation-kernel-*"))


def test_a_long_temporary_folder_uses_tcp_on_this_machine(tmp_path, monkeypatch):
    """A socket path longer than the system takes failed every report with a zmq error."""
    from evaluation.render.kernel import SOCKET_PATH_MAX, WarmKernel

    long = tmp_path / ("t" * SOCKET_PATH_MAX)
    long.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(long))
    kernel = WarmKernel()
    try:
        assert kernel.run("1 + 1")["status"] == "ok"
        assert kernel._client.km.transport == "tcp" and kernel._client.km.ip == "127.0.0.1"
    finally:
        kernel.shutdown()
    assert not list(long.glob("evaluation-kernel-*"))


def test_a_report_rendered_in_an_adopted_kernel_is_the_same_page(env, tmp_path):
    """Every output reaches the page through an adopted kernel (its IOPub is connected)."""
    environment, started = env
    record = Path(environment["EVALUATION_CACHE_DIR"]) / "kept-kernel.json"
    survey = str(ROOT / "params" / "user_survey" / "ryd.yaml")
    pages, pids = [], []
    for n in range(2):
        out = tmp_path / f"run{n}"
        _process(["-m", "evaluation", "run", survey, "-o", str(out)], environment)
        pids.append(json.loads(record.read_text())["pid"])
        started.append(pids[-1])
        (page,) = out.glob("*/*.html")
        pages.append(page.read_bytes())
    assert pids[0] == pids[1]  # the second command rendered in the kept kernel
    assert b"ev-table" in pages[1] and pages[1] == pages[0]


def test_a_kept_kernel_that_stopped_is_given_up_at_once_not_after_the_time_out():
    from queue import Empty

    from jupyter_core.utils import run_sync

    from evaluation.render.kernel import _until_connected

    class Channel:
        calls = 0

        async def get_msg(self, timeout=None):
            Channel.calls += 1
            raise Empty

    class StoppedKernel:  # answers nothing, and its process is gone
        shell_channel = iopub_channel = Channel()

        def kernel_info(self):
            return "request"

        async def is_alive(self):
            return False

    with pytest.raises(RuntimeError, match="stopped"):
        run_sync(_until_connected)(StoppedKernel(), 2.0)
    assert Channel.calls == 1  # one request, not a wait until the time-out


CHECK_IN_KERNEL = """
    import json, sys
    from evaluation.exceptions import EvaluationError
    from evaluation.render.kernel import warm_kernel
    from evaluation.render.single import render_report
    kernel = warm_kernel()
    try:
        status = render_report(sys.argv[1], sys.argv[2], force=True).status
    except EvaluationError as exc:
        status = f"{type(exc).__name__}: {exc}"
    found = {"adopted": kernel.adopted, "status": status, "pandas": "pandas" in sys.modules}
    print(json.dumps(found))
"""


def test_an_adopted_kernel_checks_the_inputs_and_a_failed_check_is_explained_here(env, tmp_path):
    # A one-report update checks in the kept kernel, which has pandas imported; the command
    # need not import it. A check that fails there runs here, to raise the full error.
    environment, started = env
    record = Path(environment["EVALUATION_CACHE_DIR"]) / "kept-kernel.json"
    survey = ROOT / "params" / "user_survey" / "ryd.yaml"
    _process(["-m", "evaluation", "run", str(survey), "-o", str(tmp_path / "first")], environment)
    started.append(json.loads(record.read_text())["pid"])

    def update(params: Path) -> dict:
        out = _process(
            ["-c", textwrap.dedent(CHECK_IN_KERNEL), str(params), str(tmp_path / "out")],
            environment,
        )
        return json.loads(out.strip().splitlines()[-1])

    assert update(survey) == {"adopted": True, "status": "ok", "pandas": False}
    (page,) = (tmp_path / "out").glob("*/user_survey.html")
    good = page.read_bytes()
    wrong = tmp_path / "wrong.yaml"
    text = survey.read_text(encoding="utf-8").replace("../../data", str(ROOT / "data"))
    assert "unit: " in text
    wrong.write_text(re.sub(r"unit: .*", "unit: Ingen sådan enhet", text, count=1), "utf-8")
    failed = update(wrong)
    assert failed["adopted"] and failed["pandas"]
    assert failed["status"].startswith("ParameterError") and "Ingen sådan enhet" in failed["status"]
    assert page.read_bytes() == good  # the last good page is left as it was
