"""Reading a publication without the garbage collector walking it again and again.

Reading ledgers and pages builds hundreds of thousands of small objects without
cycles. Each few hundred new objects start a collection, and the older collections
walk everything read so far: half the time of reading a term's 27 ledgers, and a
third of reading its pages (``benchmarks/README.md``, eighth session). A pause lasts
one ledger or one page; garbage with cycles made meanwhile (a parsed page's tree) is
collected by the collector's next pass.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_readers = 0
_was_enabled = False


@contextmanager
def paused_gc() -> Iterator[None]:
    """The collector off while the block runs (across threads: on again after the last)."""
    global _readers, _was_enabled
    with _lock:
        if _readers == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _readers += 1
    try:
        yield
    finally:
        with _lock:
            _readers -= 1
            if _readers == 0 and _was_enabled:
                gc.enable()
