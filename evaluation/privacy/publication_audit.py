"""Joint audit of a whole publication (docs/privacy.md R0): every report, every term.

Independent of the suppression code (it imports none of it): it reads what was
published — the ledgers saved beside the reports of a batch and of earlier
batches, and the rendered pages — and asks, for every hidden figure, how
small and how large it could be given *all* published figures together. The
unknowns are base cells of each measure (area × month × category, merged into
the coarsest cells the published figures can tell apart); every shown figure
is an equality over them (a share's numerator and denominator, a rate's count);
each bound is a linear programme solved with SciPy's HiGHS, confirmed with
integer variables (``integrality=``) when the LP interval is close to the limit.
A hidden figure whose interval is narrower than ``min_count`` is a failure.

Written by hand: no maintained library audits linked tables across reports and
terms; the solver is SciPy's.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from evaluation.privacy.ledger import (
    AREA,
    HIDDEN_FILE,
    LEDGER_SUFFIX,
    LINEAR_ROLES,
    PERIOD,
    Entry,
    Figure,
    Ledger,
    history_folders,
    report_ledgers,
)

if TYPE_CHECKING:  # NumPy and SciPy are imported where the LP is built: a no-op batch
    import numpy as np  # re-run (nothing to audit) never loads them

OTHER = "\x00övrigt"
"""A dimension's values nobody listed (when no complete code list was declared)."""
MAX_CELLS = 400_000
_TOL = 1e-6


@dataclass(frozen=True)
class PublicationFailure:
    """A hidden figure that can be narrowed below ``min_count`` (or a contradiction)."""

    report: str
    output: str
    figure: Figure
    role: str
    lower: float
    upper: float
    kind: str = "interval"  # or "inconsistent", "too_large", "page"

    def __str__(self) -> str:
        what = f"{self.report}: {self.output!r} ({self.role})"
        if self.kind == "interval":
            return (
                f"{what}: en dold uppgift kan ringas in till {self.lower:g}…{self.upper:g} "
                "med allt som körningen och tidigare terminer publicerar"
            )
        if self.kind == "page":
            return f"{what}: sidan visar en uppgift som liggaren anger som dold"
        if self.kind == "unaccounted":
            return f"{what}: sidan visar {self.lower:g}, en uppgift som liggaren inte redovisar"
        if self.kind == "no_ledger":
            return f"{self.report}: sidan saknar publiceringsliggare och kan inte granskas"
        if self.kind == "too_large":
            return f"{what}: för många grundceller för en gemensam granskning"
        return f"{what}: de publicerade uppgifterna motsäger varandra"


@dataclass
class PublicationAudit:
    """Result of :func:`audit_publication`."""

    failures: list[PublicationFailure] = field(default_factory=list)
    warnings: list[PublicationFailure] = field(default_factory=list)
    targets: int = 0
    figures: int = 0
    ledgers: int = 0
    seconds: float = 0.0
    #: Digests of the measures that passed (see ``audit_ledgers``'s ``passed``).
    passed: set[str] = field(default_factory=set, repr=False)
    rounds: int = 0  # repair rounds the batch needed (hide more, render again)
    audit_seconds: float = 0.0  # time spent auditing, without the renders in between
    page_figures: int = 0  # figures read back from the rendered pages
    unchanged: bool = False  # nothing published changed since the last audit that passed
    withdrawn: list[Path] = field(default_factory=list)  # pages removed after a failed audit

    @property
    def ok(self) -> bool:
        """True when no hidden figure can be narrowed below ``min_count``."""
        return not self.failures

    def summary(self) -> str:
        """One line for the batch index and the CLI."""
        if self.ok and self.unchanged:
            return (
                "Sekretessgranskning av hela publiceringen: inget publicerat har ändrats "
                "sedan den förra godkända granskningen."
            )
        if self.ok:
            return (
                f"Sekretessgranskning av hela publiceringen: {self.targets} dolda uppgifter "
                f"i {self.ledgers} rapporter prövade mot {self.figures} publicerade; "
                "ingen kan räknas fram."
            )
        return (
            f"Sekretessgranskningen av hela publiceringen underkände {len(self.failures)} "
            f"dolda uppgifter: {self.failures[0]}"
        )


@dataclass(frozen=True)
class _Item:
    report: str
    entry: Entry
    current: bool


def find_ledgers(folder: str | Path) -> list[Path]:
    """The report ledgers of a batch folder (``<area>/<kind>.ledger.json``, not its history)."""
    return report_ledgers(folder)


def _class_members(
    values: Sequence[str], filters: list[tuple[str, ...] | None]
) -> tuple[list[list[int]], list[np.ndarray]]:
    """Merge values no figure tells apart; per figure, a mask over the merged classes."""
    import numpy as np

    sig: dict[tuple[bool, ...], list[int]] = defaultdict(list)
    sets = [None if f is None else set(f) for f in filters]
    for i, v in enumerate(values):
        sig[tuple(True if s is None else v in s for s in sets)].append(i)
    classes = list(sig.values())
    keys = list(sig.keys())
    masks = [np.array([k[j] for k in keys], dtype=bool) for j in range(len(filters))]
    return classes, masks


def _measure_system(figures: list[Figure], domains: dict[str, set[str]]):
    """One 0/1 row per figure over the measure's merged base cells (sparse), or None."""
    import numpy as np
    from scipy.sparse import csr_matrix

    dims = sorted({d for f in figures for d, _ in f.dims})
    per_dim_masks = []
    shape = []
    for d in dims:
        filters = [dict(f.dims).get(d) for f in figures]
        values = set(domains.get(d, set()))
        for f in filters:
            if f is not None:
                values.update(f)
        if d not in domains and d != PERIOD:
            values.add(OTHER)
        classes, masks = _class_members(sorted(values), filters)
        per_dim_masks.append(masks)
        shape.append(len(classes))
    n_atoms = int(np.prod(shape)) if shape else 1
    if n_atoms > MAX_CELLS:
        return None
    rows, cols = [], []
    for j in range(len(figures)):
        grids = [np.flatnonzero(per_dim_masks[k][j]) for k in range(len(dims))]
        if not dims:
            idx = np.array([0])
        elif all(len(g) for g in grids):
            mesh = np.meshgrid(*grids, indexing="ij")
            idx = np.ravel_multi_index([m.ravel() for m in mesh], shape)
        else:
            idx = np.array([], dtype=int)
        rows.extend([j] * len(idx))
        cols.extend(idx.tolist())
    data = np.ones(len(rows))
    return csr_matrix((data, (rows, cols)), shape=(len(figures), n_atoms))


def _bound(c: np.ndarray, a_eq, b_eq, n: int, integer: bool, ub=None) -> tuple[float, float] | None:
    """Smallest and largest ``c·x`` over x ≥ 0 with ``a_eq x = b_eq`` and ``lo ≤ a x ≤ hi``."""
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, linprog, milp
    from scipy.sparse import vstack

    ends = []
    a_ub = b_ub = None
    if ub is not None:
        a_r, lo_r, hi_r = ub
        a_ub = vstack([a_r, -a_r]).tocsr()
        b_ub = np.concatenate([hi_r, -lo_r])
    for sign in (1.0, -1.0):
        if integer:
            cons = [LinearConstraint(a_eq, b_eq, b_eq)] if a_eq is not None else []
            if ub is not None:
                cons.append(LinearConstraint(ub[0], ub[1], ub[2]))
            res = milp(
                sign * c,
                constraints=cons,
                integrality=np.ones(n),
                bounds=Bounds(0, np.inf),
                options={"time_limit": 5},
            )
            if res.status == 0:
                ends.append(sign * res.fun)
            elif res.status in (3, 4) and sign < 0:  # unbounded
                ends.append(math.inf)
            elif res.status == 2:
                return None
            else:  # time limit or other: keep the (wider, safe-side-unknown) LP answer
                return (-math.inf, math.inf)
        else:
            res = linprog(
                sign * c,
                A_ub=a_ub,
                b_ub=b_ub,
                A_eq=a_eq,
                b_eq=b_eq,
                bounds=(0, None),
                method="highs",
            )
            if res.status == 0:
                ends.append(sign * res.fun)
            elif res.status == 3:
                ends.append(math.inf)
            elif res.status == 2:
                return None
            else:
                raise RuntimeError(f"publication audit: the LP solver failed ({res.message})")
    return ends[0], ends[1]


def _failure(it: _Item, lo: float, hi: float, kind: str = "interval") -> PublicationFailure:
    e = it.entry
    return PublicationFailure(it.report, e.output, e.figure, e.role, lo, hi, kind)


def _audit_measure(
    items: list[_Item],
    domains: dict[str, set[str]],
    min_count: int,
    audit: PublicationAudit,
    ranges: Sequence[tuple[Figure, float, float]] = (),
) -> None:
    import numpy as np
    from scipy.sparse import bmat
    from scipy.sparse.csgraph import connected_components

    # the same figure published by several reports is one equality; hidden in one report
    # and shown in another, it is both an equality and a target (and fails, as it should)
    shown: dict[str, tuple[_Item, float]] = {}
    targets: dict[str, list[_Item]] = {}
    for it in items:
        key = it.entry.figure.key
        if it.entry.hidden:
            if it.entry.target:
                targets.setdefault(key, []).append(it)
            continue
        if it.entry.value is None:
            continue
        v = float(it.entry.value)
        if key in shown and abs(shown[key][1] - v) > _TOL:
            audit.warnings.append(_failure(it, v, shown[key][1], "inconsistent"))
            continue
        shown.setdefault(key, (it, v))
    audit.targets += sum(len(v) for v in targets.values())
    if not targets:
        return
    keys = list(shown) + [k for k in targets if k not in shown]
    figures = [shown[k][0].entry.figure if k in shown else targets[k][0].entry.figure for k in keys]
    # bounds the pages put on figures (rows after the equalities and targets)
    ranged = [(f, lo, hi) for f, lo, hi in ranges if f.key not in shown]
    figures += [f for f, _, _ in ranged]
    a = _measure_system(figures, domains)
    if a is None:
        first = next(iter(targets.values()))[0]
        audit.failures.append(_failure(first, math.nan, math.nan, "too_large"))
        return
    n_eq, n_keys = len(shown), len(keys)
    b_all = np.array([shown[k][1] for k in keys[:n_eq]])
    lo_all = np.array([lo for _, lo, _ in ranged])
    hi_all = np.array([hi for _, _, hi in ranged])
    # split into independent pieces: figures linked through shared base cells
    m = a.shape[0]
    graph = bmat([[None, a], [a.T, None]], format="csr")
    _, label = connected_components(graph, directed=False)
    fig_label, atom_label = label[:m], label[m:]
    row_of = {k: i for i, k in enumerate(keys)}
    pieces: dict[int, tuple] = {}
    for key, its in targets.items():
        if key in shown and shown[key][1] >= min_count:
            # hidden here, shown as a publishable count elsewhere (e.g. a secondary
            # suppression last term did not need): public already; what it reveals
            # about other hidden figures is in the equalities
            continue
        r = row_of[key]
        comp = fig_label[r]
        if comp not in pieces:
            eq = np.flatnonzero(fig_label[:n_eq] == comp)
            rg = np.flatnonzero(fig_label[n_keys:] == comp)
            atoms = np.flatnonzero(atom_label == comp)
            sub = a[:, atoms]
            ub = (sub[n_keys + rg], lo_all[rg], hi_all[rg]) if len(rg) else None
            pieces[comp] = (sub[eq] if len(eq) else None, b_all[eq] if len(eq) else None, sub, ub)
        a_eq, b_eq, sub, ub = pieces[comp]
        if a_eq is None and ub is None:
            continue  # touches no published figure: free
        c = sub[r].toarray().ravel()
        n = sub.shape[1]
        bounds = _bound(c, a_eq, b_eq, n, integer=False, ub=ub)
        if bounds is not None and bounds[1] - bounds[0] < 2 * min_count and n <= 5_000:
            exact = _bound(c, a_eq, b_eq, n, integer=True, ub=ub)
            bounds = exact if exact is not None else bounds
        if bounds is None:
            audit.warnings.extend(_failure(it, math.nan, math.nan, "inconsistent") for it in its)
            continue
        lo, hi = bounds
        if hi - lo < min_count - _TOL:
            audit.failures.extend(_failure(it, lo, hi) for it in its)


def _measure_digest(
    items: list[_Item],
    domains: dict[str, set[str]],
    min_count: int,
    ranges: Sequence[tuple[Figure, float, float]] = (),
) -> str:
    """Identity of everything one measure's audit reads, when it can only pass or fail as one.

    Shown figures as a set of (key, value) pairs (a conflict keeps both), hidden
    targets with their multiplicity, the declared domains and the threshold. Two
    measures with the same digest get the same answer from the LP.
    """
    import hashlib

    # Figures as their (measure, dims) tuples of strings: repr is stable and much faster
    # than the JSON ``key`` of tens of thousands of figures.
    def ident(f: Figure) -> tuple:
        return (f.measure, f.dims)

    shown = sorted(
        {(ident(it.entry.figure), it.entry.value) for it in items if not it.entry.hidden}
    )
    hidden = sorted(ident(it.entry.figure) for it in items if it.entry.hidden and it.entry.target)
    dom = sorted((d, sorted(v)) for d, v in domains.items())
    bounds = sorted((ident(f), lo, hi) for f, lo, hi in ranges)
    return hashlib.sha256(repr((min_count, dom, shown, hidden, bounds)).encode()).hexdigest()


def audit_ledgers(
    current: Iterable[tuple[str, Ledger]],
    history: Iterable[tuple[str, Ledger]] = (),
    *,
    min_count: int | None = None,
    bounds: Iterable[tuple[Figure, float, float]] = (),
    passed: set[str] | None = None,
) -> PublicationAudit:
    """Audit the figures of ``current`` reports jointly with earlier terms' ``history``.

    ``bounds`` are ranges the rendered pages put on figures (``page_check.py``).
    ``passed``: digests of measures that passed an earlier audit (``PublicationAudit.passed``
    of it); a measure whose figures, page ranges, targets, domains and threshold are
    unchanged is not solved again. A batch's repair round changes a measure or two of
    hundreds, and a one-report update usually none.
    """
    import time

    started = time.perf_counter()
    audit = PublicationAudit()
    by_measure: dict[str, list[_Item]] = defaultdict(list)
    domains: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    limit = min_count or 0
    for is_current, source in ((True, current), (False, history)):
        for name, ledger in source:
            audit.ledgers += 1
            limit = max(limit, ledger.min_count)
            for m, ds in ledger.domains.items():
                for d, v in ds.items():
                    domains[m][d].update(v)
            for e in ledger.entries:
                if e.role in LINEAR_ROLES:  # estimates are checked against the pages only
                    by_measure[e.figure.measure].append(_Item(name, e, is_current))
    audit.figures = sum(1 for items in by_measure.values() for it in items if not it.entry.hidden)
    ranges: dict[str, list[tuple[Figure, float, float]]] = defaultdict(list)
    for fig, lo, hi in bounds:
        ranges[fig.measure].append((fig, lo, hi))
    for measure, items in by_measure.items():
        dom = domains.get(measure, {})
        measure_ranges = ranges.get(measure, [])
        digest = _measure_digest(items, dom, limit or 5, measure_ranges)
        if passed is not None and digest in passed:
            audit.targets += sum(1 for it in items if it.entry.hidden and it.entry.target)
            audit.passed.add(digest)
            continue
        failures, warnings = len(audit.failures), len(audit.warnings)
        _audit_measure(items, dom, limit or 5, audit, measure_ranges)
        if len(audit.failures) == failures and len(audit.warnings) == warnings:
            audit.passed.add(digest)
    audit.seconds = time.perf_counter() - started
    return audit


def _load(
    paths: Iterable[Path], root: Path, loaded: dict[Path, Ledger] | None = None
) -> list[tuple[str, Ledger]]:
    out = []
    for p in paths:
        try:
            name = str(p.relative_to(root))
        except ValueError:
            name = str(p)
        ledger = loaded.get(p) if loaded is not None else None
        out.append((name.removesuffix(LEDGER_SUFFIX), ledger or Ledger.load(p)))
    return out


def audit_batch_folder(
    batch_dir: str | Path,
    history_dirs: Iterable[str | Path] = (),
    *,
    pages: bool = True,
    loaded: dict[Path, Ledger] | None = None,
    passed: set[str] | None = None,
) -> PublicationAudit:
    """Audit one rendered batch folder against earlier batches' folders (ledgers and pages).

    ``loaded``: ledgers already read, by path (those not in it are read here);
    ``passed``: see :func:`audit_ledgers`.
    """
    batch_dir = Path(batch_dir)
    root = batch_dir.parent
    paths = find_ledgers(batch_dir)
    current = _load(paths, root, loaded)
    history = _load([p for h in history_dirs for p in find_ledgers(h)], root, loaded)
    if not pages:
        return audit_ledgers(current, history, passed=passed)
    from evaluation.privacy.page_check import read_pages

    loaded = {p: ledger for p, (_, ledger) in zip(paths, current, strict=True)}
    reading = read_pages(batch_dir, loaded)
    audit = audit_ledgers(current, history, bounds=reading.bounds, passed=passed)
    audit.failures.extend(reading.failures)
    audit.page_figures = reading.figures
    return audit


def audit_reports_dir(reports_dir: str | Path) -> dict[str, PublicationAudit]:
    """Audit every batch folder of a reports folder, each with the others as history."""
    reports_dir = Path(reports_dir)

    def is_batch(folder: Path) -> bool:  # reports sit in <batch>/<area>/<kind>.html
        return any(folder.glob(f"*/*{LEDGER_SUFFIX}"))

    if not reports_dir.is_dir():
        batches = []
    elif is_batch(reports_dir):
        batches = [reports_dir]
    else:
        batches = sorted(p for p in reports_dir.iterdir() if p.is_dir() and is_batch(p))
    return {b.name: audit_batch_folder(b, history_folders(b)) for b in batches}


def hidden_keys_of(folders: Iterable[str | Path]) -> set[str]:
    """Keys of figures hidden in the ledgers (and kept-hidden files) under ``folders``."""
    keys: set[str] = set()
    for f in folders:
        for p in find_ledgers(f):
            keys |= Ledger.load(p).hidden_keys()
        kept = Path(f) / "ledgers" / HIDDEN_FILE
        if kept.is_file():
            keys |= set(json.loads(kept.read_text(encoding="utf-8")).get("hidden", []))
    return keys


__all__ = [
    "AREA",
    "PERIOD",
    "PublicationAudit",
    "PublicationFailure",
    "audit_batch_folder",
    "audit_ledgers",
    "audit_reports_dir",
    "find_ledgers",
    "hidden_keys_of",
]
