"""Read the rendered pages back and hold them against the ledgers (docs/privacy.md R0).

Part of the joint audit (independent of the suppression code). The LP in
``publication_audit.py`` judges the figures the ledgers record; this module
makes sure the pages publish nothing more. Every figure a page shows
(``page_reader.py``: table cells, CSV downloads, alt texts, sentences) must be
accounted for by a figure its report's ledger records as shown:

- a count must be a shown value (of the same output when the caption names one);
- a share with its interval must be printed by some shown (numerator,
  denominator) pair — the reader's enumeration of consistent pairs, run
  against the ledger;
- a rate with its interval must be printed by some shown count;
- an effect estimate must be one the ledger records.

A figure no shown ledger entry accounts for fails the audit, as does a page
with package outputs but no ledger. Where a page cell maps to one ledger row,
what the page pins down (the range of consistent numerators and denominators,
or counts) is handed to the LP as bounds on those figures; with a ledger that
agrees with its page they add nothing to its equalities, which is the point.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from evaluation.privacy.ledger import (
    ESTIMATE_ROLES,
    LEDGER_SUFFIX,
    LINEAR_ROLES,
    Entry,
    Figure,
    Ledger,
)
from evaluation.privacy.page_reader import PageFigure, figure_from_text, read_page, wilson


@dataclass
class PageReading:
    """What the pages of a batch gave: failures, bounds for the LP, figures read."""

    failures: list = field(default_factory=list)
    bounds: list[tuple[Figure, float, float]] = field(default_factory=list)
    figures: int = 0


def _has_outputs(text: str) -> bool:
    return 'class="ev-table"' in text or 'class="ev-chart"' in text


class _Account:
    """A report ledger's shown figures, arranged for matching page figures."""

    def __init__(self, ledger: Ledger) -> None:
        self.values: set[float] = {0.0}
        self.by_output: dict[str, set[float]] = defaultdict(set)
        self.count_entries: dict[str, list] = defaultdict(list)
        self.estimates: dict[str, list[float]] = defaultdict(list)
        halves: dict[tuple[str, int | None], dict[str, Entry]] = defaultdict(dict)
        for e in ledger.entries:
            if e.role in ESTIMATE_ROLES:
                if e.value is not None:
                    self.estimates[e.output].append(float(e.value))
                continue
            if e.role not in LINEAR_ROLES:
                continue
            self.by_output.setdefault(e.output, set())
            if e.value is None:
                continue
            self.values.add(float(e.value))
            self.by_output[e.output].add(float(e.value))
            if e.role == "count":
                self.count_entries[e.output].append(e)
            if e.role in ("numerator", "denominator"):
                halves[(e.output, e.row)][e.role] = e
        self.pairs = [
            (out, h["numerator"], h["denominator"])
            for (out, _), h in halves.items()
            if "numerator" in h and "denominator" in h
        ]
        self.x = np.array([float(p[1].value or 0) for p in self.pairs])
        self.n = np.array([float(p[2].value or 0) for p in self.pairs])
        self.outputs = np.array([p[0] for p in self.pairs], dtype=object)

    def share_rows(self, f: PageFigure, output: str | None) -> np.ndarray:
        """Indices of shown pairs that print as ``f`` (of ``output`` when given)."""
        if not len(self.x):
            return np.zeros(0, dtype=int)
        h = 0.5 * 10.0 ** (-f.decimals) + 1e-9
        ok = (self.n > 0) & (np.abs(100 * self.x / np.where(self.n > 0, self.n, 1) - f.value) <= h)
        if f.n is not None:
            ok &= np.abs(self.n - f.n) < 0.5
        if output is not None:
            ok &= self.outputs == output
        idx = np.flatnonzero(ok)
        if f.low is not None and f.high is not None and len(idx):
            lo, hi = wilson(self.x[idx], self.n[idx])
            keep = (np.abs(100 * lo - f.low) <= h) & (np.abs(100 * hi - f.high) <= h)
            idx = idx[keep]
        return idx


def _accounted(f: PageFigure, acc: _Account, output: str | None, matches: dict) -> bool:
    if f.kind == "count":
        pool = acc.by_output[output] | {0.0} if output is not None else acc.values
        return f.value in pool
    if f.kind in ("share", "share_ci"):
        idx = acc.share_rows(f, output)
        if f.kind == "share_ci" and output is not None:
            for i in idx:
                matches[("share", int(i))].add(f.text)
        return bool(len(idx)) or (output is not None and bool(len(acc.share_rows(f, None))))
    if f.kind == "rate_ci":
        entries = acc.count_entries.get(output, []) if output is not None else []
        ks = np.array(sorted({float(e.value) for e in entries} or acc.values))
        fit = set(f.rate_counts_among(ks).tolist())
        for i, e in enumerate(entries):
            if float(e.value) in fit:
                matches[("rate", output, i)].add(f.text)
        return bool(fit)
    if f.kind == "pair":
        hit = np.any((np.abs(acc.x - f.value) < 0.5) & (np.abs(acc.n - (f.n or 0)) < 0.5))
        return bool(hit) or (f.value in acc.values and f.n in acc.values)
    if f.kind == "estimate":
        shown = acc.estimates.get(f.caption, [])
        h = 0.5 * 10.0 ** (-f.decimals) + 1e-9
        want = [v for v in (f.value, f.low, f.high) if v is not None]
        return all(any(abs(v - s) <= h for s in shown) for v in want)
    return True


def _failure(page: str, caption: str, f: PageFigure | None, kind: str):
    from evaluation.privacy.publication_audit import PublicationFailure

    value = f.value if f is not None else math.nan
    return PublicationFailure(page, caption, Figure.of(caption, {}), "page", value, math.nan, kind)


def read_pages(
    batch_dir: str | Path, loaded: dict | None = None, pages: list[Path] | None = None
) -> PageReading:
    """Hold every page of a batch against its ledger; ``loaded`` maps ledger paths to ledgers.

    ``pages``: only these pages of the batch (default: all).
    """
    reading = PageReading()
    batch_dir = Path(batch_dir)
    for page in sorted(batch_dir.glob("*/*.html")) if pages is None else pages:
        name = str(page.relative_to(batch_dir.parent))
        text = page.read_text(encoding="utf-8", errors="replace")
        ledger_path = page.with_name(page.stem + LEDGER_SUFFIX)
        if not ledger_path.is_file():
            # a page with the package's tables or charts but no ledger skipped the appendix
            # that carries it, so nothing on it could be audited (pages without package
            # outputs are refused by the render itself, R10)
            if _has_outputs(text):
                reading.failures.append(_failure(name, "", None, "no_ledger"))
            continue
        ledger = (loaded or {}).get(ledger_path) or Ledger.load(ledger_path)
        one = read_page_against(name, text, ledger)
        reading.failures += one.failures
        reading.bounds += one.bounds
        reading.figures += one.figures
    return reading


def read_page_against(name: str, text: str, ledger: Ledger) -> PageReading:
    """Hold one page's text (``name`` in the batch's reports folder) against its ledger."""
    reading = PageReading()
    acc = _Account(ledger)
    matches: dict = defaultdict(set)
    failed: set[tuple[str, str]] = set()  # a table and its CSV download fail once
    for f in read_page(text):
        reading.figures += 1
        output = f.caption if f.caption in acc.by_output else None
        if f.where in ("alt", "text"):
            output = None  # a chart's title need not be its output's label
        if not _accounted(f, acc, output, matches) and (f.caption, f.text) not in failed:
            failed.add((f.caption, f.text))
            reading.failures.append(_failure(name, f.caption, f, "unaccounted"))
    reading.bounds += _bounds(acc, matches)
    return reading


def _bounds(acc: _Account, matches: dict) -> list[tuple[Figure, float, float]]:
    """Bounds the pages put on figures matched to exactly one printed text."""
    out = []
    for key, texts in matches.items():
        if key[0] == "share" and len(texts) == 1:
            _, num, den = acc.pairs[key[1]]
            pairs = figure_from_text(next(iter(texts))).share_pairs(
                n_max=int(max(2 * float(den.value), 50))
            )
            if len(pairs):
                out.append((num.figure, float(pairs[:, 0].min()), float(pairs[:, 0].max())))
                out.append((den.figure, float(pairs[:, 1].min()), float(pairs[:, 1].max())))
        elif key[0] == "rate" and len(texts) == 1:
            e = acc.count_entries[key[1]][key[2]]
            ks = figure_from_text(next(iter(texts))).rate_counts(
                k_max=int(max(2 * float(e.value), 50))
            )
            if len(ks):
                out.append((e.figure, float(ks.min()), float(ks.max())))
    return out


def check_pages(batch_dir: str | Path, loaded: dict | None = None) -> list:
    """Failures for page figures the ledgers do not account for (and pages without one)."""
    return read_pages(batch_dir, loaded).failures
