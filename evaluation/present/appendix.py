"""The report's closing appendix on disclosure control (PRIVACY.md R10)."""

from __future__ import annotations

import pandas as pd

from evaluation.present.format import fmt_int
from evaluation.present.output import Group, Note, Table

_KIND = {"counts": "Antal", "shares": "Andelar", "rates": "Takter", "statistics": "Medianer",
         "series": "Tidsserie"}


def privacy_appendix(protector) -> Group:
    """Rules and thresholds applied, and how many cells each output hid."""
    ledger = protector.appendix()
    note = Note(protector.rules_text())
    if ledger.empty:
        return Group((note,))
    rows = pd.DataFrame({
        "Typ": [_KIND.get(k, str(k)) for k in ledger["kind"]],
        "Celler": [fmt_int(v) for v in ledger["cells"]],
        "Dolda": [fmt_int(v) for v in ledger["hidden"]],
    }, index=[str(v) for v in ledger["label"]])
    total_hidden = int(ledger["hidden"].sum())
    summary = Note(f"Totalt doldes {fmt_int(total_hidden)} av {fmt_int(ledger['cells'].sum())} "
                   "redovisade celler i rapporten.")
    return Group((note, summary, Table(rows, "Skyddade tabeller och diagram i rapporten",
                                       index_label="Utdata")))
