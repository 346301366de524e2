"""The one check that keeps unprotected frames out of every table, chart and map (R1)."""

from __future__ import annotations

from evaluation.exceptions import PrivacyError


def require_protected(obj) -> None:
    """Raise unless ``obj`` came out of ``evaluation.privacy.Protector``."""
    from evaluation.privacy import ProtectedFrame, ProtectedTable

    if not isinstance(obj, (ProtectedFrame, ProtectedTable)):
        raise PrivacyError(
            f"only protected outputs may be shown; got {type(obj).__name__}. "
            "Pass the data through the report's Protector first."
        )


def select_rows(protected, mask):
    """Rows of an already protected frame (selecting what to show, never recomputing).

    Withheld is re-derived for the selection so an all-hidden subset shows the
    standard sentence instead of an empty chart.
    """
    import dataclasses

    from evaluation.privacy import SUPPRESSED_SENTENCE

    require_protected(protected)
    frame = protected.frame[mask.to_numpy() if hasattr(mask, "to_numpy") else mask]
    withheld = bool(frame["suppressed"].all()) if len(frame) else True
    return dataclasses.replace(
        protected,
        frame=frame.reset_index(drop=True),
        withheld=withheld,
        note=SUPPRESSED_SENTENCE if withheld else protected.note,
    )
