"""Symbols and standard sentences shown in reports (docs/privacy.md R9).

Kept apart from the code so the presentation layer and the independent audit
can read them without importing any suppression logic.
"""

from __future__ import annotations

HIDDEN = ".."
"""Shown instead of a value hidden for confidentiality."""

MISSING = "–"
"""Shown where a value is missing (not hidden)."""

TOTAL = "Totalt"
"""Label of the margins (row totals column, column totals row)."""

OTHERS = "Övriga"
"""Default label of the row that small categories are merged into."""

SUPPRESSED_SENTENCE = "Uppgiften redovisas inte eftersom underlaget är för litet."
"""The one standard sentence for an output left out (R9)."""

TOTAL_ONLY_SENTENCE = "Endast totalen redovisas eftersom underlaget är för litet för en uppdelning."
"""Said when a table falls back to its grand total (R9)."""


def merged_sentence(merge_label: str = OTHERS) -> str:
    """Sentence saying that small categories were merged into ``merge_label``."""
    return (
        f"Små grupper har slagits samman till ”{merge_label.lower()}” "
        "eftersom underlaget annars är för litet."
    )
