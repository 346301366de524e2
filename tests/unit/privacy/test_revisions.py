"""A term whose data revised a figure an earlier term published (late registrations).

Each term's export is new: counts of past months change when cases are registered late or
corrected. The reader holds both terms' pages, so the difference between the two values
of one figure is itself a count. A difference of a few people fails the joint audit; the
repair hides the new value, records the figure as revised, and from then on the earlier
value is no fact about this term's data (it can neither pin nor clear a hidden figure).
"""

from __future__ import annotations

from evaluation.privacy.ledger import Entry, Figure, Ledger
from evaluation.privacy.publication import repair_keys
from evaluation.privacy.publication_audit import audit_ledgers

A = Figure.of("referrals", {"area": ["A"], "period": ["2023-01"]})
B = Figure.of("referrals", {"area": ["B"], "period": ["2023-01"]})
TOTAL = Figure.of("referrals", {"area": ["A", "B"], "period": ["2023-01"]})


def _term(name: str, **values: float | None) -> tuple[str, Ledger]:
    ledger = Ledger(report=name, min_count=5)
    ledger.declare("referrals", "area", ["A", "B"])
    for label, figure in (("A", A), ("B", B), ("TOTAL", TOTAL)):
        if label in values:
            v = values[label]
            ledger.entries.append(Entry("Orosanmälningar", figure, "count", v, v is None))
    return name, ledger


EARLIER = [_term("h1/a", A=53, B=20, TOTAL=73)]


def test_a_small_revision_of_a_shown_figure_fails_and_is_repaired_by_hiding_it():
    current = [_term("h2/a", A=55, B=20, TOTAL=75)]  # two late registrations in A
    audit = audit_ledgers(current, EARLIER)
    failed = {f.figure: f for f in audit.failures}
    assert set(failed) == {A, TOTAL} and {f.kind for f in failed.values()} == {"revision"}
    assert all(f.report == "h2/a" for f in failed.values())  # this term's figure, not h1's
    assert "annat värde" in str(failed[A]) and "55" not in str(failed[A])
    picked = repair_keys(audit.failures, [ledger for _, ledger in current], set())
    assert picked == {A.key, TOTAL.key}


def test_a_revision_of_at_least_the_limit_is_no_failure():
    audit = audit_ledgers([_term("h2/a", A=60, B=20, TOTAL=80)], EARLIER)
    assert audit.ok and {w.kind for w in audit.warnings} == {"inconsistent"}


def test_a_revised_figure_is_judged_on_this_terms_data_alone():
    earlier = [_term("h1/a", A=53, B=20)]
    # A hidden after the repair, but B and the total give it away in h2 (55: 2 more)
    current = [_term("h2/a", A=None, B=20, TOTAL=75)]
    # without the record: h1 published A as 53, this term's figures read 55, a
    # difference of two (before this check, h1's value made A look public already)
    unrecorded = audit_ledgers(current, earlier)
    assert [(f.figure, f.kind, f.lower, f.upper) for f in unrecorded.failures] == [
        (A, "revision", 55.0, 55.0)
    ]
    revised = audit_ledgers(current, earlier, revised=[A.key])
    assert [(f.figure, f.kind) for f in revised.failures] == [(A, "interval")]
    # this term's figures reading A as h1's value is no revision: public already
    assert audit_ledgers([_term("h2/a", A=None, B=20, TOTAL=73)], earlier).ok
    # hiding the total too leaves A free in this term's data
    safe = [_term("h2/a", A=None, B=20, TOTAL=None)]
    assert audit_ledgers(safe, earlier, revised=[A.key]).ok


def test_a_figure_pinned_by_earlier_terms_alone_is_theirs_not_this_terms():
    # h1 published A's parts' sum and B: A (53) was derivable from h1 alone, public since
    current = [_term("h2/a", A=None, B=20, TOTAL=73)]
    earlier = [_term("h1/a", B=20, TOTAL=73)]
    audit = audit_ledgers(current, earlier)
    assert audit.ok
    assert [(w.figure, w.kind) for w in audit.warnings] == [(A, "earlier")]
    # the same figure pinned by this term's own figures fails
    assert not audit_ledgers(current).ok


def test_a_hidden_revised_figure_is_repaired_like_a_pinned_one():
    earlier = [_term("h1/a", A=53, B=20)]
    current = [_term("h2/a", A=None, B=20, TOTAL=75)]
    audit = audit_ledgers(current, earlier)
    picked = repair_keys(audit.failures, [ledger for _, ledger in current], set())
    assert picked and picked <= {B.key, TOTAL.key}  # what reads A here goes


def test_a_narrow_reading_that_holds_the_earlier_value_proves_no_revision():
    earlier = [_term("h1/a", A=53)]
    page_range = [(B, 18.0, 22.0)]  # h2's page puts B between 18 and 22
    # the total 73 reads A as 51-55 here: 53 is in it, no revision can be told
    near = audit_ledgers([_term("h2/a", A=None, TOTAL=73)], earlier, bounds=page_range)
    assert near.ok, [str(f) for f in near.failures]
    # the total 77 reads A as 55-59: without 53, a revision of two to six
    grown = audit_ledgers([_term("h2/a", A=None, TOTAL=77)], earlier, bounds=page_range)
    assert [(f.figure, f.kind, f.lower, f.upper) for f in grown.failures] == [
        (A, "revision", 55.0, 59.0)
    ]


def test_a_revised_figure_still_shown_keeps_failing():
    # the repair recorded A as revised but the report could not hide it: the
    # difference is still on the two pages, so the record must not clear it
    current = [_term("h2/a", A=55, B=20)]
    audit = audit_ledgers(current, [_term("h1/a", A=53, B=20)], revised=[A.key])
    assert [(f.figure, f.kind) for f in audit.failures] == [(A, "revision")]


def test_an_earlier_term_audited_after_a_later_one_is_not_failed_by_its_revision():
    # h2 revised A and the total (hidden since) and recorded them; h1, audited again with
    # h2 beside it, shows the old total and B: h2's hidden A is not "pinned" by them
    later = [_term("h2/a", A=None, B=20, TOTAL=None)]
    revised = [A.key, TOTAL.key]
    again = audit_ledgers([_term("h1/a", B=20, TOTAL=73)], later, revised=revised)
    assert again.ok, [str(f) for f in again.failures]
    # the earlier term's own hidden figures are still held against the later one: a
    # later total that gives h1's hidden A away fails the later term's audit
    pinned = audit_ledgers([_term("h2/a", B=20, TOTAL=73)], [_term("h1/a", A=None, B=20)])
    assert [(f.figure, f.kind, f.report) for f in pinned.failures] == [(A, "interval", "h1/a")]


def test_a_revision_seen_only_through_sums_does_not_hide_this_terms_own_pin():
    # h1 showed the total per month; h2's data has one late registration, and h2 shows
    # the two months' total, A's share and hides B: B = 61 - 59 = 2 from h2 alone. With
    # h1 beside it no data fits every figure (30 + 30 is not 61); that contradiction
    # used to turn B into a warning and let the pin through.
    months = ["m1", "m2"]
    m1 = Figure.of("referrals", {"area": ["A", "B"], "period": ["m1"]})
    m2 = Figure.of("referrals", {"area": ["A", "B"], "period": ["m2"]})
    both = Figure.of("referrals", {"area": ["A", "B"], "period": months})
    a = Figure.of("referrals", {"area": ["A"], "period": months})
    b = Figure.of("referrals", {"area": ["B"], "period": months})

    def term(name, figures):
        ledger = Ledger(report=name, min_count=5)
        ledger.declare("referrals", "area", ["A", "B"])
        ledger.declare("referrals", "period", months)
        for figure, v in figures:
            ledger.entries.append(Entry("Orosanmälningar", figure, "count", v, v is None))
        return name, ledger

    earlier = [term("h1/a", [(m1, 30), (m2, 30)])]
    current = [term("h2/a", [(both, 61), (a, 59), (b, None)])]
    audit = audit_ledgers(current, earlier)
    assert [(f.figure, f.kind, f.lower, f.upper) for f in audit.failures] == [
        (b, "interval", 2.0, 2.0)
    ]
    # hiding A's figure (the repair) leaves B free in h2's data: no failure, only the
    # contradiction with h1 as a warning
    fixed = audit_ledgers([term("h2/a", [(both, 61), (a, None), (b, None)])], earlier)
    assert fixed.ok and {w.kind for w in fixed.warnings} == {"inconsistent"}
