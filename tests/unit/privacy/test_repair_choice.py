"""Repair hides what costs readers least: a cell one report shows, not the shared total."""

import pytest

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


def test_a_single_run_the_audit_refuses_is_withdrawn(tmp_path):
    from types import SimpleNamespace

    from evaluation.privacy.ledger import LEDGER_SUFFIX
    from evaluation.privacy.publication import publish_one

    batch = tmp_path / "batch"
    for area in ["B", "C", "D"]:  # already published: each area's cell and the total
        (batch / area).mkdir(parents=True)
        _pyramid(area).save(batch / area / f"area_analysis{LEDGER_SUFFIX}")
        (batch / area / "area_analysis.html").write_text("<html></html>", encoding="utf-8")
    page = batch / "A" / "area_analysis.html"
    page.parent.mkdir()
    page.with_suffix(".pdf").write_bytes(b"%PDF-1.7 (an earlier run's print)")

    def render(again: bool):  # the new report hides A's cell, but the total pins it
        page.write_text("<html></html>", encoding="utf-8")
        _pyramid("A").save(page.with_name(f"area_analysis{LEDGER_SUFFIX}"))
        return SimpleNamespace(html=str(page), status="ok")

    _, audit = publish_one(render, batch)
    assert not audit.ok
    assert not page.exists() and not page.with_name(f"area_analysis{LEDGER_SUFFIX}").exists()
    assert not page.with_suffix(".pdf").exists()
    assert not [p.name for p in (batch / "ledgers").glob("*.json") if p.name != "hidden.json"]
    assert (batch / "B" / "area_analysis.html").exists()  # the others were safe before


def test_a_single_run_stopped_during_its_audit_leaves_no_unaudited_page(tmp_path, monkeypatch):
    from types import SimpleNamespace

    from evaluation.privacy import publication
    from evaluation.privacy.ledger import LEDGER_SUFFIX

    batch = tmp_path / "batch"
    page = batch / "A" / "area_analysis.html"
    page.parent.mkdir(parents=True)

    def render(again: bool):
        page.write_text("<html></html>", encoding="utf-8")
        _pyramid("A").save(page.with_name(f"area_analysis{LEDGER_SUFFIX}"))
        return SimpleNamespace(html=str(page), status="ok")

    def stopped(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(publication, "settle", stopped)
    with pytest.raises(KeyboardInterrupt):
        publication.publish_one(render, batch)
    assert not page.exists() and not page.with_name(f"area_analysis{LEDGER_SUFFIX}").exists()


def test_a_batch_whose_audit_fails_withdraws_every_page_of_the_pinning_measure(tmp_path):
    from evaluation.privacy.ledger import LEDGER_SUFFIX
    from evaluation.privacy.publication import settle

    batch = tmp_path / "batch"
    for area in AREAS:
        (batch / area).mkdir(parents=True)
        _pyramid(area).save(batch / area / f"area_analysis{LEDGER_SUFFIX}")
        (batch / area / "area_analysis.html").write_text("<html></html>", encoding="utf-8")
    (batch / "other").mkdir()  # a report of another measure stays
    other = Ledger(report="other/user_survey", min_count=5)
    other.add("svar", Figure.of("answers", {"area": ["B"]}), "count", 40)
    other.save(batch / "other" / f"user_survey{LEDGER_SUFFIX}")
    (batch / "other" / "user_survey.html").write_text("<html></html>", encoding="utf-8")

    audit = settle(batch, [], lambda pages: None)  # re-rendering cannot help: nothing changes
    assert not audit.ok
    assert sorted(p.parent.name for p in audit.withdrawn) == AREAS
    assert not any((batch / a / "area_analysis.html").exists() for a in AREAS)
    assert (batch / "other" / "user_survey.html").exists()
