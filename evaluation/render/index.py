"""The batch index page (Swedish): every report grouped by area and kind, with status."""

from __future__ import annotations

import html
import os
import re
from collections import defaultdict
from pathlib import Path

from evaluation.metadata.kinds import kind_label, report_kinds
from evaluation.render.paths import atomic_write_text
from evaluation.render.scan import check_text
from evaluation.render.single import ReportResult, redact

STATUS_LABEL = {"ok": "ny", "reused": "återanvänd", "failed": "misslyckades"}
UNKNOWN_AREA = "Okänt område (parameterfilen kunde inte läsas)"
SYNTHETIC_TEXT = "Syntetiska data – inga verkliga personer eller ärenden"
_CSS = """
body{margin:0 auto;max-width:64rem;padding:0 1.25rem 3rem;
font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#1b1b1b}
.synthetic-banner{margin:0 -1.25rem;padding:.6rem 1.25rem;background:#fff3cd;
border-bottom:2px solid #b58100;font-weight:600}
h1{border-bottom:3px solid #005b96;padding-bottom:.3rem}
.lead{font-size:1.1rem}
.scroll{overflow-x:auto}
.scroll:focus-visible{outline:3px solid #005b96;outline-offset:2px}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}
caption{text-align:left;font-weight:600;padding-bottom:.3rem}
th,td{text-align:left;padding:.45rem .6rem;border-bottom:1px solid #d0d0d0;vertical-align:top}
thead th{border-bottom:2px solid #1b1b1b}
td ul{margin:0;padding-left:1.1rem}
td.time{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
.failed{color:#b42318;font-weight:600}.reason{color:#555;font-size:.92rem}
details{margin-top:2rem;border-top:1px solid #d0d0d0;padding-top:.5rem}
a{color:#005b96}
@media print{.scroll{overflow:visible}thead{display:table-header-group}}
"""
_PERIOD = re.compile(r"<strong>(Period|Perioder|Statistikår):</strong>\s*([^<]+)</p>")
_TITLE = re.compile(r"<title>([^<]*)</title>")


def _seconds(value: float) -> str:
    return f"{value:.1f}".replace(".", ",") + " s"


def _link(target: str | None, base: Path) -> str | None:
    if not target:
        return None
    return Path(os.path.relpath(Path(target).resolve(), base.resolve())).as_posix()


#: Reader order: the follow-ups (what the steering group asks about) first.
READER_ORDER = ("outcome_followup", "area_analysis", "user_survey")
PERIOD_WORD = {
    "outcome_followup": "ärenden",
    "area_analysis": "områdesstatistik",
    "user_survey": "enkäter",
}


def _kind_order(kind: str | None) -> int:
    kinds = [*READER_ORDER, *(k for k in report_kinds() if k not in READER_ORDER)]
    return kinds.index(kind) if kind in kinds else len(kinds)


def _about(result: ReportResult) -> tuple[str | None, str | None, bool]:
    """(title, data period, synthetic) read from the written report's head and header."""
    if not result.html or result.status == "failed":
        return None, None, False
    try:
        page = Path(result.html).read_text(encoding="utf-8")
    except OSError:
        return None, None, False
    title = _TITLE.search(page[:4000])
    period = _PERIOD.search(page)
    return (
        html.unescape(title.group(1)) if title else None,
        html.unescape(period.group(2)).strip() if period else None,
        'class="synthetic-banner"' in page[:200000],
    )


def _term(title: str) -> str | None:
    m = re.search(r"(\d{4})\s*H([12])", title)
    if not m:
        return None
    return f"{'första' if m.group(2) == '1' else 'andra'} halvåret {m.group(1)}"


def render_index(title: str, results: list[ReportResult], folder: Path, seconds: float) -> str:
    """HTML of the index page for ``results``, with links relative to ``folder``.

    Readers get one table (areas × report kinds, report titles as links, the data
    period); the render details (files, status, seconds) are folded away.
    """
    esc = html.escape
    about = {id(r): _about(r) for r in results}
    counts = {s: sum(r.status == s for r in results) for s in STATUS_LABEL}
    current = counts["ok"] + counts["reused"]
    kinds: list[str | None] = sorted({r.kind for r in results if r.kind}, key=_kind_order)
    if any(not r.kind for r in results):
        kinds.append(None)
    cells: dict[str, dict[str | None, list[ReportResult]]] = defaultdict(lambda: defaultdict(list))
    for result in results:
        cells[result.area or UNKNOWN_AREA][result.kind or None].append(result)
    synthetic = any(a[2] for a in about.values())
    periods: dict[str, set[str]] = defaultdict(set)
    for r in results:
        if about[id(r)][1]:
            periods[PERIOD_WORD.get(r.kind or "", "övrigt")].add(about[id(r)][1])
    term = _term(title)
    head = f"{current} rapporter aktuella"
    if counts["failed"]:
        head += f", {counts['failed']} kunde inte framställas"
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
    ]
    if synthetic:
        out.append(f'<div class="synthetic-banner" role="note">{esc(SYNTHETIC_TEXT)}</div>')
    out += [
        "<header>",
        f"<h1>{esc(title)}</h1>",
        "</header>",
        "<main>",
        f'<p class="lead">{esc(head)}.</p>',
    ]
    if term:
        out.append(f"<p><strong>Termin:</strong> {esc(term)}</p>")
    if periods:
        text = "; ".join(f"{word} {', '.join(sorted(p))}" for word, p in periods.items())
        out.append(f"<p><strong>Dataperiod:</strong> {esc(text)}</p>")
    followups = [r for r in results if r.kind == "outcome_followup" and r.status != "failed"]
    if followups:
        links = ", ".join(
            f'<a href="{esc(_link(r.html, folder) or "")}">'
            f"{esc(about[id(r)][0] or r.area or 'Uppföljning')}</a>"
            for r in sorted(followups, key=lambda r: r.area or "")
        )
        out.append(f"<p><strong>Uppföljning av utfall:</strong> {links}</p>")
    out += [
        '<div class="scroll" tabindex="0" role="region" aria-label="Rapporter per område">',
        "<table>",
        "<caption>Rapporter per område och rapporttyp</caption>",
        '<thead><tr><th scope="col">Område</th>'
        + "".join(
            f'<th scope="col">{esc(kind_label(k, k) if k else "Okänd rapporttyp")}</th>'
            for k in kinds
        )
        + "</tr></thead>",
        "<tbody>",
    ]
    for area in sorted(cells, key=lambda a: (a == UNKNOWN_AREA, a.lower())):
        row = [f'<th scope="row">{esc(area)}</th>']
        for kind in kinds:
            items = []
            for r in sorted(cells[area].get(kind, []), key=lambda r: r.params_file):
                name = about[id(r)][0] or kind_label(r.kind or "", "Rapport")
                kept = r.status == "failed" and bool(getattr(r, "last_good", None))
                href = _link(r.html, folder) if r.status != "failed" or kept else None
                if kept:  # the earlier good report is still there, and linked
                    items.append(
                        f'<a href="{esc(href)}">{esc(name)}</a> <span class="reason">'
                        f"(Senaste lyckade: {esc(r.last_good)}, senaste försöket misslyckades: "
                        f"{esc(redact(r.message))})</span>"
                    )
                elif href:
                    items.append(f'<a href="{esc(href)}">{esc(name)}</a>')
                else:
                    items.append(
                        f'<span class="failed">Kunde inte framställas</span> '
                        f'<span class="reason">({esc(Path(r.params_file).name)})</span>'
                    )
            if len(items) > 1:
                row.append("<td><ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul></td>")
            else:
                row.append(f"<td>{items[0] if items else '–'}</td>")
        out.append("<tr>" + "".join(row) + "</tr>")
    out += ["</tbody>", "</table>", "</div>"]
    out += _details(results, folder, counts, seconds)
    out += ["</main>", "</body>", "</html>", ""]
    return "\n".join(out)


def _details(results, folder: Path, counts: dict, seconds: float) -> list[str]:
    """The researcher's render log: parameter files, status, seconds, failures."""
    esc = html.escape
    out = [
        "<details>",
        "<summary>Körningsdetaljer (för utredaren)</summary>",
        f"<p>{counts['ok']} nyframställda, {counts['reused']} återanvända eftersom indata "
        f"inte ändrats, {counts['failed']} misslyckade. Körningen tog {_seconds(seconds)}.</p>",
        '<div class="scroll" tabindex="0" role="region" aria-label="Körningsdetaljer">',
        "<table>",
        "<caption>Varje rapport i körningen</caption>",
        '<thead><tr><th scope="col">Område</th><th scope="col">Parameterfil</th>'
        '<th scope="col">Status</th><th scope="col">Tid</th></tr></thead>',
        "<tbody>",
    ]
    ordered = sorted(
        results,
        key=lambda r: ((r.area or UNKNOWN_AREA).lower(), _kind_order(r.kind), r.params_file),
    )
    for r in ordered:
        status = esc(STATUS_LABEL.get(r.status, r.status))
        if r.status == "failed":
            status = f'<span class="failed">{status}</span>'
            status += f'<div class="reason">{esc(redact(r.message))}</div>'
            nb = _link(r.failed_notebook, folder)
            if nb:
                status += (
                    f'<div class="reason">Körd notebook med felet: '
                    f'<a href="{esc(nb)}">{esc(nb)}</a></div>'
                )
        out.append(
            f"<tr><td>{esc(r.area or UNKNOWN_AREA)}</td>"
            f"<td>{esc(Path(r.params_file).name)}</td><td>{status}</td>"
            f'<td class="time">{_seconds(r.seconds)}</td></tr>'
        )
    out += ["</tbody>", "</table>", "</div>", "</details>"]
    return out


def write_index(path: Path, title: str, results: list[ReportResult], seconds: float) -> Path:
    """Write the index atomically after scanning it for identity numbers."""
    page = render_index(title, results, path.parent, seconds)
    check_text(page, "the batch index")
    atomic_write_text(path, page)
    return path
