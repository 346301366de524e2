"""A notebook's code cells run in one kernel request, with each output back in its own cell.

``engine.ReportClient`` replaces nbclient's request per cell; these tests run the same
notebooks through nbclient's path (papermill's client) and compare cell by cell.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from jupyter_core.utils import ensure_async
from nbclient.exceptions import CellTimeoutError
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NotebookExecutionManager
from papermill.exceptions import PapermillExecutionError
from papermill.execute import raise_for_execution_errors
from papermill.iorw import load_notebook_node

from evaluation.render.engine import ReportClient
from evaluation.render.kernel import WarmKernel

CELLS = [
    ("markdown", "# Rubrik"),
    ("code", "import sys\nfrom IPython.display import Markdown, display\nx = 1"),
    ("code", "print('utan radslut', end='')"),  # flushed before the next cell's mark
    ("code", "display(Markdown('**visad**'))\nsys.stderr.write('fel\\n')\nx + 1"),
    ("markdown", "Text mellan cellerna."),
    ("code", "   "),  # blank: never sent, as nbclient skips it
    ("code", "for i in range(3):\n    print(i)\n'Skäggetorp 😀'"),
    ("code", "y = x * 10"),
    ("code", "display(Markdown('sist'), display_id='d')"),
    ("markdown", "Slut."),
]


def _notebook(tmp_path: Path, cells) -> Path:
    make = {"code": nbformat.v4.new_code_cell, "markdown": nbformat.v4.new_markdown_cell}
    nb = nbformat.v4.new_notebook(cells=[make[kind](source) for kind, source in cells])
    path = tmp_path / f"nb{len(list(tmp_path.glob('*.ipynb')))}.ipynb"
    nbformat.write(nb, path)
    return path


def _run(kernel: WarmKernel, path: Path, client_class) -> nbformat.NotebookNode:
    kernel.reset(str(path.parent))
    nb = load_notebook_node(str(path))
    manager = NotebookExecutionManager(nb, progress_bar=False)
    manager.notebook_start()
    client = client_class(manager, km=kernel.km, iopub_timeout=30)
    client.kc = kernel.kc
    client.papermill_execute_cells()
    return nb


def _outputs(cell) -> list[dict]:
    """A cell's outputs with streams of the same name joined (nbclient coalesces them)."""
    joined: list[dict] = []
    for out in cell.get("outputs", []):
        out = {k: v for k, v in out.items() if k != "transient"}
        if out["output_type"] == "stream":
            same = [o for o in joined if o["output_type"] == "stream" and o["name"] == out["name"]]
            if same:
                same[0]["text"] += out["text"]
                continue
        joined.append(out)
    return joined


def _status(nb) -> list[str | None]:
    return [c.metadata.get("papermill", {}).get("status") for c in nb.cells]


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    started = WarmKernel(cwd=tmp_path_factory.mktemp("kernel"), modules=("IPython.display",))
    yield started
    started.shutdown()


def test_outputs_land_in_their_cells_as_with_a_request_per_cell(kernel, tmp_path):
    path = _notebook(tmp_path, CELLS)
    one, each = _run(kernel, path, ReportClient), _run(kernel, path, PapermillNotebookClient)
    for a, b in zip(one.cells, each.cells, strict=True):
        assert a.get("execution_count") == b.get("execution_count")
        assert _outputs(a) == _outputs(b)
    assert _status(one) == _status(each) == ["completed"] * len(CELLS)
    texts = [_outputs(c) for c in one.cells]
    assert texts[2] == [{"output_type": "stream", "name": "stdout", "text": "utan radslut"}]
    assert texts[3][0]["data"]["text/markdown"] == "**visad**"
    assert texts[3][1]["name"] == "stderr" and texts[3][2]["data"]["text/plain"] == "2"
    assert texts[6][-1]["data"]["text/plain"] == "'Skäggetorp 😀'"
    counts = [c.execution_count for c in one.cells if c.cell_type == "code" and c.source.strip()]
    assert counts == list(range(1, len(counts) + 1))  # a reset kernel counts from 1


def test_a_failing_cell_stops_the_notebook_like_papermill(kernel, tmp_path):
    cells = [*CELLS[:4], ("code", "1 / 0"), ("code", "print('aldrig')"), ("markdown", "efter")]
    path = _notebook(tmp_path, cells)
    one, each = _run(kernel, path, ReportClient), _run(kernel, path, PapermillNotebookClient)
    assert _status(one) == _status(each)
    assert _status(one)[4] == "failed" and _status(one)[5:] == ["pending", "pending"]
    assert one.cells[5].outputs == [] and one.metadata.papermill.exception is True
    for a, b in zip(one.cells, each.cells, strict=True):
        assert a.get("execution_count") == b.get("execution_count")
        assert [o.get("ename") for o in _outputs(a)] == [o.get("ename") for o in _outputs(b)]
    assert one.cells[4].execution_count == 4
    with pytest.raises(PapermillExecutionError) as raised:  # inserts its error cell on top
        raise_for_execution_errors(one, str(tmp_path / "failed.ipynb"))
    assert (raised.value.ename, raised.value.exec_count) == ("ZeroDivisionError", 4)


def test_a_failing_last_cell_and_a_syntax_error_are_failures(kernel, tmp_path):
    for source, ename in (("raise ValueError('sist')", "ValueError"), ("def (", "SyntaxError")):
        path = _notebook(tmp_path, [("code", "a = 1"), ("code", source)])
        nb = _run(kernel, path, ReportClient)
        assert _status(nb) == ["completed", "failed"]
        assert [o.ename for o in nb.cells[1].outputs if o.output_type == "error"] == [ename]


def test_streams_flush_as_ipykernel_made_them_once_the_notebook_ends(kernel, tmp_path):
    # While the cells run, a flush with nothing printed returns at once (run_cells);
    # after them, and after a failed cell, the kernel's streams are ipykernel's own again.
    own = "[('flush' in vars(s)) for s in (__import__('sys').stdout, __import__('sys').stderr)]"
    assert kernel.evaluate(own)() == "[False, False]"
    for last in ("1", "1 / 0"):
        _run(
            kernel,
            _notebook(tmp_path, [("code", "print('a', end='')"), ("code", last)]),
            ReportClient,
        )
        assert kernel.evaluate(own)() == "[False, False]"


def test_the_kernel_keeps_working_after_a_notebook_and_cells_with_await_fall_back(kernel, tmp_path):
    # Top-level await cannot run inside the one request: nbclient's path runs it.
    path = _notebook(tmp_path, [("code", "import asyncio\nawait asyncio.sleep(0)\n5")])
    nb = _run(kernel, path, ReportClient)
    assert nb.cells[0].outputs[0]["data"]["text/plain"] == "5"
    path = _notebook(tmp_path, [("code", "6")])
    assert _run(kernel, path, ReportClient).cells[0].outputs[0]["data"]["text/plain"] == "6"


class _WithoutIdle:
    """A kernel client whose IOPub loses the 'idle' status (as a full queue could)."""

    def __init__(self, kc) -> None:
        self._kc = kc
        self.iopub_channel = self

    async def get_msg(self, timeout=None):
        while True:
            msg = await ensure_async(self._kc.iopub_channel.get_msg(timeout=timeout))
            if msg["msg_type"] != "status" or msg["content"]["execution_state"] != "idle":
                return msg

    def __getattr__(self, name):
        return getattr(self._kc, name)


def test_outputs_that_never_end_after_the_reply_fail_instead_of_hanging(kernel, tmp_path):
    path = _notebook(tmp_path, [("code", "a = 1"), ("code", "a + 1")])
    kernel.reset(str(tmp_path))
    nb = load_notebook_node(str(path))
    manager = NotebookExecutionManager(nb, progress_bar=False)
    manager.notebook_start()
    client = ReportClient(manager, km=kernel.km, iopub_timeout=2)
    client.kc = _WithoutIdle(kernel.kc)
    with pytest.raises(CellTimeoutError, match="IOPub"):
        client.papermill_execute_cells()
    assert nb.cells[1].outputs[0]["data"]["text/plain"] == "2"  # it ran; its end was lost
