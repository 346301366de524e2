"""Papermill engines that run notebooks in this package's kernels.

``evaluation-warm`` reuses the calling thread's warm kernel (reset between
notebooks); ``evaluation-fresh`` starts a kernel with the same set-up and stops
it afterwards. Both are registered in papermill's ``papermill_engines`` registry.
"""

from __future__ import annotations

import time
from queue import Empty

from jupyter_core.utils import ensure_async, run_sync
from nbclient.exceptions import CellTimeoutError
from nbformat import from_dict
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import Engine, papermill_engines
from papermill.utils import merge_kwargs, remove_args

from evaluation.render.kernel import _SETUP, WarmKernel, discard_warm_kernel, warm_kernel
from evaluation.render.kernel_setup import CELL_MARK

WARM = "evaluation-warm"
FRESH = "evaluation-fresh"
#: Seconds to wait for a cell's outputs once the kernel replied (nbclient's default is 4).
IOPUB_TIMEOUT = 120
#: Seconds between checks that the kernel still lives while a cell runs (as nbclient does).
ALIVE_INTERVAL = 1.0
#: An output message's fields that go into the notebook, by message type (nbformat's
#: ``output_from_msg``, which also schema-checks each output).
_OUTPUT_FIELDS = {
    "stream": ("name", "text"),
    "display_data": ("metadata", "data"),
    "execute_result": ("metadata", "data", "execution_count"),
    "error": ("ename", "evalue", "traceback"),
}


class ReportClient(PapermillNotebookClient):
    """Papermill's client, sending a notebook's code cells to the kernel in one request.

    nbclient sends one request per cell and waits for its reply: 3.6 CPU-ms per cell on the
    two ends together against 0.9 here (``benchmarks/cell_requests.py``), ~1 CPU-s over
    the sample term's ~370 cells. Here the kernel runs the cells itself
    (``kernel_setup.run_cells``) and marks where each cell's outputs begin; the outputs
    are sorted back into their cells with nbclient's own ``process_message``, and
    papermill's cell metadata is kept. Hand-written: neither library runs a notebook in
    one request. Notebooks that need nbclient's per-cell handling (errors allowed,
    top-level ``await``) take its path unchanged.
    """

    def papermill_execute_cells(self):
        """Run every code cell, stopping at the first error (papermill's contract)."""
        cells = self.nb.cells
        if self.allow_errors or any(
            "raises-exception" in c.metadata.get("tags", []) or "await" in c.source
            for c in cells
            if c.cell_type == "code"
        ):
            return super().papermill_execute_cells()
        run_sync(self._run_in_one_request)()

    def output(self, outs, msg, display_id, cell_index):
        """Add an output as nbclient does, without nbformat's schema check of each one.

        That check runs jsonschema on every output as it arrives (~0.5 CPU-ms each, ~6 a
        report); the exporter checks the whole notebook once, outputs included, before
        any page is written. Widget output hooks and other messages take nbclient's path.
        """
        kind = msg["msg_type"]
        fields = _OUTPUT_FIELDS.get(kind)
        if fields is None or self.output_hook_stack[msg["parent_header"].get("msg_id")]:
            return super().output(outs, msg, display_id, cell_index)
        out = from_dict({"output_type": kind, **{f: msg["content"][f] for f in fields}})
        if self.clear_before_next_output:
            outs[:] = []
            self.clear_display_id_mapping(cell_index)
            self.clear_before_next_output = False
        if display_id:
            cell_map = self._display_id_map.setdefault(display_id, {})
            cell_map.setdefault(cell_index, []).append(len(outs))
        outs.append(out)
        return out

    async def _reply_if_there(self, msg_id: str) -> dict | None:
        """The shell reply to ``msg_id`` if it has arrived (others' replies are dropped)."""
        while True:
            try:
                msg = await ensure_async(self.kc.shell_channel.get_msg(timeout=0))
            except Empty:
                return None
            if msg["parent_header"].get("msg_id") == msg_id:
                return msg

    def _runnable(self) -> list[int]:
        skip = self.skip_cells_with_tag
        return [
            i
            for i, cell in enumerate(self.nb.cells)
            if cell.cell_type == "code"
            and cell.source.strip()
            and skip not in cell.metadata.get("tags", [])
        ]

    async def _run_in_one_request(self) -> None:
        cells, nb_man = self.nb.cells, self.nb_man
        runnable = self._runnable()
        done = 0  # cells before this index were started and completed

        def through(stop: int) -> None:  # cells that do not run: papermill's metadata only
            nonlocal done
            for index in range(done, stop):
                nb_man.cell_start(cells[index], index)
                nb_man.cell_complete(cells[index], index)
            done = max(done, stop)

        if not runnable:
            through(len(cells))
            return
        limit = self._get_timeout(cells[runnable[0]])
        deadline = None if limit is None else time.monotonic() + limit
        sources = [cells[i].source for i in runnable]
        msg_id = await ensure_async(
            self.kc.execute(
                f"__import__({_SETUP!r}, fromlist=['_']).run_cells({sources!r})",
                store_history=False,
                allow_stdin=False,
            )
        )
        current: int | None = None  # notebook index of the cell whose outputs arrive
        reply, replied = None, 0.0
        while True:
            if deadline is not None and time.monotonic() > deadline:
                cell = cells[runnable[0] if current is None else current]
                raise CellTimeoutError.error_from_timeout_and_cell(
                    "Cell execution timed out", limit, cell
                )
            try:
                msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=ALIVE_INTERVAL))
            except Empty:
                await self._async_check_alive()
                if reply is None:
                    reply = await self._reply_if_there(msg_id)
                    replied = time.monotonic()
                elif time.monotonic() - replied > self.iopub_timeout:
                    # replied, but the outputs' end never came (as nbclient fails it)
                    cell = cells[runnable[0] if current is None else current]
                    raise CellTimeoutError.error_from_timeout_and_cell(
                        "Timeout waiting for IOPub output", self.iopub_timeout, cell
                    ) from None
                continue
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            mark = (content.get("data") or {}).get(CELL_MARK) if kind == "display_data" else None
            if mark is not None:
                if current is not None:
                    nb_man.cell_complete(cells[current], current)
                    done = current + 1
                current = runnable[mark["cell"]]
                through(current)
                nb_man.cell_start(cells[current], current)
                cells[current].outputs = []
                cells[current].execution_count = mark["execution_count"]
                self.clear_before_next_output = False
                continue
            if kind == "status" and content.get("execution_state") == "idle":
                break
            if current is not None and kind not in ("status", "execute_input"):
                self.process_message(msg, cells[current], current)
        if reply is None:
            reply = await self.async_wait_for_reply(msg_id)
        if reply is not None and reply["content"].get("status") != "ok":
            content = reply["content"]
            raise RuntimeError(f"{content.get('ename', 'Error')}: {content.get('evalue', '')}")
        if current is None:
            raise RuntimeError("the kernel ran none of the notebook's cells")
        stopped = current != runnable[-1]  # the kernel stops at a cell that failed
        if stopped or any(o.get("output_type") == "error" for o in cells[current].outputs):
            nb_man.cell_exception(cells[current], cell_index=current)
            nb_man.cell_complete(cells[current], current)
            return
        nb_man.cell_complete(cells[current], current)
        done = current + 1
        through(len(cells))


def _client(nb_man, kernel: WarmKernel, kernel_name: str, **kwargs) -> PapermillNotebookClient:
    kwargs = remove_args(["input_path", "timeout", "startup_timeout", "start_timeout"], **kwargs)
    execution_timeout = kwargs.pop("execution_timeout", None)
    final = merge_kwargs(kwargs, timeout=execution_timeout, kernel_name=kernel_name)
    # After a cell's reply, nbclient waits this long for the rest of its output. The
    # appendix cell carries the report's ledger (megabytes of JSON); on a loaded machine
    # its delivery took longer than nbclient's 4 s and failed good reports.
    final.setdefault("iopub_timeout", IOPUB_TIMEOUT)
    if execution_timeout:
        # A limit for the whole notebook, not per cell: each cell gets what is left, so
        # a report past its time stops in the cell that was running (notebook kept).
        deadline = time.monotonic() + float(execution_timeout)
        final["timeout_func"] = lambda cell: max(1, int(deadline - time.monotonic()))
    client = ReportClient(nb_man, km=kernel.km, **final)
    client.kc = kernel.kc
    return client


class WarmKernelEngine(Engine):
    """Execute in the thread's warm kernel; imports are paid once per worker."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, kernel_cwd=None, **kwargs):
        """Reset the warm kernel to ``kernel_cwd`` and run every cell of ``nb_man.nb``."""
        kernel = warm_kernel(kernel_name, cwd=kernel_cwd)
        kernel.reset(kernel_cwd)
        try:
            result = _client(nb_man, kernel, kernel_name, **kwargs).execute()
        except BaseException:
            # A timeout, dead kernel or interrupt leaves the kernel in an unknown state.
            discard_warm_kernel()
            raise
        kernel.reports += 1
        return result


class FreshKernelEngine(Engine):
    """Execute in a new kernel with the same set-up as the warm one, then stop it."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, kernel_cwd=None, **kwargs):
        """Start a kernel in ``kernel_cwd``, run every cell of ``nb_man.nb``, stop the kernel."""
        kernel = WarmKernel(kernel_name, cwd=kernel_cwd)
        try:
            kernel.reset(kernel_cwd)
            return _client(nb_man, kernel, kernel_name, **kwargs).execute()
        finally:
            kernel.shutdown()


papermill_engines.register(WARM, WarmKernelEngine)
papermill_engines.register(FRESH, FreshKernelEngine)
