"""Reading the validated cache needs no validation library: report kernels start lighter."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_loading_from_the_cache_does_not_import_pandera(tmp_path):
    code = (
        "import sys\n"
        "from evaluation.load.dataset import load_data\n"
        f"load_data({str(ROOT / 'data' / 'sample')!r}, cache_dir={str(tmp_path)!r})\n"  # fills it
        "first = 'pandera' in sys.modules\n"
        "for name in [m for m in sys.modules if m.startswith('pandera')]:\n"
        "    del sys.modules[name]\n"
        "import evaluation.load.schemas as s\n"
        f"load_data({str(ROOT / 'data' / 'sample')!r}, cache_dir={str(tmp_path)!r})\n"
        "print(first, any(m.startswith('pandera') for m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    # a cold cache validates with pandera; a warm one reads without importing it
    assert out.stdout.split() == ["True", "False"], out.stderr
