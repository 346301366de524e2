"""R10: which notebook outputs a render accepts (only the package's protected outputs)."""

from __future__ import annotations

import nbformat
import pandas as pd
import pytest
from IPython.core.interactiveshell import InteractiveShell

from evaluation.exceptions import PrivacyError, RenderError
from evaluation.present.output import Chart, Heading, Note, Outputs, Table
from evaluation.render.outputs import check_outputs, strip_unprotected, unprotected_outputs

v4 = nbformat.v4


def _display(obj) -> dict:
    """The output IPython records when a cell shows ``obj``."""
    data, metadata = InteractiveShell.instance().display_formatter.format(obj)
    return v4.new_output("display_data", data=data, metadata=metadata)


def _notebook(*cells) -> nbformat.NotebookNode:
    nb = v4.new_notebook()
    nb.cells = [v4.new_code_cell("params_file = 'x'", metadata={"tags": ["parameters"]})]
    injected = {"tags": ["injected-parameters"]}
    nb.cells.append(v4.new_code_cell("params_file = 'y'", metadata=injected))
    for source, outputs in cells:
        nb.cells.append(v4.new_code_cell(source, outputs=outputs))
    return nb


def test_protected_outputs_carry_the_marker_and_a_short_plain_text() -> None:
    table = Table(pd.DataFrame({"Antal": ["12"]}, index=["2024"]), "Antal")
    for obj in (Note("x"), table, Chart(b"png", "alt", "cap"), Heading("h"), Outputs((Note("a"),))):
        out = _display(obj)
        assert out["metadata"]["evaluation"] == {"protected": True}
        assert "12" not in out["data"]["text/plain"]  # no dataclass repr with the cells


def test_unprotected_outputs_are_found_and_named() -> None:
    frame = pd.DataFrame({"antal": [2, 3]})
    nb = _notebook(
        ("Note('ok')", [_display(Note("ok"))]),
        ("df", [v4.new_output("execute_result", data=_display(frame)["data"], execution_count=1)]),
        ("print(2)", [v4.new_output("stream", name="stdout", text="2\n")]),
        ("import warnings", [v4.new_output("stream", name="stderr", text="Warning 3\n")]),
        ("object()", [v4.new_output("execute_result", data={"text/plain": "<object at 0x7f>"})]),
    )
    found = unprotected_outputs(nb)
    assert [n for n, _, _ in found] == [3, 4]  # the injected parameters cell is not counted
    cleaned = strip_unprotected(nb)
    assert unprotected_outputs(cleaned) == []
    assert "antal" not in nbformat.writes(cleaned) and "2\\n" not in nbformat.writes(cleaned)
    assert "Warning 3" in nbformat.writes(cleaned)  # not published, kept for debugging


def test_check_outputs_keeps_a_cleaned_notebook_and_names_the_cell(tmp_path) -> None:
    warned = v4.new_output("stream", name="stderr", text="UserWarning: 'Anna'\n")
    nb = _notebook(
        ("x = 1\nx + 1", [v4.new_output("execute_result", data={"text/plain": "2"})]),
        ("parse()", [warned]),
    )
    kept = tmp_path / "kind.failed.ipynb"
    with pytest.raises(RenderError) as err:
        check_outputs(nb, kept)
    assert err.value.cell == 2 and "'x = 1'" in str(err.value) and "ett värde" in str(err.value)
    assert unprotected_outputs(nbformat.read(kept, as_version=4)) == []
    text = kept.read_text(encoding="utf-8")
    assert "Anna" not in text and "output removed" in text  # stderr too; the notice stays


def test_identity_number_in_an_unprotected_output_keeps_nothing(tmp_path) -> None:
    out = v4.new_output("stream", name="stdout", text="ärende 121212\u20111212\n")
    kept = tmp_path / "kind.failed.ipynb"
    with pytest.raises(PrivacyError) as err:
        check_outputs(_notebook(("print(x)", [out])), kept)
    assert "1212" not in str(err.value) and not kept.exists()


def test_a_kept_notebook_with_an_identity_number_anywhere_is_not_kept(tmp_path) -> None:
    # R8 for the kept notebook: a code line is no output, yet the file would hold it;
    # an earlier run's kept notebook goes too (it is not this run's).
    from evaluation.render.outputs import keep_notebook

    kept = tmp_path / "kind.failed.ipynb"
    kept.write_text("earlier run", encoding="utf-8")
    out = v4.new_output("stream", name="stdout", text="2\n")
    with pytest.raises(PrivacyError) as err:
        keep_notebook(_notebook(("pnr = '19121212-1212'\nprint(2)", [out])), kept)
    assert "1212" not in str(err.value) and "sparades inte" in str(err.value)
    assert not kept.exists()
    keep_notebook(_notebook(("print(2)", [out])), kept)
    assert unprotected_outputs(nbformat.read(kept, as_version=4)) == []


def test_only_protected_outputs_pass(tmp_path) -> None:
    nb = _notebook(("Note('a')", [_display(Note("a"))]), ("pass", []))
    check_outputs(nb, tmp_path / "kept.ipynb")
    assert not (tmp_path / "kept.ipynb").exists()


def test_kept_notebooks_lose_text_that_may_quote_data_but_keep_their_frames() -> None:
    from evaluation.render.kernel_setup import ERROR_MARKER
    from evaluation.render.outputs import HIDDEN_STDERR, HIDDEN_TEXT, strip_free_text

    package = v4.new_output(
        "error",
        ename="DataError",
        evalue="fil a.csv, rad 4: inte ett datum",
        traceback=["frame 1", "DataError: fil a.csv, rad 4", ERROR_MARKER + '{"found": "Anna"}'],
    )
    foreign = v4.new_output(  # as ipykernel sends a chained exception
        "error",
        ename="ValueError",
        evalue="för få: 1\nrad två",
        traceback=[
            "\x1b[31mKeyError\x1b[39m     Traceback (most recent call last)",
            "Cell In[1], line 2\n      2     {}[\x1b[33m'Anna'\x1b[39m]",
            "\x1b[31mKeyError\x1b[39m: 'Anna'",
            "\nThe above exception was the direct cause of the following exception:\n",
            "Cell In[1], line 4\n----> 4     raise ValueError('för få: ' + str(n))",
            "\x1b[31mValueError\x1b[39m: för få: 1\nrad två",
        ],
    )
    warned = v4.new_output("stream", name="stderr", text="UserWarning: 'Anna' is no date\n")
    nb = _notebook(("load()", [package]), ("check()", [foreign]), ("parse()", [warned]))
    cleaned = strip_free_text(nb)
    first, second, third = (c.outputs[0] for c in cleaned.cells[2:])
    assert third.text == HIDDEN_STDERR + "\n"
    assert first.traceback == ["frame 1", "DataError: fil a.csv, rad 4"]
    assert first.evalue == package.evalue  # the package's message is the page form already
    assert second.evalue == HIDDEN_TEXT
    assert second.traceback[2] == f"\x1b[31mKeyError\x1b[39m: {HIDDEN_TEXT}"
    assert second.traceback[5] == f"\x1b[31mValueError\x1b[39m: {HIDDEN_TEXT}"
    assert second.traceback[:2] == foreign.traceback[:2]  # frames and code lines stay
    assert second.traceback[3:5] == foreign.traceback[3:5]
    assert nb.cells[3].outputs[0].evalue == "för få: 1\nrad två"  # a copy was cleaned
