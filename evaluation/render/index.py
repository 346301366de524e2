"""The batch index page (Swedish): every report grouped by area and kind, with status."""

from __future__ import annotations

import html
import os
from collections import defaultdict
from pathlib import Path

from evaluation.metadata.codes import REPORT_KIND
from evaluation.metadata.kinds import REPORT_NOTEBOOKS
from evaluation.render.paths import atomic_write_text
from evaluation.render.scan import check_text
from evaluation.render.single import ReportResult, redact

STATUS_LABEL = {"ok": "OK", "reused": "återanvänd", "failed": "misslyckades"}
UNKNOWN_AREA = "Okänt område (parameterfilen kunde inte läsas)"
_CSS = """
body{margin:0 auto;max-width:60rem;padding:1rem 1.25rem 3rem;
font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#1b1b1b}
h1{border-bottom:3px solid #005b96;padding-bottom:.3rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}
th,td{text-align:left;padding:.35rem .6rem;border-bottom:1px solid #d0d0d0;vertical-align:top}
td.time{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
.ok{color:#1a7f37;font-weight:600}.reused{color:#0b6a8f;font-weight:600}
.failed{color:#b42318;font-weight:600}.reason{color:#555;font-size:.92rem}
a{color:#005b96}
"""


def _seconds(value: float) -> str:
    return f"{value:.1f}".replace(".", ",") + " s"


def _link(target: str | None, base: Path) -> str | None:
    if not target:
        return None
    return Path(os.path.relpath(Path(target).resolve(), base.resolve())).as_posix()


def _kind_order(kind: str | None) -> int:
    kinds = list(REPORT_NOTEBOOKS)
    return kinds.index(kind) if kind in kinds else len(kinds)


def render_index(title: str, results: list[ReportResult], folder: Path, seconds: float) -> str:
    """HTML of the index page for ``results``, with links relative to ``folder``."""
    groups: dict[str, list[ReportResult]] = defaultdict(list)
    for result in results:
        groups[result.area or UNKNOWN_AREA].append(result)
    counts = {s: sum(r.status == s for r in results) for s in STATUS_LABEL}
    esc = html.escape
    out = [
        "<!DOCTYPE html>",
        '<html lang="sv">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(title)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        f"<h1>{esc(title)}</h1>",
        f"<p>{len(results)} rapporter: {counts['ok']} OK, {counts['reused']} återanvända, "
        f"{counts['failed']} misslyckade. Körningen tog {_seconds(seconds)}.</p>",
    ]
    for area in sorted(groups, key=lambda a: (a == UNKNOWN_AREA, a.lower())):
        out += [
            f"<h2>{esc(area)}</h2>",
            "<table>",
            "<thead><tr><th>Rapport</th><th>Status</th><th>Tid</th></tr></thead>",
            "<tbody>",
        ]
        rows = sorted(groups[area], key=lambda r: (_kind_order(r.kind), r.params_file))
        for r in rows:
            label = esc(REPORT_KIND.get(r.kind or "", r.kind or Path(r.params_file).name))
            kept = r.status == "failed" and bool(getattr(r, "last_good", None))
            href = _link(r.html, folder) if r.status != "failed" or kept else None
            name = f'<a href="{esc(href)}">{label}</a>' if href else label
            status = f'<span class="{r.status}">{STATUS_LABEL.get(r.status, r.status)}</span>'
            if kept:  # the earlier good report is still there, and linked
                status += (
                    f'<div class="reason">Senaste lyckade: {esc(r.last_good)}, senaste försöket '
                    f"misslyckades: {esc(redact(r.message))}</div>"
                )
            elif r.status == "failed":
                status += f'<div class="reason">{esc(redact(r.message))}</div>'
                nb = _link(r.failed_notebook, folder)
                if nb:
                    status += (
                        f'<div class="reason">Körd notebook med felet: '
                        f'<a href="{esc(nb)}">{esc(nb)}</a></div>'
                    )
            out.append(
                f'<tr><td>{name}<div class="reason">{esc(Path(r.params_file).name)}'
                f'</div></td><td>{status}</td><td class="time">{_seconds(r.seconds)}</td></tr>'
            )
        out += ["</tbody>", "</table>"]
    out += ["</body>", "</html>", ""]
    return "\n".join(out)


def write_index(path: Path, title: str, results: list[ReportResult], seconds: float) -> Path:
    """Write the index atomically after scanning it for identity numbers."""
    page = render_index(title, results, path.parent, seconds)
    check_text(page, "the batch index")
    atomic_write_text(path, page)
    return path
