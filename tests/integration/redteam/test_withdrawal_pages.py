"""A batch whose joint audit fails takes the pages that pin a hidden figure off the folder.

The crafted municipality's later term (rendered once, ``conftest.py``) is copied
alone into a fresh reports folder beside a crafted earlier term whose ledger published
the sum of one figure the report hides and one it shows (as a careless earlier
release would have). Together with the page, that sum pins the hidden figure.
The repair (hide more and render again) is switched off, so the audit must fail;
then every page of the batch that shows a figure of that measure must be gone
from the folder — HTML and ledger — and the index must say so. The contrast case
keeps the page (no withdrawal) and shows that the folder then does pin the
figure, read from the page itself: the attack the withdrawal stops.
No notebook is executed: the copied report is current and re-used.
"""

from __future__ import annotations

import functools
import re
import shutil

import pytest

from evaluation.privacy import publication
from evaluation.privacy.ledger import EARLIER_DIR, LEDGER_SUFFIX, Figure, Ledger, history_folders
from evaluation.privacy.page_check import read_pages
from evaluation.privacy.page_reader import read_page
from evaluation.privacy.publication_audit import PAGES_FILE, audit_batch_folder
from evaluation.render.batch import run_batch

LATER = "tiny-2023H2"
PAGE = ("norrby", "outcome_followup")


def _on_page(batch) -> tuple[set[str], set[tuple[str, float]]]:
    """What a reader reads off the batch's pages: figures pinned exactly, (caption, count)."""
    pinned = {f.key for f, lo, hi in read_pages(batch).bounds if hi - lo < 0.5}
    counts = {
        (f.caption, f.value)
        for page in batch.glob("*/*.html")
        for f in read_page(page.read_text(encoding="utf-8"))
        if f.kind == "count"
    }
    return pinned, counts


def _readable(e, page: tuple[set[str], set[tuple[str, float]]]) -> bool:
    return e.figure.key in page[0] or (e.output, float(e.value)) in page[1]


def _pair(ledger: Ledger, page):
    """A hidden count, one the page shows of the same measure, and a figure to craft.

    Apart in one dimension: the crafted figure is their sum (disjoint values), or, when
    the shown one is a pool holding the hidden one, the rest of that pool; either way no
    report of the batch shows it, and with the page it pins the hidden count (crafted as 2).
    """
    hidden = [e for e in ledger.entries if e.role == "count" and e.hidden and e.target]
    published = {e.figure.key for e in ledger.entries if not e.hidden}
    shown = [
        e
        for e in ledger.entries
        if e.role == "count" and e.value is not None and e.value >= 5 and _readable(e, page)
    ]
    for f in hidden:
        fd = dict(f.figure.dims)
        for v in shown:
            vd = dict(v.figure.dims)
            if v.figure.measure != f.figure.measure or fd.keys() != vd.keys():
                continue
            differ = [d for d in fd if fd[d] != vd[d]]
            if len(differ) != 1:
                continue
            d = differ[0]
            if not set(fd[d]) & set(vd[d]):
                both = Figure.of(f.figure.measure, {**fd, d: fd[d] + vd[d]})
                value = float(v.value) + 2
            elif set(fd[d]) < set(vd[d]):
                rest = tuple(x for x in vd[d] if x not in set(fd[d]))
                both = Figure.of(f.figure.measure, {**fd, d: rest})
                value = float(v.value) - 2
            else:
                continue
            if both.key not in published:
                return f, v, both, value
    return None


def _setup(tiny_publication, tmp_path):
    """The later term alone (its carried history left behind) beside a crafted earlier release."""
    reports = tmp_path / "reports"
    out = reports / LATER
    shutil.copytree(tiny_publication.reports / LATER, out)
    shutil.rmtree(out / "ledgers" / EARLIER_DIR, ignore_errors=True)
    ledger_path = out / PAGE[0] / f"{PAGE[1]}{LEDGER_SUFFIX}"
    ledger = Ledger.load(ledger_path)
    found = _pair(ledger, _on_page(out))
    assert found, "the crafted data should hide a count next to one the page shows"
    hidden, shown, both, value = found
    crafted = Ledger(report=f"{PAGE[0]}/{PAGE[1]}", min_count=ledger.min_count)
    crafted.domains.update(ledger.domains)
    crafted.add(hidden.output, both, "count", value)
    target = reports / "tiny-crafted" / PAGE[0] / f"{PAGE[1]}{LEDGER_SUFFIX}"
    target.parent.mkdir(parents=True)
    crafted.save(target)
    return reports, out, hidden, shown


@pytest.fixture
def no_repair(monkeypatch):
    """Hiding more and rendering again is off: the first audit is the last."""
    monkeypatch.setattr(publication, "settle", functools.partial(publication.settle, max_rounds=0))


def test_failed_audit_removes_the_pinning_pages_and_says_so(tiny_publication, tmp_path, no_repair):
    reports, out, hidden, shown = _setup(tiny_publication, tmp_path)
    page = out / PAGE[0] / f"{PAGE[1]}.html"
    page.with_suffix(".pdf").write_bytes(b"%PDF-1.7 (printed by an earlier run with --pdf)")
    result = run_batch(
        tiny_publication.specs[LATER], reports, workers=1, executor="serial", progress=False
    )
    assert not result.ok
    assert not page.exists()
    assert not page.with_name(f"{PAGE[1]}{LEDGER_SUFFIX}").exists()
    # nothing of the report is left to read: no page, ledger, PDF or download beside it
    assert not [
        p
        for p in out.rglob("*")
        if p.suffix in (".html", ".csv", ".pdf") and p.name != "index.html"
    ]
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "togs bort" in index and "underkände" in index
    assert f'href="{PAGE[0]}/{PAGE[1]}.html"' not in index
    # the audit's memories in the folder held the withdrawn page's figures (the pinning
    # one among them, read off the page) and digests taken over them: gone with the page
    for memory in (PAGES_FILE, publication.MEASURES_FILE):
        assert not (out / "ledgers" / memory).exists(), memory
    # the index is published too: its audit row says what failed, never the value it
    # was pinned to (it once read "kan ringas in till 2…2")
    row = next(r for r in result.results if r.kind == "publication_audit")
    said = row.message.rsplit("):", 1)[1]
    assert said in index and not re.search(r"\d", said), said
    # what the folder and its earlier terms still publish pins nothing
    audit = audit_batch_folder(out, history_folders(out))
    assert audit.ok, [str(f) for f in audit.failures[:3]]


def test_without_withdrawal_the_page_and_the_earlier_sum_pin_the_figure(
    tiny_publication, tmp_path, monkeypatch
):
    """The contrast (the weakened mechanism): the page stays, and the reader's attack works."""
    monkeypatch.setattr(
        publication,
        "settle",
        functools.partial(publication.settle, max_rounds=0, withdraw=False),
    )
    reports, out, hidden, shown = _setup(tiny_publication, tmp_path)
    run_batch(tiny_publication.specs[LATER], reports, workers=1, executor="serial", progress=False)
    page = out / PAGE[0] / f"{PAGE[1]}.html"
    assert page.exists()
    # the reader: the page shows the shown figure (a count, or a share or rate with its
    # interval that pins it), and the earlier term's sum minus it is the hidden one
    assert _readable(shown, _on_page(out))
    audit = audit_batch_folder(out, history_folders(out))
    assert not audit.ok
    assert any(f.figure == hidden.figure for f in audit.failures)


def test_a_stopped_batch_still_withdraws_what_pins_a_hidden_figure(
    tiny_publication, tmp_path, monkeypatch
):
    """SIGTERM after the report was written, before the joint audit: the folder is audited."""
    from evaluation.render import batch as batch_module

    reports, out, hidden, shown = _setup(tiny_publication, tmp_path)
    real = batch_module._runner_for

    class StopsAfterItsReports:
        def __init__(self, runner):
            self.runner = runner

        def run(self, prepare, tasks, done):
            self.runner.run(prepare, tasks, done)
            raise batch_module.Stopped("SIGTERM")

    monkeypatch.setattr(
        batch_module, "_runner_for", lambda *args: StopsAfterItsReports(real(*args))
    )
    with pytest.raises(batch_module.Stopped):
        run_batch(
            tiny_publication.specs[LATER],
            reports,
            workers=1,
            executor="serial",
            progress=False,
            force=True,  # the report is rendered again, then the stop comes
        )
    page = out / PAGE[0] / f"{PAGE[1]}.html"
    assert not page.exists() and not page.with_name(f"{PAGE[1]}{LEDGER_SUFFIX}").exists()
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "togs bort" in index and "underkände" in index
    assert audit_batch_folder(out, history_folders(out)).ok
