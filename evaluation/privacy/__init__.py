"""Privacy layer: every number in a report passes through here (docs/privacy.md).

Use one :class:`Protector` per report::

    protector = Protector(PrivacyRules.from_params(params.privacy))
    table = protector.counts(crosstab, label="Orosanmälningar per källa")
    shares = protector.shares(frame, label="Andel gemensam bedömning")
    protector.appendix(); protector.rules_text()

The audit (:func:`audit_table`, :func:`audit_shown_table`) is independent of the
suppression code and can be run on a rendered report's tables.
"""

from typing import TYPE_CHECKING

#: Public name -> the module that defines it. Imported on first use (PEP 562), so the
#: batch process can read ledgers and the hidden set (``privacy.ledger``,
#: ``privacy.publication``) without loading pandas and the suppression code.
_LAZY = {
    "AuditFailure": "evaluation.privacy.audit",
    "audit_shown_table": "evaluation.privacy.audit",
    "audit_table": "evaluation.privacy.audit",
    "Protector": "evaluation.privacy.protector",
    "ProtectedFrame": "evaluation.privacy.results",
    "ProtectedTable": "evaluation.privacy.results",
    "PrivacyRules": "evaluation.privacy.rules",
    "HIDDEN": "evaluation.privacy.symbols",
    "MISSING": "evaluation.privacy.symbols",
    "OTHERS": "evaluation.privacy.symbols",
    "SUPPRESSED_SENTENCE": "evaluation.privacy.symbols",
    "TOTAL": "evaluation.privacy.symbols",
    "TOTAL_ONLY_SENTENCE": "evaluation.privacy.symbols",
    "merged_sentence": "evaluation.privacy.symbols",
}

if TYPE_CHECKING:
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


def __getattr__(name: str):
    """Import a public name's module on first use."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


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
