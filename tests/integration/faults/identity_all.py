"""Render a whole batch three ways and compare every report's bytes.

``python -m tests.integration.faults.identity_all [--batch params/batch_sample.yaml]
[--out DIR]`` renders the batch with ``--workers 1``, with ``--workers 2`` and one
report at a time with ``evaluation run``, each into its own folder, then compares every
report page (``index.html`` is skipped: it lists timings). Only the footer's git
version and notebook hash are masked, and only when they differ (a checkout edited
between the renders); every other byte must match. Exit status 0 when all match.

Two more orders, each against a batch rendered first (``--reference FOLDER``: its
``<batch>`` folder, or rendered here with ``--workers 2``):

``--order rerun`` copies the batch's folder and renders every evaluation again one at a
time with ``evaluation run --force -o <copy>``, as a researcher re-renders one report of a
published batch: the run reads the folder's hidden set and history, so every page (the
charts' downloads are inside it) must equal the batch's, and the hidden set must not grow.

``--order runs-first`` renders every evaluation one at a time into an EMPTY folder, then
runs a plain ``evaluation batch`` over that folder, and says how its pages and hidden set
compare with the reference batch (documented, not required to match: lone runs grow
the folder's hidden set in their own order, and a folder never un-hides a figure).
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]

#: Footer fields that may legitimately differ between renders of one checkout.
_MASKS = (
    (re.compile(rb"git-version <code>[^<]*</code>"), b"git-version <code>*</code>"),
    (re.compile(rb"sha256 <code>[0-9a-f]{16}</code>\)</dd>"), b"sha256 <code>*</code>)</dd>"),
)


def _cli(*args: str, timeout: float, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "-m", "evaluation", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=os.environ.copy(),
    )
    if check and done.returncode != 0:
        raise SystemExit(f"evaluation {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done


def _batch(
    batch: Path, root: Path, timeout: float, *extra: str, workers: str = "2", check: bool = True
) -> subprocess.CompletedProcess:
    """``evaluation batch`` into ``root`` with no per-report limit (the whole run has one)."""
    return _cli(
        "batch",
        str(batch),
        "-o",
        str(root),
        "--workers",
        workers,
        "--no-progress",
        "--timeout",
        "0",
        *extra,
        timeout=timeout * len(_params_of(batch)),
        check=check,
    )


def pages(folder: Path) -> dict[str, bytes]:
    """Bytes of every report page under ``folder`` (relative path -> bytes), index skipped."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*.html"))
        if p.name != "index.html" and not any(part.startswith(".") for part in p.parts)
    }


def mask(page: bytes) -> bytes:
    """The page with the footer's git version and notebook hash blanked."""
    for pattern, blank in _MASKS:
        page = pattern.sub(blank, page)
    return page


def compare(reference: dict[str, bytes], other: dict[str, bytes], label: str) -> list[str]:
    """Lines describing every difference of ``other`` from ``reference`` (empty: identical)."""
    lines = []
    for name in sorted(set(reference) | set(other)):
        if name not in other:
            lines.append(f"{label}: {name} missing")
        elif name not in reference:
            lines.append(f"{label}: {name} extra")
        elif reference[name] != other[name]:
            if mask(reference[name]) == mask(other[name]):
                lines.append(f"{label}: {name} differs only in the masked footer fields")
                continue
            a = reference[name].decode("utf-8", "replace").splitlines()
            b = other[name].decode("utf-8", "replace").splitlines()
            diff = list(difflib.unified_diff(a, b, lineterm="", n=0))[2:8]
            lines.append(f"{label}: {name} DIFFERS\n    " + "\n    ".join(x[:300] for x in diff))
    return lines


def render_all(
    batch: Path, out: Path, timeout: float, force: bool = True
) -> dict[str, dict[str, bytes]]:
    """Render ``batch`` three ways under ``out``; the pages of each way.

    No per-report time limit is set (``--timeout 0``): on a loaded machine a slow cell
    must not turn a comparison of bytes into a failed report. Without ``force`` a
    folder rendered before keeps its up-to-date reports (a re-run after a failure).
    """
    again = ["--force"] if force else []
    spec = yaml.safe_load(batch.read_text(encoding="utf-8"))
    name = spec["batch"]
    found: dict[str, dict[str, bytes]] = {}
    for workers in ("1", "2"):
        target = out / f"workers{workers}"
        started = time.perf_counter()
        _batch(batch, target, timeout, *again, workers=workers)
        print(f"batch --workers {workers}: {time.perf_counter() - started:.0f} s", flush=True)
        found[f"workers{workers}"] = pages(target / name)
    single = out / "run" / name
    started = time.perf_counter()
    for entry in spec["evaluations"]:
        params = (batch.parent / entry).resolve()
        _cli("run", str(params), "-o", str(single), "--timeout", "0", *again, timeout=timeout)
    print(f"run one at a time: {time.perf_counter() - started:.0f} s", flush=True)
    found["run"] = pages(single)
    return found


def hidden_count(folder: Path) -> int:
    """How many figures a batch folder keeps hidden."""
    from evaluation.privacy.ledger import read_hidden

    return len(read_hidden(folder))


def _params_of(batch: Path) -> list[Path]:
    spec = yaml.safe_load(batch.read_text(encoding="utf-8"))
    return [(batch.parent / entry).resolve() for entry in spec["evaluations"]]


def reference_batch(batch: Path, out: Path, timeout: float, given: Path | None) -> Path:
    """The batch folder to compare against: ``given``, or one rendered now with 2 workers."""
    if given is not None:
        return given
    name = yaml.safe_load(batch.read_text(encoding="utf-8"))["batch"]
    root = out / "batch"
    started = time.perf_counter()
    _batch(batch, root, timeout)
    print(f"reference batch: {time.perf_counter() - started:.0f} s", flush=True)
    return root / name


def rerun_into_copy(batch: Path, reference: Path, out: Path, timeout: float) -> list[str]:
    """Copy the batch folder, re-render each evaluation alone into it; differences found."""
    copy = out / "rerun" / reference.name
    if copy.exists():
        shutil.rmtree(copy)
    shutil.copytree(reference, copy)
    before = hidden_count(copy)
    problems = []
    started = time.perf_counter()
    for params in _params_of(batch):
        done = _cli(
            "run",
            str(params),
            "-o",
            str(copy),
            "--force",
            "--timeout",
            "0",
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0 or "Skrev" not in done.stdout:
            problems.append(f"run {params.name}: exit {done.returncode}: {done.stderr.strip()}")
    print(
        f"run --force one at a time into a copy: {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    if hidden_count(copy) != before:
        problems.append(f"hidden set grew: {before} -> {hidden_count(copy)}")
    return problems + compare(pages(reference), pages(copy), "rerun")


def runs_first(batch: Path, reference: Path, out: Path, timeout: float) -> list[str]:
    """Runs into an empty folder, then a plain batch over it; what differs from ``reference``."""
    root = out / "runs-first"
    folder = root / reference.name
    if root.exists():
        shutil.rmtree(root)
    lines, refused = [], 0
    started = time.perf_counter()
    for params in _params_of(batch):
        done = _cli(
            "run", str(params), "-o", str(folder), "--timeout", "0", timeout=timeout, check=False
        )
        refused += done.returncode != 0
    alone = pages(folder)
    lines.append(
        f"runs-first: {len(alone)} pages kept, {refused} runs refused "
        f"({time.perf_counter() - started:.0f} s), hidden set {hidden_count(folder)}"
    )
    started = time.perf_counter()
    done = _batch(batch, root, timeout, check=False)
    lines.append(
        f"runs-first: batch over the folder ({time.perf_counter() - started:.0f} s, exit "
        f"{done.returncode}): {done.stdout.strip().splitlines()[0] if done.stdout else ''}; "
        f"hidden set {hidden_count(folder)} (reference {hidden_count(reference)})"
    )
    found = compare(pages(reference), pages(folder), "runs-first")
    lines.append(f"runs-first: {len(found)} of {len(pages(reference))} pages differ")
    return lines + found


def main(argv: list[str] | None = None) -> int:
    """Render, compare, print the result; 0 when every report is identical all three ways."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=Path, default=ROOT / "params" / "batch_sample.yaml")
    parser.add_argument("--out", type=Path, default=Path(f"/tmp/identity-{os.getpid()}"))
    parser.add_argument(
        "--timeout", type=float, default=3600.0, help="seconds per report before giving up"
    )
    parser.add_argument(
        "--compare-only", action="store_true", help="compare folders rendered before"
    )
    parser.add_argument(
        "--no-force", action="store_true", help="keep up-to-date reports in existing folders"
    )
    parser.add_argument(
        "--order",
        choices=("workers", "rerun", "runs-first"),
        default="workers",
        help="workers: 1 vs 2 workers vs runs; rerun: run --force into a copy of a batch "
        "folder; runs-first: runs into an empty folder, then a batch over it",
    )
    parser.add_argument(
        "--reference", type=Path, default=None, help="a batch's folder rendered before"
    )
    args = parser.parse_args(argv)
    batch = args.batch.resolve()
    if args.order != "workers":
        reference = reference_batch(batch, args.out, args.timeout, args.reference)
        if args.order == "rerun":
            problems = rerun_into_copy(batch, reference, args.out, args.timeout)
            hard = [p for p in problems if "masked" not in p]
            for line in problems:
                print(line)
            print(
                f"reports: {len(pages(reference))}; identical after run --force one at a "
                f"time: {'yes' if not hard else 'NO'}"
            )
            return 0 if not hard and pages(reference) else 1
        for line in runs_first(batch, reference, args.out, args.timeout):
            print(line)
        return 0
    if args.compare_only:
        name = yaml.safe_load(batch.read_text(encoding="utf-8"))["batch"]
        found = {
            "workers1": pages(args.out / "workers1" / name),
            "workers2": pages(args.out / "workers2" / name),
            "run": pages(args.out / "run" / name),
        }
    else:
        found = render_all(batch, args.out, args.timeout, force=not args.no_force)
    reference = found["workers1"]
    problems = compare(reference, found["workers2"], "workers2") + compare(
        reference, found["run"], "run"
    )
    hard = [p for p in problems if "masked" not in p]
    for line in problems:
        print(line)
    print(
        f"reports: {len(reference)} (workers1), {len(found['workers2'])} (workers2), "
        f"{len(found['run'])} (run); identical: {'yes' if not hard else 'NO'}"
        + (f"; {len(problems) - len(hard)} differ only in masked footer fields" if problems else "")
    )
    return 0 if not hard and reference else 1


if __name__ == "__main__":
    raise SystemExit(main())
