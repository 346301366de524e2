"""Read a rendered page as an outside reader does: every figure it shows and what it pins down.

Part of the joint audit (docs/privacy.md R0), independent of the suppression
code. From the HTML alone it collects the figures of every table (counts,
shares with their Wilson interval, rates per 1 000 with their exact Poisson
interval, effect estimates), of every CSV download embedded in the page, of
chart alt texts and of sentences ("79 % av de 24 …", "9 av 27 svarande"). For a
share shown with its interval it enumerates the (numerator, denominator) pairs
that print the same share and interval — the attack of issue 10 route 1 — and
for a rate with its interval the counts that give the same interval (its width
relative to the rate depends on the count alone).

Written by hand: no library reads figures back from formatted Swedish text.
The interval formulas are the textbook ones (Wilson score; exact Poisson via
chi-square quantiles from SciPy), not the package's own functions, so a change
there cannot make the audit agree with itself.
"""

from __future__ import annotations

import base64
import csv
import io
import re
import threading
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

Z95 = 1.959963984540054
SHARE_N_MAX = 20_000
"""Largest denominator enumerated for a share (beyond any area's yearly cases)."""
RATE_K_MAX = 20_000
_CSV_LIMIT = threading.Lock()
_APPENDIX = "Skyddade tabeller och diagram i rapporten"  # the R10 appendix: counts of cells
PUBLIC_SERIES = ("Riket", "Referensvärde", "Rang", "Mål", "målet")
"""Columns, rows and chart series of figures from outside the case data (national
statistics, a survey's reference values, a rank among areas, a target set in the
parameters): not in any ledger."""

_NUM = r"\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d+"
_DEC = rf"(?:{_NUM})(?:,\d+)?"
SHARE_CI = re.compile(rf"^({_DEC})\s*%\s*\(({_DEC})\s*[–-]\s*({_DEC})\s*%\)\s*\*?$")
RATE_CI = re.compile(rf"^({_DEC})\s*\(({_DEC})\s*[–-]\s*({_DEC})\)$")
SHARE = re.compile(rf"^({_DEC})\s*%\s*\*?$")
COUNT = re.compile(rf"^({_NUM})$")
SIGNED = re.compile(rf"^([-\u2212]?{_DEC})$")
TILL = re.compile(rf"^([-\u2212]?{_DEC}) till ([-\u2212]?{_DEC})$")
# sentences: "79 % av de 24 som …", "77 % av 26 (95 % intervall 58–89 %)", "9 av 27 svarande"
SENT_SHARE = re.compile(
    rf"({_DEC})\s*%\s+av\s+(?:de\s+)?({_NUM})\b(?:[^()]*?\(95\s*%\s*intervall\s+({_DEC})\s*[–-]\s*({_DEC})\s*%\))?"
)
SENT_PAIR = re.compile(rf"(?<![\d,%])\b({_NUM})\s+av\s+({_NUM})\s+(?:svarande|besvarade)")
PERCENT = re.compile(rf"({_DEC})\s*%")


def number(text: str) -> float:
    """A Swedish-formatted number ("2 131", "8,2", "−8") as float."""
    t = text.strip().replace("\u2212", "-").replace(",", ".")
    return float(re.sub(r"[ \u00a0\u202f]", "", t))


def decimals(text: str) -> int:
    """Decimals shown in a Swedish-formatted number."""
    return len(text.split(",", 1)[1]) if "," in text else 0


@dataclass(frozen=True)
class PageFigure:
    """One figure a page shows: where, under which caption, and what it reads as."""

    where: str  # "table", "csv", "alt", "text"
    caption: str
    row: str
    column: str
    kind: str  # "count", "share", "share_ci", "rate_ci", "pair", "estimate"
    text: str
    value: float
    low: float | None = None
    high: float | None = None
    n: float | None = None  # a sentence's "av de N"
    decimals: int = 0

    def accepts_share(self, x: float, n: float) -> bool:
        """Whether ``x`` of ``n`` prints as this share (and interval, and N when shown)."""
        if n <= 0 or x < 0 or x > n:
            return False
        if self.n is not None and abs(n - self.n) > 0.5:
            return False
        h = 0.5 * 10.0 ** (-self.decimals) + 1e-9
        if abs(100.0 * x / n - self.value) > h:
            return False
        if self.low is None or self.high is None:
            return True
        lo, hi = wilson(np.array([x], float), np.array([n], float))
        return abs(100 * lo[0] - self.low) <= h and abs(100 * hi[0] - self.high) <= h

    def share_pairs(self, n_max: int = SHARE_N_MAX) -> np.ndarray:
        """Every (x, n) with n ≤ ``n_max`` that prints as this share (shape (k, 2))."""
        if self.n is not None:
            ns = np.array([self.n])
        else:
            ns = np.arange(1, n_max + 1, dtype=float)
        h = 0.5 * 10.0 ** (-self.decimals) + 1e-9
        lo_x = np.ceil((self.value - h) * ns / 100.0 - 1e-9)
        hi_x = np.floor((self.value + h) * ns / 100.0 + 1e-9)
        width = (hi_x - lo_x + 1).clip(0).astype(int)
        if not width.sum():
            return np.zeros((0, 2))
        n_rep = np.repeat(ns, width)
        offsets = np.arange(width.sum()) - np.repeat(np.cumsum(width) - width, width)
        x = np.repeat(lo_x, width) + offsets
        keep = (x >= 0) & (x <= n_rep)
        x, n_rep = x[keep], n_rep[keep]
        if self.low is not None and self.high is not None:
            lo, hi = wilson(x, n_rep)
            keep = (np.abs(100 * lo - self.low) <= h) & (np.abs(100 * hi - self.high) <= h)
            x, n_rep = x[keep], n_rep[keep]
        return np.column_stack([x, n_rep])

    def accepts_count(self, k: float) -> bool:
        """Whether a rate with ``k`` events prints as this rate and interval (any exposure)."""
        return bool(len(_rate_fit(self, np.array([k], float))))

    def rate_counts_among(self, ks: np.ndarray) -> np.ndarray:
        """The counts among ``ks`` consistent with this rate and its interval."""
        return _rate_fit(self, np.asarray(ks, dtype=float))

    def rate_counts(self, k_max: int = RATE_K_MAX) -> np.ndarray:
        """Every event count k ≤ ``k_max`` consistent with this rate and its interval."""
        return _rate_fit(self, np.arange(0, k_max + 1, dtype=float))


def wilson(x: np.ndarray, n: np.ndarray, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of ``x`` of ``n`` (as fractions)."""
    z2 = z * z
    p = x / n
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * np.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


@lru_cache(maxsize=4)
def _poisson_table(k_max: int) -> tuple[np.ndarray, np.ndarray]:
    # The exact Poisson limits chi2.ppf(q, 2k) / 2 are gammaincinv(k, q), bit for bit
    # (scipy's chi2 quantile is 2 * gammaincinv(df / 2, q)); scipy.special spares the
    # audit the import of scipy.stats (~0.4 s).
    from scipy.special import gammaincinv

    k = np.arange(0, k_max + 1, dtype=float)
    low = np.where(k > 0, gammaincinv(np.maximum(k, 1), 0.025), 0.0)
    high = gammaincinv(k + 1, 0.975)
    return low, high


def _rate_fit(fig: PageFigure, ks: np.ndarray) -> np.ndarray:
    """Counts among ``ks`` for which one exposure prints the rate and both interval ends."""
    ks = np.asarray(ks, dtype=float)
    ks = ks[(ks >= 0) & (ks == np.round(ks))]
    if not len(ks):
        return ks
    k_max = int(ks.max())
    low_k, high_k = _poisson_table(max(RATE_K_MAX, k_max))
    idx = ks.astype(int)
    h = 0.5 * 10.0 ** (-fig.decimals) + 1e-9
    # each printed number r (± h) bounds the scale s = 1000 / exposure: c·s ∈ [r − h, r + h]
    lo_s = np.zeros(len(ks))
    hi_s = np.full(len(ks), np.inf)
    for c, r in ((ks, fig.value), (low_k[idx], fig.low), (high_k[idx], fig.high)):
        if r is None:
            continue
        pos = c > 0
        with np.errstate(divide="ignore"):
            lo_s = np.where(pos, np.maximum(lo_s, max(r - h, 0.0) / np.where(pos, c, 1)), lo_s)
            hi_s = np.where(pos, np.minimum(hi_s, (r + h) / np.where(pos, c, 1)), hi_s)
        if abs(r) > h:  # a zero count prints zero at any exposure
            hi_s = np.where(pos, hi_s, -1.0)
    return ks[(lo_s <= hi_s) & (hi_s > 0)]


def _cell(where, caption, row, column, text, table_kind) -> PageFigure | None:
    t = " ".join(text.split())
    if not t or t in ("..", "–", "-"):
        return None
    if m := SHARE_CI.match(t):
        v, lo, hi = m.groups()
        d = max(decimals(v), decimals(lo), decimals(hi))
        return PageFigure(
            where, caption, row, column, "share_ci", t, number(v), number(lo), number(hi), None, d
        )
    if table_kind == "estimates":
        if m := TILL.match(t):
            return PageFigure(
                where,
                caption,
                row,
                column,
                "estimate",
                t,
                number(m.group(1)),
                number(m.group(1)),
                number(m.group(2)),
                None,
                decimals(m.group(1)),
            )
        if column == "Skattning" and (m := SIGNED.match(t)):
            return PageFigure(
                where, caption, row, column, "estimate", t, number(t), None, None, None, decimals(t)
            )
        return None
    if m := RATE_CI.match(t):
        v, lo, hi = m.groups()
        d = max(decimals(v), decimals(lo), decimals(hi))
        return PageFigure(
            where, caption, row, column, "rate_ci", t, number(v), number(lo), number(hi), None, d
        )
    if m := SHARE.match(t):
        return PageFigure(
            where,
            caption,
            row,
            column,
            "share",
            t,
            number(m.group(1)),
            decimals=decimals(m.group(1)),
        )
    if table_kind == "counts" and (m := COUNT.match(t)):
        return PageFigure(where, caption, row, column, "count", t, number(t))
    return None


def _text(el, *, strip: bool = False) -> str:
    """The text a reader sees in ``el``, its runs joined by spaces (as bs4's ``get_text(" ")``).

    With ``strip`` each run is stripped and the empty ones are left out.
    """
    runs = el.itertext()  # comments are not text; scripts and styles were removed
    if strip:
        return " ".join(t for r in runs if (t := r.strip()))
    return " ".join(runs)


def _table_rows(fig) -> tuple[list[str], list[list[str]]]:
    rows = list(fig.iter("tr"))
    if not rows:
        return [], []
    head = [_text(c, strip=True) for c in rows[0].iter("th", "td")]
    body = [[_text(c, strip=True) for c in r.iter("th", "td")] for r in rows[1:]]
    return head, body


def _allow_fields(length: int) -> None:
    """Let the csv module read a field of ``length`` characters (its default stops at 128 KB).

    The limit is the module's, for the whole process: it is only ever raised, under a lock,
    so a thread reading a long download never finds it lowered by another.
    """
    with _CSV_LIMIT:
        if length > csv.field_size_limit():
            csv.field_size_limit(length)


def _csv_rows(href: str) -> tuple[list[str], list[list[str]]]:
    payload = href.split(",", 1)[1] if "," in href else ""
    text = base64.b64decode(payload).decode("utf-8-sig", errors="replace")
    _allow_fields(len(text))  # a reader's spreadsheet opens any field; so must the audit
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    return (rows[0], rows[1:]) if rows else ([], [])


def _grid(where, caption, kind, head, body, out: list[PageFigure]) -> None:
    if caption == _APPENDIX:
        return
    for row in body:
        if not row or row[0] in PUBLIC_SERIES:
            continue
        label = row[0]
        for col, text in zip(head[1:], row[1:], strict=False):
            if col in PUBLIC_SERIES:
                continue
            f = _cell(where, caption, label, col, text, kind)
            if f is not None:
                out.append(f)


def _sentences(where: str, caption: str, text: str, out: list[PageFigure]) -> None:
    """Figures of a sentence: shares "X % av (de) N", pairs "X av N svarande", per cents.

    Per cents are read in alt texts and in the "Senast redovisade värden:" part of
    a caption. Other per cents in running text (relative changes of an effect, the thresholds of
    the rules) are not figures of the ledger and are not read.
    """
    t = " ".join(text.split())
    used: list[tuple[int, int]] = []
    for m in SENT_SHARE.finditer(t):
        v, n, lo, hi = m.groups()
        d = max(decimals(v), decimals(lo or ""), decimals(hi or ""))
        kind = "share_ci" if lo else "share"
        low, high = (number(lo), number(hi)) if lo else (None, None)
        out.append(
            PageFigure(where, caption, "", "", kind, m.group(0), number(v), low, high, number(n), d)
        )
        used.append(m.span())
    for m in SENT_PAIR.finditer(t):
        x, n = m.groups()
        out.append(PageFigure(where, caption, "", "", "pair", m.group(0), number(x), n=number(n)))
        used.append(m.span())
    scope = t if where == "alt" else t.partition("Senast redovisade värden:")[2]
    offset = len(t) - len(scope)
    for m in PERCENT.finditer(scope):
        if any(a <= m.start() + offset < b for a, b in used):
            continue
        if re.match(r"\s*(intervall|osäkerhets|Wilson)", scope[m.end() :]):
            continue  # "95 % intervall": the level, not a figure
        series = re.split(r"[;:]", scope[: m.start()])[-1].strip()
        if series.startswith(PUBLIC_SERIES):
            continue  # "Riket 80,7 %", "Riket från 79,6 % … till 80,7 %", "målet 50 %"
        v = m.group(1)
        out.append(
            PageFigure(where, caption, "", "", "share", m.group(0), number(v), decimals=decimals(v))
        )


def figure_from_text(text: str) -> PageFigure:
    """The figure a table cell's text shows (a share or a rate with its interval)."""
    f = _cell("table", "", "", "", text, "")
    if f is None:
        raise ValueError(f"not a figure: {text!r}")
    return f


def _downloads(fig) -> list:
    return [a for a in fig.iter("a") if str(a.get("href") or "").startswith("data:text/csv")]


def _classed(root, tag: str | None, name: str) -> list:
    """Elements (of ``tag``, or any) whose class list holds ``name``, in document order."""
    return [
        el
        for el in (root.iter(tag) if tag else root.iter())
        if isinstance(el.tag, str) and name in (el.get("class") or "").split()
    ]


def read_page(html: str) -> list[PageFigure]:
    """Every figure the page shows in tables, downloads, alt texts and sentences."""
    from evaluation.privacy.gc_pause import paused_gc

    # the charts' PNG data are not read (their drawn text is checked before encoding,
    # R8); dropping them first makes parsing a 1 MB page five times faster
    html = re.sub(r'src="data:image/[^"]*"', 'src=""', html)
    with paused_gc():
        return _figures_of(html)


def _figures_of(html: str) -> list[PageFigure]:
    # lxml (libxml2, HTML5 tokenizer) rather than BeautifulSoup's pure-Python tree: the
    # tree a browser builds, in a tenth of the time (benchmarks/README.md, eleventh session)
    import lxml.etree

    # bytes, so that an encoding declaration in the text is no error; huge_tree, so that
    # no long download or text is cut short at libxml2's default 10 MB
    parser = lxml.etree.HTMLParser(encoding="utf-8", huge_tree=True)
    root = lxml.etree.fromstring(html.encode("utf-8"), parser)
    if root is None:  # nothing to parse: an empty page
        return []
    # what a browser does not show is not read (BeautifulSoup's get_text left it out too)
    lxml.etree.strip_elements(root, "script", "style", "template", with_tail=False)
    out: list[PageFigure] = []
    for fig in _classed(root, "figure", "ev-table"):
        cap = next(fig.iter("caption"), None)
        caption = " ".join(_text(cap).split()) if cap is not None else ""
        kind = str(fig.get("data-kind") or "")
        head, body = _table_rows(fig)
        _grid("table", caption, kind, head, body, out)
        for a in _downloads(fig):
            h, b = _csv_rows(str(a.get("href")))
            _grid("csv", caption, kind, h, b, out)
    for fig in _classed(root, "figure", "ev-chart"):
        img = next(fig.iter("img"), None)
        alt = str(img.get("alt") or "") if img is not None else ""
        title = alt.split(".", 1)[0]
        _sentences("alt", title, alt.split(":", 1)[1] if ":" in alt else alt, out)
        capt = next(fig.iter("figcaption"), None)
        if capt is not None:
            _sentences("text", title, _text(capt), out)
        for a in _downloads(fig):
            h, b = _csv_rows(str(a.get("href")))
            _grid("csv", title, "chart", h, b, out)
    for note in _classed(root, None, "ev-note"):
        _sentences("text", "", _text(note), out)
    return out
