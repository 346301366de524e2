"""Kernel messages are packed with orjson on both ends of the channel.

jupyter_client picks orjson when it is installed. A report's ledger travels as
megabytes of JSON text, which the standard json module packs and unpacks about
four times slower; an environment without orjson still works, only slower, so
nothing but this test would notice it missing.
"""

from __future__ import annotations

from evaluation.render.kernel import WarmKernel


def test_worker_and_kernel_pack_messages_with_orjson(tmp_path):
    kernel = WarmKernel(cwd=tmp_path, modules=())
    try:
        in_kernel = kernel.evaluate("get_ipython().kernel.session.packer")()
        assert kernel.kc.session.packer == "orjson"
        assert in_kernel == "'orjson'"
        # The packed bytes decode to what was sent, non-ASCII text included.
        value = kernel.evaluate("'Skäggetorp ' * 3")()
        assert value == repr("Skäggetorp " * 3)
    finally:
        kernel.shutdown()
