"""Command line: ``evaluation run``, ``batch``, ``validate`` and ``audit``.

A thin shell over the library. Every error a user can cause is printed in one or
two lines on stderr without a traceback (``--debug`` shows it); exit code 2 for
bad data or parameters, 1 for render, privacy and batch failures.
"""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path

# Pydantic looks for plugins (entry points of every installed distribution) the first
# time it builds a validator, and Typer builds one per option: importing
# importlib.metadata and scanning ~200 distributions was a sixth of a no-op batch.
# Neither the command line nor the renderers it starts (they inherit the variable) use a
# pydantic plugin; set the variable before starting it ("" for all) to load them anyway.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

import typer  # noqa: E402

from evaluation.cli.swedish import install as _swedish_typer
from evaluation.exceptions import DataError, EvaluationError, ParameterError

_swedish_typer()  # Typer's own headings and argument errors in Swedish, like the rest
app = typer.Typer(
    help="Utvärdering av områdesbaserat socialt arbete: rapporter, batchar och datakontroll.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

DEBUG_HELP = "Visa hela felspåret (traceback) vid fel."
PDF_HELP = "Skriv också en A4-PDF bredvid varje HTML-rapport (WeasyPrint)."
TIMEOUT_HELP = (
    "Sekunder en rapport får köra innan den misslyckas (notebooken sparas); 0 = ingen gräns."
)
DEFAULT_TIMEOUT = 600.0
STOPPED = "Avbruten: den senaste lyckade rapporten finns kvar; kör igen för att slutföra."


def _exit_code(exc: BaseException) -> int:
    return 2 if isinstance(exc, (DataError, ParameterError)) else 1


def _fail(exc: BaseException, debug: bool) -> None:
    """Print ``exc`` for a person (one line, or one per problem) and exit with its code."""
    from evaluation.cli.messages import describe, headline, show_path

    if debug:  # R8 holds in debug mode too: the traceback is redacted line by line
        from evaluation.idnumbers import redact

        text = "".join(traceback.format_exception(exc))
        typer.echo(redact(text).rstrip("\n"), err=True)
    if isinstance(exc, EvaluationError):
        problems = getattr(exc, "problems", None)
        if problems:
            typer.echo(
                f"Fel (datafel, {type(exc).__name__}): {len(problems)} problem i datamappen "
                f"{show_path(exc.file)}:",
                err=True,
            )
            for problem in problems:
                typer.echo(f"  {describe(problem)}", err=True)
        else:
            typer.echo(headline(exc), err=True)
        kept = getattr(exc, "notebook", None)
        if kept and Path(kept).exists():
            typer.echo(f"Den körda notebooken med felet finns kvar: {show_path(kept)}", err=True)
        raise typer.Exit(_exit_code(exc))
    typer.echo(f"Internt fel: {describe(exc)} (kör igen med --debug för detaljer)", err=True)
    raise typer.Exit(1)


def project_root(params_file: Path) -> Path:
    """The project holding a params or batch file; its own folder if none is found.

    The nearest folder above the file with ``params/``, ``pyproject.toml`` or ``data/``.
    """
    start = params_file.resolve().parent
    for folder in (start, *start.parents):
        if folder.name == "params":
            continue
        if (
            (folder / "params").is_dir()
            or (folder / "pyproject.toml").is_file()
            or (folder / "data").is_dir()
        ):
            return folder
    return start


def _yaml_keys(path: Path) -> set[str]:
    import yaml

    from evaluation.yaml_text import load_yaml

    try:
        content = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return set()
    return set(content) if isinstance(content, dict) else set()


def _check_file_kind(path: Path, wanted: str) -> None:
    """A clear message when a folder, a batch file or a params file is in the wrong place."""
    from evaluation.cli.messages import show_path

    shown = show_path(path)
    if path.is_dir():
        if wanted == "params":
            hint = (
                f"{shown} är en mapp; run vill ha en parameterfil (YAML), "
                f"t.ex. evaluation run params/skaggetorp_outcome_followup.yaml. "
                f"Kontrollera en datamapp med evaluation validate {shown}"
            )
        else:
            hint = (
                f"{shown} är en mapp; batch vill ha en batchfil (YAML), "
                "t.ex. evaluation batch params/batch_sample.yaml"
            )
        raise ParameterError(hint)
    if not path.exists():
        raise ParameterError(f"filen {shown} finns inte")
    keys = _yaml_keys(path)
    if wanted == "params" and "evaluations" in keys:
        raise ParameterError(
            f"{shown} är en batchfil (den har 'evaluations'); kör den med evaluation batch {shown}"
        )
    if wanted == "batch" and "kind" in keys and "evaluations" not in keys:
        raise ParameterError(
            f"{shown} är en parameterfil för en utvärdering (den har 'kind'); kör den med "
            f"evaluation run {shown}, eller lista den under 'evaluations:' i en batchfil"
        )


@app.command()
def run(
    params: Path = typer.Argument(..., help="Parameterfil (YAML) för en utvärdering."),
    output_dir: Path = typer.Option(
        None,
        "--output-dir",
        "-o",
        help="Mapp för <område>/<rapporttyp>.html (standard: reports/adhoc i projektet "
        "som har parameterfilen).",
    ),
    force: bool = typer.Option(False, "--force", help="Rendera om även om inget ändrats."),
    timeout: float = typer.Option(DEFAULT_TIMEOUT, "--timeout", min=0, help=TIMEOUT_HELP),
    pdf: bool = typer.Option(False, "--pdf", help=PDF_HELP),
    debug: bool = typer.Option(False, "--debug", help=DEBUG_HELP),
) -> None:
    """Rendera rapporten för en utvärdering."""
    from evaluation.cli.messages import show_path

    try:
        _check_file_kind(params, "params")
        from evaluation.load.cachedir import cache_dir_outside
        from evaluation.params import load_params
        from evaluation.reports.preflight import preflight

        if output_dir is None:
            output_dir = project_root(params) / "reports" / "adhoc"
        cache = cache_dir_outside(output_dir)  # private: record-level data never in reports/
        # Bad input fails here, in seconds: before any folder is made, and before the
        # renderer and the privacy audit (scipy, the kernel machinery) are even imported.
        preflight(load_params(params), cache)
        from evaluation.render.kernel import keep_seconds

        keep_seconds()  # a bad $EVALUATION_KEEP_KERNEL, named before a folder is made
        from evaluation.privacy.publication import publish_one
        from evaluation.render import render_report
        from evaluation.render.batch import _stop_on_signals
        from evaluation.render.lock import folder_lock
        from evaluation.render.paths import remove_legacy_cache, remove_stale_temp_files

        if output_dir.is_dir():  # nothing is created before the inputs have been read
            remove_legacy_cache(output_dir)
            for folder in [output_dir, *[p for p in output_dir.iterdir() if p.is_dir()]]:
                remove_stale_temp_files(folder)
        with folder_lock(output_dir), _stop_on_signals():
            # R0: the same hidden set and joint audit as a batch (the folder and its neighbours)
            result, audit = publish_one(
                lambda again: render_report(
                    params,
                    output_dir,
                    cache_dir=cache,
                    force=force or again,
                    timeout=timeout or None,
                ),
                output_dir,
            )
    except KeyboardInterrupt:
        typer.echo(STOPPED, err=True)
        raise typer.Exit(130) from None
    except Exception as exc:  # noqa: BLE001 - every failure is reported without a traceback
        _fail(exc, debug)
    word = "Återanvände (indata oförändrade)" if result.status == "reused" else "Skrev"
    seconds = f"{result.seconds:.1f}".replace(".", ",")
    typer.echo(f"{word} {show_path(result.html)} ({seconds} s)")
    if not audit.ok:
        typer.echo(f"Fel (integritetsfel, PrivacyError): {audit.summary()}", err=True)
        typer.echo(
            "Rapporten togs bort igen. Rendera hela körningen med 'evaluation batch', "
            "så samordnas de dolda uppgifterna mellan rapporterna.",
            err=True,
        )
        raise typer.Exit(1)
    if pdf:
        _pdfs([result], debug)


def _pdfs(results, debug: bool) -> None:
    """Write a PDF beside each written report whose PDF is missing or older than its HTML."""
    from evaluation.cli.messages import show_path
    from evaluation.render.export import write_pdf

    for r in results:
        if r.status == "failed" or not r.html:
            continue
        html, target = Path(r.html), Path(r.html).with_suffix(".pdf")
        if target.exists() and target.stat().st_mtime >= html.stat().st_mtime:
            continue
        try:
            typer.echo(f"Skrev {show_path(write_pdf(html, target))}")
        except Exception as exc:  # noqa: BLE001
            _fail(exc, debug)


@app.command()
def batch(
    batch_file: Path = typer.Argument(..., metavar="BATCH", help="Batchfil (YAML)."),
    output_root: Path = typer.Option(
        None,
        "--output-root",
        "-o",
        help="Mapp för <batch>/index.html och rapporterna (standard: reports/ i projektet "
        "som har batchfilen).",
    ),
    workers: int = typer.Option(
        None, "--workers", "-w", min=1, help="Parallella arbetare (standard: en per kärna)."
    ),
    executor: str = typer.Option(
        "local", "--executor", help="local (processpool), dask eller serial (denna process)."
    ),
    scheduler: str = typer.Option(
        None,
        "--scheduler",
        help="Adress till en Dask-schemaläggare (standard: ett lokalt kluster).",
    ),
    force: bool = typer.Option(False, "--force", help="Rendera om oförändrade rapporter."),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Förloppsindikator."),
    timeout: float = typer.Option(DEFAULT_TIMEOUT, "--timeout", min=0, help=TIMEOUT_HELP),
    pdf: bool = typer.Option(False, "--pdf", help=PDF_HELP),
    debug: bool = typer.Option(False, "--debug", help=DEBUG_HELP),
) -> None:
    """Rendera varje utvärdering i en batch och skriv indexsidan."""
    from evaluation.cli.messages import show_path

    try:
        _check_file_kind(batch_file, "batch")
        from evaluation.render.batch import run_batch

        if output_root is None:
            output_root = project_root(batch_file) / "reports"
        result = run_batch(
            batch_file,
            output_root,
            workers=workers,
            executor=executor,
            scheduler=scheduler,
            force=force,
            progress=progress,
            timeout=timeout or None,
        )
    except KeyboardInterrupt:
        typer.echo(STOPPED + " Indexet visar vad som hann bli klart.", err=True)
        raise typer.Exit(130) from None
    except Exception as exc:  # noqa: BLE001
        _fail(exc, debug)
    seconds = f"{result.seconds:.1f}".replace(".", ",")
    typer.echo(
        f"{len(result.results)} rapporter: {result.count('ok')} renderade, "
        f"{result.count('reused')} återanvända, {result.count('failed')} misslyckade "
        f"på {seconds} s. Index: {show_path(result.index)}"
    )
    if pdf:
        _pdfs(result.results, debug)
    if result.publication:
        typer.echo(result.publication)
    for failed in result.failed:
        where = f"{failed.area} / {failed.kind}" if failed.area else show_path(failed.params_file)
        typer.echo(f"Misslyckades: {where}: {failed.detail or failed.message}", err=True)
    if result.failed:
        raise typer.Exit(1)


@app.command()
def validate(
    data_folder: Path = typer.Argument(
        ..., metavar="FOLDER", help="Datamappen som ska kontrolleras (eller en parameterfil)."
    ),
    params: list[Path] = typer.Argument(
        None,
        metavar="[PARAMS]...",
        help="Parameterfiler (eller batchfiler) att kontrollera mot datamappen.",
    ),
    debug: bool = typer.Option(False, "--debug", help=DEBUG_HELP),
) -> None:
    """Kontrollera en datamapp mot datakontraktet, och parameterfiler mot datan.

    Visar alla tabeller (funna och saknade), okända filer och alla problem på en gång;
    avslutar med fel när något saknas eller är fel.
    """
    from evaluation.cli.messages import show_path

    params = list(params or [])
    try:
        if data_folder.is_file():
            if data_folder.suffix.lower() not in (".yaml", ".yml"):
                raise ParameterError(
                    f"{show_path(data_folder)} är en fil; validate vill ha en datamapp, "
                    "t.ex. evaluation validate data/sample"
                )
            from evaluation.params import load_params

            params.insert(0, data_folder)
            data_folder = Path(load_params(data_folder).data)
        elif not data_folder.exists():
            raise DataError("datamappen finns inte", file=data_folder)
        from evaluation.cli.validate import validate_folder
        from evaluation.params import load_batch

        expanded: list[Path] = []
        for path in params:  # a batch file stands for its evaluations
            if "evaluations" in _yaml_keys(path):
                expanded += list(load_batch(path).evaluations)
            else:
                expanded.append(path)
        lines, ok = validate_folder(data_folder, expanded)
    except Exception as exc:  # noqa: BLE001
        _fail(exc, debug)
    for line in lines:
        typer.echo(line)
    if not ok:
        raise typer.Exit(2)


@app.command()
def audit(
    reports_dir: Path = typer.Argument(
        ...,
        metavar="REPORTS_DIR",
        help="Mapp med batchmappar (eller en batchmapp), t.ex. reports.",
    ),
    debug: bool = typer.Option(False, "--debug", help=DEBUG_HELP),
) -> None:
    """Granska att inget dolt tal i någon batch kan räknas fram ur allt som publicerats."""
    try:
        from evaluation.exceptions import ParameterError
        from evaluation.privacy.publication_audit import audit_reports_dir

        if not reports_dir.is_dir():
            raise ParameterError("mappen finns inte", file=reports_dir, parameter="reports_dir")
        audits = audit_reports_dir(reports_dir)
    except Exception as exc:  # noqa: BLE001
        _fail(exc, debug)
    if not audits:
        from evaluation.cli.messages import show_path

        typer.echo(
            f"{show_path(reports_dir)}: inga rapportliggare (ledgers) hittades; "
            "kör en batch först, eller ange mappen som har batchmapparna",
            err=True,
        )
        raise typer.Exit(1)
    failed = False
    for name, result in audits.items():
        seconds = f"{result.seconds:.1f}".replace(".", ",")
        typer.echo(f"{name}: {result.summary()} ({seconds} s)")
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
    """The ``evaluation`` command: run it, then leave without the interpreter's teardown.

    Python's teardown frees every object one at a time - after a batch its parsed
    ledgers and pages, ~0.7 s; after a no-op ~0.05 s - memory the operating system
    releases at once when the process ends. What exit must do is done first: other
    threads finish, the ``atexit`` handlers run (the kernel kept for the next command,
    logging) and the standard streams are flushed.
    """
    try:
        app()
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    if code is not None and not isinstance(code, int):  # sys.exit("message")
        print(code, file=sys.stderr)
        code = 1
    _leave(code or 0)


def _leave(code: int) -> None:
    import atexit
    import threading

    for thread in threading.enumerate():
        if thread is not threading.main_thread() and not thread.daemon:
            thread.join()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


if __name__ == "__main__":
    main()
