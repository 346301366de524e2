r"""CPU seconds of a command's processes by kind: the batch process, workers, kernels.

Usage::

    .venv/bin/python benchmarks/process_cpu.py .venv/bin/evaluation batch \
        params/batch_sample.yaml -o /tmp/out --workers 2 --force --no-progress

Polls ``/proc`` every 0.1 s for the command's descendants and keeps each one's last
user + system time (Linux only; a process's final 0.1 s may be missed), then prints
wall seconds and CPU seconds per kind. ``RUSAGE_CHILDREN`` gives only the total; this
says where in the batch it goes.
"""

from __future__ import annotations

import collections
import os
import subprocess
import sys
import time


def _processes() -> dict[int, tuple[int, float, str]]:
    """Every running process: its parent pid, CPU seconds and command line, by pid."""
    tick = os.sysconf("SC_CLK_TCK")
    found = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                stat = f.read()
            with open(f"/proc/{name}/cmdline") as f:
                cmd = f.read().replace("\0", " ")
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        found[int(name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick, cmd)
    return found


def _kind(pid: int, root: int, cmd: str) -> str:
    if pid == root:
        return "batch process"
    if "ipykernel" in cmd:
        return "kernels"
    if "spawn_main" in cmd or "forkserver" in cmd:
        return "workers"
    return cmd[:70] or "other"


def main() -> None:
    """Run the command given as arguments and print its processes' CPU by kind."""
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    started = time.perf_counter()
    proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
    seen: dict[int, tuple[float, str]] = {}
    while proc.poll() is None:
        now = _processes()
        family, grew = {proc.pid}, True
        while grew:
            grew = False
            for pid, (parent, _, _) in now.items():
                if parent in family and pid not in family:
                    family.add(pid)
                    grew = True
        for pid in family & now.keys():
            cpu, cmd = now[pid][1:]
            seen[pid] = (cpu, cmd or seen.get(pid, (0.0, ""))[1])
        time.sleep(0.1)
    totals: dict[str, list] = collections.defaultdict(lambda: [0, 0.0])
    for pid, (cpu, cmd) in seen.items():
        kind = _kind(pid, proc.pid, cmd)
        totals[kind][0] += 1
        totals[kind][1] += cpu
    print(f"wall {time.perf_counter() - started:.1f} s (exit {proc.returncode})")
    for kind, (n, cpu) in sorted(totals.items(), key=lambda x: -x[1][1]):
        print(f"{cpu:8.1f} CPU-s  {n:3d} process(es)  {kind}")


if __name__ == "__main__":
    main()
