"""``evaluation validate FOLDER [PARAMS...]``: everything wrong with a data folder in one run."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from evaluation.cli.messages import describe, show_path
from evaluation.exceptions import DataError, EvaluationError, ParameterError
from evaluation.load.inspect import AREAS, FolderCheck, as_dataset, inspect_folder
from evaluation.metadata.contract import TABLES
from evaluation.metadata.kinds import report_kinds
from evaluation.metadata.requirements import ANY_OF, REQUIRED, kinds_using


def _file_label(table: str) -> str:
    return "areas.gpkg" if table == AREAS else f"{table}.csv"


def _table_lines(check: FolderCheck) -> list[str]:
    lines = ["Tabeller:"]
    width = max(len(t) for t in (AREAS, *TABLES))
    for table in (AREAS, *TABLES):
        if table in check.found:
            mark = "fel" if check.broken(table) else "ok "
            lines.append(f"  {mark}     {table:<{width}}  {check.found[table]}")
    for table in check.missing:
        uses = kinds_using(table)
        if uses:
            why = "; ".join(f"{kind}: {what}" for kind, what in uses.items())
            lines.append(f"  saknas  {table:<{width}}  {_file_label(table)} – behövs för {why}")
        else:
            lines.append(f"  saknas  {table:<{width}}  (frivillig)")
    return lines


def _did_you_mean(name: str, check: FolderCheck) -> str:
    """' – menade du referrals.csv?' when an unknown file looks like a missing table's."""
    import difflib

    stem = Path(name).stem.lower()
    wanted = [t for t in check.missing if t != "area_mapping" or "map" in stem]
    close = difflib.get_close_matches(stem, wanted, n=1, cutoff=0.6) or [
        t for t in wanted if stem.startswith(t)
    ]
    return f" – menade du {_file_label(close[0])}?" if close else ""


def _problem_lines(check: FolderCheck) -> list[str]:
    by_file: dict[str, list[EvaluationError]] = defaultdict(list)
    for p in check.problems:
        by_file[show_path(getattr(p, "file", None)) or str(check.folder)].append(p)
    lines = []
    for file, problems in by_file.items():
        lines.append(f"Problem i {file}:")
        lines += [f"  {describe(p, with_file=False)}" for p in problems]
    return lines


def _kinds_blocked(check: FolderCheck) -> dict[str, list[str]]:
    """Report kind -> required tables missing or broken (the kind cannot render)."""
    blocked: dict[str, list[str]] = {}
    for kind in report_kinds():
        bad = [t for t in REQUIRED.get(kind, ()) if t not in check.found or check.broken(t)]
        any_of = ANY_OF.get(kind)
        if any_of and not any(t in check.found and not check.broken(t) for t in any_of):
            bad.append(" eller ".join(any_of))
        if bad:
            blocked[kind] = bad
    return blocked


def _check_params(path: Path, check: FolderCheck) -> list[str]:
    """Lines for one params file: its parameters against this folder's data."""
    from evaluation.params import load_params
    from evaluation.reports.preflight import check_against_data, check_area_names, check_tables

    try:
        params = load_params(path)
        other = None
        if Path(params.data).resolve() != check.folder.resolve():
            # checked against the folder given, as if its 'data:' pointed there
            other = show_path(params.data)
            params = params.model_copy(update={"data": check.folder.resolve()})
        check_area_names(params)
        check_tables(params, set(check.found), check.folder)
        from evaluation.metadata.requirements import required_tables

        needed = required_tables(params.kind, params.outcomes, params.intervention_start)
        broken = [t for t in needed if check.broken(t)]
        if broken:
            raise DataError(
                "rapporten behöver filer som har problem (se ovan): "
                + ", ".join(check.found[t] for t in broken),
                file=check.folder,
            )
        if not check.problems:
            check_against_data(params, as_dataset(check))
    except (ParameterError, DataError) as exc:
        return [f"  fel  {show_path(path)}: {describe(exc, with_file=False)}"]
    except EvaluationError as exc:
        return [f"  fel  {show_path(path)}: {describe(exc)}"]
    sections = [
        f"{t} ({kinds_using(t).get(params.kind)})"
        for t in check.missing
        if kinds_using(t).get(params.kind)
    ]
    note = f"; utan avsnitten som bygger på {', '.join(sections)}" if sections else ""
    if other:
        note += f" (kontrollerad mot denna datamapp; filens data: är {other})"
    return [f"  ok   {show_path(path)} ({params.kind}, {params.area}){note}"]


def _pool_warnings(params_files: list[Path]) -> list[str]:
    """Warn when an area with its own work (intervention_start) sits in another's pool."""
    from evaluation.params import load_params

    loaded = []
    for path in params_files:
        try:
            loaded.append((path, load_params(path)))
        except EvaluationError:
            continue
    treated = {p.area.casefold(): p.area for _, p in loaded if p.intervention_start}
    lines = []
    for path, p in loaded:
        if p.kind != "outcome_followup" or not p.intervention_start:
            continue
        excluded = {a.casefold() for a in p.excluded_from_comparison} | {p.area.casefold()}
        missing = [name for key, name in treated.items() if key not in excluded]
        if missing:
            lines.append(
                f"  obs  {show_path(path)}: {', '.join(missing)} har eget områdesarbete "
                "(intervention_start i en annan parameterfil) men står inte i "
                "excluded_from_comparison, så effektskattningen jämför också med dem"
            )
    return lines


def validate_folder(folder: Path, params_files: list[Path]) -> tuple[list[str], bool]:
    """The report's lines and whether everything checked is fine."""
    check = inspect_folder(folder)
    lines = [f"Datamapp: {show_path(folder)}", *_table_lines(check)]
    if check.unknown:
        lines.append("Okända filer (läses inte):")
        lines += [f"  {name}{_did_you_mean(name, check)}" for name in check.unknown]
    lines += _problem_lines(check)
    failures: list[str] = []
    if check.problems:
        files = {getattr(p, "file", None) for p in check.problems}
        failures.append(f"{len(check.problems)} problem i {len(files)} fil(er)")
    if params_files:
        lines.append("Parametrar:")
        for path in params_files:
            result = _check_params(path, check)
            lines += result
            if any(
                line.lstrip().startswith("fel") or "gäller datamappen" in line for line in result
            ):
                failures.append(f"{show_path(path)} kan inte renderas")
        lines += _pool_warnings(params_files)
    else:
        blocked = _kinds_blocked(check)
        missing_used = [t for t in check.missing if kinds_using(t)]
        if missing_used:
            failures.append(f"{len(missing_used)} tabell(er) saknas: {', '.join(missing_used)}")
        if blocked:
            lines.append(
                "Rapporttyper som inte kan renderas: "
                + "; ".join(f"{k} (behöver {', '.join(v)})" for k, v in blocked.items())
            )
    ok = not failures
    verdict = (
        "Resultat: OK – allt som kontrollerades går att använda."
        if ok
        else "Resultat: FEL – " + "; ".join(failures) + "."
    )
    lines.append(verdict)
    return lines, ok
