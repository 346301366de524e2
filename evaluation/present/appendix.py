"""The report's closing appendix on disclosure control (docs/privacy.md R10)."""

from __future__ import annotations

from dataclasses import dataclass, field

from evaluation.present.format import fmt_int
from evaluation.present.output import Note, Outputs, Table

IDENTITY_SCAN_TEXT = (
    "Rapporten har kontrollerats så att inget person- eller samordningsnummer finns i "
    "någon text: inläsningen av underlaget (också områdesnamn och enkätfrågor), "
    "parametrarna, texten som ritas i diagram och kartor innan bilden skapas, och den "
    "färdiga sidan. Bara tabeller, diagram och texter som gått igenom sekretesskontrollen "
    "får visas; annat gör att rapporten inte skapas."
)


@dataclass(frozen=True)
class _AppendixGroup(Outputs):
    """The appendix; its display also carries the report's publication ledger (R0).

    The renderer takes the ledger out of the notebook (it is never in the page)
    and saves it beside the report for the joint audit. It travels as JSON text,
    which the renderer writes as it came: an area analysis's ledger is ~100,000
    values that would otherwise be decoded from the kernel's message only to be
    encoded again for the file.
    """

    publication: dict | None = field(default=None, compare=False, repr=False)

    def _repr_mimebundle_(self, include=None, exclude=None):
        import json

        from evaluation.privacy.ledger import LEDGER_MIME

        data, metadata = super()._repr_mimebundle_(include, exclude)
        ledger = json.dumps(self.publication or {}, ensure_ascii=False)
        return {**data, LEDGER_MIME: ledger}, metadata


def privacy_appendix(protector, lead: tuple = ()) -> Outputs:
    """Rules and thresholds applied, and how many cells each output hid.

    ``lead``: outputs shown first (a report kind's own rules). Keep the result
    the cell's displayed object: wrapping it in another Outputs loses the ledger.
    """
    ledger = protector.appendix()
    parts = [*lead] + [Note(line) for line in protector.rules_text().split("\n") if line.strip()]
    parts.append(Note(IDENTITY_SCAN_TEXT))
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
