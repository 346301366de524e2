"""The one check that keeps unprotected frames out of every table, chart and map (R1)."""

from __future__ import annotations

from evaluation.exceptions import PrivacyError


def require_protected(obj) -> None:
    """Raise unless ``obj`` came out of ``evaluation.privacy.Protector``."""
    from evaluation.privacy import ProtectedFrame, ProtectedTable

    if not isinstance(obj, (ProtectedFrame, ProtectedTable)):
        raise PrivacyError(
            f"bara skyddade utdata får visas; fick {type(obj).__name__}. "
            "Skicka datan genom rapportens Protector först."
        )


def select_rows(protected, mask):
    """Rows of an already protected frame; see :func:`evaluation.privacy.views.select_rows`."""
    from evaluation.privacy.views import select_rows as select

    require_protected(protected)
    return select(protected, mask)
