"""Protector.counts: primary (R2) and secondary (R3) suppression, the R9 ladder."""

import numpy as np
import pandas as pd
import pytest

from evaluation.exceptions import PrivacyError
from evaluation.privacy import (
    SUPPRESSED_SENTENCE,
    TOTAL_ONLY_SENTENCE,
    Protector,
    audit_shown_table,
    audit_table,
)


def _crosstab(rows, index=None, columns=None):
    index = index or [f"r{i}" for i in range(len(rows))]
    columns = columns or [f"c{j}" for j in range(len(rows[0]))]
    return pd.DataFrame(rows, index=index, columns=columns)


def _check_safe(result, min_count=5):
    shown = result.values.to_numpy()[~result.hidden.to_numpy()]
    assert not ((shown > 0) & (shown < min_count)).any()
    assert audit_table(result.values, result.hidden, min_count) == []
    assert audit_shown_table(result.shown(), min_count) == []


def test_large_table_is_shown_with_margins():
    table = _crosstab([[10, 20], [30, 40]])
    result = Protector().counts(table, label="t")
    assert result.rung == "full" and result.note is None and result.n_hidden == 0
    assert list(result.values.index) == ["r0", "r1", "Totalt"]
    assert list(result.values.columns) == ["c0", "c1", "Totalt"]
    assert result.values.loc["Totalt", "Totalt"] == 100
    assert result.values.loc["r1", "Totalt"] == 70


def test_zero_is_shown():
    result = Protector().counts(_crosstab([[0, 20], [30, 40]]), label="t")
    assert result.values.loc["r0", "c0"] == 0 and not result.hidden.loc["r0", "c0"]


def _pattern(rows):
    """Hidden cells after primary + secondary suppression and the audit, before R9."""
    from evaluation.privacy.ladder import suppress
    from evaluation.privacy.rules import PrivacyRules

    s = suppress(_crosstab(rows), PrivacyRules(), sensitive=False, label="t", early_exit=False)
    hidden = pd.DataFrame(s.hidden, index=s.values.index, columns=s.values.columns)
    return s, hidden


BIG = [[15, 25, 35, 45], [12, 22, 32, 42], [11, 21, 31, 41]]


@pytest.mark.parametrize(
    "rows, expect_hidden",
    [
        pytest.param([[3, 20, 30, 40], *BIG], {("r0", "c0")}, id="one-small-cell"),
        pytest.param(
            [[1, 1, 30, 40], *BIG], {("r0", "c0"), ("r0", "c1")}, id="two-hidden-ones-need-a-third"
        ),
        pytest.param(
            [[3, 20, 30, 40], [2, 22, 32, 42], *BIG[1:]],
            {("r0", "c0"), ("r1", "c0")},
            id="two-small-in-one-column",
        ),
        pytest.param([[0, 0, 4, 0], *BIG], {("r0", "c2"), ("r0", "Totalt")}, id="small-row-total"),
    ],
)
def test_primary_and_secondary(rows, expect_hidden):
    s, hidden = _pattern(rows)
    found = {(r, c) for r in hidden.index for c in hidden.columns if hidden.loc[r, c]}
    assert expect_hidden <= found
    values = s.values.mask(hidden)
    assert audit_table(values, hidden, 5) == []
    # no row or column (totals included) is left with a single hidden cell
    assert (hidden.sum(axis=1) != 1).all() and (hidden.sum(axis=0) != 1).all()


def test_row_with_two_hidden_ones_is_not_left_alone():
    s, hidden = _pattern([[1, 1, 30, 40], *BIG])
    assert hidden.loc["r0", ["c0", "c1", "c2", "c3"]].sum() >= 3


def test_end_to_end_tables_with_small_cells_pass_the_audit():
    for rows in ([[1, 1, 30, 40], *BIG], [[3, 20, 30, 40], *BIG]):
        _check_safe(Protector().counts(_crosstab(rows), label="t"))


def test_secondary_cell_is_the_smallest_in_row_or_column():
    rows = [[3, 20, 30, 40], [15, 25, 35, 45], [12, 22, 32, 42], [11, 21, 31, 41]]
    result = Protector().counts(_crosstab(rows), label="t")
    assert result.hidden.loc["r0", "c1"]  # smallest other in row r0
    assert result.hidden.loc["r3", "c0"]  # smallest other in column c0
    assert result.rung == "full"


def test_single_column_table():
    table = pd.DataFrame({"antal": [30, 12, 50, 7, 44]}, index=list("abcde"))
    result = Protector().counts(table, label="t")
    assert list(result.values.columns) == ["antal"]
    assert result.values.loc["Totalt", "antal"] == 143
    _check_safe(result)


def test_margins_false_drops_totals():
    result = Protector().counts(_crosstab([[10, 20], [30, 40]]), label="t", margins=False)
    assert result.values.shape == (2, 2) and "Totalt" not in result.values.index


def test_merging_small_rows_into_ovriga():
    table = pd.DataFrame(
        {"pojke": [40, 35, 2, 3, 1], "flicka": [38, 30, 3, 1, 2]},
        index=["Centrum", "Norr", "Öst", "Väst", "Syd"],
    )
    result = Protector().counts(table, label="t")
    assert result.rung == "merged" and result.merged
    assert "övriga" in result.note
    assert list(result.values.index) == ["Centrum", "Norr", "Övriga", "Totalt"]
    assert result.values.loc["Övriga", "Totalt"] == 12
    assert set(result.merged_rows) == {"Öst", "Väst", "Syd"}
    _check_safe(result)


def test_custom_merge_label():
    table = pd.DataFrame({"n": [40, 35, 2, 3, 1]}, index=list("abcde"))
    result = Protector().counts(table, label="t", merge_label="Andra områden")
    assert "Andra områden" in result.values.index
    assert "andra områden" in result.note


def test_falls_back_to_total_only():
    table = _crosstab([[2, 3], [4, 1]])
    result = Protector().counts(table, label="t")
    assert result.rung == "total" and result.note == TOTAL_ONLY_SENTENCE
    assert result.values.shape == (1, 1) and result.values.iloc[0, 0] == 10


@pytest.mark.parametrize(
    "rows",
    [
        pytest.param([[1, 2]], id="grand-total-3"),
        pytest.param([[4]], id="single-cell-4"),
        pytest.param([[1], [1], [2]], id="column-total-4"),
    ],
)
def test_withheld_when_even_the_total_is_small(rows):
    result = Protector().counts(_crosstab(rows), label="t")
    assert result.withheld and result.note == SUPPRESSED_SENTENCE and result.rung == "withheld"
    assert result.values.isna().all().all() and result.hidden.all().all()


def test_all_zero_table_is_shown():
    result = Protector().counts(_crosstab([[0, 0], [0, 0]]), label="t")
    assert result.n_hidden == 0 and result.values.loc["Totalt", "Totalt"] == 0


def test_sensitive_hides_zero_and_hundred_percent_of_small_groups():
    # area b has 12 children, none placed: 0 % and 100 % of a group below 20
    table = pd.DataFrame(
        {"placerad": [30, 0, 25, 28], "ej placerad": [300, 12, 280, 290]}, index=list("abcd")
    )
    plain = Protector().counts(table, label="t")
    assert plain.values.loc["b", "placerad"] == 0
    sensitive = Protector().counts(table, label="t", sensitive=True)
    assert "b" not in sensitive.values.index or sensitive.hidden.loc["b", "placerad"]
    _check_safe(sensitive)


@pytest.mark.parametrize(
    "table, message",
    [
        pytest.param(pd.DataFrame({"a": [1.5, 2]}), "heltal", id="fraction"),
        pytest.param(pd.DataFrame({"a": [-1, 2]}), "inte är negativa", id="negative"),
        pytest.param(pd.DataFrame({"a": [np.nan, 2]}), "tomma värden", id="nan"),
        pytest.param(pd.DataFrame({"a": ["x", "y"]}), "innehåller inte antal", id="text"),
        pytest.param(
            pd.DataFrame({"a": [1, 2]}, index=["x", "Totalt"]), "Totalt", id="has-margins"
        ),
        pytest.param(pd.DataFrame({"a": []}), "är tom", id="empty"),
    ],
)
def test_bad_input_is_refused(table, message):
    with pytest.raises(PrivacyError, match=message):
        Protector().counts(table, label="t")


def test_multiindex_rows():
    index = pd.MultiIndex.from_product([["a", "b"], ["flicka", "pojke"]])
    table = pd.DataFrame({"x": [10, 20, 30, 40], "y": [15, 25, 35, 45]}, index=index)
    result = Protector().counts(table, label="t")
    assert ("Totalt", "") in result.values.index
    _check_safe(result)


def test_margins_false_still_protects_as_if_totals_were_known():
    rows = [[3, 20, 30, 40], *BIG]
    with_totals = Protector().counts(_crosstab(rows), label="t")
    without = Protector().counts(_crosstab(rows), label="t", margins=False)
    inner = with_totals.hidden.iloc[:4, :4]
    assert without.hidden.equals(inner) and without.n_hidden >= 4


def test_raised_threshold_is_applied():
    from evaluation.privacy import PrivacyRules

    rows = [[6, 20, 30, 40], *BIG]
    assert Protector().counts(_crosstab(rows), label="t").n_hidden == 0
    raised = Protector(PrivacyRules(min_count=7)).counts(_crosstab(rows), label="t")
    assert raised.hidden.loc["r0", "c0"] and audit_table(raised.values, raised.hidden, 7) == []


def test_a_total_the_batch_keeps_hidden_withholds_the_table():
    """The ladder's last step shows the total alone; kept hidden (R0), nothing is left."""
    from evaluation.privacy.ladder import protect_counts
    from evaluation.privacy.rules import PrivacyRules

    table = _crosstab([[2, 3], [4, 1]])  # falls back to the total only, as above

    def forced(values, merged_rows):  # the batch keeps the grand total (a 1 x 1 table) hidden
        return np.full(values.shape, values.shape == (1, 1))

    kwargs = {"label": "t", "margins": True, "sensitive": False, "merge_label": "Övriga"}
    result = protect_counts(table, PrivacyRules(), forced=forced, **kwargs)
    assert result.withheld and result.note == SUPPRESSED_SENTENCE
    assert result.hidden.to_numpy().all()
    assert protect_counts(table, PrivacyRules(), **kwargs).rung == "total"
