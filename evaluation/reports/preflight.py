"""Checks of one evaluation against its data, run before its notebook runs.

``render_report`` calls :func:`preflight` (in the report's warm kernel, or in its own
process while a kernel starts), so ``run`` and every ``batch`` worker stop a misspelled
area, a period outside the data, a missing table or broken rows with the package's own
errors, before any cell runs and without a failed notebook.
"""

from __future__ import annotations

from pathlib import Path

from evaluation.exceptions import DataError, EvaluationError, ParameterError
from evaluation.params import EvaluationParams

MUNICIPALITY_NAMES = {"hela kommunen", "kommunen"}


class DataProblems(DataError):
    """Every problem of a data folder at once (``problems``), not just the first."""

    def __init__(self, folder: Path, problems: list[EvaluationError]) -> None:
        super().__init__(f"{len(problems)} problem i datamappen", file=folder)
        self.problems = problems

    def __str__(self) -> str:
        return f"{len(self.problems)} problem i datamappen {self.file}: " + " | ".join(
            str(p) for p in self.problems
        )


def _area_names(folder: Path) -> tuple[set[str], list[str]] | None:
    """Codes and names of the areas (and of mapped areas) read without geometry; fast."""
    import pyogrio

    from evaluation.io.geo import _SOURCES
    from evaluation.load.inspect import AREAS, table_files

    files = table_files(folder)
    if len(files[AREAS]) != 1:
        return None
    try:
        frame = pyogrio.read_dataframe(files[AREAS][0], read_geometry=False)
    except Exception:  # noqa: BLE001 - unreadable files are reported by the full check
        return None
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    pick = {t: next((s for s in src if s in frame.columns), None) for t, src in _SOURCES.items()}
    if pick["area_code"] is None:
        return None
    codes = set(frame[pick["area_code"]].astype(str))
    names = list(frame[pick["area_name"]].astype(str)) if pick["area_name"] else []
    if pick["municipality_code"]:
        codes |= set(frame[pick["municipality_code"]].astype(str))
    mapping = files.get("area_mapping") or []
    if mapping:
        from evaluation.io.tables import read_raw

        try:
            raw = read_raw(mapping[0]).frame
        except EvaluationError:
            return None
        if "to_code" in raw:
            codes |= set(raw["to_code"].astype(str))
        if "to_name" in raw:
            names += list(raw["to_name"].dropna().astype(str))
    return codes, names


def check_area_names(params: EvaluationParams) -> None:
    """Stop a misspelled area in about a second: only the names of the areas are read."""
    from evaluation.reports.context import unknown_area_message

    known = _area_names(Path(params.data))
    if known is None:
        return  # the full check after loading reports it
    codes, names = known
    folded = {n.casefold() for n in names} | {c.casefold() for c in codes} | MUNICIPALITY_NAMES
    entries = [("area", params.area)]
    entries += [(f"comparison_areas[{i + 1}]", a) for i, a in enumerate(params.comparison_areas)]
    entries += [
        (f"excluded_from_comparison[{i + 1}]", a)
        for i, a in enumerate(params.excluded_from_comparison)
    ]
    for parameter, value in entries:
        if value.strip().casefold() not in folded:
            raise ParameterError(
                unknown_area_message(value, names or sorted(codes)),
                file=params.source_file,
                parameter=parameter,
            )


def check_tables(params: EvaluationParams, found: set[str], folder: Path) -> None:
    """A DataError when the report would have no content, or an estimate lacks its table."""
    from evaluation.metadata.requirements import ANY_OF, required_tables

    need = required_tables(params.kind, params.outcomes, params.intervention_start)
    missing = {t: why for t, why in need.items() if t not in found}
    if missing:
        table, why = next(iter(missing.items()))
        name = "areas.gpkg" if table == "areas" else f"{table}.csv"
        more = f" (saknas också: {', '.join(list(missing)[1:])})" if len(missing) > 1 else ""
        raise DataError(
            f"rapporten ({params.kind}) behöver filen för {why}, och datamappen saknar den{more}",
            file=folder / name,
        )
    any_of = ANY_OF.get(params.kind)
    if any_of and not found.intersection(any_of):
        raise DataError(
            f"rapporten ({params.kind}) får inget innehåll: datamappen saknar alla av "
            + ", ".join(f"{t}.csv" for t in any_of),
            file=folder,
        )


def check_against_data(params: EvaluationParams, data) -> None:
    """Resolve areas, dates and (for surveys) survey and unit exactly as the notebook will."""
    from evaluation.reports.context import build_report

    found = {name for name in (data.files or {})} | {
        name for name in ("areas",) if getattr(data, name, None) is not None
    }
    check_tables(params, found, Path(params.data))
    report = build_report(params, data)
    if params.kind == "user_survey":
        # survey_scope, not user_survey: the latter imports matplotlib for its charts,
        # ~1.4 s of imports a batch worker would pay before its first kernel starts.
        from evaluation.reports.survey_scope import scope

        scope(report)


def preflight(params: EvaluationParams, cache_dir: str | Path | None = None, data=None):
    """Every check of one evaluation that needs no kernel; raises the package's errors.

    ``data``: the folder's Dataset when the caller already loaded it. Returns the
    Dataset, so the caller need not read the cache again.
    """
    from evaluation.load.inspect import inspect_folder, table_files

    own = _own_notebook(params.kind)
    if own:  # what needs no parsing first, so nothing (not even the cache) is written
        if data is None:  # with the folder loaded, check_against_data resolves every name
            check_area_names(params)
        folder = Path(params.data)
        check_tables(params, {t for t, paths in table_files(folder).items() if paths}, folder)
    from evaluation.load.dataset import load_data  # after the fast checks: a heavy import

    try:
        data = load_data(params.data, cache_dir=cache_dir) if data is None else data
    except DataError:
        check = inspect_folder(params.data)
        if len(check.problems) > 1:
            raise DataProblems(Path(params.data), check.problems) from None
        raise
    if own:
        check_against_data(params, data)
    return data


def _own_notebook(kind: str) -> bool:
    """True when ``kind`` renders with this package's notebook, whose needs are known here."""
    from evaluation.metadata.kinds import notebook_path, report_kinds

    default = Path(__file__).resolve().parents[2] / "notebooks"
    try:
        path = notebook_path(kind)
    except EvaluationError:
        return False
    return path.parent.resolve() == default and kind in report_kinds()
