"""The report's closing appendix on disclosure control (docs/privacy.md R10)."""

from __future__ import annotations

from evaluation.present.format import fmt_int
from evaluation.present.output import Note, Outputs, Table


def privacy_appendix(protector) -> Outputs:
    """Rules and thresholds applied, and how many cells each output hid."""
    ledger = protector.appendix()
    parts = [Note(line) for line in protector.rules_text().split("\n") if line.strip()]
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
