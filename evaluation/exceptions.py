"""One exception hierarchy for every error a user can cause.

Each error carries structured fields (file, row, column, parameter, notebook,
cell, ...), survives the trip out of a report kernel as a plain dict
(``to_dict``/``from_dict``), and is worded for the person who has to fix the
input by one function, :func:`user_message`, so the CLI can print it without a
traceback.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar


class EvaluationError(Exception):
    """Root of every error the toolkit raises on purpose.

    ``notebook`` and ``cell`` say where a report notebook failed; the renderer
    fills them in when the error comes back from the kernel.
    """

    #: Structured fields of this class, in the order they are shown and serialised.
    FIELDS: ClassVar[tuple[str, ...]] = ("notebook", "cell")
    #: Text the toolkit did not write (another library's or a notebook's own exception
    #: message): it may quote data, so it is shown in the terminal only, never on a page.
    detail: str | None = None
    #: Fields that locate the problem for the user (shown before the message).
    WHERE: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self, message: str = "", *, notebook: str | Path | None = None, cell: int | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.notebook = str(notebook) if notebook is not None else None
        self.cell = cell

    def __str__(self) -> str:
        # str() may end up on a page (a report's note, the batch index): bare file names and
        # no quoted data values; the CLI shows the whole message via describe().
        return user_message(self, name_only=True, public=True)

    def to_dict(self) -> dict[str, Any]:
        """The error as JSON-safe data: class name, message and every field."""
        return {
            "type": type(self).__name__,
            "message": self.message,
            **{name: getattr(self, name, None) for name in self.FIELDS},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EvaluationError:
        """Re-create the error ``to_dict`` described, as its own class when it is known."""
        target = error_classes().get(str(data.get("type")), cls)
        error = target(str(data.get("message", "")))
        for name in target.FIELDS:
            if data.get(name) is not None:
                setattr(error, name, data[name])
        return error


class DataError(EvaluationError):
    """An input file breaks the data contract.

    ``row`` is 1-based as a spreadsheet shows it (the header is row 1, so the
    first data row is row 2). ``found`` must never hold a sensitive value.
    """

    FIELDS = ("file", "row", "column", "expected", "found", *EvaluationError.FIELDS)
    WHERE = ("file", "column", "row")

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        row: int | None = None,
        column: str | None = None,
        expected: str | None = None,
        found: str | None = None,
        notebook: str | Path | None = None,
        cell: int | None = None,
    ) -> None:
        super().__init__(message, notebook=notebook, cell=cell)
        self.file = str(file) if file is not None else None
        self.row = row
        self.column = column
        self.expected = expected
        self.found = found
        # Every bad row of the same problem, when checks collect them (validate): the
        # first few spreadsheet rows, and how many there are in all.
        self.rows: list[int] = []
        self.count: int = 0


class IdentityNumberError(DataError):
    """A value shaped like a personal identity or coordination number was found."""


class ParameterError(EvaluationError):
    """A parameters or batch file is wrong: unknown key, wrong type, unknown area."""

    FIELDS = ("file", "parameter", *EvaluationError.FIELDS)
    WHERE = ("file", "parameter")

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        parameter: str | None = None,
        notebook: str | Path | None = None,
        cell: int | None = None,
    ) -> None:
        super().__init__(message, notebook=notebook, cell=cell)
        self.file = str(file) if file is not None else None
        self.parameter = parameter


class ArgumentError(EvaluationError, ValueError):
    """A library function was called with a wrong argument (programmer misuse, not params).

    A ValueError, so code that calls the library can treat it as one; ``argument``
    names the function argument at fault.
    """

    FIELDS = ("argument", *EvaluationError.FIELDS)
    WHERE = ("argument",)

    def __init__(
        self,
        message: str,
        *,
        argument: str | None = None,
        notebook: str | Path | None = None,
        cell: int | None = None,
    ) -> None:
        super().__init__(message, notebook=notebook, cell=cell)
        self.argument = argument


class ArgumentTypeError(ArgumentError, TypeError):
    """A library function was given an argument of the wrong type."""


class PrivacyError(EvaluationError):
    """Output would break the disclosure rules (failed audit, identity number in a report)."""


class FetchError(EvaluationError):
    """A public statistics API (SCB, Kolada) could not be reached or answered with an error."""


class RenderError(EvaluationError):
    """A notebook failed to execute or export; the executed notebook is kept for inspection."""

    WHERE = ("cell",)


def error_classes() -> dict[str, type[EvaluationError]]:
    """Every EvaluationError class by name (subclasses defined elsewhere included)."""
    found: dict[str, type[EvaluationError]] = {}
    todo: list[type[EvaluationError]] = [EvaluationError]
    while todo:
        cls = todo.pop()
        found.setdefault(cls.__name__, cls)
        todo.extend(cls.__subclasses__())
    return found


_KIND = {  # the kind of error in Swedish, most specific class first
    "IdentityNumberError": "datafel",
    "DataError": "datafel",
    "ParameterError": "parameterfel",
    "ArgumentTypeError": "anropsfel",
    "ArgumentError": "anropsfel",
    "PrivacyError": "integritetsfel",
    "RenderError": "körningsfel",
    "FetchError": "hämtningsfel",
}


def kind_word(error: BaseException) -> str:
    """'datafel', 'parameterfel', ... for ``error``'s class (or its nearest known base)."""
    for cls in type(error).__mro__:
        if cls.__name__ in _KIND:
            return _KIND[cls.__name__]
    return "fel"


def show_path(path: str | Path | None, *, name_only: bool = False) -> str:
    """``path`` relative to the current folder when it lies below it, else as given.

    ``name_only`` gives the bare file name (for pages read elsewhere, such as the
    batch index, which must not carry this machine's folders).
    """
    if path is None or str(path) == "":
        return ""
    p = Path(str(path))
    if name_only:
        return p.name or str(p)
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve())) or "."
    except (ValueError, OSError):
        return str(p)


def rows_text(error: BaseException) -> str:
    """'rad 5', or '3 rader (5, 9, 12)' for an error that collected several bad rows."""
    rows = getattr(error, "rows", None)
    count = getattr(error, "count", None) or (len(rows) if rows else 0)
    row = getattr(error, "row", None)
    if not rows or count <= 1:
        return f"rad {row}" if row is not None else ""
    shown = ", ".join(map(str, rows[:5]))
    more = ", …" if count > 5 else ""
    return f"{count} rader ({shown}{more})"


def user_message(
    error: EvaluationError,
    *,
    with_file: bool = True,
    name_only: bool = False,
    public: bool = False,
) -> str:
    """The one Swedish wording of ``error`` for users: where, what, and expected/found.

    Where comes first (file, rows, column, parameter, argument, cell), then the
    message, then 'väntat …; hittat …'. An error that gathers several (``problems``)
    lists each. The kept notebook's path is not part of it (the CLI names it on its
    own line). ``with_file=False`` leaves out the file (a caller that groups per file).
    ``public``: for a page (the batch index, a report's note), which a reader outside the
    unit holds: what was found in the data and ``detail`` are left out, since a cell's
    value can be a record's (a name typed into a date column); the terminal shows them.
    """
    problems = getattr(error, "problems", None)
    if problems:
        return f"{len(problems)} problem i datamappen: " + " | ".join(
            user_message(p, with_file=with_file, name_only=name_only, public=public)
            for p in problems
        )
    where = []
    for name in error.WHERE:
        value = getattr(error, name, None)
        if value is None or value == "":
            continue
        if name == "file":
            if with_file:
                where.append(f"fil {show_path(value, name_only=name_only)}")
        elif name == "row":
            where.append(rows_text(error))
        elif name == "column":
            where.append(f"kolumn '{value}'")
        elif name == "parameter":
            where.append(f"parameter '{value}'")
        elif name == "argument":
            where.append(f"argument '{value}'")
        elif name == "cell":
            where.append(f"cell {value}")
        else:
            where.append(f"{name} {value}")
    if isinstance(error, DataError) and error.row is None and error.rows:
        where.append(rows_text(error))
    head = ", ".join(w for w in where if w)
    text = f"{head}: {error.message}" if head else error.message
    if error.detail and not public:
        text += f": {error.detail}"
    details = []
    expected, found = getattr(error, "expected", None), getattr(error, "found", None)
    if expected:
        details.append(f"väntat: {expected}")
    if found is not None and not public:
        details.append(f"hittat: {found}")
    if details:
        text += " (" + "; ".join(details) + ")"
    return " ".join(text.split())


# pydantic's own texts are English; these are the ones a params or catalogue file can
# trigger, in Swedish (written here because pydantic has no Swedish locale).
_PYDANTIC_SV = {
    "missing": "krävs men saknas",
    "extra_forbidden": "okänd parameter",
    "int_parsing": "ska vara ett heltal",
    "int_type": "ska vara ett heltal",
    "int_from_float": "ska vara ett heltal (utan decimaler)",
    "float_parsing": "ska vara ett tal",
    "float_type": "ska vara ett tal",
    "bool_parsing": "ska vara true eller false",
    "bool_type": "ska vara true eller false",
    "string_type": "ska vara en text",
    "string_too_short": "får inte vara tom",
    "string_too_long": "är för lång (högst {max_length} tecken)",
    "string_pattern_mismatch": "får bara innehålla bokstäverna a–z, siffror, '_', '.' och '-'",
    "date_parsing": "ska vara ett datum som 2024-01-31",
    "date_from_datetime_parsing": "ska vara ett datum som 2024-01-31",
    "date_from_datetime_inexact": "ska vara ett datum utan klockslag",
    "date_type": "ska vara ett datum som 2024-01-31",
    "datetime_parsing": "ska vara en tidpunkt som 2024-01-31T12:00",
    "literal_error": "ska vara en av {expected}",
    "enum": "ska vara en av {expected}",
    "greater_than": "ska vara större än {gt}",
    "greater_than_equal": "ska vara minst {ge}",
    "less_than": "ska vara mindre än {lt}",
    "less_than_equal": "får vara högst {le}",
    "list_type": "ska vara en lista",
    "tuple_type": "ska vara en lista",
    "set_type": "ska vara en lista",
    "dict_type": "ska vara en mappning (nyckel: värde)",
    "model_type": "ska vara en mappning (nyckel: värde)",
    "model_attributes_type": "ska vara en mappning (nyckel: värde)",
    "too_short": "har för få värden (minst {min_length})",
    "too_long": "har för många värden (högst {max_length})",
    "path_type": "ska vara en sökväg",
    "none_required": "ska vara tomt",
}


def pydantic_message(err: Mapping[str, Any]) -> str:
    """One pydantic error (an item of ``ValidationError.errors()``) in Swedish.

    Our own validators already raise Swedish text ('Value error, ...'); pydantic's
    built-in checks are looked up in a table, with their limits filled in. An
    unknown type keeps pydantic's English text rather than hiding the reason.
    """
    kind = err.get("type", "")
    if kind in ("value_error", "assertion_error"):
        return (
            str(err.get("msg", "")).removeprefix("Value error, ").removeprefix("Assertion failed, ")
        )
    template = _PYDANTIC_SV.get(kind)
    if template is None:
        return str(err.get("msg", ""))
    ctx = {k: str(v).replace(" or ", " eller ") for k, v in (err.get("ctx") or {}).items()}
    try:
        return template.format(**ctx)
    except (KeyError, IndexError):
        return template.split(" (")[0]


# PyYAML's most common reasons in Swedish (it has no locale); others are kept as written.
_YAML_SV = [
    (
        r"found character '(.+?)' that cannot start any token",
        r"tecknet '\1' kan inte inleda ett värde",
    ),
    (
        r"mapping values are not allowed here",
        "ett kolon som ger nyckel: värde är inte tillåtet här",
    ),
    (r"could not find expected '(.+?)'", r"hittade inte väntat '\1'"),
    (r"found unexpected end of stream", "filen tog slut oväntat"),
    (r"found undefined alias", "okänt alias (*namn)"),
    (r"expected (.+?), but found (.+)", r"väntade \1 men hittade \2"),
    (r"found duplicate anchor", "samma ankare (&namn) två gånger"),
    (r"while scanning a quoted scalar", "i en text inom citattecken"),
]


def yaml_reason(exc: Exception, text: str) -> str:
    """The parser's own reason with its line and column, and a hint when a tab is to blame."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    for pattern, swedish in _YAML_SV:
        problem = re.sub(pattern, swedish, problem)
    where = f" på rad {mark.line + 1}, kolumn {mark.column + 1}" if mark is not None else ""
    message = f"inte giltig YAML{where}: {problem}"
    tabs = [i + 1 for i, line in enumerate(text.splitlines()) if "\t" in line]
    if tabs:
        message += (
            f" – raden {tabs[0]} innehåller ett tabbtecken; YAML kräver mellanslag för indrag"
        )
    return message
