"""Names of what is counted, shared by every output that counts it (docs/privacy.md R0).

Outputs of different tables and reports link in the ledger only when they name
the same measure; these specs say how a call site's cells map to base cells
(e.g. placements are interventions of the placement types).
"""

from __future__ import annotations

from evaluation.metadata import codes
from evaluation.privacy.ledger import months_between
from evaluation.privacy.recording import Spec

INTERVENTIONS = "insatser"
ACTIVITIES = "aktiviteter"
REFERRALS = "referrals"
_TYPE_DOMAIN = {"intervention_type": tuple(codes.INTERVENTION_TYPE.values())}


def measure_spec(name: str, *, rows: str | None = None, columns: str | None = None, window=None):
    """The :class:`Spec` of a named measure ("referrals", "placements", "interventions", …).

    ``window=(start, end)`` when the output covers other dates than the report.
    """
    months = months_between(*window) if window is not None else None
    if name == "placements":
        labels = tuple(codes.INTERVENTION_TYPE[c] for c in codes.PLACEMENT_TYPES)
        return Spec(
            measure=INTERVENTIONS,
            dims={"intervention_type": labels},
            domains=_TYPE_DOMAIN,
            window=months,
        )
    if name == "interventions":
        return Spec(
            measure=INTERVENTIONS, rows=rows, columns=columns, domains=_TYPE_DOMAIN, window=months
        )
    if name == "activities":
        return Spec(measure=ACTIVITIES, rows=rows, columns=columns, window=months)
    return Spec(measure=name, rows=rows, columns=columns, window=months)
