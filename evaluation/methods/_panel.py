"""A validated long panel (unit × time) prepared for two-way fixed-effects models."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from evaluation.exceptions import ArgumentError, DataError
from evaluation.methods import _checks


@dataclass(frozen=True, eq=False)
class TwfePanel:
    """Sorted panel arrays: outcome, unit/time codes, treatment indicators and optional offset."""

    y: np.ndarray
    unit_codes: np.ndarray
    time_codes: np.ndarray
    units: pd.Index
    times: pd.Index
    treated_mask: np.ndarray
    treated_post: np.ndarray
    log_offset: np.ndarray | None
    start: object
    start_code: int

    @property
    def n_units(self) -> int:
        return len(self.units)

    @property
    def n_periods(self) -> int:
        return len(self.times)

    @property
    def n_treated(self) -> int:
        return int(len(np.unique(self.unit_codes[self.treated_mask])))

    @property
    def n_pre_periods(self) -> int:
        return self.start_code

    @property
    def event_time(self) -> np.ndarray:
        return self.time_codes - self.start_code

    @property
    def min_event_time(self) -> int:
        return -self.start_code

    @property
    def max_event_time(self) -> int:
        return self.n_periods - 1 - self.start_code

    def period_for_event_time(self, k: int) -> object:
        """The time value ``k`` periods after the start (clipped to the observed range)."""
        return self.times[int(np.clip(self.start_code + k, 0, self.n_periods - 1))]

    def fixed_effects(self) -> pd.DataFrame:
        """Dummies for every unit and for every period but the first (no intercept)."""
        u = np.zeros((len(self.y), self.n_units))
        u[np.arange(len(self.y)), self.unit_codes] = 1.0
        t = np.zeros((len(self.y), self.n_periods))
        t[np.arange(len(self.y)), self.time_codes] = 1.0
        cols = [f"unit[{x}]" for x in self.units] + [f"time[{x}]" for x in self.times[1:]]
        return pd.DataFrame(np.hstack([u, t[:, 1:]]), columns=cols)


def build_panel(
    panel: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    treated_units,
    start,
    *,
    offset: str | None = None,
    model: str = "linear",
    treatment: str | None = None,
) -> TwfePanel:
    """Validate a long panel and return it sorted by unit then time as arrays.

    ``start`` is one date, or a mapping unit → start whose values all agree; units that
    start at different times (by the mapping or by the 0/1 ``treatment`` column) are
    refused with a pointer to ``staggered_did``.
    """
    _checks.require_frame(panel, "panel")
    _checks.require_columns(panel, "panel", outcome=outcome, unit=unit, time=time, offset=offset)
    if model == "poisson" and offset is None:
        raise ArgumentError(
            "model='poisson' behöver en kolumn med befolkning/exponering", argument="offset"
        )
    if isinstance(treated_units, (str, int, np.integer)):
        treated_units = [treated_units]
    treated = list(treated_units)
    if not treated:
        raise ArgumentError("ange minst en enhet med insats", argument="treated_units")
    df = panel.sort_values([unit, time]).reset_index(drop=True)
    if df[[unit, time]].isna().any().any():
        raise DataError(f"kolumnerna '{unit}'/'{time}' har tomma värden")
    if df.duplicated([unit, time]).any():
        raise DataError(
            f"mer än en rad per {unit} och {time}", expected="en rad per enhet och period"
        )
    units = pd.Index(pd.unique(df[unit]))
    missing = [u for u in treated if u not in set(units)]
    if missing:
        raise ArgumentError(f"finns inte i kolumnen '{unit}': {missing}", argument="treated_units")
    if len(units) - len(set(treated)) < 1:
        raise ArgumentError("inga jämförelseenheter kvar", argument="treated_units")
    start = _common_start(df, unit, time, treated, start, treatment)
    start = _checks.coerce_start(start, df[time])
    first = _checks.first_treated(df[time], start)
    times = pd.Index(pd.unique(df[time])).sort_values()
    y = _checks.numeric_column(df, outcome, "outcome", nonnegative=(model == "poisson"))
    log_offset = None
    if offset is not None:
        log_offset = np.log(_checks.numeric_column(df, offset, "offset", positive=True))
    unit_codes = units.get_indexer(pd.Index(df[unit]))
    time_codes = times.get_indexer(pd.Index(df[time]))
    is_treated = df[unit].isin(treated).to_numpy()
    post = (df[time] >= first).to_numpy()
    return TwfePanel(
        y=y,
        unit_codes=unit_codes,
        time_codes=time_codes,
        units=units,
        times=times,
        treated_mask=is_treated,
        treated_post=(is_treated & post).astype(float),
        log_offset=log_offset,
        start=start,
        start_code=int((times < first).sum()),
    )


def _common_start(df, unit, time, treated, start, treatment):
    """One start for every treated unit, or an ArgumentError naming ``staggered_did``."""
    hint = (
        "enheterna med insats startar vid olika tidpunkter ({detail}); en gemensam start skulle "
        "jämföra tidiga startare med redan behandlade enheter och snedvrida skattningen. Använd "
        "evaluation.methods.staggered_did(panel, outcome, unit, time, starts={{unit: start}})"
    )
    if isinstance(start, dict) or isinstance(start, pd.Series):
        mapping = dict(start)
        distinct = {str(v) for u, v in mapping.items() if u in set(treated)}
        if len(distinct) > 1:
            raise ArgumentError(hint.format(detail=", ".join(sorted(distinct))), argument="start")
        if not distinct:
            raise ArgumentError("ingen start angiven för enheterna med insats", argument="start")
        start = next(v for u, v in mapping.items() if u in set(treated))
    if treatment is not None:
        _checks.require_columns(df, "panel", treatment=treatment)
        on = pd.to_numeric(df[treatment], errors="coerce").fillna(0) > 0
        first = df[on & df[unit].isin(treated)].groupby(unit)[time].min()
        coerced = _checks.coerce_start(start, df[time])
        first_after = {
            u: df.loc[(df[unit] == u) & (df[time] >= coerced), time].min() for u in first.index
        }
        differ = [u for u, t in first.items() if t != first_after[u]]
        if len(set(first.to_list())) > 1 or differ:
            counts = first.value_counts().sort_index()
            detail = ", ".join(f"{n} från {t}" for t, n in counts.items())
            if differ and len(counts) == 1:
                detail += f", inte {coerced}"
            raise ArgumentError(hint.format(detail=detail), argument="start")
    return start
