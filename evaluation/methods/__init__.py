"""Causal estimates for outcome follow-ups: DiD, event study, interrupted time series, synthetic control."""

from evaluation.methods.did import difference_in_differences, event_study
from evaluation.methods.results import (
    DiDResult,
    EffectResult,
    EventStudyResult,
    ITSResult,
    SyntheticControlResult,
)

__all__ = [
    "DiDResult",
    "EffectResult",
    "EventStudyResult",
    "ITSResult",
    "SyntheticControlResult",
    "difference_in_differences",
    "event_study",
]
