"""``evaluation fetch scb`` and ``evaluation fetch kolada``: public statistics into the cache."""

from __future__ import annotations

from pathlib import Path

import typer

from evaluation.exceptions import EvaluationError
from evaluation.io.fetch import DEFAULT_CACHE, KOLADA_API, SCB_API, Fetched, fetch_kolada, fetch_scb

fetch_app = typer.Typer(
    help="Hämta offentlig statistik (SCB, Kolada) till en lokal cache.", no_args_is_help=True
)


def _selection(items: list[str]) -> dict[str, list[str]]:
    selection = {}
    for item in items:
        name, sep, codes = item.partition("=")
        if not sep or not name.strip() or not codes.strip():
            raise typer.BadParameter(f"'{item}' är inte VARIABEL=kod1,kod2", param_hint="--select")
        selection[name.strip()] = [c.strip() for c in codes.split(",") if c.strip()]
    return selection


def _report(result: Fetched) -> None:
    from evaluation.cli.messages import show_path

    note = " (från cachen)" if result.from_cache else ""
    typer.echo(f"{show_path(result.path)}{note}")
    typer.echo(f"källa: {show_path(result.sidecar)}")


def _run(call, debug: bool) -> None:
    try:
        _report(call())
    except EvaluationError as err:
        if debug:
            raise
        from evaluation.cli.messages import headline

        typer.secho(headline(err), err=True, fg=typer.colors.RED)
        raise typer.Exit(1) from None


@fetch_app.command("scb")
def scb(
    table: str = typer.Argument(..., help="SCB:s tabell-id, t.ex. TAB638."),
    select: list[str] = typer.Option(
        ..., "--select", "-s", help="VARIABEL=kod1,kod2 (upprepa per variabel; * för alla)."
    ),
    cache_dir: Path = typer.Option(DEFAULT_CACHE, help="Cachemapp."),
    codelist: list[str] = typer.Option(
        [],
        "--codelist",
        "-c",
        help="VARIABEL=kodlista, t.ex. Region=vs_RegSO2025 eller Region=vs_DeSO2025.",
    ),
    base_url: str = typer.Option(SCB_API, help="Bas-URL för PxWebApi 2.0."),
    lang: str = typer.Option("sv", help="Språk för etiketter (sv eller en)."),
    refresh: bool = typer.Option(
        False, "--refresh", help="Hämta igen även om svaret finns i cachen."
    ),
    debug: bool = typer.Option(False, "--debug", help="Visa hela felspåret (traceback) vid fel."),
) -> None:
    """Hämta en SCB-tabell som json-stat2, inom API:ts egna gränser för celler och anrop."""
    selection = _selection(select)
    codelists = {}
    for item in codelist:
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise typer.BadParameter(f"'{item}' är inte VARIABEL=kodlista", param_hint="--codelist")
        codelists[name.strip()] = value.strip()
    _run(
        lambda: fetch_scb(
            table,
            selection,
            codelists=codelists,
            cache_dir=cache_dir,
            base_url=base_url,
            lang=lang,
            refresh=refresh,
        ),
        debug,
    )


@fetch_app.command("kolada")
def kolada(
    kpi: list[str] = typer.Option(
        ..., "--kpi", "-k", help="Nyckeltalets id (upprepa eller kommaseparera)."
    ),
    municipality: list[str] = typer.Option(
        ..., "--municipality", "-m", help="Kommunkod; 0000 för riket."
    ),
    year: list[str] = typer.Option(..., "--year", "-y", help="År (upprepa eller kommaseparera)."),
    cache_dir: Path = typer.Option(DEFAULT_CACHE, help="Cachemapp."),
    base_url: str = typer.Option(KOLADA_API, help="Bas-URL för Kolada API v3."),
    refresh: bool = typer.Option(
        False, "--refresh", help="Hämta igen även om svaret finns i cachen."
    ),
    debug: bool = typer.Option(False, "--debug", help="Visa hela felspåret (traceback) vid fel."),
) -> None:
    """Hämta värden från Kolada (alla sidor; högst 25 id:n per anrop)."""

    def split(values: list[str]) -> list[str]:
        return [v.strip() for item in values for v in item.split(",") if v.strip()]

    _run(
        lambda: fetch_kolada(
            split(kpi),
            split(municipality),
            split(year),
            cache_dir=cache_dir,
            base_url=base_url,
            refresh=refresh,
        ),
        debug,
    )
