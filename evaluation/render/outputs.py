"""R10: a rendered report shows only the package's protected outputs.

Every output a report would publish must carry the marker the package's output
types put in their display metadata (``evaluation.present.output.Protected``). A raw
DataFrame, a matplotlib figure, printed text or any other display fails the render,
naming the cell; the kept notebook has those outputs removed, so nothing unprotected
reaches the reports folder. Notebooks opened in JupyterLab are not checked.
"""

from __future__ import annotations

import copy
import json
import re

import nbformat

from evaluation.exceptions import PrivacyError, RenderError
from evaluation.idnumbers import redact
from evaluation.present.marks import PROTECTED_METADATA
from evaluation.render.export import _OBJECT_REPR
from evaluation.render.paths import atomic_write_bytes

REMOVED = (
    "[evaluation] output removed: it did not come through the privacy layer. "
    "Show results with the package's tables, charts and notes (evaluation.present)."
)
_KEY = next(iter(PROTECTED_METADATA))


def is_protected(output: dict) -> bool:
    """True when a display output carries the package's protected-output marker."""
    marker = (output.get("metadata") or {}).get(_KEY)
    return isinstance(marker, dict) and marker.get("protected") is True


def _published(output: dict) -> bool:
    """True for outputs the exporter puts into the page (see ``export.prepare_outputs``)."""
    kind = output.get("output_type")
    if kind == "error":
        return False
    if kind == "stream":
        return output.get("name") == "stdout" and bool(str(output.get("text", "")).strip())
    data = output.get("data") or {}
    if not data:
        return False
    return not (set(data) == {"text/plain"} and _OBJECT_REPR.search(str(data["text/plain"])))


def describe(output: dict) -> str:
    """What an unprotected output is, in a few words."""
    if output.get("output_type") == "stream":
        return "utskriven text"
    data = output.get("data") or {}
    if any(m.startswith("image/") for m in data):
        return "en figur eller bild"
    if "text/html" in data:
        return "en tabell eller HTML-visning"
    return "ett värde"


def _cells(nb: nbformat.NotebookNode):
    """(number, cell) for the notebook's own cells, numbered from 1.

    Papermill's injected parameters cell is skipped, so numbers match the notebook the
    researcher edits.
    """
    number = 0
    for cell in nb.cells:
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            continue
        number += 1
        yield number, cell


def first_line(cell) -> str:
    """The first non-blank line of a cell's source, shortened."""
    source = cell.get("source", "")
    source = "".join(source) if isinstance(source, list) else str(source)
    line = redact(next((ln.strip() for ln in source.splitlines() if ln.strip()), ""))
    return line if len(line) <= 60 else line[:57] + "..."


def unprotected_outputs(nb: nbformat.NotebookNode) -> list[tuple[int, object, dict]]:
    """(cell number, cell, output) for every published output without the marker."""
    found = []
    for number, cell in _cells(nb):
        if cell.get("cell_type") != "code":
            continue
        for output in cell.get("outputs", []):
            if _published(output) and not is_protected(output):
                found.append((number, cell, output))
    return found


def strip_unprotected(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Copy of ``nb`` with every published, unmarked output replaced by a short notice."""
    nb = copy.deepcopy(nb)
    notice = nbformat.v4.new_output("stream", name="stderr", text=REMOVED + "\n")
    for _, cell in _cells(nb):
        if cell.get("cell_type") != "code":
            continue
        outputs = cell.get("outputs", [])
        kept = [o for o in outputs if not (_published(o) and not is_protected(o))]
        if len(kept) != len(outputs):
            kept.append(copy.deepcopy(notice))
        cell["outputs"] = kept
    return nb


#: What a kept notebook's error shows in place of an exception's own text.
HIDDEN_TEXT = "(felets text står i terminalen)"
#: What a kept notebook shows in place of text a cell wrote to stderr (warnings included).
HIDDEN_STDERR = "(text till stderr, som varningar, visas inte här: den kan citera data)"


#: A traceback entry that states an exception: its (coloured) name, ": ", its text.
_EXCEPTION_LINE = re.compile(r"^((?:\x1b\[[0-9;]*m)*([A-Za-z_][\w.]*)(?:\x1b\[[0-9;]*m)*): ", re.S)


def strip_free_text(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Copy of ``nb`` without text that may quote data (a kept notebook lies in the reports folder).

    A package error's found value travels in its JSON line (``ERROR_MARKER``), which is
    removed; its message is already the page form (``EvaluationError.__str__``). Any other
    exception's text (``ValueError: …``, a chained ``KeyError: 'Anna'`` included) may quote
    anything and is replaced; the frames and the code lines stay, and the terminal showed
    the whole message. Text written to stderr (a library's warning can quote a cell's
    value) is replaced too; stdout is R10's.
    """
    from evaluation.exceptions import error_classes
    from evaluation.render.kernel_setup import ERROR_MARKER

    nb = copy.deepcopy(nb)
    package = error_classes()

    def scrub(entry: str) -> str:
        stated = _EXCEPTION_LINE.match(entry)
        if stated is None or stated.group(2).rsplit(".", 1)[-1] in package:
            return entry
        return f"{stated.group(1)}: {HIDDEN_TEXT}"

    for _, cell in _cells(nb):
        for out in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                if str(out.get("text", "")).strip() and out.get("text") != REMOVED + "\n":
                    out["text"] = HIDDEN_STDERR + "\n"
                continue
            if out.get("output_type") != "error":
                continue
            out["traceback"] = [
                scrub(t) for t in out.get("traceback", []) if not t.startswith(ERROR_MARKER)
            ]
            if out.get("ename") not in package and out.get("evalue"):
                out["evalue"] = HIDDEN_TEXT
    return nb


def keep_notebook(nb: nbformat.NotebookNode, path) -> None:
    """Keep a failed run's notebook at ``path``, in the reports folder, in its kept form.

    Unprotected outputs (``strip_unprotected``) and text that may quote data
    (``strip_free_text``) are removed in memory, before anything is written: the raw
    notebook never lies in the reports folder, not even until a later step cleans it.
    A notebook with an identity number anywhere (R8) is not kept at all, and an
    earlier run's kept notebook at ``path`` goes with it.
    """
    from evaluation.render.scan import check_text

    try:
        check_text(nbformat.writes(nb), path.name)
    except PrivacyError as leak:
        path.unlink(missing_ok=True)
        raise PrivacyError(f"{leak} (den misslyckade notebooken sparades inte)") from None
    kept = strip_free_text(strip_unprotected(nb))
    atomic_write_bytes(path, nbformat.writes(kept).encode("utf-8"))


def check_outputs(nb: nbformat.NotebookNode, failed_path) -> None:
    """Raise unless every published output is protected; keep a cleaned failed notebook.

    An identity number inside an unprotected output raises PrivacyError and keeps
    nothing; otherwise RenderError names the first offending cell (number and first
    line) and the executed notebook is kept at ``failed_path`` without those outputs.
    """
    found = unprotected_outputs(nb)
    if not found:
        return
    from evaluation.render.scan import count_identity_numbers

    number, cell, output = found[0]
    where = f"cell {number} ({first_line(cell)!r})"
    if any(count_identity_numbers(json.dumps(o, ensure_ascii=False)) for _, _, o in found):
        raise PrivacyError(
            f"{where} visar utdata som inte gått genom integritetsskyddet och innehåller "
            "ett värde som ser ut som ett personnummer (visas inte); inget sparades"
        )
    keep_notebook(nb, failed_path)
    others = len({n for n, _, _ in found}) - 1
    more = f"; {others} cell(er) till gör likadant" if others else ""
    raise RenderError(
        f"{first_line(cell)!r} visar {describe(output)} som inte gått genom "
        "integritetsskyddet; en rapport får bara visa paketets skyddade tabeller, diagram och "
        f"texter{more}",
        notebook=failed_path,
        cell=number,
    )
