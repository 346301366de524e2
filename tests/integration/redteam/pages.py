"""What the red team reads off rendered pages: share tables, monthly series, effect charts."""

from __future__ import annotations

import base64
import csv
import io
import re

from evaluation.privacy.page_reader import PUBLIC_SERIES, figure_from_text
from evaluation.privacy.symbols import HIDDEN

_MONTH = re.compile(r"^\d{4}-\d{2}$")


def share_table(soup, caption_start: str) -> dict[tuple[str, str], str]:
    for fig in soup.find_all("figure", class_="ev-table"):
        cap = fig.find("caption").get_text(" ", strip=True)
        if not cap.startswith(caption_start):
            continue
        rows = fig.find_all("tr")
        head = [c.get_text(" ", strip=True) for c in rows[0].find_all(["th", "td"])]
        out = {}
        for r in rows[1:]:
            cells = [c.get_text(" ", strip=True) for c in r.find_all(["th", "td"])]
            for col, text in zip(head[1:], cells[1:], strict=False):
                out[(cells[0], col)] = text
        return out
    return {}


def share_pairs(text: str):
    """(x, n) pairs a reader gets from a printed share with its interval; None when hidden."""
    if text.strip() == HIDDEN or "%" not in text:
        return None
    return figure_from_text(text.replace("*", "").strip()).share_pairs(n_max=3000)


def monthly_series(soup) -> dict[str, dict[str, dict[str, str]]]:
    """Every table or CSV whose rows or columns are months: caption → series → month → text."""
    out: dict[str, dict[str, dict[str, str]]] = {}
    for fig in soup.find_all("figure"):
        cap = fig.find(["caption", "figcaption"])
        caption = cap.get_text(" ", strip=True) if cap else ""
        grids = []
        for a in fig.find_all("a"):
            href = a.get("href", "")
            if href.startswith("data:text/csv"):
                text = base64.b64decode(href.split(",", 1)[1]).decode("utf-8-sig")
                grids.append(list(csv.reader(io.StringIO(text), delimiter=";")))
        for rows in grids:
            if not rows:
                continue
            head, body = rows[0], rows[1:]
            if body and all(_MONTH.match(r[0] or "") for r in body):
                for j, col in enumerate(head[1:], start=1):
                    if col in PUBLIC_SERIES:
                        continue
                    out.setdefault(caption, {}).setdefault(col, {}).update(
                        {r[0]: r[j] for r in body if j < len(r)}
                    )
    return out


def assert_no_effect_figure_for_hidden_terms(soup, area: str) -> None:
    """Where ``area``'s term value is hidden, the effects section gives nothing for that term."""
    hidden_terms = set()
    for fig in soup.find_all("figure", class_="ev-table"):
        cap = fig.find("caption").get_text(" ", strip=True)
        if "per halvår" not in cap:
            continue
        rows = fig.find_all("tr")
        head = [c.get_text(" ", strip=True) for c in rows[0].find_all(["th", "td"])]
        col = head.index(area) if area in head else None
        for r in rows[1:]:
            cells = [c.get_text(" ", strip=True) for c in r.find_all(["th", "td"])]
            if col is not None and cells[col] == HIDDEN:
                hidden_terms.add(cells[0])
    for fig in soup.find_all("figure", class_="ev-chart"):
        alt = fig.find("img").get("alt", "")
        if not any(w in alt for w in ("Händelsestudie", "Syntetisk kontroll", "Avbruten")):
            continue
        for t in hidden_terms:
            assert t not in alt, (t, alt)
        # derived series are published as pixels only: no download carries their numbers
        assert not [a for a in fig.find_all("a") if "data:text/csv" in a.get("href", "")]
