"""What the command line prints, in Swedish: one line per error, paths relative to here.

The wording itself lives in one place, :func:`evaluation.exceptions.user_message`;
this module adds the headline ('Fel (datafel, DataError): ...'), redaction of
anything shaped like an identity number (R8) and a fallback for unexpected errors.
Exception classes and log records stay in English for developers.
"""

from __future__ import annotations

from evaluation.exceptions import EvaluationError, kind_word, rows_text, show_path, user_message

__all__ = ["describe", "headline", "rows_text", "show_path"]


def describe(exc: BaseException, *, with_file: bool = True, name_only: bool = False) -> str:
    """One redacted line for a person: where (file, row, column or parameter), what, details.

    Paths are shown relative to the current folder, or as bare file names with
    ``name_only`` (for pages such as the batch index, read elsewhere).
    """
    from evaluation.idnumbers import redact

    if isinstance(exc, EvaluationError):
        text = user_message(exc, with_file=with_file, name_only=name_only)
    else:
        text = f"{type(exc).__name__}: {exc}"
    return redact(" ".join(text.split()))


def headline(exc: BaseException) -> str:
    """'Fel (parameterfel, ParameterError): ...' – the kind in Swedish, the class for developers."""
    return f"Fel ({kind_word(exc)}, {type(exc).__name__}): {describe(exc)}"
