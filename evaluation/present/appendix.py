"""The report's closing appendix on disclosure control (docs/privacy.md R10)."""

from __future__ import annotations

from evaluation.present.format import fmt_int
from evaluation.present.output import Note, Outputs, Table

IDENTITY_SCAN_TEXT = (
    "Rapporten har kontrollerats så att inget person- eller samordningsnummer finns i "
    "någon text: inläsningen av underlaget (också områdesnamn och enkätfrågor), "
    "parametrarna, texten som ritas i diagram och kartor innan bilden skapas, och den "
    "färdiga sidan. Bara tabeller, diagram och texter som gått igenom sekretesskontrollen "
    "får visas; annat gör att rapporten inte skapas."
)


def privacy_appendix(protector) -> Outputs:
    """Rules and thresholds applied, and how many cells each output hid."""
    ledger = protector.appendix()
    parts = [Note(line) for line in protector.rules_text().split("\n") if line.strip()]
    parts.append(Note(IDENTITY_SCAN_TEXT))
    if ledger.empty:
        return Outputs(tuple(parts))
    cells = ledger.set_index(ledger.columns[0])
    for col in ("Uppgifter", "Dolda"):
        cells[col] = [fmt_int(v) for v in cells[col]]
    return Outputs(
        (
            *parts,
            Table(
                cells,
                "Skyddade tabeller och diagram i rapporten",
                index_label="Tabell eller diagram",
            ),
        )
    )
