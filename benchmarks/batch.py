"""Batch benchmark: ``evaluation batch`` against the papermill + nbconvert pair, in one run.

Usage::

    .venv/bin/python benchmarks/batch.py                          # the sample term batch
    .venv/bin/python benchmarks/batch.py --only area_analysis --repeat 3
    .venv/bin/python benchmarks/batch.py --floor --update         # + no-Jupyter floor, update
    .venv/bin/python benchmarks/batch.py --dask 2,4,8             # workers curve (LocalCluster)
    .venv/bin/python benchmarks/batch.py --sizes 3,9,27           # cost as reports grow

Every round runs, alternating and each from a cold start (fresh output folder and
fresh data cache): ``evaluation batch --force`` with 1 and 2 workers, the
``papermill`` CLI followed by ``jupyter nbconvert --to html --no-input`` per
evaluation one after another, and the same pair two at a time (``xargs -P 2``
style), optionally the no-Jupyter floor (``benchmarks/floor.py``). Wall seconds
and CPU seconds of all child processes (``RUSAGE_CHILDREN``: kernels, workers,
papermill and nbconvert included) are printed with the 1-minute load average at
the start of each run; CPU seconds are the steadier figure on a shared machine.
Then the no-op re-run (six times: the first after a batch hashes the pages it
wrote last, the median of the other five is the figure) and a one-report update
(one parameters file changed, four times) timed against that report's own render
time in the batch: the first update starts a kernel (none is kept: the timed batches
run with ``EVALUATION_KEEP_KERNEL=0``, so that their kernels' CPU seconds are
counted), the next three adopt the kernel the one before kept (median), as a user's
update does after any command of the last ten minutes. Output goes to
``benchmarks/output/``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
OUT = ROOT / "benchmarks" / "output" / "batch"
NOOP_RUNS = 6  # the first, then five re-runs for the median
UPDATE_RUNS = 4  # the first starts a kernel; the median of the others, which adopt one
#: Seconds the update runs keep their kernel (the benchmark leaves none for long).
KEEP_FOR_UPDATES = "60"


def _cpu_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class Timed:
    """Wall and children's CPU seconds of a block, and the load average when it started."""

    def __enter__(self) -> Timed:
        self.load = os.getloadavg()[0]
        self.cpu0, self.t0 = _cpu_children(), time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.wall = time.perf_counter() - self.t0
        self.cpu = _cpu_children() - self.cpu0


def _bytecode() -> str:
    """Whether the installed libraries have bytecode (printed with every run).

    Without it every process start compiles pandas and matplotlib from source (3-4 CPU-s
    per kernel), which moves every figure here.
    """
    import importlib.util

    import pandas

    cached = importlib.util.cache_from_source(pandas.__file__)
    return "bytecode compiled" if Path(cached).exists() else "NO BYTECODE (make setup compiles it)"


def _run(cmd: list[str], env: dict | None = None, check: bool = True) -> int:
    done = subprocess.run(
        cmd,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    if check and done.returncode not in (0,):
        tail = "\n".join(done.stderr.strip().splitlines()[-5:])
        raise SystemExit(f"{' '.join(cmd[:3])}... failed ({done.returncode}):\n{tail}")
    return done.returncode


def subset_batch(batch: Path, only: list[str] | None, first: int | None, folder: Path) -> Path:
    """A batch file with the chosen kinds (and at most ``first`` evaluations), same name."""
    import yaml

    from evaluation.params import load_batch, load_params

    spec = yaml.safe_load(batch.read_text(encoding="utf-8"))
    keep = [
        str(p) for p in load_batch(batch).evaluations if not only or load_params(p).kind in only
    ]
    spec["evaluations"] = keep[:first] if first else keep
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / batch.name
    target.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    return target


def _env(cache: Path | None, keep: str = "0") -> dict:
    """The environment with the data cache in ``cache`` (None: the user's default).

    ``keep``: seconds a command keeps a kernel for the next (``EVALUATION_KEEP_KERNEL``);
    none by default here, as a kept kernel's CPU seconds are never counted (no one
    waits for it).
    """
    env = {**os.environ, "EVALUATION_KEEP_KERNEL": keep}
    if cache is not None:
        env["EVALUATION_CACHE_DIR"] = str(cache)
    return env


def ours(
    batch: Path, out: Path, workers: int, *, force=True, executor="local", cache=False, keep="0"
):
    """``evaluation batch`` as a user runs it (cold interpreter included); returns Timed."""
    cmd = [str(BIN / "evaluation"), "batch", str(batch), "-o", str(out), "--no-progress"]
    cmd += ["--workers", str(workers), "--executor", executor]
    if force:
        cmd.append("--force")
    with Timed() as t:
        # a failed report (e.g. a time-out on a loaded machine) is printed, not fatal
        cache = out.parent / "cache" if cache is False else cache
        t.code = _run(cmd, env=_env(cache, keep), check=False)
    if t.code:
        print(f"  (evaluation batch exited with {t.code}: a report failed; see its index)")
    return t


def _pair(params_file: str, notebook: Path, out: Path, cache: Path) -> None:
    executed = out / f"{Path(params_file).parent.name}-{Path(params_file).stem}.ipynb"
    _run(
        [
            str(BIN / "papermill"),
            str(notebook),
            str(executed),
            "-p",
            "params_file",
            params_file,
            "-p",
            "cache_dir",
            str(cache),
            "--cwd",
            str(notebook.parent),
            "--no-progress-bar",
        ],
        env=_env(cache),
        check=False,  # a failed notebook still costs its time; nbconvert shows the error
    )
    _run(
        [str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed)],
        env=_env(cache),
    )


def papermill_pairs(batch: Path, out: Path, parallel: int) -> Timed:
    """Papermill CLI then nbconvert per evaluation, ``parallel`` pairs at a time (xargs -P)."""
    from evaluation.metadata.kinds import notebook_path
    from evaluation.params import load_batch, load_params

    out.mkdir(parents=True, exist_ok=True)
    jobs = [(str(p), notebook_path(load_params(p).kind)) for p in load_batch(batch).evaluations]
    cache = out / "cache"
    with Timed() as t, ThreadPoolExecutor(parallel) as pool:
        list(pool.map(lambda job: _pair(job[0], job[1], out, cache), jobs))
    return t


def floor(batch: Path, processes: int = 2) -> Timed:
    """The no-Jupyter floor (``benchmarks/floor.py``) in its own process."""
    with Timed() as t:
        _run(
            [
                sys.executable,
                str(ROOT / "benchmarks" / "floor.py"),
                str(batch),
                "--processes",
                str(processes),
            ]
        )
    return t


def render_seconds(out: Path) -> dict[str, float]:
    """Render seconds each manifest records, by "area-slug/kind"."""
    found = {}
    for manifest in out.glob("*/*/*.manifest.json"):
        data = json.loads(manifest.read_text(encoding="utf-8"))
        found[f"{manifest.parent.name}/{data.get('kind')}"] = float(data["render_seconds"])
    return found


def update_one(batch: Path, out: Path, cache: Path, workers: int) -> tuple[Timed, str, float]:
    """Change one parameters file (a comment line) and re-run the batch; restore it after."""
    from evaluation.params import load_batch, load_params
    from evaluation.render.paths import area_slug

    params_file = Path(load_batch(batch).evaluations[-1])
    params = load_params(params_file)
    own = render_seconds(out).get(f"{area_slug(params.area)}/{params.kind}", float("nan"))
    original = params_file.read_bytes()
    try:
        params_file.write_bytes(original + f"# benchmark {time.time()}\n".encode())
        t = ours(batch, out, workers, force=False, cache=cache, keep=KEEP_FOR_UPDATES)
    finally:
        params_file.write_bytes(original)
    return t, f"{params_file.parent.name}/{params_file.name}", own


def _line(name: str, t: Timed, n: int) -> str:
    return (
        f"{name:34s} wall {t.wall:7.1f} s  CPU {t.cpu:7.1f} s  "
        f"({t.wall / n:5.2f} s, {t.cpu / n:5.2f} CPU-s per report)  load {t.load:4.1f}"
    )


def main() -> None:
    """Alternate the runs ``--repeat`` times; print each, the medians and the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("batch", nargs="?", default=str(ROOT / "params" / "batch_sample.yaml"))
    parser.add_argument("--only", action="append", help="only this report kind (repeatable)")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--workers", default="1,2", help="worker counts for evaluation batch")
    parser.add_argument("--skip-papermill", action="store_true")
    parser.add_argument("--skip-sequential", action="store_true", help="no one-at-a-time pair")
    parser.add_argument("--floor", action="store_true", help="also run benchmarks/floor.py")
    parser.add_argument("--update", action="store_true", help="no-op and one-report update")
    parser.add_argument(
        "--existing",
        default="",
        help="an output root the batch was rendered into (same code): only the no-op and "
        "the update are timed on it (with --update), nothing is rendered cold",
    )
    parser.add_argument("--dask", default="", help="worker counts for a Dask LocalCluster")
    parser.add_argument("--sizes", default="", help="report counts for the cost-per-report fit")
    args = parser.parse_args()

    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    batch = subset_batch(Path(args.batch).resolve(), args.only, None, OUT / "batch")
    from evaluation.params import load_batch

    n = len(load_batch(batch).evaluations)
    workers = [int(w) for w in args.workers.split(",") if w]
    print(f"batch {Path(args.batch).name}: {n} evaluations; {os.cpu_count()} cores; {_bytecode()}")
    runs: dict[str, list[Timed]] = {}

    def record(name: str, t: Timed) -> None:
        runs.setdefault(name, []).append(t)
        print(_line(name, t, n), flush=True)

    for r in range(0 if args.existing else args.repeat):
        tmp = Path(tempfile.mkdtemp(prefix=f"run{r}-", dir=OUT))
        for w in workers:
            record(f"evaluation batch, {w} worker(s)", ours(batch, tmp / f"ours{w}" / "out", w))
        if not args.skip_papermill:
            if not args.skip_sequential:
                record("papermill+nbconvert, sequential", papermill_pairs(batch, tmp / "pm1", 1))
            record("papermill+nbconvert, 2 at a time", papermill_pairs(batch, tmp / "pm2", 2))
        if args.floor:
            record("floor (no Jupyter), 2 processes", floor(batch, 2))
        if r < args.repeat - 1:
            shutil.rmtree(tmp, ignore_errors=True)

    med = {
        k: (statistics.median(t.wall for t in v), statistics.median(t.cpu for t in v))
        for k, v in runs.items()
    }
    print("\nmedians and ratios (other / evaluation batch with 2 workers):")
    base = med.get("evaluation batch, 2 worker(s)")
    for name, (wall, cpu) in med.items():
        ratio = f"  x{wall / base[0]:.2f} wall, x{cpu / base[1]:.2f} CPU" if base else ""
        print(f"  {name:34s} {wall:7.1f} s  {cpu:7.1f} CPU-s{ratio}")
    if base and "evaluation batch, 1 worker(s)" in med:
        print(f"  second worker: x{med['evaluation batch, 1 worker(s)'][0] / base[0]:.2f} wall")
    if base and "floor (no Jupyter), 2 processes" in med:
        fw, fc = med["floor (no Jupyter), 2 processes"]
        print(f"  project / floor: x{base[0] / fw:.2f} wall, x{base[1] / fc:.2f} CPU")
        # Each round's batch and floor run back to back, so their ratio shares the
        # host's load of the moment, which the medians taken apart do not.
        rounds = [
            b.cpu / f.cpu
            for b, f in zip(
                runs["evaluation batch, 2 worker(s)"],
                runs["floor (no Jupyter), 2 processes"],
                strict=True,
            )
        ]
        print(
            "  project / floor by round: "
            + ", ".join(f"x{r:.2f}" for r in rounds)
            + f" CPU (median x{statistics.median(rounds):.2f})"
        )

    if args.update:
        w = max(workers)
        if args.existing:  # the user's own data cache, as that batch used it
            out, cache = Path(args.existing).resolve(), None
        else:
            out, cache = tmp / f"ours{w}" / "out", tmp / f"ours{w}" / "cache"
        # The first re-run after a batch hashes the pages written within the racy margin
        # (manifest.CheckedPages); the next ones are the no-op a user re-running meets.
        noops = [ours(batch, out, w, force=False, cache=cache) for _ in range(NOOP_RUNS)]
        rest = sorted(t.wall for t in noops[1:])
        print(
            f"\nno-op re-run: first {noops[0].wall:.2f} s, then "
            + ", ".join(f"{t.wall:.2f}" for t in noops[1:])
            + f" s: median {statistics.median(rest):.2f} s"
        )
        updates = [update_one(batch, out, cache, w) for _ in range(UPDATE_RUNS)]
        which, own = updates[0][1], updates[0][2]
        first, *walls = [t.wall for t, _, _ in updates]
        wall = statistics.median(walls)
        print(
            f"one-report update ({which}); its own render in the batch {own:.2f} s:\n"
            f"  starting a kernel (none kept)  {first:.2f} s -> x{first / own:.2f}\n"
            f"  adopting the kept kernel       "
            + ", ".join(f"{x:.2f}" for x in walls)
            + f" s, median {wall:.2f} s -> x{wall / own:.2f}"
        )

    for w in [int(x) for x in args.dask.split(",") if x]:
        tmp = Path(tempfile.mkdtemp(prefix=f"dask{w}-", dir=OUT))
        t = ours(batch, tmp / "out", w, executor="dask")
        print(_line(f"dask LocalCluster, {w} worker(s)", t, n), flush=True)

    sizes = [int(x) for x in args.sizes.split(",") if x]
    if sizes:
        points = []
        for k in sizes:
            sub = subset_batch(Path(args.batch).resolve(), args.only, k, OUT / f"size{k}")
            tmp = Path(tempfile.mkdtemp(prefix=f"size{k}-", dir=OUT))
            t = ours(sub, tmp / "out", max(workers))
            points.append((k, t.cpu, t.wall))
            print(_line(f"{k} reports, {max(workers)} workers", t, k), flush=True)
        if len(points) >= 2:
            import numpy as np

            ks = np.array([p[0] for p in points], dtype=float)
            slope, fixed = np.polyfit(ks, [p[1] for p in points], 1)
            wslope, wfixed = np.polyfit(ks, [p[2] for p in points], 1)
            print(f"  CPU  = {fixed:.1f} s fixed + {slope:.2f} s per report")
            print(f"  wall = {wfixed:.1f} s fixed + {wslope:.2f} s per report")


if __name__ == "__main__":
    main()
