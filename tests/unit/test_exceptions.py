"""Package errors round-trip as data and are worded in one place."""

from __future__ import annotations

import json

import pytest

from evaluation.exceptions import (
    DataError,
    EvaluationError,
    IdentityNumberError,
    ParameterError,
    PrivacyError,
    RenderError,
    user_message,
)
from evaluation.render.execute import _rebuild
from evaluation.render.kernel_setup import ERROR_MARKER


@pytest.mark.parametrize(
    "error",
    [
        DataError("bad", file="/x/a.csv", row=3, column="c", expected="int", found="'x'"),
        IdentityNumberError("id-like value", file="b.csv", row=9, column="note"),
        ParameterError("unknown", file="p.yaml", parameter="kind", cell=4),
        RenderError("KeyError: 'x'", notebook="/tmp/n.ipynb", cell=2),
        PrivacyError("audit failed"),
    ],
)
def test_round_trip_keeps_type_and_fields(error: EvaluationError) -> None:
    back = EvaluationError.from_dict(json.loads(json.dumps(error.to_dict())))
    assert type(back) is type(error)
    assert back.to_dict() == error.to_dict() and str(back) == str(error)


def test_user_message_names_where_and_what() -> None:
    err = DataError("bad", file="/x/a.csv", row=3, column="c", expected="int", found="'x'")
    assert user_message(err) == "fil /x/a.csv, kolumn 'c', rad 3: bad (väntat: int; hittat: 'x')"
    assert user_message(err, name_only=True).startswith("fil a.csv, ")
    assert user_message(err, with_file=False).startswith("kolumn 'c', rad 3: ")
    assert str(RenderError("boom", notebook="/tmp/n.ipynb", cell=2)) == "cell 2: boom"
    assert str(ParameterError("wrong", parameter="area")) == "parameter 'area': wrong"
    many = DataError("bad", file="a.csv", column="c", row=2)
    many.rows, many.count = [2, 5, 9], 3
    assert "3 rader (2, 5, 9)" in user_message(many)


def test_rebuild_prefers_the_json_line_over_the_message() -> None:
    err = DataError("bad", file="a.csv", row=3)
    tb = ["Traceback ...", ERROR_MARKER + json.dumps(err.to_dict())]
    back = _rebuild("DataError", "file a.csv, row 3: bad", tb)
    assert isinstance(back, DataError) and back.row == 3 and back.message == "bad"
    plain = _rebuild("ParameterError", "some text", [])
    assert isinstance(plain, ParameterError) and plain.message == "some text"
    assert _rebuild("KeyError", "'x'", []) is None


def test_the_page_form_leaves_out_found_values_and_foreign_text() -> None:
    err = DataError("inte ett datum", file="/x/a.csv", row=4, column="start", expected="ÅÅÅÅ-MM-DD")
    err.found = "'Anna Lindqvist'"
    full, page = user_message(err), user_message(err, public=True)
    assert "Anna Lindqvist" in full and "Anna Lindqvist" not in page
    assert page == "fil /x/a.csv, kolumn 'start', rad 4: inte ett datum (väntat: ÅÅÅÅ-MM-DD)"
    assert str(err) == user_message(err, name_only=True, public=True)  # str() may reach a page
    grouped = DataError("flera fel")
    grouped.problems = [err]
    assert "Lindqvist" in user_message(grouped)
    assert "Lindqvist" not in user_message(grouped, public=True)
    foreign = RenderError("ValueError", cell=7)
    foreign.detail = "för få: 3"
    assert user_message(foreign) == "cell 7: ValueError: för få: 3"
    assert user_message(foreign, public=True) == str(foreign) == "cell 7: ValueError"


def test_one_line_for_a_page_and_for_the_terminal() -> None:
    from evaluation.render.single import one_line

    assert one_line(KeyError("Anna"), public=True).startswith("KeyError (")
    assert "Anna" not in one_line(KeyError("Anna"), public=True)
    assert one_line(KeyError("Anna")) == "KeyError: 'Anna'"
