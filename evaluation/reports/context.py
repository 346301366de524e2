"""The context a notebook opens: parameters, data, comparison groups and one Protector.

``open_report`` is the first call of every notebook, so running it in
JupyterLab, through papermill or in a batch gives the same state.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from evaluation.exceptions import ParameterError
from evaluation.indicators.groups import Group
from evaluation.load.dataset import Dataset, load_data
from evaluation.params import EvaluationParams, load_params
from evaluation.present.output import STYLE, Note, esc

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
    protector: object  # evaluation.privacy.Protector
    area_code: str
    area_name: str
    groups: list[Group]
    start: pd.Timestamp
    end: pd.Timestamp
    excluded: tuple[str, ...] = ()  # resolved excluded_from_comparison codes
    municipality_wide: bool = False  # the evaluated unit is the whole municipality
    memo: dict = field(default_factory=dict)  # protected outputs shown more than once

    @property
    def evaluated(self) -> Group:
        """The evaluated area's group (always the first)."""
        return self.groups[0]

    @property
    def area_groups(self) -> list[Group]:
        """The evaluated area and each comparison area: disjoint, so they can be totalled."""
        return [g for g in self.groups if g.role in ("evaluated", "comparison")]

    def header(self, details: tuple[tuple[str, str], ...] | None = None) -> HeaderOutput:
        """Title block with area, period and, for synthetic data, a visible warning."""
        return HeaderOutput(self, details)


@dataclass(frozen=True)
class Scope:
    """Who is evaluated and against whom, resolved once from the parameters."""

    area_code: str
    area_name: str
    groups: list[Group]
    excluded: tuple[str, ...] = ()
    municipality_wide: bool = False


@dataclass(frozen=True)
class HeaderOutput:
    """The block under the page title: what is evaluated, when, and a synthetic-data warning.

    ``details`` replaces the default lines (area, period, comparisons, start) for
    report kinds that describe their scope differently, such as user surveys.
    """

    report: Report
    details: tuple[tuple[str, str], ...] | None = None

    def _default_details(self) -> tuple[tuple[str, str], ...]:
        r = self.report
        stats = r.data.area_statistics
        if r.params.kind == "area_analysis" and stats is not None:
            when = ("Statistikår", f"{int(stats['year'].min())}–{int(stats['year'].max())}")
        else:
            when = ("Period", f"{r.start:%Y-%m-%d} – {r.end:%Y-%m-%d}")
        lines = [("Område", r.area_name), when]
        comps = [g.label for g in r.groups if g.role == "comparison"]
        if comps:
            lines.append(("Jämförelseområden", ", ".join(comps)))
        if r.params.intervention_start:
            lines.append(
                ("Det områdesbaserade arbetet startade", f"{r.params.intervention_start:%Y-%m-%d}")
            )
        return tuple(lines)

    def _repr_html_(self) -> str:
        r = self.report
        # The page title itself comes from the renderer (params.title or kind and area).
        lines = [STYLE] + [
            f"<p><strong>{esc(k)}:</strong> {esc(v)}</p>"
            for k, v in (self.details or self._default_details())
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


def _resolve_area(name: str, areas: pd.DataFrame, params_file, parameter: str) -> tuple[str, str]:
    by_code = dict(zip(areas["area_code"], areas["area_name"], strict=True))
    if name in by_code:
        return name, by_code[name]
    matches = [c for c, n in by_code.items() if str(n).casefold() == name.strip().casefold()]
    if len(matches) == 1:
        return matches[0], by_code[matches[0]]
    known = ", ".join(sorted(map(str, by_code.values())))
    raise ParameterError(
        f"unknown area '{name}'; the data folder's areas are: {known}",
        file=params_file,
        parameter=parameter,
    )


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
                f"{value} lies outside the data, which run from {lo:%Y-%m-%d} to {hi:%Y-%m-%d}",
                file=file,
                parameter=name,
            )
    if params.intervention_start and not (start < pd.Timestamp(params.intervention_start) < end):
        raise ParameterError(
            "intervention_start must lie inside the reported period",
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
            "the data hold several municipalities; give the 4-digit municipality code",
            file=file,
            parameter="area",
        )
    if params.comparison_areas:
        raise ParameterError(
            "a municipality-wide report has no comparison areas",
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
            "the data folder has no areas.gpkg/areas.geojson, so areas cannot be resolved",
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
            _resolve_area(a, areas, file, f"excluded_from_comparison.{i}")[0]
            for i, a in enumerate(params.excluded_from_comparison)
        )
    )
    groups = [Group(name, (code,), "evaluated")]
    comparison = []
    for i, a in enumerate(params.comparison_areas):
        c, n = _resolve_area(a, areas, file, f"comparison_areas.{i}")
        if c == code:
            raise ParameterError(
                "the evaluated area cannot be its own comparison",
                file=file,
                parameter=f"comparison_areas.{i}",
            )
        if c in excluded:
            raise ParameterError(
                f"{n} has its own area-based work (excluded_from_comparison) "
                "and cannot be a comparison area",
                file=file,
                parameter=f"comparison_areas.{i}",
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


def open_report(
    params_file: str | os.PathLike,
    cache_dir: str | os.PathLike | None = None,
    publication_dir: str | os.PathLike | None = None,
) -> Report:
    """Load parameters and data, resolve areas and dates, and start the report's Protector.

    ``publication_dir`` (injected by the renderer) is the batch folder whose
    ``ledgers/hidden.json`` lists figures hidden in every report of the batch (R0).
    """
    from evaluation.privacy import PrivacyRules, Protector

    params = load_params(params_file)
    data = load_data(params.data, cache_dir=cache_dir)
    file = Path(params_file)
    scope = build_groups(params, data, file)
    window = _data_window(data)
    if window is None:
        stats = data.area_statistics
        if stats is None:
            raise ParameterError(
                "the data folder holds neither case records nor area statistics",
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
