"""Privacy layer: every number in a report passes through here (docs/privacy.md).

Use one :class:`Protector` per report::

    protector = Protector(PrivacyRules.from_params(params.privacy))
    table = protector.counts(crosstab, label="Orosanmälningar per källa")
    shares = protector.shares(frame, label="Andel gemensam bedömning")
    protector.appendix(); protector.rules_text()

The audit (:func:`audit_table`, :func:`audit_shown_table`) is independent of the
suppression code and can be run on a rendered report's tables.
"""

from evaluation.privacy.audit import AuditFailure, audit_shown_table, audit_table
from evaluation.privacy.protector import Protector
from evaluation.privacy.results import ProtectedFrame, ProtectedTable
from evaluation.privacy.rules import PrivacyRules
from evaluation.privacy.symbols import (
    HIDDEN,
    MISSING,
    OTHERS,
    SUPPRESSED_SENTENCE,
    TOTAL,
    TOTAL_ONLY_SENTENCE,
    merged_sentence,
)

__all__ = [
    "HIDDEN",
    "MISSING",
    "OTHERS",
    "SUPPRESSED_SENTENCE",
    "TOTAL",
    "TOTAL_ONLY_SENTENCE",
    "AuditFailure",
    "PrivacyRules",
    "ProtectedFrame",
    "ProtectedTable",
    "Protector",
    "audit_shown_table",
    "audit_table",
    "merged_sentence",
]
