"""One exception hierarchy for every error a user can cause.

Each error carries structured fields (file, row, column, parameter, notebook,
cell, ...), survives the trip out of a report kernel as a plain dict
(``to_dict``/``from_dict``), and is worded for the person who has to fix the
input by one function, :func:`user_message`, so the CLI can print it without a
traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar


class EvaluationError(Exception):
    """Root of every error the toolkit raises on purpose.

    ``notebook`` and ``cell`` say where a report notebook failed; the renderer
    fills them in when the error comes back from the kernel.
    """

    #: Structured fields of this class, in the order they are shown and serialised.
    FIELDS: ClassVar[tuple[str, ...]] = ("notebook", "cell")
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
        return user_message(self)

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
    WHERE = ("file", "row", "column")

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


_LABELS = {
    "file": "file {}",
    "row": "row {}",
    "column": "column '{}'",
    "parameter": "parameter '{}'",
    "argument": "argument '{}'",
}


def user_message(error: EvaluationError) -> str:
    """The one wording of ``error`` for users: where, what, and expected/found.

    The kept notebook's path is not part of it (the CLI names it on its own line).
    """
    where = []
    for name in error.WHERE:
        value = getattr(error, name, None)
        if value is None or value == "":
            continue
        if name == "file":
            value = Path(str(value)).name
        where.append(_LABELS.get(name, name + " {}").format(value))
    head = ", ".join(where)
    text = f"{head}: {error.message}" if head else error.message
    details = []
    expected, found = getattr(error, "expected", None), getattr(error, "found", None)
    if expected:
        details.append(f"expected {expected}")
    if found is not None:
        details.append(f"found {found}")
    if details:
        text += " (" + "; ".join(details) + ")"
    return text
