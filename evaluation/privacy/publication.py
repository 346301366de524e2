"""Protect the publication, not each output (docs/privacy.md R0): the batch-wide hidden set.

Every report's Protector hides at least the figures in ``<batch>/ledgers/hidden.json``
(read by :func:`context_for_report`), so one figure is hidden in every table,
chart and sentence of every report of the batch. The set starts from the
figures earlier terms hid (a figure hidden last term stays hidden when it is
published again) and grows by :func:`repair_keys` whenever the joint audit
(``publication_audit.py``, which is the judge and imports nothing from here)
finds a hidden figure that everything published together pins down: the
smallest shown figure of the same measure that overlaps it is hidden too, in
every report that shows it, and the affected reports are rendered again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from evaluation.privacy.ledger import (
    HIDDEN_FILE,
    LEDGER_SUFFIX,
    LINEAR_ROLES,
    REVISED_FILE,
    Figure,
    Ledger,
    months_between,
    read_hidden,
    read_revised,
    write_hidden,
    write_revised,
)

if TYPE_CHECKING:  # the batch process uses this module without loading pandas
    import pandas as pd

    from evaluation.privacy.recording import Context

PUBLICATION_PARAMETER = "publication_dir"
"""Notebook parameter (injected by the renderer) naming the batch folder."""


def publication_dir_from_kernel() -> str | None:
    """The batch folder the renderer injected into the notebook, if any (None in JupyterLab)."""
    import sys

    main = sys.modules.get("__main__")
    value = getattr(main, PUBLICATION_PARAMETER, None)
    return value if isinstance(value, str) and value else None


def context_for_report(
    groups: Sequence,
    evaluated: Sequence[str],
    all_areas: Sequence[str],
    start: pd.Timestamp,
    end: pd.Timestamp,
    publication_dir: str | Path | None = None,
) -> Context:
    """The Protector's context for one report: its groups, window and the batch's hidden set."""
    from evaluation.privacy.recording import Context

    return Context(
        groups={g.label: tuple(g.codes) for g in groups},
        areas=tuple(evaluated),
        all_areas=tuple(all_areas),
        window=months_between(start, end),
        forced=read_hidden(publication_dir),
    )


def _overlap(a: Figure, b: Figure) -> bool:
    da, db = dict(a.dims), dict(b.dims)
    for d in set(da) & set(db):
        if not set(da[d]) & set(db[d]):
            return False
    return a.measure == b.measure


def _contains(outer: Figure, inner: Figure) -> bool:
    do, di = dict(outer.dims), dict(inner.dims)
    for d, values in do.items():
        if d not in di or not set(di[d]) <= set(values):
            return False
    return True


def repair_keys(failures: Iterable, current: Iterable[Ledger], already: set[str]) -> set[str]:
    """Figures to hide so the audit's failures widen: one shown figure per failing one.

    Candidates are the shown figures that overlap the failing one (a pool or a
    total holding it) and its siblings inside such a total (another area's cell of
    the same row), since hiding either breaks the equation that pins it. The cost
    of hiding a figure is the number of reports that show it, so a figure one
    report shows goes before one every report shows (the municipality's): readers
    lose less, and a repair round re-renders one or two reports instead of all of
    them. Among equal costs: a non-zero figure, then one that contains the failing
    one, then the smallest value (R3). Only the current batch can change. A revision
    (this term shows an earlier term's figure with a value a few apart) hides the
    figure itself: its earlier value stays published, the new one goes; one this term
    hides but gives away is repaired like a pinned figure.
    """
    shown: dict[str, tuple[Figure, float]] = {}
    reports: dict[str, int] = {}
    for ledger in current:
        seen = set()
        for e in ledger.entries:
            if e.value is not None and e.figure.key not in already and e.role in LINEAR_ROLES:
                shown[e.figure.key] = (e.figure, float(e.value))
                seen.add(e.figure.key)
        for key in seen:
            reports[key] = reports.get(key, 0) + 1
    by_measure: dict[str, list[tuple[str, Figure, float]]] = {}
    for key, (fig, value) in shown.items():
        by_measure.setdefault(fig.measure, []).append((key, fig, value))
    picked: set[str] = set()
    for f in failures:
        kind = getattr(f, "kind", "interval")
        if kind == "revision" and f.figure.key in shown:
            picked.add(f.figure.key)
            continue
        if kind not in ("interval", "unproven", "revision"):  # a hidden revised one: as pinned
            continue
        target = f.figure
        same = by_measure.get(target.measure, [])
        containers = [fig for key, fig, _ in same if key != target.key and _contains(fig, target)]
        options = [
            (reports[key], value == 0, not _contains(fig, target), value, len(key), key)
            for key, fig, value in same
            if key != target.key
            and key not in picked
            and (_overlap(fig, target) or any(_contains(c, fig) for c in containers))
        ]
        if options:
            picked.add(min(options)[5])
    return picked


def take_ledger(nb) -> str | None:
    """Remove the ledger output(s) from an executed notebook; the last one's JSON text.

    The renderer writes that text beside the page as it came, so a ledger output that is
    not text (only a notebook displaying one by hand sends that) is refused here, before
    anything is written.
    """
    from evaluation.exceptions import PrivacyError
    from evaluation.privacy.ledger import LEDGER_MIME

    found = None
    for cell in nb.get("cells", []):
        kept = []
        for out in cell.get("outputs", []) or []:
            data = out.get("data") if hasattr(out, "get") else None
            if data and LEDGER_MIME in data:
                found = data.pop(LEDGER_MIME)
                if not isinstance(found, str):
                    raise PrivacyError(
                        "rapportens publiceringsliggare kom inte som text från notebooken; "
                        "den ska bara visas av rapportens sekretessbilaga, som skickar den "
                        "som text. Rapporten publiceras inte"
                    )
                if not any(k for k in data if k != "text/plain"):
                    continue
            kept.append(out)
        if "outputs" in cell:
            cell["outputs"] = kept
    return found


def seed_hidden(batch_dir: str | Path, history: Iterable[str | Path]) -> set[str]:
    """Start the batch's hidden set: what it hid before plus what earlier terms hid."""
    from evaluation.privacy.ledger import carry_history
    from evaluation.privacy.publication_audit import hidden_keys_of

    history = list(history)
    keys = read_hidden(batch_dir) | hidden_keys_of(history)
    write_hidden(batch_dir, keys)
    carry_history(batch_dir, history)  # the folder keeps its history when sent on or moved
    return keys


HIDDEN_DIGEST_KEY = "ledgers/hidden.json"
"""Fingerprint key of the hidden-set digest: its path in the batch folder, as the page's
footer lists it among the inputs. No data file can be named so (data files are keyed by
bare file name, and a name holds no '/')."""


def hidden_digest(batch_dir: str | Path) -> dict[str, str]:
    """A fingerprint entry for the hidden set, so a report re-renders when it changes."""
    import hashlib

    keys = sorted(read_hidden(batch_dir))
    digest = hashlib.sha256("\n".join(keys).encode()).hexdigest()
    return {HIDDEN_DIGEST_KEY: digest}


def data_fingerprint_only(fingerprint: dict[str, str] | None) -> dict[str, str]:
    """A render fingerprint without the hidden-set digest: the data files' hashes alone."""
    return {k: v for k, v in (fingerprint or {}).items() if k != HIDDEN_DIGEST_KEY}


#: Ledgers this process has read: path -> (file signature, Ledger). Ledgers are written
#: by atomic rename (a rewritten file has a new inode, and any write moves its ctime), so
#: an unchanged one is not parsed again (the joint audit and its repair rounds read every
#: ledger of the batch).
_READ: dict[str, tuple[tuple[int, int, int, int], Ledger]] = {}
_PREFETCH: list[AuditAhead] = []


def read_ledger(path: str | Path) -> Ledger:
    """The ledger at ``path``, parsed once per process while the file stays the same."""
    path = Path(path)
    st = path.stat()
    sig = (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)  # any write moves ctime
    known = _READ.get(str(path))
    if known is not None and known[0] == sig:
        return known[1]
    ledger = Ledger.load(path)
    _READ[str(path)] = (sig, ledger)
    return ledger


class AuditAhead:
    """The joint audit's reading, done in a background thread while reports render.

    The batch process mostly waits for kernels, and the audit after the render used to
    read every ledger and page in turn, on one core. Here the ledgers of re-used
    reports are read first, then each report's ledger and page as soon as the report is
    written (``page_written``): the audit finds the ledgers parsed (``read_ledger``)
    and the pages that passed checked (``check_page_ahead``, keyed by their bytes).
    """

    def __init__(self, ledgers: Iterable[str | Path] = (), start_after=None) -> None:
        """Start reading ``ledgers``, after ``start_after`` is set when one is given.

        ``start_after`` is a notebook starting in this process's own kernel: until then
        the reading would slow the data checks before it. ``join`` sets it.
        """
        import queue
        import threading

        self._go = start_after
        self._todo: queue.SimpleQueue = queue.SimpleQueue()
        for p in ledgers:
            self._todo.put((None, Path(p)))
        self._thread = threading.Thread(target=self._run, name="audit-ahead", daemon=True)
        self._thread.start()
        _PREFETCH.append(self)

    def page_written(self, page: str | Path) -> None:
        """Read and check a page (and its ledger) the batch has just written."""
        page = Path(page)
        self._todo.put((page, page.with_name(page.stem + LEDGER_SUFFIX)))

    def join(self) -> None:
        """Wait until everything handed over so far has been read."""
        if self._go is not None:
            self._go.set()
        self._todo.put(None)
        self._thread.join()

    def _run(self) -> None:
        if self._go is not None:
            self._go.wait()
        from evaluation.privacy.publication_audit import check_page_ahead, preload

        try:
            preload()
        except ImportError:  # the audit imports them itself, and says what is missing
            pass
        while (item := self._todo.get()) is not None:
            page, ledger_path = item
            try:
                ledger = read_ledger(ledger_path)
                if page is not None:
                    check_page_ahead(page, ledger)
            except Exception:  # noqa: BLE001 - missing or damaged: the audit reads it and says so
                continue


def _await_prefetch() -> None:
    while _PREFETCH:
        _PREFETCH.pop().join()


def settle(batch_dir, history, rerender, *, max_rounds: int = 4, withdraw: bool = True):
    """Audit the batch jointly; while hidden figures can be pinned down, hide more and re-render.

    ``rerender(html_paths)`` renders those reports again (their Protectors
    read the grown hidden set). Returns the last :class:`PublicationAudit`.
    """
    import time

    from evaluation.privacy.publication_audit import audit_batch_folder, find_ledgers

    started = time.perf_counter()
    batch_dir = Path(batch_dir)
    stamp = _stamp(batch_dir, history)
    passed = batch_dir / "ledgers" / "audit.json"
    if passed.is_file() and passed.read_text(encoding="utf-8") == stamp:
        # nothing published changed since the last audit passed (a no-op re-run)
        from evaluation.privacy.publication_audit import PublicationAudit

        return PublicationAudit(seconds=time.perf_counter() - started, unchanged=True)
    passed.unlink(missing_ok=True)
    memo = batch_dir / "ledgers" / MEASURES_FILE
    known, digests = _read_measures(memo)
    _await_prefetch()
    ledgers = {p: read_ledger(p) for p in find_ledgers(batch_dir)}
    audit = audit_batch_folder(batch_dir, history, loaded=ledgers, passed=known, memo=digests)
    known |= audit.passed
    digests = audit.memo
    audit_seconds, rounds = time.perf_counter() - started, 0
    for _ in range(max_rounds):
        if audit.ok:
            break
        kept = read_hidden(batch_dir)
        new = repair_keys(audit.failures, ledgers.values(), kept)
        if not new:
            break
        write_hidden(batch_dir, kept | new)
        changed = {f.figure.key for f in audit.failures if f.kind == "revision"}
        if changed:  # their earlier values are no facts about this term's data
            write_revised(batch_dir, read_revised(batch_dir) | changed)
        # Only reports that show one of the newly hidden figures change; a report that
        # already hides it (or does not publish it) renders the same page again.
        affected = [
            p
            for p, ledger in ledgers.items()
            if any(e.figure.key in new and e.value is not None for e in ledger.entries)
        ]
        rerender([str(p.with_name(p.name.removesuffix(LEDGER_SUFFIX) + ".html")) for p in affected])
        rounds += 1
        t0 = time.perf_counter()
        for p in find_ledgers(batch_dir):
            if p in affected or p not in ledgers:
                ledgers[p] = read_ledger(p)
        audit = audit_batch_folder(batch_dir, history, loaded=ledgers, passed=known, memo=digests)
        known |= audit.passed
        digests = audit.memo
        audit_seconds += time.perf_counter() - t0
    _write_measures(memo, known, digests)
    audit.seconds = time.perf_counter() - started
    audit.rounds, audit.audit_seconds = rounds, audit_seconds
    if not audit.ok and withdraw:
        audit.withdrawn = withdraw_refused(batch_dir, audit, ledgers)
    if audit.ok:
        passed.parent.mkdir(parents=True, exist_ok=True)
        passed.write_text(_stamp(batch_dir, history), encoding="utf-8")
    return audit


def withdraw_refused(batch_dir: Path, audit, ledgers: dict[Path, Ledger]) -> list[Path]:
    """Remove the pages (and ledgers) a failed audit cannot vouch for; returns their pages.

    Every report of this batch that shows a figure of a failing measure, and every page
    named by a page-side failure, goes: the figures that pin a hidden one leave the
    publication together (R0: a report that reveals a person is a failed run). The
    audit's memories in ``ledgers/`` go too: the page check's holds the figures read
    off the withdrawn pages, and the measures' digests are taken over them.
    """
    root = batch_dir.parent
    forget_audit_memories(batch_dir)
    measures = {f.figure.measure for f in audit.failures if f.kind != "page"}
    named = {f.report for f in audit.failures}
    gone = []
    for path, ledger in ledgers.items():
        name = str(path.relative_to(root)).removesuffix(LEDGER_SUFFIX)
        shows = any(e.value is not None and e.figure.measure in measures for e in ledger.entries)
        if shows or name in named:
            page = path.with_name(path.name.removesuffix(LEDGER_SUFFIX) + ".html")
            remove_report_files(page)
            gone.append(page)
    return gone


def remove_report_files(page: Path) -> None:
    """Remove a report's page and what beside it shows its figures: ledger, printed PDF."""
    page.unlink(missing_ok=True)
    page.with_suffix(".pdf").unlink(missing_ok=True)  # printed by an earlier --pdf
    page.with_name(page.name.removesuffix(".html") + LEDGER_SUFFIX).unlink(missing_ok=True)


def forget_audit_memories(batch_dir: Path) -> None:
    """Remove the audit's memories from a batch folder's ``ledgers/``.

    The page check's holds figures read off the pages and the measures' digests are
    taken over them: once a page is withdrawn, they hold what it showed.
    """
    from evaluation.privacy.publication_audit import PAGES_FILE

    for memory in (PAGES_FILE, MEASURES_FILE):
        (Path(batch_dir) / "ledgers" / memory).unlink(missing_ok=True)


MEASURES_FILE = "audit-measures.json"
"""In ``<batch>/ledgers/``: digests of measures that passed the joint audit (no values)."""


def _read_measures(path: Path) -> tuple[set[str], dict[str, str]]:
    """Digests of measures that passed, and digests by their inputs' identity.

    Both hold only for the audit code that wrote them: after an upgrade of the audit (a
    stricter check, say) every measure is judged again, even where no ledger changed.
    """
    import json

    from evaluation.privacy.publication_audit import audit_code_hash

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("code") != audit_code_hash():
            return set(), {}
        found, memo = data.get("passed", []), data.get("digests", {})
    except (OSError, ValueError, AttributeError):
        return set(), {}
    if not isinstance(memo, dict):
        memo = {}
    memo = {k: v for k, v in memo.items() if isinstance(k, str) and isinstance(v, str)}
    return {d for d in found if isinstance(d, str)}, memo


def _write_measures(path: Path, digests: set[str], memo: dict[str, str]) -> None:
    """Save the passed digests and the digests by their inputs (5,000 at most of each).

    A dropped one only costs a new digest or solve.
    """
    import json

    from evaluation.privacy.publication_audit import audit_code_hash

    path.parent.mkdir(parents=True, exist_ok=True)
    keep = sorted(digests)[:5000]
    remembered = dict(sorted(memo.items())[:5000])
    text = json.dumps({"code": audit_code_hash(), "passed": keep, "digests": remembered})
    path.write_text(text, encoding="utf-8")


def _stamp(batch_dir: Path, history) -> str:
    """Identity of everything the audit reads: pages, ledgers and the kept-hidden set."""
    import hashlib

    h = hashlib.sha256()
    for folder in [batch_dir, *map(Path, history)]:
        files = [*folder.glob("*/*.html"), *folder.glob("*/*.ledger.json")]
        files += [folder / "ledgers" / HIDDEN_FILE, folder / "ledgers" / REVISED_FILE]
        for p in sorted(f for f in files if f.is_file()):
            st = p.stat()
            h.update(f"{p}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def publish_one(render, output_dir: str | Path):
    """Render one report like a batch does: seeded hidden set, joint audit, repair (R0).

    ``render(again)`` renders the report (``again=True`` forces a re-render).
    Returns the render result and the audit of ``output_dir`` with its neighbours; when
    the audit fails, the report's page and ledger are removed again (R0: complete or absent).
    """
    output_dir = Path(output_dir)
    from evaluation.privacy.ledger import history_folders

    history = history_folders(output_dir)
    if history or output_dir.is_dir():  # a run that fails on its inputs creates no folder
        seed_hidden(output_dir, history)
    result = render(False)

    def rerender(html_paths: list[str]) -> None:
        nonlocal result
        if result.html and str(Path(result.html).resolve()) in {
            str(Path(h).resolve()) for h in html_paths
        }:
            result = render(True)

    try:
        audit = settle(output_dir, history, rerender, withdraw=False)
    except KeyboardInterrupt:
        if result.html and result.status == "ok":  # written by this run and not audited
            remove_report_files(Path(result.html))
            forget_audit_memories(output_dir)
        raise
    if not audit.ok and result.html:
        # The folder passed its audit before this report joined it (or held nothing):
        # withdrawing the report restores a publication no hidden figure can be read from.
        remove_report_files(Path(result.html))
        forget_audit_memories(output_dir)
    return result, audit
