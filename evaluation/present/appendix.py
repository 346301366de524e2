"""The report's closing appendix on disclosure control (docs/privacy.md R10)."""

from __future__ import annotations

from dataclasses import dataclass, field

from evaluation.present.format import fmt_int
from evaluation.present.output import Group, Note, Table


@dataclass(frozen=True)
class _AppendixGroup(Group):
    """The appendix; its display also carries the report's publication ledger (R0).

    The renderer takes the ledger out of the notebook (it is never in the page)
    and saves it beside the report for the joint audit.
    """

    publication: dict | None = field(default=None, compare=False, repr=False)

    def _repr_mimebundle_(self, include=None, exclude=None):
        from evaluation.privacy.ledger import LEDGER_MIME

        return {LEDGER_MIME: self.publication or {}}


def privacy_appendix(protector, lead: tuple = ()) -> Group:
    """Rules and thresholds applied, and how many cells each output hid.

    ``lead``: outputs shown first (a report kind's own rules). Keep the result
    the cell's displayed object: wrapping it in another Group loses the ledger.
    """
    ledger = protector.appendix()
    parts = [*lead] + [Note(line) for line in protector.rules_text().split("\n") if line.strip()]
    publication = getattr(protector, "publication", None)
    bundle = publication.as_dict() if publication is not None else None
    if ledger.empty:
        return _AppendixGroup(tuple(parts), bundle)
    cells = ledger.set_index(ledger.columns[0])
    for col in ("Uppgifter", "Dolda"):
        cells[col] = [fmt_int(v) for v in cells[col]]
    return _AppendixGroup(
        (
            *parts,
            Table(
                cells,
                "Skyddade tabeller och diagram i rapporten",
                index_label="Tabell eller diagram",
            ),
        ),
        bundle,
    )
