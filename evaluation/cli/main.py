"""Command line: ``evaluation run``, ``batch``, ``validate`` and ``audit``.

A thin shell over the library. Every error a user can cause is printed in one or
two lines on stderr without a traceback (``--debug`` shows it); exit code 2 for
bad data or parameters, 1 for render, privacy and batch failures.
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path

import typer

from evaluation.exceptions import DataError, EvaluationError, ParameterError

app = typer.Typer(
    help="Utvärdering av områdesbaserat socialt arbete: rapporter och batchar.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

DEBUG_HELP = "Show the full traceback on errors."


def _exit_code(exc: BaseException) -> int:
    return 2 if isinstance(exc, (DataError, ParameterError)) else 1


def _fail(exc: BaseException, debug: bool) -> None:
    """Print ``exc`` for a person (one or two lines) and exit with its code."""
    from evaluation.render.single import one_line

    if debug:
        traceback.print_exception(exc, file=sys.stderr)
    if isinstance(exc, EvaluationError):
        typer.echo(f"Error ({type(exc).__name__}): {one_line(exc)}", err=True)
        kept = getattr(exc, "failed_notebook", None) or getattr(exc, "notebook", None)
        if kept and Path(kept).exists():
            typer.echo(f"The executed notebook with the error is kept at {kept}", err=True)
        raise typer.Exit(_exit_code(exc))
    typer.echo(f"Internal error: {one_line(exc)} (run again with --debug for details)", err=True)
    raise typer.Exit(1)


@app.command()
def run(
    params: Path = typer.Argument(..., help="Parameters YAML of one evaluation."),
    output_dir: Path = typer.Option(
        Path("reports/adhoc"), "--output-dir", "-o", help="Folder for <area>/<kind>.html."
    ),
    force: bool = typer.Option(False, "--force", help="Re-render even if nothing changed."),
    debug: bool = typer.Option(False, "--debug", help=DEBUG_HELP),
) -> None:
    """Render one evaluation's report."""
    try:
        from evaluation.render import render_report
        from evaluation.render.paths import remove_stale_temp_files

        if output_dir.is_dir():  # nothing is created before the inputs have been read
            for folder in [output_dir, *[p for p in output_dir.iterdir() if p.is_dir()]]:
                remove_stale_temp_files(folder)
        from evaluation.privacy.publication import publish_one

        # R0: the same hidden set and joint audit as a batch (the folder and its neighbours)
        result, audit = publish_one(
            lambda again: render_report(
                params, output_dir, cache_dir=output_dir / ".cache", force=force or again
            ),
            output_dir,
        )
    except Exception as exc:  # noqa: BLE001 - every failure is reported without a traceback
        _fail(exc, debug)
    word = "Re-used (inputs unchanged)" if result.status == "reused" else "Wrote"
    typer.echo(f"{word} {result.html} ({result.seconds:.1f} s)")
    if not audit.ok:
        typer.echo(f"Error (PrivacyError): {audit.summary()}", err=True)
        raise typer.Exit(1)


@app.command()
def batch(
    batch_file: Path = typer.Argument(..., metavar="BATCH", help="Batch YAML."),
    output_root: Path = typer.Option(
        Path("reports"), "--output-root", "-o", help="Folder for <batch>/index.html and reports."
    ),
    workers: int = typer.Option(
        None, "--workers", "-w", min=1, help="Parallel workers (default: one per core)."
    ),
    executor: str = typer.Option(
        "local", "--executor", help="local (process pool), dask, or serial (this process)."
    ),
    scheduler: str = typer.Option(
        None, "--scheduler", help="Dask scheduler address (default: a local cluster)."
    ),
    force: bool = typer.Option(False, "--force", help="Re-render unchanged reports."),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Progress bar."),
    debug: bool = typer.Option(False, "--debug", help=DEBUG_HELP),
) -> None:
    """Render every evaluation of a batch and write the index page."""
    try:
        from evaluation.render.batch import run_batch

        result = run_batch(
            batch_file,
            output_root,
            workers=workers,
            executor=executor,
            scheduler=scheduler,
            force=force,
            progress=progress,
        )
    except Exception as exc:  # noqa: BLE001
        _fail(exc, debug)
    typer.echo(
        f"{len(result.results)} reports: {result.count('ok')} rendered, "
        f"{result.count('reused')} re-used, {result.count('failed')} failed "
        f"in {result.seconds:.1f} s. Index: {result.index}"
    )
    if result.publication:
        typer.echo(result.publication)
    for failed in result.failed:
        where = f"{failed.area} / {failed.kind}" if failed.area else Path(failed.params_file).name
        typer.echo(f"Failed: {where}: {failed.message}", err=True)
    if result.failed:
        raise typer.Exit(1)


@app.command()
def validate(
    data_folder: Path = typer.Argument(..., help="Data folder to check."),
    debug: bool = typer.Option(False, "--debug", help=DEBUG_HELP),
) -> None:
    """Load and validate a data folder against the data contract."""
    try:
        from evaluation import load_data

        data = load_data(data_folder)
    except ImportError as exc:
        _fail(EvaluationError(f"data loading is not available: {exc}"), debug)
    except Exception as exc:  # noqa: BLE001
        _fail(exc, debug)
    tables = (
        [
            name
            for name, value in sorted(vars(data).items())
            if not name.startswith("_") and value is not None
        ]
        if hasattr(data, "__dict__")
        else []
    )
    typer.echo(f"{data_folder}: valid" + (f" ({', '.join(tables)})" if tables else ""))


@app.command()
def audit(
    reports_dir: Path = typer.Argument(
        ..., metavar="REPORTS_DIR", help="Folder of batch folders (or one batch folder)."
    ),
    debug: bool = typer.Option(False, "--debug", help=DEBUG_HELP),
) -> None:
    """Check that no hidden figure of any batch can be derived from everything published."""
    try:
        from evaluation.privacy.publication_audit import audit_reports_dir

        audits = audit_reports_dir(reports_dir)
    except Exception as exc:  # noqa: BLE001
        _fail(exc, debug)
    if not audits:
        typer.echo(f"{reports_dir}: no report ledgers found", err=True)
        raise typer.Exit(1)
    failed = False
    for name, result in audits.items():
        typer.echo(f"{name}: {result.summary()} ({result.seconds:.1f} s)")
        for failure in result.failures[:20]:
            typer.echo(f"  {failure}", err=True)
        failed |= not result.ok
    if failed:
        raise typer.Exit(1)


_OWN_COMMANDS = {"run", "batch", "validate", "audit"}


def _mount_fetch(argv: list[str]) -> None:
    """Add ``evaluation fetch`` unless the command line names one of this module's commands.

    The fetch module imports pandas and requests; skipping it keeps ``run``/``batch``
    start-up (and the no-op batch re-run) fast.
    """
    first = next((arg for arg in argv[1:] if not arg.startswith("-")), None)
    if first in _OWN_COMMANDS:
        return
    try:
        from evaluation.cli.fetch import fetch_app
    except ModuleNotFoundError as exc:  # tolerate only the module itself being absent
        if exc.name != "evaluation.cli.fetch":
            raise
        return
    app.add_typer(fetch_app, name="fetch")


_mount_fetch(sys.argv)


def main() -> None:
    """Entry point for ``python -m evaluation.cli.main``."""
    app()


if __name__ == "__main__":
    main()
