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

import functools
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
    read_revised,
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
    kind: str = "interval"  # or "unproven", "revision", "inconsistent", "too_large", "page"

    def __str__(self) -> str:
        """What failed and where, in words only: never a value or a bound.

        The line goes on the batch index, which is published; ``lower`` and ``upper``
        can be a hidden figure's exact value.
        """
        what = f"{self.report}: {self.output!r} ({self.role})"
        if self.kind == "interval":
            return (
                f"{what}: en dold uppgift kan räknas fram, eller ringas in för snävt, med "
                "allt som körningen och tidigare terminer publicerar"
            )
        if self.kind == "revision":
            return (
                f"{what}: en uppgift som en tidigare termin publicerat har nu ett annat värde, "
                "och skillnaden är så liten att den pekar ut enskilda (sena registreringar "
                "eller rättelser)"
            )
        if self.kind == "unproven":
            return (
                f"{what}: för en dold uppgift gick det inte att visa att den inte kan ringas "
                "in (beräkningen nådde sin gräns), så den räknas som möjlig att ringa in"
            )
        if self.kind == "page":
            return f"{what}: sidan visar en uppgift som liggaren anger som dold"
        if self.kind == "unaccounted":
            return f"{what}: sidan visar en uppgift som liggaren inte redovisar"
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
    #: Measure digests by the identity of their inputs (see ``audit_ledgers``'s ``memo``).
    memo: dict[str, str] = field(default_factory=dict, repr=False)
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


def _items(parts: list[tuple[str, bool, list[Entry]]]) -> list[_Item]:
    return [_Item(name, e, current) for name, current, entries in parts for e in entries]


def find_ledgers(folder: str | Path) -> list[Path]:
    """The report ledgers of a batch folder (``<area>/<kind>.ledger.json``, not its history)."""
    return report_ledgers(folder)


def _class_members(
    values: Sequence[str], filters: list[tuple[str, ...] | None]
) -> tuple[list[list[int]], list[np.ndarray]]:
    """Merge values no figure tells apart; per figure, a mask over the merged classes.

    A value's signature is its column of the (figures × values) membership matrix;
    values with equal columns form one class, in the order of their first value.
    """
    import numpy as np

    where = {v: i for i, v in enumerate(values)}
    member = np.zeros((len(filters), len(values)), dtype=bool)
    for j, f in enumerate(filters):
        if f is None:
            member[j] = True
        else:
            member[j, [where[v] for v in f if v in where]] = True
    if not len(values):
        return [], [np.zeros(0, dtype=bool) for _ in filters]
    # A value's column packed to bytes is its signature; a dict groups equal ones in the
    # order of their first value (np.unique(axis=0) sorted void rows: 2-3.5x slower here).
    signatures = np.ascontiguousarray(np.packbits(member, axis=0).T)
    index: dict[bytes, int] = {}
    classes: list[list[int]] = []
    heads: list[int] = []  # one value per class: its membership is the class's
    for i, row in enumerate(signatures):
        k = index.setdefault(row.tobytes(), len(classes))
        if k == len(classes):
            classes.append([])
            heads.append(i)
        classes[k].append(i)
    masks = list(member[:, heads])
    return classes, masks


def _rowwise_product(parts: list, widths: list[int]):
    """Row j of the result is the Kronecker product of row j of every part (CSR, 0/1).

    Column order is that of ``np.ravel_multi_index`` over the parts' columns (C order):
    the base cells a figure covers are the product of its classes in every dimension.
    """
    import numpy as np
    from scipy.sparse import csr_matrix

    acc = parts[0]
    width = widths[0]
    for part, w in zip(parts[1:], widths[1:], strict=True):
        k1, k2 = np.diff(acc.indptr), np.diff(part.indptr)
        counts = k1 * k2
        total = int(counts.sum())
        rows = np.repeat(np.arange(acc.shape[0]), counts)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        t = np.arange(total) - starts[rows]
        kk = np.maximum(k2[rows], 1)
        left = acc.indices[acc.indptr[rows] + t // kk]
        right = part.indices[part.indptr[rows] + t % kk]
        indptr = np.concatenate([[0], np.cumsum(counts)])
        width *= w
        acc = csr_matrix(
            (np.ones(total), left.astype(np.int64) * w + right, indptr), shape=(acc.shape[0], width)
        )
    return acc


def _measure_system(figures: list[Figure], domains: dict[str, set[str]]):
    """One 0/1 row per figure over the measure's merged base cells (sparse), or None."""
    import numpy as np
    from scipy.sparse import csr_matrix

    dims = sorted({d for f in figures for d, _ in f.dims})
    parts = []
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
        parts.append(csr_matrix(np.array(masks, dtype=float).reshape(len(figures), len(classes))))
        shape.append(len(classes))
    n_atoms = int(np.prod(shape)) if shape else 1
    if n_atoms > MAX_CELLS:
        return None
    if not dims:
        return csr_matrix(np.ones((len(figures), 1)))
    a = _rowwise_product(parts, shape)
    a.sum_duplicates()
    return a


class _PieceLP:
    """One piece's LP held in HiGHS: constraints passed once, only the objective per solve.

    Each target of a piece needs two LPs over the same constraints; re-solving after a
    change of costs starts from the last optimal basis (a warm start) instead of building
    and presolving the model again, which was most of the audit's time for small pieces.
    HiGHS through SciPy's own binding (the solver ``linprog(method="highs")`` calls); when
    that binding is not there (another SciPy), ``usable`` is False and ``linprog`` is used.
    Written by hand: SciPy has no public API that keeps a model between solves.
    """

    def __init__(self, a_eq, b_eq, ub, n: int) -> None:
        import numpy as np
        from scipy.sparse import csr_matrix, vstack

        self.n = n
        self.usable = False
        try:
            from scipy.optimize._highspy import _core as highs
        except ImportError:
            return
        blocks, lower, upper = [], [], []
        if a_eq is not None:
            blocks.append(a_eq)
            lower.append(b_eq)
            upper.append(b_eq)
        if ub is not None:
            blocks.append(ub[0])
            lower.append(ub[1])
            upper.append(ub[2])
        a = (vstack(blocks) if blocks else csr_matrix((0, n))).tocsc()
        try:
            lp = highs.HighsLp()
            lp.num_col_, lp.num_row_ = n, a.shape[0]
            lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = n, a.shape[0]
            lp.a_matrix_.format_ = highs.MatrixFormat.kColwise
            lp.a_matrix_.start_ = a.indptr.astype(np.int32)
            lp.a_matrix_.index_ = a.indices.astype(np.int32)
            lp.a_matrix_.value_ = a.data.astype(float)
            lp.col_cost_ = np.zeros(n)
            lp.col_lower_ = np.zeros(n)
            lp.col_upper_ = np.full(n, highs.kHighsInf)
            lp.row_lower_ = np.concatenate(lower) if lower else np.zeros(0)
            lp.row_upper_ = np.concatenate(upper) if upper else np.zeros(0)
            solver = highs._Highs()
            solver.setOptionValue("output_flag", False)
            if solver.passModel(lp) == highs.HighsStatus.kError:
                return
        except (AttributeError, TypeError, RuntimeError):  # a SciPy whose binding differs
            return
        self.highs, self.solver, self.usable = highs, solver, True
        self.index = np.arange(n, dtype=np.int32)

    def solve(self, cost) -> tuple[int, float, object]:
        """Minimise ``cost·x``: ``linprog``'s status (0, 2 or 3), the optimum and x."""
        import numpy as np

        h, solver = self.highs, self.solver
        solver.changeColsCost(self.n, self.index, np.asarray(cost, dtype=float))
        solver.run()
        status = solver.getModelStatus()
        if status == h.HighsModelStatus.kUnboundedOrInfeasible:
            # presolve could not tell which: ask the simplex on the whole model
            solver.setOptionValue("presolve", "off")
            solver.clearSolver()
            solver.run()
            status = solver.getModelStatus()
            solver.setOptionValue("presolve", "on")
        if status == h.HighsModelStatus.kOptimal:
            x = np.array(solver.getSolution().col_value)
            return 0, float(solver.getInfo().objective_function_value), x
        if status == h.HighsModelStatus.kUnbounded:
            return 3, math.inf, None
        if status == h.HighsModelStatus.kInfeasible:
            return 2, math.nan, None
        raise RuntimeError(
            f"publication audit: the LP solver failed ({solver.modelStatusToString(status)})"
        )


def _bound(
    c: np.ndarray,
    a_eq,
    b_eq,
    n: int,
    ub=None,
    points: list | None = None,
    piece: _PieceLP | None = None,
) -> tuple[float, float] | None:
    """Smallest and largest ``c·x`` over x ≥ 0 with ``a_eq x = b_eq`` and ``lo ≤ a x ≤ hi``.

    ``points``: the LP's optimal solutions (feasible points) are appended to it.
    ``piece``: the same constraints held in HiGHS (LP only), solved warm.
    """
    import numpy as np
    from scipy.optimize import linprog
    from scipy.sparse import vstack

    ends = []
    a_ub = b_ub = None
    if ub is not None and (piece is None or not piece.usable):
        a_r, lo_r, hi_r = ub
        a_ub = vstack([a_r, -a_r]).tocsr()
        b_ub = np.concatenate([hi_r, -lo_r])
    for sign in (1.0, -1.0):
        if piece is not None and piece.usable:
            status, fun, x = piece.solve(sign * c)
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
            if res.status not in (0, 2, 3):
                raise RuntimeError(f"publication audit: the LP solver failed ({res.message})")
            status, fun, x = res.status, res.fun, res.x
        if status == 0:
            ends.append(sign * fun)
            if points is not None and x is not None:
                points.append(x)
        elif status == 3:
            ends.append(math.inf)
        else:  # infeasible: the published figures contradict each other
            return None
    return ends[0], ends[1]


#: Branch-and-bound nodes one integer check may use. A count, not seconds: the audit's
#: answer must not depend on how busy the machine is (a time limit did).
MILP_NODE_LIMIT = 2_000


def _integer_bound(c: np.ndarray, a_eq, b_eq, n: int, ub=None) -> tuple[float, float, bool] | None:
    """Smallest and largest ``c·x`` over integer x ≥ 0 with the same constraints as ``_bound``.

    Returns (lower, upper, proven); None when no integer point exists. A search stopped
    at the node limit gives the value of the best integer point it found: inside the true
    interval, so the interval is at least that wide (and may be no wider). ``proven`` is
    then False, and an end with no integer point found is NaN.
    """
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp

    cons = [LinearConstraint(a_eq, b_eq, b_eq)] if a_eq is not None else []
    if ub is not None:
        cons.append(LinearConstraint(ub[0], ub[1], ub[2]))
    ends, proven = [], True
    for sign in (1.0, -1.0):
        res = milp(
            sign * c,
            constraints=cons,
            integrality=np.ones(n),
            bounds=Bounds(0, np.inf),
            options={"node_limit": MILP_NODE_LIMIT},
        )
        if res.status == 0:
            ends.append(sign * res.fun)
        elif res.status == 2:
            return None
        else:
            # The node limit (SciPy's status 4: HiGHS's "solution limit"), or another stop:
            # the best integer point so far, if any. Never unbounded: this runs only where
            # the LP interval is finite.
            proven = False
            ends.append(sign * res.fun if res.x is not None else math.nan)
    return ends[0], ends[1], proven


def _failure(it: _Item, lo: float, hi: float, kind: str = "interval") -> PublicationFailure:
    e = it.entry
    return PublicationFailure(it.report, e.output, e.figure, e.role, lo, hi, kind)


def _audit_measure(
    items: list[_Item],
    domains: dict[str, set[str]],
    min_count: int,
    audit: PublicationAudit,
    ranges: Sequence[tuple[Figure, float, float]] = (),
    revised: frozenset[Figure] = frozenset(),
) -> None:
    import numpy as np
    from scipy.sparse import bmat
    from scipy.sparse.csgraph import connected_components

    # the same figure published by several reports is one equality; hidden in one report
    # and shown in another, it is both an equality and a target (and fails, as it should).
    # Figures are keyed by themselves (frozen, canonical): the same identity as their JSON
    # ``key``, without serialising tens of thousands of them.
    # An earlier term's figure is taken as a fact about this term's data (most past
    # figures do not change), unless this term's data revised it: shown with another
    # value here, or recorded as revised (``revised``, hidden since). A revision smaller
    # than ``min_count`` is itself a count of a few people: the current figure fails.
    shown: dict[Figure, tuple[_Item, float]] = {}
    targets: dict[Figure, list[_Item]] = {}
    differs: set[Figure] = set()
    earlier: set[Figure] = set()  # shown figures an earlier term published (that value)
    for it in items:
        key = it.entry.figure
        if it.entry.hidden:
            if it.entry.target:
                targets.setdefault(key, []).append(it)
            continue
        if it.entry.value is None:
            continue
        if not it.current and key in revised and key not in shown:
            continue  # revised and not shown here: the earlier value is no fact about it
        v = float(it.entry.value)
        if key in shown and abs(shown[key][1] - v) > _TOL:
            first, was = shown[key]
            if first.current and not it.current and abs(was - v) < min_count - _TOL:
                if key not in differs:
                    differs.add(key)
                    lo, hi = sorted((was, v))
                    audit.failures.append(_failure(first, lo, hi, "revision"))
            else:
                audit.warnings.append(_failure(it, v, was, "inconsistent"))
            continue
        shown.setdefault(key, (it, v))
        if not it.current:
            earlier.add(key)
    # Shown here yet recorded as revised by another term: this is an earlier term than
    # that one (a later term keeps it hidden), so that term's hidden figures over the same
    # cells hold its revised data, checked by its own audit against these values; here
    # they would be "pinned" by values they no longer have.
    old = [k for k, (first, _) in shown.items() if first.current and k in revised]
    if old:
        targets = {
            k: its
            for k, its in targets.items()
            if any(it.current for it in its) or not any(_overlap(k, o) for o in old)
        }
    audit.targets += sum(len(v) for v in targets.values())
    if not targets:
        return
    keys = list(shown) + [k for k in targets if k not in shown]
    figures = list(keys)
    # bounds the pages put on figures (rows after the equalities and targets)
    ranged = [(f, lo, hi) for f, lo, hi in ranges if f not in shown]
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
    todo: dict[int, list[tuple[int, list[_Item]]]] = defaultdict(list)

    @functools.cache
    def piece_of(comp: int):
        """One piece's columns of ``a``, its equality rows and its page-range constraints."""
        sub = a[:, np.flatnonzero(atom_label == comp)].tocsr()
        eq = np.flatnonzero(fig_label[:n_eq] == comp)
        rg = np.flatnonzero(fig_label[n_keys:] == comp)
        ub = (sub[n_keys + rg], lo_all[rg], hi_all[rg]) if len(rg) else None
        return sub, eq, rg, ub

    for key, its in targets.items():
        if key in shown and shown[key][1] >= min_count:
            # hidden here, shown as a publishable count elsewhere (e.g. a secondary
            # suppression last term did not need): public already; what it reveals
            # about other hidden figures is in the equalities. Shown by an earlier term
            # only, its value here may have been revised: see ``_revision_read``.
            first, was = shown[key]
            mine = [it for it in its if it.current]
            if not first.current and mine:
                sub, eq, _, ub = piece_of(int(fig_label[row_of[key]]))
                others = [r for r in eq if r != row_of[key]]
                found = _revision_read(sub, row_of[key], others, b_all, ub, was)
                if found is not None and found[1] - found[0] < min_count - _TOL:
                    lo, hi = found
                    audit.failures.extend(_failure(it, lo, hi, "revision") for it in mine)
            continue
        todo[int(fig_label[row_of[key]])].append((row_of[key], its))
    touched = set(fig_label[:n_eq].tolist()) | set(fig_label[n_keys:].tolist())
    for comp, rows in todo.items():
        if comp not in touched:
            # Touches no published figure: free. Proof: the piece's base cells appear in
            # no equality and no page range, so the only constraint on them is x ≥ 0;
            # x = 0 and x = t·e (any cell of the target, any t ≥ 0) are both feasible, so
            # the target ranges over [0, ∞) — never narrower than ``min_count``.
            continue
        sub, eq, _, ub = piece_of(comp)
        a_eq, b_eq = (sub[eq], b_all[eq]) if len(eq) else (None, None)
        n = sub.shape[1]
        rows_c = sub[[r for r, _ in rows]]
        sweep = _Sweep(rows_c, a_eq, b_eq, ub, min_count, n)
        piece = _PieceLP(a_eq, b_eq, ub, n)
        if len(rows) > 1:
            # Two LPs for the whole piece (every target as small, then as large, as it can
            # be together) give feasible points; a target already seen spread wide enough
            # over feasible points needs no LPs of its own (see ``_Sweep.wide``).
            total = np.asarray(rows_c.sum(axis=0)).ravel()
            _bound(total, a_eq, b_eq, n, ub=ub, points=sweep.points, piece=piece)
            sweep.take()
        for j, (_, its) in enumerate(rows):
            if sweep.wide(j):
                continue
            c = rows_c[j].toarray().ravel()
            bounds = _bound(c, a_eq, b_eq, n, ub=ub, points=sweep.points, piece=piece)
            sweep.take()
            if bounds is not None and bounds[1] - bounds[0] < 2 * min_count and n <= 5_000:
                exact = _integer_bound(c, a_eq, b_eq, n, ub=ub)
                if exact is not None:
                    lo, hi, proven = exact
                    if not proven and not hi - lo >= min_count - _TOL:  # NaN: not wide either
                        # integer points found so far are too close, or missing: not shown
                        # to be safe, so it fails (the safe side), and is repaired alike
                        audit.failures.extend(_failure(it, *bounds, "unproven") for it in its)
                        continue
                    bounds = (lo, hi)
            if bounds is None:
                # No data fits every figure: an earlier term's figures contradict this
                # term's (a revision seen only through other figures' sums). Those values
                # are then no facts about this term's data: judge it on its own figures.
                own = [r for r in eq if shown[keys[r]][0].current]
                if len(own) < len(eq):
                    a_own, b_own = (sub[own], b_all[own]) if own else (None, None)
                    bounds = _bound(c, a_own, b_own, n, ub=ub)
                    if bounds is not None and bounds[1] - bounds[0] < min_count - _TOL:
                        audit.failures.extend(_failure(it, *bounds) for it in its)
                        continue
                audit.warnings.extend(
                    _failure(it, math.nan, math.nan, "inconsistent") for it in its
                )
                continue
            lo, hi = bounds
            if hi - lo < min_count - _TOL:
                if _pinned_before(c, sub, eq, keys, earlier, b_all, n, min_count):
                    # The other terms' figures alone pin it: this term adds no disclosure
                    # and cannot take theirs back; their own audit (an earlier term's when
                    # it ran, a later term's against this one) judges them.
                    audit.warnings.extend(_failure(it, lo, hi, "earlier") for it in its)
                    continue
                audit.failures.extend(_failure(it, lo, hi) for it in its)


def _overlap(a: Figure, b: Figure) -> bool:
    """Whether two figures of one measure share a base cell (every common dimension meets)."""
    db = dict(b.dims)
    return all(set(v) & set(db[d]) for d, v in a.dims if d in db)


def _revision_read(sub, row: int, eq: list, b_all, ub, was: float) -> tuple[float, float] | None:
    """The interval the publication gives a figure hidden here, shown earlier as ``was``.

    Solved without the earlier value's own equality: what this term's other figures say
    of it. An interval narrower than ``min_count`` without the earlier value in it proves
    a revision of a few cases; None when it holds that value (no revision can be told
    apart from none), or is unbounded.
    """
    if not eq and ub is None:
        return None
    c = sub[row].toarray().ravel()
    a_eq, b_eq = (sub[eq], b_all[eq]) if eq else (None, None)
    bounds = _bound(c, a_eq, b_eq, sub.shape[1], ub=ub)
    if bounds is None:
        return None
    lo, hi = bounds
    if lo - _TOL <= was <= hi + _TOL:
        return None  # the earlier value, public already, may still hold
    return lo, hi


def _pinned_before(c, sub, eq, keys, earlier: set[Figure], b_all, n: int, min_count: int) -> bool:
    """Whether the earlier terms' published figures alone pin ``c·x`` below ``min_count``.

    Asked only of a target that fails: its LP over those equalities alone (an outer bound
    of the integer interval, so a narrow answer is a proof).
    """
    import numpy as np

    rows = [r for r in eq if keys[r] in earlier]
    if not rows:
        return False
    bounds = _bound(c, sub[rows], b_all[np.asarray(rows)], n)
    return bounds is not None and bounds[1] - bounds[0] < min_count - _TOL


class _Sweep:
    """Feasible points of one piece's LP, and each target's spread over them.

    Any two feasible points bound a target's interval from inside: its smallest value is at
    most, and its largest at least, what it takes at them. So a target whose values over
    the points already differ by enough passes without its own LPs, with the same verdict
    the LPs would give: ``min_count`` apart at two *integer* feasible points (an LP
    solution rounded and checked exactly against every equality and range) means both the
    LP and the integer interval are at least that wide; over points that are only LP
    feasible it takes ``2 * min_count`` (+ a margin for the solver's tolerance), the width
    above which :func:`_audit_measure` does not confirm with integers either. A target not
    shown wide enough is solved as before; its solutions join the points.
    """

    MARGIN = 1e-3

    def __init__(self, rows_c, a_eq, b_eq, ub, min_count: int, n: int) -> None:
        import numpy as np

        self.rows_c, self.a_eq, self.b_eq, self.ub = rows_c, a_eq, b_eq, ub
        self.min_count, self.n = min_count, n
        self.points: list = []  # new LP solutions, taken in by ``take``
        k = rows_c.shape[0]
        self.lp = [np.full(k, np.inf), np.full(k, -np.inf)]  # low, high over all points
        self.ip = [np.full(k, np.inf), np.full(k, -np.inf)]  # over verified integer points

    def _integer(self, x):
        import numpy as np

        r = np.round(x)
        if (r < 0).any():
            return None
        if self.a_eq is not None and not np.array_equal(self.a_eq @ r, self.b_eq):
            return None
        if self.ub is not None:
            v = self.ub[0] @ r
            if (v < self.ub[1]).any() or (v > self.ub[2]).any():
                return None
        return r

    def take(self) -> None:
        """Take in the LP solutions found since the last call."""
        import numpy as np

        for x in self.points:
            v = self.rows_c @ x
            self.lp[0], self.lp[1] = np.minimum(self.lp[0], v), np.maximum(self.lp[1], v)
            r = self._integer(x)
            if r is not None:
                w = self.rows_c @ r
                self.ip[0], self.ip[1] = np.minimum(self.ip[0], w), np.maximum(self.ip[1], w)
        self.points.clear()

    def wide(self, j: int) -> bool:
        """True when target ``j`` is shown wide enough to pass by the points alone."""
        if self.ip[1][j] - self.ip[0][j] >= self.min_count:
            return True
        need = self.min_count if self.n > 5_000 else 2 * self.min_count
        return bool(self.lp[1][j] - self.lp[0][j] >= need + self.MARGIN * max(1.0, need))


def _inputs_key(
    measure: str,
    sources: set[tuple],
    min_count: int,
    ranges: Sequence[tuple[Figure, float, float]],
    revised: Sequence[Figure] = (),
) -> str | None:
    """Identity of a measure's inputs by file hashes; None when a ledger was not read from a file.

    The measure's digest is a function of its ledgers' contents (figures and domains),
    the threshold and the page ranges alone, so equal keys mean equal digests.
    """
    import hashlib

    if any(sha is None for _, _, sha in sources):
        return None
    bounds = sorted((f.dims, lo, hi) for f, lo, hi in ranges)
    text = repr((measure, min_count, sorted(sources), bounds, sorted(f.dims for f in revised)))
    return hashlib.sha256(text.encode()).hexdigest()


def _measure_digest(
    items: list[_Item],
    domains: dict[str, set[str]],
    min_count: int,
    ranges: Sequence[tuple[Figure, float, float]] = (),
    revised: Sequence[Figure] = (),
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
    changed = sorted(ident(f) for f in revised)
    text = repr((min_count, dom, shown, hidden, bounds, changed))
    return hashlib.sha256(text.encode()).hexdigest()


def audit_ledgers(
    current: Iterable[tuple[str, Ledger]],
    history: Iterable[tuple[str, Ledger]] = (),
    *,
    min_count: int | None = None,
    bounds: Iterable[tuple[Figure, float, float]] = (),
    passed: set[str] | None = None,
    memo: dict[str, str] | None = None,
    revised: Iterable[str] = (),
) -> PublicationAudit:
    """Audit the figures of ``current`` reports jointly with earlier terms' ``history``.

    ``bounds`` are ranges the rendered pages put on figures (``page_check.py``).
    ``revised``: keys of figures whose earlier-term values do not hold for this term's
    data (``ledger.read_revised``); history's values of them are not used.
    ``passed``: digests of measures that passed an earlier audit (``PublicationAudit.passed``
    of it); a measure whose figures, page ranges, targets, domains and threshold are
    unchanged is not solved again. A batch's repair round changes a measure or two of
    hundreds, and a one-report update usually none. ``memo``: digests by the identity
    of what they were computed from (the names and file hashes of the ledgers holding
    the measure, the threshold, the page ranges); a measure whose ledgers are byte for
    byte the same is not digested again (the digest reads every figure of the measure).
    """
    import time

    started = time.perf_counter()
    audit = PublicationAudit()
    revised_by_measure: dict[str, list[Figure]] = defaultdict(list)
    for k in set(revised):
        f = Figure.from_key(k)
        revised_by_measure[f.measure].append(f)
    # measure -> (report, current, the ledger's entries of it), one per ledger, in order.
    # Items are made only for a measure that is digested or solved: in a one-report
    # update the memo usually answers for every measure.
    by_measure: dict[str, list[tuple[str, bool, list[Entry]]]] = defaultdict(list)
    domains: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    sources: dict[str, set[tuple]] = defaultdict(set)  # measure -> ledgers it is read from
    limit = min_count or 0
    for is_current, source in ((True, current), (False, history)):
        for name, ledger in source:
            audit.ledgers += 1
            limit = max(limit, ledger.min_count)
            for m, ds in ledger.domains.items():
                sources[m].add((name, is_current, ledger.source))
                for d, v in ds.items():
                    domains[m][d].update(v)
            groups: dict[str, list[Entry]] = {}
            for e in ledger.entries:
                if e.role in LINEAR_ROLES:  # estimates are checked against the pages only
                    groups.setdefault(e.figure.measure, []).append(e)
            for m, entries in groups.items():
                by_measure[m].append((name, is_current, entries))
                sources[m].add((name, is_current, ledger.source))
    audit.figures = sum(
        1 for parts in by_measure.values() for _, _, es in parts for e in es if not e.hidden
    )
    ranges: dict[str, list[tuple[Figure, float, float]]] = defaultdict(list)
    for fig, lo, hi in bounds:
        ranges[fig.measure].append((fig, lo, hi))
    for measure, parts in by_measure.items():
        dom = domains.get(measure, {})
        measure_ranges = ranges.get(measure, [])
        changed = revised_by_measure.get(measure, [])
        items = None
        # the digest only serves a caller that keeps passed measures (a batch)
        digest = None
        if passed is not None:
            key = _inputs_key(measure, sources[measure], limit or 5, measure_ranges, changed)
            digest = (memo or {}).get(key) if key else None
            if digest is None:
                items = _items(parts)
                digest = _measure_digest(items, dom, limit or 5, measure_ranges, changed)
            if key:
                audit.memo[key] = digest
        if passed is not None and digest in passed:
            audit.targets += sum(1 for _, _, es in parts for e in es if e.hidden and e.target)
            audit.passed.add(digest)
            continue
        if items is None:
            items = _items(parts)
        failures, warnings = len(audit.failures), len(audit.warnings)
        _audit_measure(items, dom, limit or 5, audit, measure_ranges, frozenset(changed))
        if digest and len(audit.failures) == failures and len(audit.warnings) == warnings:
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
    memo: dict[str, str] | None = None,
) -> PublicationAudit:
    """Audit one rendered batch folder against earlier batches' folders (ledgers and pages).

    ``loaded``: ledgers already read, by path (those not in it are read here);
    ``passed``, ``memo``: see :func:`audit_ledgers`.
    """
    batch_dir = Path(batch_dir)
    root = batch_dir.parent
    paths = find_ledgers(batch_dir)
    history_dirs = [Path(h) for h in history_dirs]
    current = _load(paths, root, loaded)
    history = _load([p for h in history_dirs for p in find_ledgers(h)], root, loaded)
    # revisions recorded by this batch and by the earlier terms its data descends from
    revised = set().union(*(read_revised(f) for f in [batch_dir, *history_dirs]))
    if not pages:
        return audit_ledgers(current, history, passed=passed, memo=memo, revised=revised)
    loaded = {p: ledger for p, (_, ledger) in zip(paths, current, strict=True)}
    reading = _read_pages(batch_dir, loaded, memo=passed is not None)
    audit = audit_ledgers(
        current, history, bounds=reading.bounds, passed=passed, memo=memo, revised=revised
    )
    audit.failures.extend(reading.failures)
    audit.page_figures = reading.figures
    return audit


PAGES_FILE = "page-check.json"
"""In ``<batch>/ledgers/``: pages that passed the page check, by the hashes of what was read."""


@functools.cache  # the code does not change while a batch runs
def audit_code_hash() -> str:
    """SHA-256 of the code that decides the joint audit: the audit's own modules.

    The audit imports only these (``tests/unit/privacy/test_audit_independence.py``), so a
    remembered page check or measure verdict is stale exactly when one of them changes.
    """
    import hashlib

    here = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for name in ("publication_audit", "page_check", "page_reader", "ledger", "symbols"):
        h.update(name.encode())
        h.update(hashlib.sha256((here / f"{name}.py").read_bytes()).digest())
    return h.hexdigest()


def preload() -> None:
    """Import what the audit imports on first use (the page reader and the LP solver).

    For a caller that has time to spare before the audit (a batch waiting for kernels);
    the audit imports the same modules itself when this was not called.
    """
    import lxml.etree  # noqa: F401
    import scipy.optimize  # noqa: F401
    import scipy.sparse.csgraph  # noqa: F401
    import scipy.special  # noqa: F401

    from evaluation.privacy import page_check  # noqa: F401


#: Page checks done while the batch still rendered (``check_page_ahead``), by the same key
#: as the remembered ones; only passes are kept, and ``_read_pages`` takes each once.
_AHEAD: dict[str, object] = {}


def _page_key(page_bytes: bytes, ledger_sha256: str) -> str:
    """The key a page's check is remembered by: the audit's code, the page and its ledger."""
    import hashlib

    h = hashlib.sha256(audit_code_hash().encode())
    h.update(hashlib.sha256(page_bytes).digest())
    h.update(bytes.fromhex(ledger_sha256))
    return h.hexdigest()


def check_page_ahead(page: Path, ledger: Ledger) -> None:
    """Check one finished page now, while other reports render; the joint audit re-uses a pass.

    The check reads the bytes it hashes, so a page rewritten afterwards has another key
    and is checked again by the audit. ``ledger`` must be the page's ledger as loaded
    from its file (its ``source`` names the bytes).
    """
    from evaluation.privacy.page_check import read_page_against

    if not ledger.source:
        return
    raw = page.read_bytes()
    one = read_page_against(page.name, raw.decode("utf-8", errors="replace"), ledger)
    if not one.failures:
        _AHEAD[_page_key(raw, ledger.source)] = one


def _read_pages(batch_dir: Path, loaded: dict[Path, Ledger], *, memo: bool):
    """The page check of every page of the batch; with ``memo``, unchanged pages from memory.

    A page's check is a function of its bytes, its ledger's bytes and the audit's own
    code alone, so a page that passed is remembered by the SHA-256 of those three (with the
    figures it showed and the bounds it put on them) and not parsed again while none of
    them changes: a one-report update parses one page instead of all of them. Every page
    is still read and hashed; a page that failed is never remembered. The batch and a
    single render use it (``passed`` given); ``evaluation audit`` reads every page afresh.
    """
    import hashlib

    from evaluation.privacy.ledger import LEDGER_SUFFIX
    from evaluation.privacy.page_check import PageReading, read_pages

    if not memo:
        return read_pages(batch_dir, loaded)
    store = batch_dir / "ledgers" / PAGES_FILE
    try:
        known = json.loads(store.read_text(encoding="utf-8")).get("pages", {})
    except (OSError, ValueError, AttributeError):
        known = {}
    reading, keep = PageReading(), {}
    for page in sorted(batch_dir.glob("*/*.html")):
        ledger_path = page.with_name(page.stem + LEDGER_SUFFIX)
        # the key names the ledger the check reads: the loaded one's bytes when given
        ledger = loaded.get(ledger_path)
        try:
            ledger_sha256 = (ledger.source if ledger is not None else None) or hashlib.sha256(
                ledger_path.read_bytes()
            ).hexdigest()
            key = _page_key(page.read_bytes(), ledger_sha256)
        except OSError:  # no ledger (or unreadable): the page check says what is wrong
            one = read_pages(batch_dir, loaded, pages=[page])
        else:
            ahead = _AHEAD.pop(key, None)
            found = known.get(key)
            if isinstance(ahead, PageReading):
                one = ahead
            elif isinstance(found, dict):
                try:
                    one = PageReading(
                        figures=int(found["figures"]),
                        bounds=[
                            (Figure.from_dict(f), float(lo), float(hi))
                            for f, lo, hi in found["bounds"]
                        ],
                    )
                except (KeyError, TypeError, ValueError):
                    found = None
            if not isinstance(ahead, PageReading) and not isinstance(found, dict):
                one = read_pages(batch_dir, loaded, pages=[page])
            if not one.failures:
                keep[key] = {
                    "figures": one.figures,
                    "bounds": [[f.as_dict(), lo, hi] for f, lo, hi in one.bounds],
                }
        reading.failures += one.failures
        reading.bounds += one.bounds
        reading.figures += one.figures
    _AHEAD.clear()  # a check not taken was of bytes since rewritten
    if keep != known:
        try:
            store.parent.mkdir(parents=True, exist_ok=True)
            store.write_text(json.dumps({"pages": keep}, ensure_ascii=False), encoding="utf-8")
        except OSError:
            pass  # only the next run's speed depends on it
    return reading


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
