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


def test_csv_download_is_no_more_precise_than_three_decimals():
    """Long float tails both overstate what the page shows and trip the identity scan."""
    import pandas as pd

    from evaluation.present.output import _csv_cell, csv_bytes

    assert _csv_cell(3.14159265358979) == "3,142"
    text = csv_bytes(pd.DataFrame({"Andel (%)": [12.3456789012, ".."]})).decode("utf-8-sig")
    assert "12,346" in text and "3456789012" not in text
