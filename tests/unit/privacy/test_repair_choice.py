"""Repair hides what costs readers least: a cell one report shows, not the shared total."""

from evaluation.privacy.ledger import Figure, Ledger
from evaluation.privacy.publication import repair_keys
from evaluation.privacy.publication_audit import audit_ledgers

AREAS = ["A", "B", "C", "D"]
VALUES = {"A": 2, "B": 9, "C": 12, "D": 30}  # A is hidden (1-4)


def _pyramid(area: str) -> Ledger:
    """One area's report: its own cell (hidden when small) and the municipality's."""
    led = Ledger(report=f"{area}/area_analysis", min_count=5)
    led.domains["pop"] = {"area": tuple(AREAS)}
    value = VALUES[area] if VALUES[area] >= 5 else None
    led.add("pyramid", Figure.of("pop", {"area": [area]}), "count", value, target=True)
    led.add("pyramid", Figure.of("pop", {"area": AREAS}), "count", sum(VALUES.values()))
    return led


def test_repair_hides_a_sibling_not_the_total_every_report_shows():
    ledgers = [_pyramid(a) for a in AREAS]
    audit = audit_ledgers([(led.report, led) for led in ledgers])
    assert not audit.ok  # total minus the visible areas gives A exactly
    picked = repair_keys(audit.failures, ledgers, set())
    assert picked == {Figure.of("pop", {"area": ["B"]}).key}  # smallest sibling, one report


def test_repair_converges_on_the_pyramid_row():
    ledgers = [_pyramid(a) for a in AREAS]
    hidden: set[str] = set()
    for _ in range(4):
        current = []
        for led in ledgers:
            copy = Ledger(report=led.report, min_count=5, domains=led.domains)
            for e in led.entries:
                value = None if e.figure.key in hidden else e.value
                copy.add(e.output, e.figure, e.role, value, target=True)
            current.append(copy)
        audit = audit_ledgers([(led.report, led) for led in current])
        if audit.ok:
            break
        hidden |= repair_keys(audit.failures, current, hidden)
    assert audit.ok
    total = Figure.of("pop", {"area": AREAS}).key
    assert total not in hidden
