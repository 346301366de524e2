"""The joint audit's integer check: a count limit, never seconds, and never a pass unproven.

The LP interval of a hidden figure is confirmed with integer variables when it is close
to the limit. That search once stopped after five seconds and then let the figure pass;
on a loaded machine the verdict depended on the load. Now it stops after a number of
branch-and-bound nodes, and a search stopped there proves nothing: the figure fails
unless the integer points found are already far enough apart.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

from evaluation.privacy import publication_audit as pa
from evaluation.privacy.publication import repair_keys
from tests.unit.privacy.test_audit_speedups import _report


def _market_split(m: int = 3, n: int = 24, seed: int = 1):
    """Cornuéjols and Dawande's market split: 0/1 points on m equalities, hard to branch on."""
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 100, size=(m, n)).astype(float)
    b = np.floor(a.sum(axis=1) / 2)
    within_one = (sp.identity(n, format="csr"), np.zeros(n), np.ones(n))
    target = np.zeros(n)
    target[0] = 1.0
    return target, sp.csr_matrix(a), b, n, within_one


def test_integers_narrow_what_the_lp_allows():
    # x1 + x2 = 4 and 2·x1 − y = 1: the LP lets x1 be 0.5, integers only 1 or more
    a = sp.csr_matrix(np.array([[1.0, 1.0, 0.0], [2.0, 0.0, -1.0]]))
    b = np.array([4.0, 1.0])
    c = np.array([1.0, 0.0, 0.0])
    assert pa._bound(c, a, b, 3) == pytest.approx((0.5, 4.0))
    assert pa._integer_bound(c, a, b, 3) == (pytest.approx(1.0), pytest.approx(4.0), True)


def test_the_search_is_limited_by_nodes_not_seconds(monkeypatch):
    import scipy.optimize

    seen, real = [], scipy.optimize.milp

    def spy(*args, **kwargs):
        seen.append(dict(kwargs.get("options") or {}))  # SciPy empties the dict it is given
        return real(*args, **kwargs)

    monkeypatch.setattr(scipy.optimize, "milp", spy)
    a = sp.csr_matrix(np.array([[1.0, 1.0]]))
    pa._integer_bound(np.array([1.0, 0.0]), a, np.array([3.0]), 2)
    assert seen and all(
        o.get("node_limit") == pa.MILP_NODE_LIMIT and "time_limit" not in o for o in seen
    )


def test_a_search_stopped_at_the_node_limit_proves_nothing(monkeypatch):
    monkeypatch.setattr(pa, "MILP_NODE_LIMIT", 10)
    c, a, b, n, ub = _market_split()
    first = pa._integer_bound(c, a, b, n, ub=ub)
    again = pa._integer_bound(c, a, b, n, ub=ub)
    lo, hi, proven = first
    assert not proven
    assert math.isnan(lo) and math.isnan(hi)  # no integer point within ten nodes
    assert np.array_equal(np.array(first[:2]), np.array(again[:2]), equal_nan=True)


def test_an_unproven_figure_fails_and_is_repaired_like_a_narrow_one(monkeypatch):
    ledgers = _report(0, hidden_share=0.35)
    before = pa.audit_ledgers(ledgers, min_count=5)
    assert not any(f.kind == "unproven" for f in before.failures)

    def stopped_early(c, a_eq, b_eq, n, ub=None):
        lo, hi, _ = real(c, a_eq, b_eq, n, ub=ub)
        return lo, min(hi, lo + 1), False  # two integer points found, one apart

    real = pa._integer_bound
    monkeypatch.setattr(pa, "_integer_bound", stopped_early)
    after = pa.audit_ledgers(ledgers, min_count=5)
    unproven = [f for f in after.failures if f.kind == "unproven"]
    assert unproven, "a figure the integer search could not clear passed"
    assert {f.figure.key for f in before.failures} < {f.figure.key for f in after.failures}
    assert "gick det inte att visa" in str(unproven[0])
    picked = repair_keys(unproven, [ledger for _, ledger in ledgers], set())
    assert picked  # something more is hidden for it, as for a narrow interval
