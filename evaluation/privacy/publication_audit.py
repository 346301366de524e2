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

import itertools
import json
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import csr_matrix

from evaluation.privacy.ledger import (
    AREA,
    HIDDEN_FILE,
    LEDGER_SUFFIX,
    PERIOD,
    Entry,
    Figure,
    Ledger,
)

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
                f"{what}: a hidden figure can be narrowed to {self.lower:g}…{self.upper:g} "
                "from everything the batch and earlier terms publish"
            )
        if self.kind == "page":
            return f"{what}: the page shows a figure the ledger records as hidden"
        if self.kind == "no_ledger":
            return f"{self.report}: the page has no publication ledger, so it cannot be audited"
        if self.kind == "too_large":
            return f"{what}: too many base cells to audit jointly"
        return f"{what}: the published figures contradict each other"


@dataclass
class PublicationAudit:
    """Result of :func:`audit_publication`."""

    failures: list[PublicationFailure] = field(default_factory=list)
    warnings: list[PublicationFailure] = field(default_factory=list)
    targets: int = 0
    figures: int = 0
    ledgers: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True when no hidden figure can be narrowed below ``min_count``."""
        return not self.failures

    def summary(self) -> str:
        """One line for the batch index and the CLI."""
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
    """Every saved report ledger under ``folder`` (recursively)."""
    folder = Path(folder)
    return sorted(p for p in folder.rglob(f"*{LEDGER_SUFFIX}") if p.is_file())


def _class_members(
    values: Sequence[str], filters: list[tuple[str, ...] | None]
) -> tuple[list[list[int]], list[np.ndarray]]:
    """Merge values no figure tells apart; per figure, a mask over the merged classes."""
    sig: dict[tuple[bool, ...], list[int]] = defaultdict(list)
    sets = [None if f is None else set(f) for f in filters]
    for i, v in enumerate(values):
        sig[tuple(True if s is None else v in s for s in sets)].append(i)
    classes = list(sig.values())
    keys = list(sig.keys())
    masks = [np.array([k[j] for k in keys], dtype=bool) for j in range(len(filters))]
    return classes, masks


def _measure_system(items: list[_Item], domains: dict[str, set[str]]):
    """Atoms and one 0/1 row per item (sparse), or None when too large."""
    dims = sorted({d for it in items for d, _ in it.entry.figure.dims})
    per_dim_masks = []
    shape = []
    for d in dims:
        filters = [dict(it.entry.figure.dims).get(d) for it in items]
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
    for j in range(len(items)):
        grids = [np.flatnonzero(per_dim_masks[k][j]) for k in range(len(dims))]
        if not dims:
            idx = np.array([0])
        else:
            idx = (
                np.ravel_multi_index(np.array(list(itertools.product(*grids))).T, shape)
                if all(len(g) for g in grids)
                else np.array([], dtype=int)
            )
        rows.extend([j] * len(idx))
        cols.extend(idx.tolist())
    data = np.ones(len(rows))
    return csr_matrix((data, (rows, cols)), shape=(len(items), n_atoms))


def _bound(c: np.ndarray, a_eq, b_eq, n: int, integer: bool) -> tuple[float, float] | None:
    ends = []
    for sign in (1.0, -1.0):
        if integer:
            cons = [LinearConstraint(a_eq, b_eq, b_eq)] if a_eq is not None else []
            res = milp(
                sign * c,
                constraints=cons,
                integrality=np.ones(n),
                bounds=Bounds(0, np.inf),
                options={"time_limit": 20},
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
            res = linprog(sign * c, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
            if res.status == 0:
                ends.append(sign * res.fun)
            elif res.status == 3:
                ends.append(math.inf)
            elif res.status == 2:
                return None
            else:
                raise RuntimeError(f"publication audit: the LP solver failed ({res.message})")
    return ends[0], ends[1]


def _audit_measure(
    items: list[_Item], domains: dict[str, set[str]], min_count: int, audit: PublicationAudit
) -> None:
    shown = [i for i, it in enumerate(items) if not it.entry.hidden]
    targets = [i for i, it in enumerate(items) if it.entry.hidden and it.entry.target]
    if not targets:
        return
    a = _measure_system(items, domains)
    if a is None:
        first = items[targets[0]]
        audit.failures.append(
            PublicationFailure(
                first.report,
                first.entry.output,
                first.entry.figure,
                first.entry.role,
                math.nan,
                math.nan,
                "too_large",
            )
        )
        return
    n = a.shape[1]
    # one equality per distinct shown figure
    seen: dict[str, float] = {}
    eq_rows = []
    for i in shown:
        key = items[i].entry.figure.key
        v = float(items[i].entry.value)
        if key in seen:
            if abs(seen[key] - v) > _TOL:
                it = items[i]
                audit.warnings.append(
                    PublicationFailure(
                        it.report,
                        it.entry.output,
                        it.entry.figure,
                        it.entry.role,
                        v,
                        seen[key],
                        "inconsistent",
                    )
                )
            continue
        seen[key] = v
        eq_rows.append(i)
    used = np.zeros(n, dtype=bool)
    if eq_rows:
        a_eq = a[eq_rows]
        b_eq = np.array([float(items[i].entry.value) for i in eq_rows])
        used = np.asarray(a_eq.sum(axis=0)).ravel() > 0
    else:
        a_eq = b_eq = None
    done: dict[str, tuple[float, float] | None] = {}
    for i in targets:
        it = items[i]
        key = it.entry.figure.key
        audit.targets += 1
        if key not in done:
            c = a[i].toarray().ravel()
            if not (c.astype(bool) & used).any():
                done[key] = (0.0, math.inf)  # touches no published figure
            else:
                lp = _bound(c, a_eq, b_eq, n, integer=False)
                if lp is not None and lp[1] - lp[0] < 2 * min_count and n <= 20_000:
                    ip = _bound(c, a_eq, b_eq, n, integer=True)
                    lp = ip if ip is not None else lp
                done[key] = lp
        bounds = done[key]
        if bounds is None:
            audit.warnings.append(
                PublicationFailure(
                    it.report,
                    it.entry.output,
                    it.entry.figure,
                    it.entry.role,
                    math.nan,
                    math.nan,
                    "inconsistent",
                )
            )
            continue
        lo, hi = bounds
        if hi - lo < min_count - _TOL:
            audit.failures.append(
                PublicationFailure(
                    it.report, it.entry.output, it.entry.figure, it.entry.role, lo, hi
                )
            )


def audit_ledgers(
    current: Iterable[tuple[str, Ledger]],
    history: Iterable[tuple[str, Ledger]] = (),
    *,
    min_count: int | None = None,
) -> PublicationAudit:
    """Audit the figures of ``current`` reports jointly with earlier terms' ``history``."""
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
                by_measure[e.figure.measure].append(_Item(name, e, is_current))
    audit.figures = sum(1 for items in by_measure.values() for it in items if not it.entry.hidden)
    for measure, items in by_measure.items():
        _audit_measure(items, domains.get(measure, {}), limit or 5, audit)
    audit.seconds = time.perf_counter() - started
    return audit


def _load(paths: Iterable[Path], root: Path) -> list[tuple[str, Ledger]]:
    out = []
    for p in paths:
        try:
            name = str(p.relative_to(root))
        except ValueError:
            name = str(p)
        out.append((name.removesuffix(LEDGER_SUFFIX), Ledger.load(p)))
    return out


def audit_batch_folder(
    batch_dir: str | Path, history_dirs: Iterable[str | Path] = (), *, pages: bool = True
) -> PublicationAudit:
    """Audit one rendered batch folder against earlier batches' folders (ledgers and pages)."""
    batch_dir = Path(batch_dir)
    root = batch_dir.parent
    current = _load(find_ledgers(batch_dir), root)
    history = _load([p for h in history_dirs for p in find_ledgers(h)], root)
    audit = audit_ledgers(current, history)
    if pages:
        from evaluation.privacy.page_check import check_pages

        audit.failures.extend(check_pages(batch_dir))
    return audit


def audit_reports_dir(reports_dir: str | Path) -> dict[str, PublicationAudit]:
    """Audit every batch folder of a reports folder, each with the others as history."""
    reports_dir = Path(reports_dir)
    batches = (
        sorted(p for p in reports_dir.iterdir() if p.is_dir() and find_ledgers(p))
        if reports_dir.is_dir()
        else []
    )
    if find_ledgers(reports_dir) and not batches:
        batches = [reports_dir]
    return {b.name: audit_batch_folder(b, [o for o in batches if o != b]) for b in batches}


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
