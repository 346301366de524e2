"""A progress bar for batches: counts per status, elapsed time and ETA (rich, on stderr)."""

from __future__ import annotations

from collections import Counter

from evaluation.render.single import ReportResult


class BatchProgress:
    """Context manager showing ``done/total``, statuses and the time remaining."""

    def __init__(self, total: int, *, enabled: bool = True, title: str = "Rapporter") -> None:
        self.total, self.enabled, self.title = total, enabled and total > 0, title
        self.counts: Counter[str] = Counter()
        self._progress = None
        self._task = None

    def _label(self) -> str:
        c = self.counts
        return (
            f"{self.title} [green]klara {c['ok']}[/] [cyan]återanv. {c['reused']}[/] "
            f"[red]fel {c['failed']}[/]"
        )

    def __enter__(self) -> BatchProgress:
        if self.enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            # Fits 80 columns: label ~36, bar 12, "27/27", "0:01:23", "kvar 0:00:10".
            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(bar_width=12),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("kvar"),
                TimeRemainingColumn(compact=True),
                console=Console(stderr=True),
                transient=False,
            )
            self._progress.__enter__()
            self._task = self._progress.add_task(self._label(), total=self.total)
        return self

    def add(self, result: ReportResult, *, advance: bool = True) -> None:
        """Count a finished (or re-used) report."""
        self.counts[result.status] += 1
        if self._progress is not None:
            self._progress.update(
                self._task, advance=1 if advance else 0, description=self._label()
            )

    def __exit__(self, *exc) -> None:
        if self._progress is not None:
            self._progress.__exit__(*exc)
