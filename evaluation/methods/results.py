"""Result objects shared by the causal methods: frozen, with the estimate, interval and caveats."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

RATE_RATIO = "rate_ratio"
DIFFERENCE = "difference"


@dataclass(frozen=True, eq=False)
class EffectResult:
    """Fields every method's result has: estimate, interval, p-value and plain-Swedish caveats.

    ``scale`` is ``"rate_ratio"`` (1 means no effect) or ``"difference"`` (0 means no effect).
    """

    estimate: float
    ci_low: float
    ci_high: float
    p_value: float
    method: str
    inference: str
    assumption: str
    scale: str
    warnings: list[str] = field(default_factory=list)
    confidence: float = 0.95

    @property
    def null_value(self) -> float:
        """Value of ``estimate`` that means no effect (1 for rate ratios, 0 for differences)."""
        return 1.0 if self.scale == RATE_RATIO else 0.0

    @property
    def ci_covers_null(self) -> bool:
        """True when the interval includes no effect."""
        return bool(self.ci_low <= self.null_value <= self.ci_high)


@dataclass(frozen=True, eq=False)
class DiDResult(EffectResult):
    """Difference-in-differences estimate with the fitted statsmodels result kept for inspection."""

    se: float = float("nan")
    n_units: int = 0
    n_treated: int = 0
    n_periods: int = 0
    start: object = None
    model_result: object = None


@dataclass(frozen=True, eq=False)
class EventStudyResult(EffectResult):
    """Event study: one coefficient per event time (``coefficients``) and a joint pre-trend test.

    ``estimate`` is the average post-start coefficient, each relative to period −1 (model
    scale, transformed back); ``pretrend_p_value`` tests all leads jointly equal to zero.
    """

    coefficients: pd.DataFrame = field(default_factory=pd.DataFrame)
    pretrend_p_value: float = float("nan")
    start: object = None
    model_result: object = None


@dataclass(frozen=True, eq=False)
class ITSResult(EffectResult):
    """Interrupted time series: level change as ``estimate``, slope change, and fitted lines.

    ``fitted`` has columns ``time``, ``fitted``, ``counterfactual`` (no intervention) and
    ``counterfactual_low``/``counterfactual_high``; values are on the outcome's scale
    (counts, or rates when ``per`` was given).
    """

    slope_change: float = float("nan")
    slope_ci_low: float = float("nan")
    slope_ci_high: float = float("nan")
    slope_p_value: float = float("nan")
    fitted: pd.DataFrame = field(default_factory=pd.DataFrame)
    start: object = None
    model_result: object = None


@dataclass(frozen=True, eq=False)
class SyntheticControlResult(EffectResult):
    """Synthetic control: donor ``weights``, ``gap`` (treated − synthetic) by time and placebos.

    ``p_value`` is the in-space placebo (permutation) p-value of the post/pre RMSPE ratio;
    ``ci_low``/``ci_high`` span the conformal set for the mean post-period gap
    (``conformal_set``: accepted intervals, possibly several or unbounded);
    ``placebo_p_values`` holds the placebo p-value for all placebos (``"alla"``) and for
    those whose pre-period RMSPE is at most 20, 5 or 2 times the treated unit's;
    ``predictor_weights`` the ADH importance weights V (empty without predictors).
    """

    weights: pd.Series = field(default_factory=pd.Series)
    gap: pd.Series = field(default_factory=pd.Series)
    synthetic: pd.Series = field(default_factory=pd.Series)
    pre_rmspe: float = float("nan")
    post_rmspe: float = float("nan")
    placebos: pd.DataFrame = field(default_factory=pd.DataFrame)
    placebo_gaps: pd.DataFrame = field(default_factory=pd.DataFrame)
    conformal_p_value: float = float("nan")
    conformal_set: tuple = ()
    placebo_p_values: dict = field(default_factory=dict)
    predictor_weights: pd.Series = field(default_factory=pd.Series)
    treated_unit: object = None
    start: object = None
