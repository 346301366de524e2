"""One writer per output folder: an exclusive lock file held for a whole run or batch."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

from evaluation.exceptions import EvaluationError

LOCK_NAME = ".evaluation.lock"

#: Lock descriptors this process holds. A forked child (a batch worker) closes its
#: copies at once: the lock is released only when every copy is closed, and a worker
#: outliving a killed batch must not keep the folder locked.
_held: set[int] = set()


def _close_inherited() -> None:
    for fd in _held:
        with contextlib.suppress(OSError):
            os.close(fd)
    _held.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_close_inherited)


class FolderBusyError(EvaluationError):
    """Another run or batch is writing to the same output folder."""


@contextlib.contextmanager
def folder_lock(folder: Path, wait: float = 0.0) -> Iterator[None]:
    """Hold an exclusive ``fcntl.flock`` on ``folder/.evaluation.lock`` while the block runs.

    The kernel drops the lock when the holder exits, even after kill -9, so a stale
    lock file never blocks the next run. ``wait`` seconds are spent retrying before
    giving up with a FolderBusyError (in Swedish, for the operator).
    """
    try:
        import fcntl
    except ImportError:  # Windows: no flock; one writer per folder is then the user's rule
        yield
        return
    created = [p for p in [folder, *folder.parents] if not p.exists()]
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    _held.add(fd)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise FolderBusyError(
                        f"En annan körning skriver redan till mappen {folder}. Vänta tills den "
                        "är klar, eller välj en annan utmapp."
                    ) from None
                time.sleep(0.5)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        _held.discard(fd)
        os.close(fd)  # closing the descriptor releases the lock
        if created and [p.name for p in folder.iterdir()] == [LOCK_NAME]:
            (folder / LOCK_NAME).unlink(missing_ok=True)  # a failed first run leaves no folder
            for made in created:
                with contextlib.suppress(OSError):
                    made.rmdir()
