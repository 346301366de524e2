"""Presentation modules must not change global plotting state when imported."""

from __future__ import annotations

import subprocess
import sys


def test_importing_presentation_keeps_the_callers_matplotlib_backend():
    # A notebook kernel uses the inline backend; switching it to Agg on import made
    # every later figure in the same kernel (and a researcher's own) vanish.
    code = (
        "import matplotlib; matplotlib.use('svg'); "
        "import evaluation.present.charts, evaluation.present.maps, "
        "evaluation.present.pyramid, evaluation.present.diverging, "
        "evaluation.methods.plots; "
        "print(matplotlib.get_backend())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "svg"
