"""Command line: ``evaluation run``, ``evaluation batch`` and ``evaluation validate``.

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
PDF_HELP = "Also write an A4 PDF beside each HTML report (WeasyPrint)."


def _exit_code(exc: BaseException) -> int:
    return 2 if isinstance(exc, (DataError, ParameterError)) else 1


def _fail(exc: BaseException, debug: bool) -> None:
    """Print ``exc`` for a person (one or two lines) and exit with its code."""
    from evaluation.render.single import one_line

    if debug:  # R8 holds in debug mode too: the traceback is redacted line by line
        from evaluation.idnumbers import redact

        text = "".join(traceback.format_exception(exc))
        typer.echo(redact(text).rstrip("\n"), err=True)
    if isinstance(exc, EvaluationError):
        typer.echo(f"Error ({type(exc).__name__}): {one_line(exc)}", err=True)
        kept = getattr(exc, "notebook", None)
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
    pdf: bool = typer.Option(False, "--pdf", help=PDF_HELP),
    debug: bool = typer.Option(False, "--debug", help=DEBUG_HELP),
) -> None:
    """Render one evaluation's report."""
    try:
        from evaluation.load.cachedir import cache_dir_outside
        from evaluation.render import render_report
        from evaluation.render.paths import remove_legacy_cache, remove_stale_temp_files

        if output_dir.is_dir():  # nothing is created before the inputs have been read
            remove_legacy_cache(output_dir)
            for folder in [output_dir, *[p for p in output_dir.iterdir() if p.is_dir()]]:
                remove_stale_temp_files(folder)
        cache = cache_dir_outside(output_dir)  # private: record-level data never in reports/
        result = render_report(params, output_dir, cache_dir=cache, force=force)
    except Exception as exc:  # noqa: BLE001 - every failure is reported without a traceback
        _fail(exc, debug)
    word = "Re-used (inputs unchanged)" if result.status == "reused" else "Wrote"
    typer.echo(f"{word} {result.html} ({result.seconds:.1f} s)")
    if pdf:
        _pdfs([result], debug)


def _pdfs(results, debug: bool) -> None:
    """Write a PDF beside each written report whose PDF is missing or older than its HTML."""
    from evaluation.render.export import write_pdf

    for r in results:
        if r.status == "failed" or not r.html:
            continue
        html, target = Path(r.html), Path(r.html).with_suffix(".pdf")
        if target.exists() and target.stat().st_mtime >= html.stat().st_mtime:
            continue
        try:
            typer.echo(f"Wrote {write_pdf(html, target)}")
        except Exception as exc:  # noqa: BLE001
            _fail(exc, debug)


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
    pdf: bool = typer.Option(False, "--pdf", help=PDF_HELP),
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
    if pdf:
        _pdfs(result.results, debug)
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


_OWN_COMMANDS = {"run", "batch", "validate"}


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
