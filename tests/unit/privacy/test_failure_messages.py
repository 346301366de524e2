"""Audit failures are published on the batch index: their words never carry a value.

A failed joint audit's first failure, and a report's own audit failure inside a
PrivacyError, end up on the index page (a failed row), which is part of the
publication. ``lower`` and ``upper`` can be a hidden figure's exact value.
"""

from __future__ import annotations

import re

import pytest

from evaluation.privacy.audit import AuditFailure
from evaluation.privacy.ledger import Figure
from evaluation.privacy.publication_audit import PublicationAudit, PublicationFailure

KINDS = ("interval", "unproven", "inconsistent", "too_large", "page", "unaccounted", "no_ledger")


@pytest.mark.parametrize("kind", KINDS)
def test_a_publication_failure_names_no_value(kind):
    figure = Figure.of("referrals", {"area": ["Norrby"], "period": ["Mars"]})
    failure = PublicationFailure(
        "termin/norrby/rapport", "Orosanmälningar", figure, "count", 3.0, 3.0, kind
    )
    said = str(failure)
    assert said.startswith("termin/norrby/rapport")
    assert not re.search(r"\d", said), said
    audit = PublicationAudit(failures=[failure])
    assert not re.search(r"\d", audit.summary().split("dolda uppgifter:", 1)[1])


@pytest.mark.parametrize("kind", ["interval", "shown_small", "inconsistent"])
def test_a_table_audit_failure_names_no_value(kind):
    said = str(AuditFailure("Norrby", "Mars", kind, 2.0, 2.0, 0, 0))
    assert "Norrby" in said and not re.search(r"\d", said), said
