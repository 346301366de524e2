"""A batch worker checks each report's inputs in its kernel, which reads the data once.

The worker itself then never imports the data libraries (pandas, geopandas),
and the notebook takes the data its check validated instead of reading the cache again.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

WORKER = """
    import json, sys
    from evaluation.params import load_params
    from evaluation.render.kernel import ready_kernel, shutdown_all
    from evaluation.render.task import RenderTask, prepare_task, render_task, warm_worker

    out, cache, params = sys.argv[1], sys.argv[2], sys.argv[3:]
    warm_worker()
    kernel = ready_kernel()
    prepare_task(str(load_params(params[0]).data), cache, "evaluation-warm")
    # Count the kernel's reads of the cache from here on (a closure: %reset keeps it).
    kernel.run(
        "import evaluation.load.dataset as d\\n"
        "d.reads = 0\\n"
        "d._read_cache = (lambda m, f: lambda *a: (setattr(m, 'reads', m.reads + 1), f(*a))[1])"
        "(d, d._read_cache)"
    )
    statuses = [render_task(RenderTask(p, out, cache, "evaluation-warm")).status for p in params]
    reads = kernel.evaluate("__import__('evaluation.load.dataset', fromlist=['_']).reads")()
    found = {
        "statuses": statuses,
        "reads": int(reads),
        "imported": sorted(m for m in ("pandas", "geopandas") if m in sys.modules),
    }
    shutdown_all()
    print(json.dumps(found))
"""


def test_a_worker_checks_in_its_kernel_and_the_notebook_reads_the_data_once(tmp_path):
    params = [str(ROOT / "params" / "user_survey" / n) for n in ("ryd.yaml", "berga.yaml")]
    env = {**os.environ, "EVALUATION_KEEP_KERNEL": "0", "EVALUATION_CACHE_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(WORKER), str(tmp_path / "out"), str(tmp_path / "c")]
        + params,
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["statuses"] == ["ok", "ok"]
    assert found["imported"] == []  # the checks ran in the kernel, not in the worker
    assert found["reads"] == 2  # one read per report: the notebook took what its check read
