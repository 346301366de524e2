"""Causal estimates for outcome follow-ups.

Difference-in-differences, event study, interrupted time series and synthetic control.
"""

from evaluation.methods.describe import describe_effect
from evaluation.methods.did import difference_in_differences, event_study
from evaluation.methods.its import interrupted_time_series
from evaluation.methods.plots import (
    plot_event_study,
    plot_its,
    plot_placebos,
    plot_synthetic_control,
)
from evaluation.methods.results import (
    DiDResult,
    EffectResult,
    EventStudyResult,
    ITSResult,
    SyntheticControlResult,
)
from evaluation.methods.staggered import StaggeredDiDResult, staggered_did
from evaluation.methods.synthetic_control import synthetic_control
from evaluation.methods.synthetic_did import SyntheticDiDResult, synthetic_did

__all__ = [
    "DiDResult",
    "EffectResult",
    "EventStudyResult",
    "ITSResult",
    "StaggeredDiDResult",
    "SyntheticControlResult",
    "SyntheticDiDResult",
    "describe_effect",
    "difference_in_differences",
    "event_study",
    "interrupted_time_series",
    "plot_event_study",
    "plot_its",
    "plot_placebos",
    "plot_synthetic_control",
    "staggered_did",
    "synthetic_control",
    "synthetic_did",
]
