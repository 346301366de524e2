"""Export an executed notebook to one self-contained, deterministic HTML report.

Outputs only (no code, no prompts, no scripts), images embedded and compacted,
a table of contents built from the headings, a synthetic-data banner and a
provenance footer (see ``provenance.py``).
"""

from __future__ import annotations

import copy
import html
import re
import threading
from pathlib import Path

import nbformat

from evaluation.present.marks import SUMMARY_END
from evaluation.render.images import choose_image

TEMPLATES = Path(__file__).parent / "templates"
TEMPLATE_FILE = "evaluation_report.html.j2"
SYNTHETIC_TEXT = "Syntetiska data – inga verkliga personer eller ärenden"
TOC_MARKER = "<!--evaluation:toc-->"

_OBJECT_REPR = re.compile(r"<[^<>\n]* at 0x[0-9a-fA-F]+>")
_HEADING = re.compile(r"<h([23])(\s[^>]*)?>(.*?)</h\1>", re.S)
_ANCHOR_LINK = re.compile(r'<a class="anchor-link" href="[^"]*">(?:&#182;|¶)</a>')
_TAG = re.compile(r"<[^>]+>")
_CHAR_REF = re.compile(r"&#([0-9]{3,7});")
_LAB_ONLY = re.compile(r'<div class="ev-lab-only">.*?</div>\s*', re.S)
_IMG_WITHOUT_ALT = re.compile(r"<img\b(?![^>]*\salt=)")
#: Said where an image has no description of its own (nbconvert's own is in English).
NO_ALT_TEXT = "Bild utan beskrivning"
_local = threading.local()
_MARKDOWN_KEPT = 1024  # rendered Markdown texts an exporter keeps (a report has ~20)


def _exporter():
    """The calling thread's HTML exporter (building one loads the Jinja templates)."""
    exporter = getattr(_local, "exporter", None)
    if exporter is None:
        ahead = getattr(_local, "ahead", None)
        if ahead is not None:
            _local.ahead = None
            ahead[0].join()
            exporter = ahead[1].get("exporter")
        if exporter is None:
            exporter = _new_exporter()
        _local.exporter = exporter
    return exporter


def exporter_ahead() -> None:
    """Start building the calling thread's exporter in the background (``_exporter`` takes it).

    Loading nbconvert and its templates is ~1 CPU-s; a thread that mostly waits for its
    kernel (a one-report update) does it meanwhile instead of before the notebook runs.
    """
    if getattr(_local, "exporter", None) is not None or getattr(_local, "ahead", None):
        return
    box: dict = {}

    def build() -> None:
        try:
            box["exporter"] = _new_exporter()
        except Exception:  # noqa: BLE001 - ``_exporter`` builds it again and raises there
            pass

    thread = threading.Thread(target=build, daemon=True, name="exporter-ahead")
    thread.start()
    _local.ahead = (thread, box)


def _new_exporter():
    from jinja2 import pass_context
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class ReportExporter(HTMLExporter):
        """nbconvert's HTML exporter without its closing BeautifulSoup pass.

        That pass re-parses the whole page, images included (~0.04 CPU-s per area analysis,
        0.36 s more on its first use in a process: ``benchmarks/export_cost.py``), to add
        English alt texts and focus stops on JupyterLab's cell classes, which the report
        template does not write. The template gives every image of its own an alt text;
        ``_alt_texts`` covers the rest.
        """

        def __init__(self, **kw):
            super().__init__(**kw)
            self._markdown: dict[tuple[str, str], str] = {}

        def from_notebook_node(self, nb, resources=None, **kw):
            resources = self._init_resources(resources)
            self.register_filter(
                "filter_data_type",
                WidgetsDataTypeFilter(
                    notebook_metadata=self._nb_metadata, parent=self, resources=resources
                ),
            )
            page, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            return _alt_texts(page), resources

        @pass_context  # as nbconvert's: Jinja passes the template context
        def markdown2html(self, context, source):
            # A notebook's Markdown cells are the same in every report of its kind: each is
            # rendered once per process. nbconvert's rendering reads the text, the cell's
            # attachments and the notebook's folder; a cell with attachments is not kept.
            cell = context.get("cell", {})
            if cell.get("attachments"):
                return super().markdown2html(context, source)
            key = (source, context.get("resources", {}).get("metadata", {}).get("path", ""))
            found = self._markdown.get(key)
            if found is None:
                if len(self._markdown) >= _MARKDOWN_KEPT:
                    self._markdown.clear()
                found = self._markdown[key] = super().markdown2html(context, source)
            return found

    return ReportExporter(
        template_file=TEMPLATE_FILE,
        extra_template_paths=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
        # Validate the notebook once after the preprocessors, not after each of
        # the twelve (nbconvert's default): the same check, 11 x ~5 ms fewer per report.
        optimistic_validation=True,
    )


def _alt_texts(page: str) -> str:
    """Every ``<img>`` without an alt attribute given one (an image a notebook drew itself)."""
    return _IMG_WITHOUT_ALT.sub(f'<img alt="{NO_ALT_TEXT}"', page)


def prepare_outputs(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Copy of ``nb`` with compact images, alt text normalised, and noise outputs dropped.

    Dropped: stderr streams (warnings), errors, plain-text reprs of objects that
    carry a memory address (``<Figure at 0x...>``), which would differ on each run,
    and ``<div class="ev-lab-only">`` blocks of Markdown (help for JupyterLab).
    """
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type == "markdown":  # guidance for JupyterLab never reaches a report
            cell.source = _LAB_ONLY.sub("", cell.source)
        if cell.cell_type != "code":
            continue
        kept = []
        for output in cell.get("outputs", []):
            kind = output.get("output_type")
            if kind == "stream" and output.get("name") != "stdout":
                continue
            if kind == "error":
                continue
            if kind in ("display_data", "execute_result"):
                data = output.get("data", {})
                if set(data) == {"text/plain"} and _OBJECT_REPR.search(data["text/plain"]):
                    continue
                output["data"] = choose_image(data)
                output["metadata"] = _image_metadata(output.get("metadata", {}))
            kept.append(output)
        cell["outputs"] = kept
    return nb


def _image_metadata(meta: dict) -> dict:
    """Lift alt text and width from per-mimetype metadata to the output's own metadata."""
    meta = dict(meta)
    for mime in ("image/png", "image/svg+xml", "image/jpeg"):
        sub = meta.get(mime)
        if isinstance(sub, dict):
            for key in ("alt", "width"):
                if key in sub and key not in meta:
                    meta[key] = sub[key]
    return meta


def _letter(match: re.Match[str]) -> str:
    """A numeric character reference beyond ASCII as its character; markup stays escaped."""
    code = int(match.group(1))
    return chr(code) if 127 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else match.group(0)


def _heading_id(text: str, used: set[str]) -> str:
    from evaluation.render.paths import area_slug

    base = "avsnitt-" + area_slug(text)
    candidate, n = base, 2
    while candidate in used:
        candidate, n = f"{base}-{n}", n + 1
    used.add(candidate)
    return candidate


def add_table_of_contents(page: str) -> str:
    """Give every h2/h3 a stable id and put a linked table of contents at the marker."""
    used: set[str] = set()
    entries: list[tuple[int, str, str]] = []

    def rename(match: re.Match[str]) -> str:
        level, inner = int(match.group(1)), _ANCHOR_LINK.sub("", match.group(3))
        # nbconvert writes a Markdown heading's letters beyond ASCII as "&#229;": as text
        inner = _CHAR_REF.sub(_letter, inner)
        label = html.unescape(_TAG.sub("", inner)).strip()
        if not label:
            return match.group(0)
        ident = _heading_id(label, used)
        entries.append((level, ident, label))
        attrs = re.sub(r'\sid="[^"]*"', "", match.group(2) or "")
        return f'<h{level} id="{ident}"{attrs}>{inner}</h{level}>'

    body_start = page.find(TOC_MARKER)
    head, body = page[:body_start], page[body_start:]
    # The summary ("Sammanfattning") opens the report: the contents list follows it,
    # so everything up to the summary's end stays above the table of contents.
    cut = body.find(SUMMARY_END)
    if cut >= 0:
        cut += len(SUMMARY_END)
        above = body[:cut].replace(TOC_MARKER, "", 1)
        above = _HEADING.sub(rename, above)
        entries.clear()  # the summary's own heading is not listed below it
        below = _HEADING.sub(rename, body[cut:])
        return head + above + _toc_html(entries) + below
    body = _HEADING.sub(rename, body)
    return head + body.replace(TOC_MARKER, _toc_html(entries), 1)


def _toc_html(entries: list[tuple[int, str, str]]) -> str:
    if not entries:
        return ""
    lines = ['<nav class="toc" aria-label="Innehåll">', "<h2>Innehåll</h2>", "<ol>"]
    open_sub = False
    for i, (level, ident, label) in enumerate(entries):
        link = f'<a href="#{ident}">{html.escape(label)}</a>'
        if level == 3 and i > 0:
            if not open_sub:
                lines[-1] = lines[-1].removesuffix("</li>")
                lines.append("<ol>")
                open_sub = True
            lines.append(f"<li>{link}</li>")
            continue
        if open_sub:
            lines.append("</ol></li>")
            open_sub = False
        lines.append(f"<li>{link}</li>")
    if open_sub:
        lines.append("</ol></li>")
    lines += ["</ol>", "</nav>"]
    return "\n".join(lines)


def export_html(nb: nbformat.NotebookNode, context: dict) -> str:
    """Render the executed notebook and the report ``context`` to an HTML page."""
    context = dict(context)
    context.setdefault("css", (TEMPLATES / "report.css").read_text(encoding="utf-8"))
    context.setdefault("synthetic_text", SYNTHETIC_TEXT)
    resources = {"evaluation": context, "metadata": {"name": context.get("title", "")}}
    page, _ = _exporter().from_notebook_node(prepare_outputs(nb), resources=resources)
    return add_table_of_contents(page)


def write_pdf(html_file: str | Path, pdf_file: str | Path | None = None) -> Path:
    """Print a written report to a tagged A4 PDF beside it (WeasyPrint, print CSS applies).

    WeasyPrint is a well-kept pure-Python engine from PyPI; it needs the Pango
    system library (Debian: ``libpango-1.0-0 libpangoft2-1.0-0``), which
    ``make setup`` installs where it can.
    """
    from evaluation.exceptions import RenderError

    html_file = Path(html_file)
    target = Path(pdf_file) if pdf_file else html_file.with_suffix(".pdf")
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # OSError: the Pango library is missing
        raise RenderError(
            f"kan inte skriva PDF: WeasyPrint går inte att använda ({exc}); kör 'make setup' "
            "eller installera Debian-paketen libpango-1.0-0 och libpangoft2-1.0-0"
        ) from None
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        HTML(filename=str(html_file)).write_pdf(str(tmp), pdf_tags=True)
    except Exception as exc:  # noqa: BLE001 - any engine failure names the report
        tmp.unlink(missing_ok=True)
        raise RenderError(f"kan inte skriva ut {html_file.name} som PDF: {exc!r}") from exc
    tmp.replace(target)
    return target
