"""Papermill engines that run notebooks in this package's kernels.

``evaluation-warm`` reuses the calling thread's warm kernel (reset between
notebooks); ``evaluation-fresh`` starts a kernel with the same set-up and stops
it afterwards. Both are registered in papermill's ``papermill_engines`` registry.
"""

from __future__ import annotations

import time

from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import Engine, papermill_engines
from papermill.utils import merge_kwargs, remove_args

from evaluation.render.kernel import WarmKernel, discard_warm_kernel, warm_kernel

WARM = "evaluation-warm"
#: Seconds to wait for a cell's outputs once the kernel replied (nbclient's default is 4).
IOPUB_TIMEOUT = 120
FRESH = "evaluation-fresh"


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
    client = PapermillNotebookClient(nb_man, km=kernel.km, **final)
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
