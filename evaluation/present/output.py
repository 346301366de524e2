"""Display objects a notebook cell returns: tables, charts, notes (HTML for Jupyter, nbconvert)."""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass, field
from typing import Any

import pandas as pd


def esc(text: object) -> str:
    """HTML-escape any text shown in a report."""
    return html.escape(str(text), quote=True)


@dataclass(frozen=True)
class Note:
    """A short paragraph of report text, optionally styled as a warning or info box."""

    text: str
    kind: str = "info"  # info, warning, withheld

    def _repr_html_(self) -> str:
        return f'<div class="ev-note ev-{self.kind}">{esc(self.text)}</div>'


@dataclass(frozen=True)
class Table:
    """A formatted table of strings (already protected and formatted)."""

    cells: pd.DataFrame
    caption: str
    note: str | None = None
    index_label: str = ""
    kind: str = ""  # counts, shares, rates, statistics: lets readers and tests audit it

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{esc(c)}</th>" for c in self.cells.columns)
        rows = []
        for idx, row in self.cells.iterrows():
            cls = ' class="ev-total"' if str(idx) == "Totalt" else ""
            cells = "".join(f"<td>{esc(v)}</td>" for v in row)
            rows.append(f"<tr{cls}><th>{esc(idx)}</th>{cells}</tr>")
        note = f'<p class="ev-caption">{esc(self.note)}</p>' if self.note else ""
        return (
            f'<figure class="ev-table" data-kind="{esc(self.kind)}"><table>'
            f"<caption>{esc(self.caption)}</caption>"
            f"<thead><tr><th>{esc(self.index_label)}</th>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>{note}</figure>"
        )


@dataclass(frozen=True)
class Chart:
    """A rendered chart: PNG bytes with alt text and a plain-Swedish sentence under it.

    ``figure`` (the matplotlib figure) and ``protected`` (the protected table it was
    drawn from) are kept for work in JupyterLab; only the PNG reaches a report.
    """

    png: bytes
    alt: str
    caption: str
    figure: Any = field(default=None, repr=False, compare=False)
    protected: Any = field(default=None, repr=False, compare=False)

    def _repr_html_(self) -> str:
        data = base64.b64encode(self.png).decode("ascii")
        return (
            f'<figure class="ev-chart"><img src="data:image/png;base64,{data}" '
            f'alt="{esc(self.alt)}"/><figcaption>{esc(self.caption)}</figcaption></figure>'
        )


@dataclass(frozen=True)
class Heading:
    """A sub-heading emitted from code (it joins the report's table of contents)."""

    text: str
    level: int = 3

    def _repr_html_(self) -> str:
        return f"<h{self.level}>{esc(self.text)}</h{self.level}>"


@dataclass(frozen=True)
class Group:
    """Several outputs shown together in one cell."""

    items: tuple

    def _repr_html_(self) -> str:
        return "".join(item._repr_html_() for item in self.items)


STYLE = """
<style>
.ev-table table{border-collapse:collapse;margin:0.5em 0;font-size:0.92em}
.ev-table caption{text-align:left;font-weight:600;padding:0.3em 0}
.ev-table th,.ev-table td{border-bottom:1px solid #ddd;padding:0.25em 0.7em;text-align:right;white-space:nowrap}
.ev-table{overflow-x:auto;margin:0}
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
