"""The context a notebook opens: parameters, data, comparison groups and one Protector.

``open_report`` is the first call of every notebook, so running it in
JupyterLab, through papermill or in a batch gives the same state.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

import pandas as pd

from evaluation.exceptions import ParameterError
from evaluation.indicators.groups import Group
from evaluation.load.dataset import Dataset, load_data
from evaluation.metadata.kinds import HeaderDetails, get_kind
from evaluation.params import EvaluationParams, load_params
from evaluation.present.format import fmt_month, fmt_month_span
from evaluation.present.output import STYLE, Note, Protected, esc

if TYPE_CHECKING:
    from evaluation.privacy import Protector

P = ParamSpec("P")
T = TypeVar("T")

_CASE_DATES = {
    "referrals": "received_date",
    "assessments": "start_date",
    "investigations": "start_date",
    "interventions": "decision_date",
    "activities": "date",
}


@dataclass
class Report:
    """Everything the sections of one report share."""

    params: EvaluationParams
    data: Dataset
    protector: Protector
    area_code: str
    area_name: str
    groups: list[Group]
    start: pd.Timestamp
    end: pd.Timestamp
    excluded: tuple[str, ...] = ()  # resolved excluded_from_comparison codes
    municipality_wide: bool = False  # the evaluated unit is the whole municipality
    _cache: dict[tuple[Any, ...], Any] = field(default_factory=dict, repr=False)

    @property
    def evaluated(self) -> Group:
        """The evaluated area's group (always the first)."""
        return self.groups[0]

    @property
    def area_groups(self) -> list[Group]:
        """The evaluated area and each comparison area: disjoint, so they can be totalled."""
        return [g for g in self.groups if g.role in ("evaluated", "comparison")]

    @property
    def member_groups(self) -> list[Group]:
        """Every area of the municipality alone (label = code): the Protector's ``members`` (R0).

        Computed only to decide which pooled figures can be shown; never published.
        """
        return [Group(c, (c,), "member") for c in self.protector.context.all_areas]

    @functools.cached_property
    def municipality_code(self) -> str:
        """Code of the municipality the evaluated area belongs to."""
        if self.municipality_wide:
            return self.area_code
        areas = self.data.areas
        if areas is None:
            raise ValueError("the report's data hold no areas")
        return str(areas.loc[areas["area_code"] == self.area_code, "municipality_code"].iloc[0])

    def header(self, details: HeaderDetails | None = None) -> HeaderOutput:
        """Title block with area, period and, for synthetic data, a visible warning.

        ``details`` defaults to the report kind's own header lines (its registry
        entry), else area, period, comparisons and start.
        """
        return HeaderOutput(self, details or get_kind(self.params.kind).details(self))


def per_report(func: Callable[Concatenate[Report, P], T]) -> Callable[Concatenate[Report, P], T]:
    """Compute ``func(report, *args)`` once per report and return that same object after.

    For protected outputs shown more than once: each is protected (and audited) once.
    The arguments after ``report`` must be hashable.
    """

    @functools.wraps(func)
    def once(report: Report, *args: P.args, **kwargs: P.kwargs) -> T:
        key = (func, args, tuple(sorted(kwargs.items())))
        if key not in report._cache:
            report._cache[key] = func(report, *args, **kwargs)
        return report._cache[key]

    return once


@dataclass(frozen=True)
class Scope:
    """Who is evaluated and against whom, resolved once from the parameters."""

    area_code: str
    area_name: str
    groups: list[Group]
    excluded: tuple[str, ...] = ()
    municipality_wide: bool = False


@dataclass(frozen=True)
class HeaderOutput(Protected):
    """The block under the page title: what is evaluated, when, and a synthetic-data warning.

    ``details`` replaces the default lines (area, period, comparisons, start) for
    report kinds that describe their scope differently, such as user surveys.
    """

    report: Report
    details: tuple[tuple[str, str], ...] | None = None

    def _repr_html_(self) -> str:
        r = self.report
        # The page title itself comes from the renderer (params.title or kind and area).
        lines = [STYLE] + [
            f"<p><strong>{esc(k)}:</strong> {esc(v)}</p>"
            for k, v in (self.details or default_header_details(r))
        ]
        if r.data.metadata.synthetic:
            lines.append(
                Note(
                    f"Rapporten bygger på syntetiska exempeldata: {r.data.metadata.name}. "
                    "Inga siffror beskriver verkliga personer, ärenden, svar eller "
                    "områden.",
                    kind="warning",
                )._repr_html_()
            )
        return "\n".join(lines)


def missing_table_note(report: Report, table: str, what: str) -> Note | None:
    """The note shown instead of a section whose table the data folder lacks; else None."""
    if report.data.table(table) is None:
        return Note(
            f"Avsnittet om {what} visas inte eftersom datamappen saknar {table}.csv.",
            kind="withheld",
        )
    return None


def default_header_details(report: Report, when: tuple[str, str] | None = None) -> HeaderDetails:
    """Area, period (or ``when``), comparison areas and the start of the work."""
    r = report
    when = when or ("Period", fmt_month_span(r.start, r.end))  # R7: month precision in text
    lines = [("Område", r.area_name), when]
    comps = [g.label for g in r.groups if g.role == "comparison"]
    if comps:
        lines.append(("Jämförelseområden", ", ".join(comps)))
    if r.params.intervention_start:
        lines.append(
            ("Det områdesbaserade arbetet startade", fmt_month(r.params.intervention_start))
        )
    return tuple(lines)


def _resolve_area(name: str, areas: pd.DataFrame, params_file, parameter: str) -> tuple[str, str]:
    by_code = dict(zip(areas["area_code"], areas["area_name"], strict=True))
    if name in by_code:
        return name, by_code[name]
    matches = [c for c, n in by_code.items() if str(n).casefold() == name.strip().casefold()]
    if len(matches) == 1:
        return matches[0], by_code[matches[0]]
    raise ParameterError(
        unknown_area_message(name, list(map(str, by_code.values()))),
        file=params_file,
        parameter=parameter,
    )


def unknown_area_message(name: str, known: list[str]) -> str:
    """'okänt område' with a did-you-mean from the data folder's area names (difflib)."""
    import difflib

    by_fold = {k.casefold(): k for k in known}
    close = difflib.get_close_matches(name.strip().casefold(), list(by_fold), n=1, cutoff=0.6)
    if close:
        return f"okänt område '{name}' – menade du {by_fold[close[0]]}?"
    return f"okänt område '{name}'; datamappens områden är: {', '.join(sorted(known))}"


def _data_window(data: Dataset) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    bounds = []
    for table, col in _CASE_DATES.items():
        frame = data.table(table)
        if frame is not None and frame[col].notna().any():
            bounds.append((frame[col].min(), frame[col].max()))
    if not bounds:
        return None
    return min(b[0] for b in bounds), max(b[1] for b in bounds)


def _check_dates(params: EvaluationParams, window, file) -> tuple[pd.Timestamp, pd.Timestamp]:
    lo, hi = window
    start = pd.Timestamp(params.period_start) if params.period_start else lo.replace(day=1)
    end = pd.Timestamp(params.period_end) if params.period_end else hi
    for name, value in (
        ("period_start", params.period_start),
        ("period_end", params.period_end),
        ("intervention_start", params.intervention_start),
    ):
        if value is not None and not (
            lo.normalize() - pd.Timedelta(days=31) <= pd.Timestamp(value) <= hi
        ):
            raise ParameterError(
                f"{value} ligger utanför datan, som går från {lo:%Y-%m-%d} till {hi:%Y-%m-%d}",
                file=file,
                parameter=name,
            )
    if params.intervention_start and not (start < pd.Timestamp(params.intervention_start) < end):
        raise ParameterError(
            "intervention_start måste ligga inom rapportperioden",
            file=file,
            parameter="intervention_start",
        )
    return start, end


MUNICIPALITY_NAMES = {"hela kommunen", "kommunen"}


def _municipality_wide(params: EvaluationParams, areas, file) -> Scope:
    """The whole municipality as the evaluated unit (e.g. a municipality-wide survey unit)."""
    codes_ = set(areas["municipality_code"])
    wanted = params.area.strip()
    municipality = wanted if wanted in codes_ else (sorted(codes_)[0] if len(codes_) == 1 else None)
    if municipality is None:
        raise ParameterError(
            "datan har flera kommuner; ange den fyrsiffriga kommunkoden",
            file=file,
            parameter="area",
        )
    if params.comparison_areas:
        raise ParameterError(
            "en rapport för hela kommunen har inga jämförelseområden",
            file=file,
            parameter="comparison_areas",
        )
    all_codes = tuple(areas.loc[areas["municipality_code"] == municipality, "area_code"])
    return Scope(
        municipality,
        "Hela kommunen",
        [Group("Hela kommunen", all_codes, "evaluated")],
        municipality_wide=True,
    )


def build_groups(params: EvaluationParams, data: Dataset, file) -> Scope:
    """The evaluated area, each comparison area, their union, and the municipality."""
    areas = data.areas
    if areas is None:
        raise ParameterError(
            "datamappen saknar areas.gpkg/areas.geojson, så områdena kan inte slås upp",
            file=file,
            parameter="area",
        )
    if params.area.strip().casefold() in MUNICIPALITY_NAMES or (
        params.area.strip() in set(areas["municipality_code"])
    ):
        return _municipality_wide(params, areas, file)
    code, name = _resolve_area(params.area, areas, file, "area")
    excluded = tuple(
        dict.fromkeys(
            _resolve_area(a, areas, file, f"excluded_from_comparison[{i + 1}]")[0]
            for i, a in enumerate(params.excluded_from_comparison)
        )
    )
    groups = [Group(name, (code,), "evaluated")]
    comparison = []
    for i, a in enumerate(params.comparison_areas):
        c, n = _resolve_area(a, areas, file, f"comparison_areas[{i + 1}]")
        if c == code:
            raise ParameterError(
                "det utvärderade området kan inte jämföras med sig självt",
                file=file,
                parameter=f"comparison_areas[{i + 1}]",
            )
        if c in excluded:
            raise ParameterError(
                f"{n} har eget områdesbaserat arbete (excluded_from_comparison) "
                "och kan inte vara jämförelseområde",
                file=file,
                parameter=f"comparison_areas[{i + 1}]",
            )
        comparison.append(Group(n, (c,), "comparison"))
    groups += comparison
    if len(comparison) > 1:
        groups.append(
            Group(
                "Jämförelseområden",
                tuple(c for g in comparison for c in g.codes),
                "comparison_total",
            )
        )
    municipality = areas.loc[areas["area_code"] == code, "municipality_code"].iloc[0]
    all_codes = tuple(areas.loc[areas["municipality_code"] == municipality, "area_code"])
    groups.append(Group("Hela kommunen", all_codes, "municipality"))
    return Scope(code, name, groups, excluded=excluded)


#: Keys a notebook's parameters cell overrides (see ``notebook_overrides``).
_NOTEBOOK_OVERRIDES: dict = {}
RENDERING_ENV = "EVALUATION_RENDERING"  # set by the renderer: not an interactive session


def notebook_overrides(**keys) -> dict:
    """Set the parameters the next ``open_report`` in this kernel overrides.

    Called by each notebook's parameters cell with its ``area``, ``comparison_areas``,
    ... (None = as in the params file); every call replaces the previous one, so a
    reused kernel never carries one notebook's overrides into the next.
    """
    _NOTEBOOK_OVERRIDES.clear()
    _NOTEBOOK_OVERRIDES.update({k: v for k, v in keys.items() if v is not None})
    return dict(_NOTEBOOK_OVERRIDES)


def _interactive() -> bool:
    """True in a JupyterLab/IPython session that the renderer did not start."""
    if os.environ.get(RENDERING_ENV):
        return False
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    return get_ipython() is not None


def open_report(
    params_file: str | os.PathLike,
    cache_dir: str | os.PathLike | None = None,
    publication_dir: str | os.PathLike | None = None,
    **overrides,
) -> Report:
    """Load parameters and data, resolve areas and dates, and start the report's Protector.

    ``overrides`` replace keys of the params file (e.g. ``area="Ryd"``), on top of those
    set by ``notebook_overrides``; None values are ignored. ``publication_dir``
    (injected by the renderer) is the batch folder whose ``ledgers/hidden.json`` lists
    figures hidden in every report of the batch (R0).
    """
    overrides = {
        **_NOTEBOOK_OVERRIDES,
        **{k: v for k, v in overrides.items() if v is not None},
    }
    params = load_params(params_file, **overrides)
    data = load_data(params.data, cache_dir=cache_dir)
    return build_report(params, data, replace=_interactive(), publication_dir=publication_dir)


def build_report(
    params: EvaluationParams,
    data: Dataset,
    *,
    replace: bool = False,
    publication_dir: str | os.PathLike | None = None,
) -> Report:
    """Resolve areas and dates of ``params`` against ``data`` and start the Protector.

    ``replace``: a re-protected output replaces the earlier one (interactive sessions).
    """
    from evaluation.privacy import PrivacyRules, Protector

    file = Path(params.source_file) if params.source_file else None
    scope = build_groups(params, data, file)
    window = _data_window(data)
    if window is None:
        stats = data.area_statistics
        if stats is None:
            raise ParameterError(
                "datamappen har varken ärenden eller områdesstatistik",
                file=file,
                parameter="data",
            )
        window = (
            pd.Timestamp(int(stats["year"].min()), 1, 1),
            pd.Timestamp(int(stats["year"].max()), 12, 31),
        )
    start, end = _check_dates(params, window, file)
    from evaluation.privacy.publication import context_for_report, publication_dir_from_kernel

    all_areas = next((g.codes for g in scope.groups if g.role == "municipality"), None)
    all_areas = all_areas or scope.groups[0].codes  # municipality-wide: its one group
    protector = Protector(
        PrivacyRules.from_params(params.privacy),
        context_for_report(
            scope.groups,
            scope.groups[0].codes,
            all_areas,
            start,
            end,
            publication_dir or publication_dir_from_kernel(),
        ),
        replace=replace,
    )
    return Report(
        params,
        data,
        protector,
        scope.area_code,
        scope.area_name,
        scope.groups,
        start,
        end,
        excluded=scope.excluded,
        municipality_wide=scope.municipality_wide,
    )
