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
.change{display:block;margin-top:.2rem;color:#444;font-size:.92rem}
.failed{color:#b42318;font-weight:600}.reason{color:#555;font-size:.92rem}
details{margin-top:2rem;border-top:1px solid #d0d0d0;padding-top:.5rem}
a{color:#005b96}
@media print{.scroll{overflow:visible}thead{display:table-header-group}}
"""
_PERIOD = re.compile(r"<strong>(Period|Perioder|Statistikår):</strong>\s*([^<]+)</p>")
_PERIOD_BYTES = re.compile(_PERIOD.pattern.encode("utf-8"))
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


# --- What changed since the last term ------------------------------------------------------
# Only published figures are compared: the key figures of each report's summary, as the
# earlier and the current page show them (protected values or "..").

_CARD = re.compile(
    r'<p class="ev-kf-label">(.*?)</p><p class="ev-kf-value">(.*?) <span class="ev-kf-when">',
    re.S,
)
_TERM = re.compile(r"(\d{4})\s*[-_ ]?([HKT])([1-4])(?!\d)", re.I)
_TERM_START = {"H": 6, "K": 3, "T": 4}  # months per half-year, quarter, tertial
#: Changed key figures named per report on the index; the rest are counted.
CHANGES_SHOWN = 2


def term_key(name: str) -> tuple[int, int] | None:
    """(year, first month) of a term named in ``name`` ("sample-2025H1" → (2025, 1)), else None."""
    m = _TERM.search(name)
    if not m:
        return None
    step, number = _TERM_START[m.group(2).upper()], int(m.group(3))
    if number * step > 12:
        return None
    return int(m.group(1)), 1 + (number - 1) * step


def term_words(name: str) -> str | None:
    """A term named in ``name`` in words: "sample-2024H2" → "andra halvåret 2024"."""
    m = _TERM.search(name)
    if not m or term_key(name) is None:
        return None
    year, letter, number = m.group(1), m.group(2).upper(), int(m.group(3))
    if letter == "H":
        return f"{'första' if number == 1 else 'andra'} halvåret {year}"
    return f"{'kvartal' if letter == 'K' else 'tertial'} {number} {year}"


def earlier_term(folder: Path, title: str = "") -> tuple[Path, tuple[int, int]] | None:
    """The batch folder of the latest term before this one beside ``folder``, if known.

    Earlier terms are the publication's history as the batch and its audit read it
    (``history_folders``), limited to sibling folders (their pages are what is compared)
    whose name says a term before this one.
    """
    from evaluation.privacy.ledger import history_folders

    now = term_key(folder.name) or term_key(title)
    if now is None:
        return None
    found = [
        (key, sibling)
        for sibling in history_folders(folder)
        if sibling.parent == folder.parent
        and (key := term_key(sibling.name)) is not None
        and key < now
    ]
    if not found:
        return None
    key, sibling = max(found)
    return sibling, key


def _cards(page: Path) -> dict[str, str] | None:
    """Label → shown value of the summary's key figures on a written page (None if unreadable)."""
    from evaluation.present.marks import SUMMARY_END, SUMMARY_START

    try:
        text = page.read_text(encoding="utf-8")
    except OSError:
        return None
    start, end = text.find(SUMMARY_START), text.find(SUMMARY_END)
    if start < 0 or end < start:
        return {}
    block = text[start:end]
    return {
        html.unescape(re.sub(r"<[^>]+>", "", label)).strip(): html.unescape(value).strip()
        for label, value in _CARD.findall(block)
    }


def _data_hashes(page: Path) -> dict | None:
    """The data files' hashes the page was rendered from (its manifest), without the hidden set."""
    import json

    manifest = page.with_name(page.name.removesuffix(".html") + ".manifest.json")
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))["inputs"]["data"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    from evaluation.privacy.publication import data_fingerprint_only

    return data_fingerprint_only(data)


def _shown_value(value: str) -> str:
    return "redovisas inte" if value in ("..", "") else value


def change_since(page: Path, earlier: Path | None) -> str:
    """One short Swedish line on what changed in ``page`` since ``earlier`` (the last term's)."""
    from evaluation.privacy.ledger import LEDGER_SUFFIX

    if earlier is None or not earlier.is_file():
        return "Ny rapport"
    if not earlier.with_name(earlier.name.removesuffix(".html") + LEDGER_SUFFIX).is_file():
        return ""  # never published through the audit: nothing to compare with
    then, now = _cards(earlier), _cards(page)
    if then is None or now is None:
        return ""
    changed = [
        f"{label}: {_shown_value(then[label])} → {_shown_value(value)}"
        for label, value in now.items()
        if label in then and then[label] != value
    ]
    added = [label for label in now if label not in then]
    if not changed and not added:
        same_data = _data_hashes(page) is not None and _data_hashes(page) == _data_hashes(earlier)
        if same_data:
            return "Oförändrade data"
        return "Nyckeltalen oförändrade" if now else ""
    parts = changed[:CHANGES_SHOWN]
    rest = len(changed) - len(parts) + len(added)
    if rest:
        what = "nytt eller ändrat nyckeltal" if rest == 1 else "nya eller ändrade nyckeltal"
        parts.append(f"{rest} {what} till")
    return "; ".join(parts)


def _kind_order(kind: str | None) -> int:
    kinds = [*READER_ORDER, *(k for k in report_kinds() if k not in READER_ORDER)]
    return kinds.index(kind) if kind in kinds else len(kinds)


def _about(result: ReportResult) -> tuple[str | None, str | None, bool]:
    """(title, data period, synthetic) read from the written report's head and header."""
    if not result.html or result.status == "failed":
        return None, None, False
    # The head and the report header are in the first few kB; a page is megabytes of
    # embedded charts, so only its start is read (the whole page only when the period
    # is not there). A match found in the start is the page's first: the pattern cannot
    # span a '<', so no earlier match can run past the cut.
    try:
        with open(result.html, "rb") as f:
            start = f.read(HEAD_BYTES)
            whole = len(start) < HEAD_BYTES
    except OSError:
        return None, None, False
    if whole:
        start.decode("utf-8")  # a short page must be UTF-8 throughout, as before
    # Searched as bytes: decoding the 27 heads of a batch was half the index's time. The
    # title is looked for in the first 4000 characters (they fit in 16 000 bytes).
    title = _TITLE.search(start[:16000].decode("utf-8", errors="ignore")[:4000])
    found = _PERIOD_BYTES.search(start)
    period = found.group(2).decode("utf-8", errors="ignore") if found else None
    if found is None and not whole:
        try:
            found = _PERIOD.search(Path(result.html).read_text(encoding="utf-8"))
        except OSError:
            found = None
        period = found.group(2) if found else None
    return (
        html.unescape(title.group(1)) if title else None,
        html.unescape(period).strip() if period is not None else None,
        b'class="synthetic-banner"' in start,
    )


#: Bytes of a report read for its title, data period and synthetic-data banner.
HEAD_BYTES = 256 * 1024


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
    term = term_words(title) or term_words(folder.name)
    previous = earlier_term(folder, title)
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
    if previous:
        then = esc(term_words(previous[0].name) or "")
        out.append(
            f"<p><strong>Sedan förra terminen</strong> ({then}): "
            "under varje rapport står vad som ändrats i sammanfattningens nyckeltal.</p>"
        )
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
                    change = _change_of(r, folder, previous)
                    items.append(
                        f'<a href="{esc(href)}">{esc(name)}</a>'
                        + (f'<span class="change">{esc(change)}</span>' if change else "")
                    )
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


def _change_of(result: ReportResult, folder: Path, previous) -> str:
    """The index's line on ``result`` since the last term ("" when no earlier term is known)."""
    if previous is None or not result.html:
        return ""
    page = Path(result.html)
    try:
        relative = page.resolve().relative_to(folder.resolve())
    except ValueError:
        return ""
    return change_since(page, previous[0] / relative)


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
