"""One exception hierarchy for every error a user can cause.

Each carries structured fields and a ``__str__`` written for the person who
has to fix the input, so the CLI can print it without a traceback.
"""

from __future__ import annotations

from pathlib import Path


class EvaluationError(Exception):
    """Root of every error the toolkit raises on purpose."""


class DataError(EvaluationError):
    """An input file breaks the data contract.

    ``row`` is 1-based as a spreadsheet shows it (the header is row 1, so the
    first data row is row 2). ``found`` must never hold a sensitive value.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        row: int | None = None,
        column: str | None = None,
        expected: str | None = None,
        found: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = str(file) if file is not None else None
        self.row = row
        self.column = column
        self.expected = expected
        self.found = found
        # Every bad row of the same problem, when checks collect them (validate): the
        # first few spreadsheet rows, and how many there are in all.
        self.rows: list[int] = []
        self.count: int = 0

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(f"file {Path(self.file).name}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column '{self.column}'")
        head = ", ".join(where)
        text = f"{head}: {self.message}" if head else self.message
        details = []
        if self.expected:
            details.append(f"expected {self.expected}")
        if self.found is not None:
            details.append(f"found {self.found}")
        if details:
            text += " (" + "; ".join(details) + ")"
        return text


class IdentityNumberError(DataError):
    """A value shaped like a personal identity or coordination number was found."""


class ParameterError(EvaluationError):
    """A parameters or batch file is wrong: unknown key, wrong type, unknown area."""

    def __init__(
        self, message: str, *, file: str | Path | None = None, parameter: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = str(file) if file is not None else None
        self.parameter = parameter

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(f"file {Path(self.file).name}")
        if self.parameter:
            where.append(f"parameter '{self.parameter}'")
        head = ", ".join(where)
        return f"{head}: {self.message}" if head else self.message


class PrivacyError(EvaluationError):
    """Output would break the disclosure rules (failed audit, identity number in a report)."""


class FetchError(EvaluationError):
    """A public statistics API (SCB, Kolada) could not be reached or answered with an error."""


class RenderError(EvaluationError):
    """A notebook failed to execute or export; the executed notebook is kept for inspection."""

    def __init__(
        self, message: str, *, notebook: str | Path | None = None, cell: int | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.notebook = str(notebook) if notebook is not None else None
        self.cell = cell

    def __str__(self) -> str:
        text = self.message
        if self.cell is not None:
            text = f"cell {self.cell}: {text}"
        if self.notebook:
            text += f" (executed notebook kept at {self.notebook})"
        return text
