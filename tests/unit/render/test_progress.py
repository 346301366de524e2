"""The batch progress display fits an 80-column terminal and speaks Swedish."""

from __future__ import annotations

import io

from rich.console import Console

from evaluation.render.progress import BatchProgress
from evaluation.render.single import ReportResult


def test_progress_line_fits_80_columns():
    with BatchProgress(120) as bar:
        for i in range(119):
            bar.add(ReportResult("p.yaml", ("ok", "reused", "failed")[i % 3]))
        wide = Console(file=io.StringIO(), width=200)
        wide.print(bar._progress.get_renderable())
    line = wide.file.getvalue().rstrip("\n")
    assert "\n" not in line and len(line) <= 80, line
    assert "klara 40" in line and "återanv. 40" in line and "fel 39" in line
