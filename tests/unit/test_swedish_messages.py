"""Everything the CLI prints is Swedish: package errors, their frame, and Typer's own words.

Three layers: every error the package raises is written in Swedish (read from the
source, so a new English message fails here); every error class comes out of the
CLI's one wording with its file/row/column/parameter named in Swedish; and real
user mistakes pushed through the command line print Swedish only.
"""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import evaluation
from evaluation.cli.main import app
from evaluation.cli.messages import headline

# imported here so the error classes below are the same whichever tests ran first
from evaluation.exceptions import (
    DataError,
    EvaluationError,
    error_classes,
    pydantic_message,
    user_message,
)
from evaluation.reports import preflight as _preflight  # noqa: F401 - defines DataProblems:

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = Path(evaluation.__file__).parent
runner = CliRunner()

# Common English words that a Swedish message never needs (checked as whole words,
# outside quotes and code such as estimator='sdid' or --executor dask).
ENGLISH = re.compile(
    r"\b(not found|must|invalid|expected|found|cannot|should|missing|unknown|the|is|are|"
    r"has|have|does|did|with|needs?|got|only|than|empty|already|and|or|of|for|no|from|"
    r"that|this|which|was|were|would|could|into|at least|Usage|Options|Arguments|"
    r"Commands|Error|Missing|Show this message|required|default|Try)\b"
)


def _english(text: str) -> list[str]:
    """The English marker words in ``text``, ignoring quoted and code-like parts."""
    text = re.sub(r"'[^']*'|\"[^\"]*\"|`[^`]*`", " ", text)
    text = re.sub(r"\{[^}]*\}", " ", text)  # f-string holes
    text = re.sub(r"--?[\w-]+|\w+=\S*|\w+\.\w+(\.\w+)*|\w+\(\)", " ", text)  # options, code
    return ENGLISH.findall(text)


def _literal(node: ast.AST) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    if isinstance(node, ast.BinOp):
        return _literal(node.left) + _literal(node.right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):  # "...".strip()
        return _literal(node.func.value)
    if isinstance(node, ast.IfExp):
        return _literal(node.body) + " " + _literal(node.orelse)
    return ""


def _raised_messages() -> list[tuple[str, str]]:
    """(where, text) for the message, expected and found of every package error created."""
    names = set(error_classes())
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name not in names:
                continue
            where = f"{path.relative_to(PACKAGE.parent)}:{node.lineno}"
            parts = [node.args[0]] if node.args else []
            parts += [k.value for k in node.keywords if k.arg in ("expected", "found")]
            found += [(where, text) for text in map(_literal, parts) if text]
    return found


def test_the_scan_finds_the_package_errors():
    messages = _raised_messages()
    assert len(messages) > 300  # the walk reaches every module, not just a few
    assert _english("the file is not valid") == ["the", "is"]


def test_every_error_the_package_raises_is_worded_in_swedish():
    english = [
        f"{where}: {text!r} ({', '.join(words)})"
        for where, text in _raised_messages()
        if (words := _english(text))
    ]
    assert not english, "English in user-facing errors:\n" + "\n".join(english)


def _instance(cls: type[EvaluationError]) -> EvaluationError:
    """A representative of ``cls`` with every locating field it has filled in."""
    values = {
        "file": "data/referrals.csv",
        "row": 7,
        "column": "referral_date",
        "parameter": "comparison_areas[2]",
        "argument": "start",
        "cell": 4,
        "expected": "ett datum som 2024-01-31",
        "found": "31/12",
    }
    if cls.__name__ == "DataProblems":  # every problem of a folder at once
        error = cls(Path("data"), [DataError("värdet kan inte läsas")])
    else:
        error = cls("värdet kan inte läsas")
    for name in cls.FIELDS:
        if name in values:
            setattr(error, name, values[name])
    return error


LABELS = {
    "file": "fil data/referrals.csv",
    "row": "rad 7",
    "column": "kolumn 'referral_date'",
    "parameter": "parameter 'comparison_areas[2]'",
    "argument": "argument 'start'",
    "cell": "cell 4",
}


@pytest.mark.parametrize("name", sorted(error_classes()))
def test_every_error_class_is_framed_in_swedish_naming_where(name, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    error = _instance(error_classes()[name])
    if getattr(error, "problems", None):  # the CLI names the folder, then one line per problem
        import typer

        from evaluation.cli.main import _fail

        with pytest.raises(typer.Exit):
            _fail(error, debug=False)
        first, *rest = capsys.readouterr().err.splitlines()
        assert first == f"Fel (datafel, {name}): 1 problem i datamappen data/referrals.csv:"
        assert rest == ["  värdet kan inte läsas"]
        return
    line = headline(error)
    assert line.startswith("Fel (") and f", {name}): " in line
    kind = line[len("Fel (") : line.index(",")]
    assert kind in {"datafel", "parameterfel", "anropsfel", "integritetsfel"} | {
        "körningsfel",
        "hämtningsfel",
        "fel",
    }
    for field in error.WHERE:
        assert LABELS[field] in line, (field, line)
    if "expected" in error.FIELDS:
        assert "(väntat: ett datum som 2024-01-31; hittat: 31/12)" in line
    body = line.split("): ", 1)[1]
    assert not _english(body), line


def test_pydantic_reasons_are_swedish():
    assert pydantic_message({"type": "int_parsing", "msg": "Input should be..."}) == (
        "ska vara ett heltal"
    )
    assert pydantic_message({"type": "greater_than_equal", "ctx": {"ge": 5}}) == "ska vara minst 5"
    assert pydantic_message({"type": "value_error", "msg": "Value error, okänt utfall"}) == (
        "okänt utfall"
    )


def test_several_bad_rows_are_one_line_in_swedish():
    error = DataError("inget datum", file="a.csv", column="d", row=2, expected="ÅÅÅÅ-MM-DD")
    error.rows, error.count = [2, 4, 6, 8, 10, 12], 6
    text = user_message(error, name_only=True)
    assert (
        text
        == "fil a.csv, kolumn 'd', 6 rader (2, 4, 6, 8, 10, …): inget datum (väntat: ÅÅÅÅ-MM-DD)"
    )


# --- real mistakes through the command line -------------------------------------------


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the sample data folder and a params file beside it."""
    shutil.copytree(ROOT / "data" / "sample", tmp_path / "data")
    (tmp_path / "params").mkdir()
    return tmp_path


def _params(project: Path, text: str) -> Path:
    path = project / "params" / "p.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _swedish_output(result, *must: str) -> str:
    out = result.output
    assert result.exit_code != 0, out
    assert "Traceback" not in out
    for word in must:
        assert word in out, (word, out)
    for line in out.splitlines():
        body = re.sub(r"^.*?Fel \([^)]*\): ", "", line)  # the class name is for developers
        assert not _english(body), line
    return out


def test_parameter_errors_through_the_cli_are_swedish(project, monkeypatch):
    monkeypatch.chdir(project)
    cases = [
        ("kind: outcome_followup\narea: Skäggetorp\nperiod_start: soon\n", "parameter"),
        ("kind: outcome_followup\narea: Skäggetorp\ncomparision_areas: [Berga]\n", "menade du"),
        ("kind: outcome_followup\narea: Skäggetorp\nprivacy:\n  min_count: 3\n", "min_count"),
        ("kind: outcome_followup\narea: Skäggetorp\n\tdata: x\n", "tabbtecken"),
        ("kind: report\narea: Skäggetorp\n", "okänd rapporttyp"),
    ]
    for text, word in cases:
        path = _params(project, "data: ../data\n" + text)
        result = runner.invoke(app, ["run", str(path)])
        out = _swedish_output(result, word, "params/p.yaml")
        assert "parameterfel" in out, out


def test_data_errors_through_validate_are_swedish_and_name_file_rows_column(project, monkeypatch):
    monkeypatch.chdir(project)
    path = project / "data" / "investigations.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    column = lines[0].split(",").index("child_age")
    for i in (1, 2, 3):
        cells = lines[i].split(",")
        cells[column] = "tolv"
        lines[i] = ",".join(cells)
    path.write_text("\n".join(lines), encoding="utf-8")
    (project / "data" / "areas.gpkg").rename(project / "data" / "omraden.gpkg")
    result = runner.invoke(app, ["validate", "data"])
    out = _swedish_output(result, "investigations.csv", "kolumn 'child_age'", "3 rader (2, 3, 4)")
    assert "saknas" in out and "Resultat: FEL" in out


def test_identity_number_through_validate_is_swedish_and_not_echoed(project, monkeypatch):
    monkeypatch.chdir(project)
    path = project / "data" / "investigations.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    cells = lines[1].split(",")
    cells[0] = "19121212-1212"
    lines[1] = ",".join(cells)
    path.write_text("\n".join(lines), encoding="utf-8")
    result = runner.invoke(app, ["validate", "data"])
    out = _swedish_output(result, "investigations.csv", "rad 2", "personnummer")
    assert "1212" not in out


def test_fetch_error_through_the_cli_is_swedish(monkeypatch, tmp_path):
    import requests

    def unreachable(*args, **kwargs):
        raise requests.ConnectionError("no route")

    monkeypatch.setattr(requests.Session, "request", unreachable)
    result = runner.invoke(
        app,
        ["fetch", "scb", "TAB1", "-s", "Region=0180", "--cache-dir", str(tmp_path)],
    )
    _swedish_output(result, "hämtningsfel", "når inte")


@pytest.mark.parametrize(
    "argv, words",
    [
        (["run"], "Argumentet 'params' saknas"),
        (["bogus"], "Kommandot 'bogus' finns inte"),
        (["batch", "-w", "0", "x.yaml"], "ska vara minst 1"),
        (["run", "--bogus", "x.yaml"], "Flaggan --bogus finns inte"),
        (["run", "--help"], "Visa denna hjälp och avsluta"),
        (["--help"], "Kommandon"),
        (["fetch", "scb", "--help"], "Hämta en SCB-tabell"),
    ],
)
def test_typer_words_are_swedish(argv, words):
    result = runner.invoke(app, argv)
    out = result.output
    assert words in out, out
    assert "Usage" not in out and "Show this message" not in out and "Missing" not in out
    for line in out.splitlines():
        assert not _english(line.replace("[OPTIONS]", "").replace("COMMAND [ARGS]", "")), line
