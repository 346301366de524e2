"""The independent LP audit (docs/privacy.md R3)."""

import numpy as np
import pandas as pd
import pytest

from evaluation.privacy import HIDDEN, audit_shown_table, audit_table


def _table(rows, index=None, columns=None):
    return pd.DataFrame(rows, index=index, columns=columns, dtype=object)


def test_cell_recoverable_by_difference_is_caught():
    # only the 3 is hidden: 10 - 7 gives it back
    shown = _table(
        [[HIDDEN, 7, 10], [6, 8, 14], [9, 15, 24]],
        index=["a", "b", "Totalt"],
        columns=["x", "y", "Totalt"],
    )
    failures = audit_shown_table(shown, 5)
    assert [(f.row, f.column, f.kind) for f in failures] == [("a", "x", "interval")]
    assert failures[0].lower == failures[0].upper == 3


def test_two_hidden_ones_in_a_row_are_caught():
    shown = _table(
        [[HIDDEN, HIDDEN, 8, 10], [HIDDEN, HIDDEN, 9, 35], [21, 7, 17, 45]],
        index=["a", "b", "Totalt"],
        columns=["x", "y", "z", "Totalt"],
    )
    kinds = {(f.row, f.column) for f in audit_shown_table(shown, 5)}
    assert ("a", "x") in kinds and ("a", "y") in kinds


def test_wide_enough_pattern_passes():
    shown = _table(
        [[HIDDEN, HIDDEN, 20, 40], [HIDDEN, HIDDEN, 25, 45], [15, 25, 45, 85]],
        index=["a", "b", "Totalt"],
        columns=["x", "y", "z", "Totalt"],
    )
    assert audit_shown_table(shown, 5) == []


def test_hidden_total_is_audited_too():
    # the row total 3 is hidden but the grand total gives it back
    shown = _table(
        [[HIDDEN, HIDDEN, HIDDEN], [10, 20, 30], [HIDDEN, HIDDEN, 33]],
        index=["a", "b", "Totalt"],
        columns=["x", "y", "Totalt"],
    )
    failures = audit_shown_table(shown, 5)
    assert ("a", "Totalt") in {(f.row, f.column) for f in failures}


def test_shown_small_count_is_a_failure():
    shown = _table([[3, 7, 10]], index=["a"], columns=["x", "y", "Totalt"])
    assert [f.kind for f in audit_shown_table(shown, 5)] == ["shown_small"]


def test_inconsistent_table_is_reported():
    shown = _table([[6, 7, 99]], index=["a"], columns=["x", "y", "Totalt"])
    assert [f.kind for f in audit_shown_table(shown, 5)] == ["inconsistent"]


def test_without_margins_hidden_cells_are_unbounded():
    values = pd.DataFrame([[np.nan, 7.0], [6.0, 8.0]])
    assert audit_table(values, values.isna(), 5, margins=False) == []


@pytest.mark.parametrize(
    "text, expected",
    [
        pytest.param("1 234", 1234.0, id="space-thousands"),
        pytest.param("1\u00a0234", 1234.0, id="nbsp-thousands"),
        pytest.param("..", None, id="hidden"),
        pytest.param("–", None, id="missing"),
    ],
)
def test_parsing_shown_numbers(text, expected):
    from evaluation.privacy.audit import _parse

    value = _parse(text)
    assert np.isnan(value) if expected is None else value == expected


def test_audit_reads_a_table_as_parsed_back_from_html():
    # what pandas.read_html gives: strings, thousands with spaces, labels with whitespace
    parsed = pd.DataFrame(
        {"x": ["..", "..", "1 040"], "y": ["..", "..", "30"], " Totalt ": ["35", "1 035", "1 070"]},
        index=pd.Index(["a", "b", "Totalt "]),
    )
    assert audit_shown_table(parsed, 5) == []
    parsed.loc["a", "y"] = "3"
    assert {f.kind for f in audit_shown_table(parsed, 5)} == {"shown_small", "interval"}
