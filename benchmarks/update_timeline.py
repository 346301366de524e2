"""A timeline of one ``evaluation batch`` run in this process: when each phase starts and ends.

Usage (a one-report update: change one parameters file first, restore it after)::

    .venv/bin/python benchmarks/update_timeline.py batch params/batch_sample.yaml -o DIR

Wraps the render and audit phases (adopting a kept kernel or starting one, its
warm-up, exporter, data checks, notebook, export, scan, joint audit, index, keeping
the kernel at exit) with timers and prints ``[seconds since start] > phase`` and
``< phase (duration)`` on stderr; the arguments are the CLI's. Checks run in an adopted
kernel show as the gap between ``render_report``'s start and the kernel's reset (the
command waits for their answer, not in a wrapped function). The
wrappers import the render modules up front, so the time before the plan is longer than
the plain command's.
"""

from __future__ import annotations

import functools
import importlib
import sys
import time

T0 = time.perf_counter()

PHASES = [
    ("evaluation.render.batch", "_plan"),
    ("evaluation.render.kernel", "WarmKernel.adopt"),
    ("evaluation.render.kernel", "WarmKernel.__init__"),
    ("evaluation.render.kernel", "WarmKernel.keep"),
    ("evaluation.render.kernel", "WarmKernel.wait_warm"),
    ("evaluation.render.kernel", "WarmKernel.reset"),
    ("evaluation.render.export", "_exporter"),
    ("evaluation.render.single", "data_fingerprint"),
    ("evaluation.render.single", "render_report"),
    ("evaluation.reports.preflight", "preflight"),
    ("evaluation.render.execute", "execute_notebook"),
    ("evaluation.render.export", "export_html"),
    ("evaluation.render.scan", "check_text"),
    ("evaluation.privacy.publication", "settle"),
    ("evaluation.render.index", "write_index"),
]


def _say(text: str) -> None:
    print(f"[{time.perf_counter() - T0:6.2f}] {text}", file=sys.stderr, flush=True)


def _timed(name: str, func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        _say(f"> {name}")
        try:
            return func(*args, **kwargs)
        finally:
            _say(f"< {name} ({time.perf_counter() - started:.2f})")

    return wrapper


def main() -> None:
    """Wrap the phases, then run the command line given as arguments."""
    for module, attr in PHASES:
        owner = importlib.import_module(module)
        *path, last = attr.split(".")
        for part in path:
            owner = getattr(owner, part)
        setattr(owner, last, _timed(attr, getattr(owner, last)))
    _say("imports done")
    from evaluation.cli.main import app

    sys.argv = ["evaluation", *sys.argv[1:]]
    try:
        app()
    finally:
        _say("end")


if __name__ == "__main__":  # spawned workers import this file as __mp_main__: no re-run
    main()
