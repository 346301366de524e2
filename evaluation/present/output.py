"""Display objects a notebook cell returns: tables, charts, notes (HTML for Jupyter, nbconvert)."""

from __future__ import annotations

import base64
import html
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from evaluation.present.marks import PROTECTED_METADATA  # the renderer checks it (R10)

NBSP = "\u00a0"


def esc(text: object) -> str:
    """HTML-escape any text shown in a report."""
    return html.escape(str(text), quote=True)


class Protected:
    """Mixin for report outputs: HTML plus the protected-output marker in the metadata.

    The plain-text form is a short label, so a notebook never stores the dataclass repr
    (a table's repr would print its cells).
    """

    def _repr_html_(self) -> str:
        raise NotImplementedError

    def _repr_mimebundle_(self, include=None, exclude=None):
        label = f"<{type(self).__name__}: skyddad rapportdel>"
        marker = {key: dict(value) for key, value in PROTECTED_METADATA.items()}
        return {"text/html": self._repr_html_(), "text/plain": label}, marker


def _csv_cell(value: Any) -> str:
    """One CSV cell: decimal comma for numbers, plain spaces, empty for a missing value."""
    if isinstance(value, str):
        return value.replace(NBSP, " ")
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)) or hasattr(value, "dtype"):
        number = float(value)
        return (
            str(int(number))
            if number.is_integer() and not isinstance(value, float)
            else (repr(round(number, 3)).replace(".", ","))
        )
    return str(value)


def csv_bytes(frame: pd.DataFrame, index: bool = False) -> bytes:
    """Swedish Excel CSV: ``;`` between fields, decimal comma, UTF-8 with BOM.

    ``frame`` holds what the page shows: hidden values are the string "..".
    Written by hand (not ``DataFrame.to_csv``) because columns mixing numbers and
    ".." are object columns, where pandas ignores ``decimal=","``.
    """
    import csv
    import io

    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    head = [str(c) for c in frame.columns]
    if index:
        head = [str(frame.index.name or "")] + head
    writer.writerow([_csv_cell(h) for h in head])
    for label, row in zip(frame.index, frame.itertuples(index=False), strict=True):
        cells = [_csv_cell(v) for v in row]
        writer.writerow(([_csv_cell(str(label))] if index else []) + cells)
    return buf.getvalue().encode("utf-8-sig")


def _file_name(title: str) -> str:
    plain = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:60].rstrip("-")
    return (slug or "siffror") + ".csv"


def download_link(data: bytes, title: str) -> str:
    """An embedded CSV download (data: URI), so the page stays one self-contained file."""
    b64 = base64.b64encode(data).decode("ascii")
    label = "Ladda ned siffrorna (CSV)"
    return (
        f'<p class="ev-download"><a download="{esc(_file_name(title))}" '
        f'aria-label="{label}: {esc(title)}" '
        f'href="data:text/csv;charset=utf-8;base64,{b64}">{label}</a></p>'
    )


@dataclass(frozen=True)
class Note(Protected):
    """A short paragraph of report text, optionally styled as a warning or info box."""

    text: str
    kind: str = "info"  # info, warning, withheld

    def _repr_html_(self) -> str:
        return f'<div class="ev-note ev-{self.kind}">{esc(self.text)}</div>'


@dataclass(frozen=True)
class Table(Protected):
    """A formatted table of strings (already protected and formatted)."""

    cells: pd.DataFrame
    caption: str
    note: str | None = None
    index_label: str = ""
    kind: str = ""  # counts, shares, rates, statistics: lets readers and tests audit it

    def relabelled(self, label) -> Table:
        """The same table with row and column labels passed through ``label``; cells unchanged."""
        cells = self.cells.rename(index=label, columns=label)
        return Table(cells, self.caption, self.note, self.index_label, self.kind)

    def _repr_html_(self) -> str:
        head = "".join(f'<th scope="col">{esc(c)}</th>' for c in self.cells.columns)
        rows = []
        for idx, row in self.cells.iterrows():
            cls = ' class="ev-total"' if str(idx) == "Totalt" else ""
            cells = "".join(f"<td>{esc(v)}</td>" for v in row)
            rows.append(f'<tr{cls}><th scope="row">{esc(idx)}</th>{cells}</tr>')
        note = f'<p class="ev-caption">{esc(self.note)}</p>' if self.note else ""
        corner = (
            f'<th scope="col">{esc(self.index_label)}</th>'
            if self.index_label
            else '<td class="ev-corner"></td>'
        )
        return (
            f'<figure class="ev-table" data-kind="{esc(self.kind)}">'
            f'<div class="ev-scroll" tabindex="0" role="region" '
            f'aria-label="Tabell: {esc(self.caption)}"><table>'
            f"<caption>{esc(self.caption)}</caption>"
            f"<thead><tr>{corner}{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></div>{note}"
            f"{download_link(self.csv(), self.caption)}</figure>"
        )

    def csv(self) -> bytes:
        """The table's cells exactly as shown, as Swedish CSV."""
        cells = self.cells.copy()
        cells.index.name = self.index_label or "Rad"
        return csv_bytes(cells, index=True)


@dataclass(frozen=True)
class Chart(Protected):
    """A rendered chart: PNG bytes with alt text and a plain-Swedish sentence under it.

    ``figure`` (the matplotlib figure) and ``protected`` (the protected table it was
    drawn from) are kept for work in JupyterLab; only the PNG reaches a report. Trend,
    stacked and diverging bar charts share one figure per kind within a report, so
    their ``figure`` shows the chart until the next one of that kind is drawn.
    """

    png: bytes = field(repr=False)  # the text repr names the size, not the bytes
    alt: str
    caption: str
    data: pd.DataFrame | None = field(default=None, repr=False)  # the shown (protected) figures
    name: str = ""
    figure: Any = field(default=None, repr=False, compare=False)
    protected: Any = field(default=None, repr=False, compare=False)

    def __repr__(self) -> str:
        return f"Chart(png=<{len(self.png)} bytes>, alt={self.alt!r}, name={self.name!r})"

    def _repr_html_(self) -> str:
        data = base64.b64encode(self.png).decode("ascii")
        link = (
            download_link(csv_bytes(self.data), self.name or self.caption[:60])
            if self.data is not None
            else ""
        )
        return (
            f'<figure class="ev-chart"><img src="data:image/png;base64,{data}" '
            f'alt="{esc(self.alt)}"/><figcaption>{esc(self.caption)}</figcaption>{link}</figure>'
        )


@dataclass(frozen=True)
class Heading(Protected):
    """A sub-heading emitted from code (it joins the report's table of contents)."""

    text: str
    level: int = 3

    def _repr_html_(self) -> str:
        return f"<h{self.level}>{esc(self.text)}</h{self.level}>"


@dataclass(frozen=True)
class Outputs(Protected):
    """Several outputs shown together in one cell."""

    items: tuple

    def _repr_html_(self) -> str:
        return "".join(item._repr_html_() for item in self.items)


STYLE = """
<style>
.ev-table table{border-collapse:collapse;margin:0.5em 0;font-size:0.92em}
.ev-table caption{text-align:left;font-weight:600;padding:0.3em 0}
.ev-table th,.ev-table td{border-bottom:1px solid #ddd;padding:0.25em 0.7em;text-align:right;white-space:nowrap}
.ev-table th:first-child,.ev-table td:first-child{white-space:normal;min-width:9em}
.ev-table{margin:0}
.ev-scroll{overflow-x:auto;max-width:100%}
.ev-scroll:focus-visible{outline:3px solid #005b96;outline-offset:2px}
.ev-download{margin:.2em 0 .8em;font-size:.88em}
.ev-summary{margin:1em 0 1.5em}
.ev-keyfigures{list-style:none;padding:0;margin:.6em 0;display:grid;gap:.6em;
grid-template-columns:repeat(auto-fill,minmax(14.5em,1fr))}
.ev-kf{border:1px solid #c9d3dd;border-top:5px solid #767676;border-radius:4px;padding:.5em .7em;background:#fff}
.ev-kf p{margin:.1em 0}
.ev-kf-good{border-top-color:#007a5a}.ev-kf-bad{border-top-color:#b2482c}
.ev-kf-label{font-weight:600;font-size:.92em}
.ev-kf-value{font-size:1.6em;font-weight:700;line-height:1.2}
.ev-kf-when{font-size:.55em;font-weight:400;color:#555}
.ev-kf-change,.ev-kf-target{font-size:.88em;color:#333}
.ev-kf-verdict{font-weight:600;font-size:.92em}
.ev-summary-uncertain{max-width:46em}
.ev-table th:first-child{text-align:left}
.ev-table tr.ev-total td,.ev-table tr.ev-total th{font-weight:600;border-top:2px solid #999}
.ev-caption,figcaption{color:#333;font-size:0.92em;max-width:46em}
.ev-chart img{max-width:100%;height:auto}
.ev-note{padding:0.6em 0.9em;margin:0.6em 0;border-left:4px solid #0072b2;background:#eef5fb}
.ev-warning{border-left-color:#d55e00;background:#fdf0e8}
.ev-withheld{border-left-color:#777;background:#f2f2f2}
.ev-howto{padding:0.6em 0.9em;border:1px solid #bbb;background:#fafafa;border-left:4px solid #009e73}
</style>
"""
