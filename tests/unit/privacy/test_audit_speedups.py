"""The joint audit's speed-ups keep its verdicts: warm HiGHS re-solves, the feasible-point
sweep and the page-check memory give what solving and reading everything afresh gives."""

from __future__ import annotations

import json
import random

import pytest

from evaluation.privacy import publication_audit as pa
from evaluation.privacy.ledger import Entry, Figure, Ledger

AREAS = ["a1", "a2", "a3", "a4"]
MONTHS = ["2024-01", "2024-02", "2024-03"]


def _report(seed: int, hidden_share: float) -> list[tuple[str, Ledger]]:
    """Two reports of one count table (area × month with margins), some cells hidden."""
    rng = random.Random(seed)
    cells = {(a, m): rng.choice([0, 1, 2, 3, 4, 6, 9, 15, 40]) for a in AREAS for m in MONTHS}
    hide_cell = {c: rng.random() < hidden_share for c in cells}  # the same in both reports
    hide_row = {a: rng.random() < hidden_share / 3 for a in AREAS}
    out = []
    for name in ("r1", "r2"):
        ledger = Ledger(report=name, min_count=5)
        ledger.declare("m", "area", AREAS)

        def add(areas, months, value, hide, ledger=ledger):
            fig = Figure.of("m", {"area": areas, "period": months})
            ledger.entries.append(Entry("t", fig, "count", None if hide else value, hide))

        for (a, m), v in cells.items():
            add([a], [m], v, hide_cell[a, m])
        for a in AREAS:
            add([a], MONTHS, sum(cells[a, m] for m in MONTHS), hide_row[a])
        for m in MONTHS:
            add(AREAS, [m], sum(cells[a, m] for a in AREAS), False)
        out.append((name, ledger))
    return out


def _verdicts(audit: pa.PublicationAudit) -> list[tuple]:
    return sorted(
        (f.report, f.figure.key, f.kind, round(f.lower, 6), round(f.upper, 6))
        for f in [*audit.failures, *audit.warnings]
    )


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("min_count", [3, 5, 12])
def test_sweep_and_warm_solves_give_the_verdicts_of_solving_every_target(
    seed, min_count, monkeypatch
):
    ledgers = _report(seed, hidden_share=0.35)
    fast = pa.audit_ledgers(ledgers, min_count=min_count)
    # reference: every target solved with its own cold linprog calls, no sweep
    monkeypatch.setattr(pa._Sweep, "wide", lambda self, j: False)
    monkeypatch.setattr(pa._PieceLP, "__init__", _unusable)
    slow = pa.audit_ledgers(ledgers, min_count=min_count)
    assert _verdicts(fast) == _verdicts(slow)
    assert fast.targets == slow.targets


def _unusable(self, a_eq, b_eq, ub, n):
    self.n, self.usable = n, False


def test_some_seed_fails_and_some_passes(monkeypatch):
    """The comparison above is not vacuous: targets pass and fail, and the sweep skips some."""
    skipped = []
    wide = pa._Sweep.wide
    monkeypatch.setattr(
        pa._Sweep, "wide", lambda self, j: skipped.append(wide(self, j)) or skipped[-1]
    )
    audits = [pa.audit_ledgers(_report(s, 0.35), min_count=5) for s in range(12)]
    assert any(skipped) and not all(skipped)
    failing = sum(len({f.figure for f in a.failures}) for a in audits)
    targets = sum(a.targets for a in audits) // 2  # each report hides its own copy
    assert 0 < failing < targets


def test_measure_matrix_is_the_product_of_its_class_masks():
    figs = [
        Figure.of("m", {"area": ["a1"], "period": ["2024-01"]}),
        Figure.of("m", {"area": ["a1", "a2"]}),
        Figure.of("m", {"period": ["2024-02", "2024-03"]}),
        Figure.of("m", {}),
    ]
    a = pa._measure_system(figs, {"area": {"a1", "a2", "a3"}}).toarray()
    # area classes: {a1}, {a2}, {a3}; period classes: {01}, {02, 03}
    assert a.shape == (4, 6)
    assert a.sum(axis=1).tolist() == [1, 4, 3, 6]
    assert a[3].tolist() == [1] * 6


def test_page_memory_rereads_a_changed_page(tmp_path, monkeypatch):
    """A remembered page is parsed again once its bytes change (and a failure is kept)."""
    from evaluation.privacy import page_check
    from evaluation.privacy.page_check import PageReading

    batch = tmp_path / "b"
    (batch / "x").mkdir(parents=True)
    page, ledger = batch / "x" / "k.html", batch / "x" / "k.ledger.json"
    page.write_text("<p>one</p>", encoding="utf-8")
    ledger.write_text(json.dumps(Ledger().as_dict()), encoding="utf-8")
    parsed = []

    def fake_read(batch_dir, loaded=None, pages=None):
        parsed.extend(pages)
        text = pages[0].read_text(encoding="utf-8")
        return PageReading(failures=["bad"] if "two" in text else [], figures=1)

    monkeypatch.setattr(page_check, "read_pages", fake_read)
    assert pa._read_pages(batch, {}, memo=True).figures == 1
    assert pa._read_pages(batch, {}, memo=True).figures == 1
    assert parsed == [page]  # the second time from memory
    page.write_text("<p>two</p>", encoding="utf-8")
    assert pa._read_pages(batch, {}, memo=True).failures == ["bad"]
    assert pa._read_pages(batch, {}, memo=True).failures == ["bad"]  # failures not kept
    assert parsed == [page, page, page]


def _with_sources(ledgers, tag: str):
    for name, ledger in ledgers:
        ledger.source = f"{tag}-{name}"
    return ledgers


def test_the_digest_memory_gives_the_digests_of_reading_every_figure(monkeypatch):
    """Ledgers unchanged byte for byte (same file hashes) re-use their measures' digests."""
    first = pa.audit_ledgers(_with_sources(_report(3, 0.35), "v1"), passed=set())
    assert first.memo  # one key per measure read from files
    computed = []
    digest = pa._measure_digest
    monkeypatch.setattr(pa, "_measure_digest", lambda *a: computed.append(1) or digest(*a))
    again = pa.audit_ledgers(_with_sources(_report(3, 0.35), "v1"), passed=set(), memo=first.memo)
    assert computed == [] and again.memo == first.memo and _verdicts(again) == _verdicts(first)
    # a changed ledger file (new hash) is digested afresh, and a digest the memory maps
    # to the unchanged inputs is what the audit uses to skip a measure that passed
    changed = pa.audit_ledgers(_with_sources(_report(4, 0.35), "v2"), passed=set(), memo=first.memo)
    assert computed and set(changed.memo).isdisjoint(first.memo)
    fake = {k: "passed-before" for k in first.memo}
    skipped = pa.audit_ledgers(
        _with_sources(_report(3, 0.35), "v1"), passed={"passed-before"}, memo=fake
    )
    assert not skipped.failures and skipped.targets == first.targets


def test_ledgers_built_in_memory_are_always_digested(monkeypatch):
    computed = []
    digest = pa._measure_digest
    monkeypatch.setattr(pa, "_measure_digest", lambda *a: computed.append(1) or digest(*a))
    audit = pa.audit_ledgers(_report(3, 0.35), passed=set(), memo={"x": "y"})
    assert computed and audit.memo == {}


def test_remembered_verdicts_hold_only_for_the_audit_code_that_reached_them(tmp_path, monkeypatch):
    """After an upgrade of the audit every measure is judged again, ledgers unchanged or not."""
    from evaluation.privacy import publication

    memo = tmp_path / "ledgers" / publication.MEASURES_FILE
    publication._write_measures(memo, {"d1", "d2"}, {"k1": "d1"})
    assert publication._read_measures(memo) == ({"d1", "d2"}, {"k1": "d1"})
    monkeypatch.setattr(pa, "audit_code_hash", lambda: "a stricter audit")
    assert publication._read_measures(memo) == (set(), {})


def test_a_page_checked_ahead_is_used_only_for_the_bytes_it_read(tmp_path, monkeypatch):
    """The batch checks each page as it is written; the audit takes that check only while
    the page and its ledger are the bytes that were checked, and never a failure."""
    from evaluation.privacy import page_check
    from evaluation.privacy.page_check import PageReading

    batch = tmp_path / "b"
    (batch / "x").mkdir(parents=True)
    page, ledger_path = batch / "x" / "k.html", batch / "x" / "k.ledger.json"
    page.write_text("<p>one</p>", encoding="utf-8")
    Ledger().save(ledger_path)
    ahead_reads, audit_reads = [], []

    def fake_against(name, text, ledger):
        ahead_reads.append(text)
        return PageReading(failures=["bad"] if "bad" in text else [], figures=7)

    def fake_read(batch_dir, loaded=None, pages=None):
        audit_reads.extend(pages)
        text = pages[0].read_text(encoding="utf-8")
        return PageReading(failures=["bad"] if "bad" in text else [], figures=1)

    monkeypatch.setattr(page_check, "read_page_against", fake_against)
    monkeypatch.setattr(page_check, "read_pages", fake_read)
    monkeypatch.setattr(pa, "_AHEAD", {})
    pa.check_page_ahead(page, Ledger.load(ledger_path))
    assert pa._read_pages(batch, {}, memo=True).figures == 7  # the check made ahead
    assert audit_reads == [] and pa._AHEAD == {}
    # given the ledgers it audits, the key names those (their bytes as read), not the file
    (batch / "ledgers" / pa.PAGES_FILE).unlink()
    loaded = Ledger.load(ledger_path)
    pa.check_page_ahead(page, loaded)
    Ledger(report="rewritten").save(ledger_path)
    assert pa._read_pages(batch, {ledger_path: loaded}, memo=True).figures == 7
    assert audit_reads == []
    Ledger().save(ledger_path)

    (batch / "ledgers" / pa.PAGES_FILE).unlink()
    pa.check_page_ahead(page, Ledger.load(ledger_path))
    page.write_text("<p>two</p>", encoding="utf-8")  # re-written after the check
    assert pa._read_pages(batch, {}, memo=True).figures == 1
    assert audit_reads == [page] and pa._AHEAD == {}  # the stale check is dropped

    page.write_text("<p>bad</p>", encoding="utf-8")
    pa.check_page_ahead(page, Ledger.load(ledger_path))
    assert pa._AHEAD == {} and ahead_reads[-1] == "<p>bad</p>"  # a failure is not kept
    assert pa._read_pages(batch, {}, memo=True).failures == ["bad"]
    assert audit_reads == [page, page]


def test_the_batch_hands_each_written_page_to_the_check_ahead(tmp_path, monkeypatch):
    """AuditAhead reads re-used ledgers, then checks each written page with its ledger."""
    from evaluation.privacy import publication

    folder = tmp_path / "a"
    folder.mkdir()
    reused = Ledger().save(folder / "old.ledger.json")
    page = folder / "new.html"
    page.write_text("<p>x</p>", encoding="utf-8")
    Ledger().save(folder / "new.ledger.json")
    checked = []
    monkeypatch.setattr(pa, "check_page_ahead", lambda p, ledger: checked.append((p, ledger)))
    ahead = publication.AuditAhead([reused])
    ahead.page_written(page)
    ahead.page_written(folder / "missing.html")  # no ledger: left to the audit
    publication._await_prefetch()
    assert str(reused) in publication._READ
    assert [p for p, _ in checked] == [page]
    assert checked[0][1] is publication.read_ledger(folder / "new.ledger.json")


def test_audit_ahead_waits_for_the_notebook_to_start_when_told(tmp_path, monkeypatch):
    """In a one-report update the reading waits for the notebook (``start_after``), and
    ``join`` (the audit) releases it when no notebook ever started."""
    import threading
    import time
    from pathlib import Path

    from evaluation.privacy import publication

    reused = Ledger().save(tmp_path / "old.ledger.json")
    read = []
    monkeypatch.setattr(publication, "read_ledger", lambda p: read.append(Path(p)))
    started = threading.Event()
    publication.AuditAhead([reused], start_after=started)
    time.sleep(0.3)
    assert read == []  # nothing read before the notebook starts
    started.set()
    deadline = time.monotonic() + 10
    while not read and time.monotonic() < deadline:
        time.sleep(0.01)
    assert read == [reused]

    never = threading.Event()
    publication.AuditAhead([reused], start_after=never)
    publication._await_prefetch()  # returns: join sets the event
    assert never.is_set() and read == [reused, reused]


def test_ledgers_and_pages_are_read_with_the_collector_paused(tmp_path, monkeypatch) -> None:
    """The collector is off while a ledger or a page is read, and on again afterwards
    (also when the read fails)."""
    import gc

    import pandas as pd

    from evaluation.exceptions import DataError
    from evaluation.present.output import Table
    from evaluation.privacy import page_reader

    seen: list[bool] = []

    def spy(real):
        def wrapper(*args):
            seen.append(gc.isenabled())
            return real(*args)

        return wrapper

    ledger = _report(1, 0.3)[0][1]
    path = tmp_path / "r.ledger.json"
    path.write_text(json.dumps(ledger.as_dict()), encoding="utf-8")
    monkeypatch.setattr(Ledger, "from_dict", classmethod(spy(Ledger.from_dict.__func__)))
    assert len(Ledger.load(path).entries) == len(ledger.entries)
    assert seen == [False] and gc.isenabled()
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    with pytest.raises(DataError):
        Ledger.load(tmp_path / "bad.json")
    assert gc.isenabled()

    seen.clear()
    monkeypatch.setattr(page_reader, "_figures_of", spy(page_reader._figures_of))
    page = Table(pd.DataFrame({"A": ["12,0 %"]}, index=["Andel"]), "Profil")._repr_html_()
    assert page_reader.read_page(page)
    assert seen == [False] and gc.isenabled()


def test_the_pause_ends_with_its_last_reader_and_keeps_a_collector_that_was_off() -> None:
    import gc
    import threading

    from evaluation.privacy.gc_pause import paused_gc

    gc.disable()  # a caller that had it off keeps it off
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
    inside, release = threading.Event(), threading.Event()

    def other() -> None:
        with paused_gc():
            inside.set()
            release.wait(5)

    worker = threading.Thread(target=other)
    worker.start()
    inside.wait(5)
    with paused_gc():
        pass
    assert not gc.isenabled()  # the other reader is still inside
    release.set()
    worker.join()
    assert gc.isenabled()
