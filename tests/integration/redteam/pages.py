"""What the red team reads off rendered pages: share tables, monthly series, effect charts."""

from __future__ import annotations

import base64
import csv
import io
import re

from evaluation.privacy.page_reader import PUBLIC_SERIES, figure_from_text
from evaluation.privacy.symbols import HIDDEN

_MONTH = re.compile(r"^\d{4}-\d{2}$")


def tables(soup):
    """Each table figure as a reader sees it: (figure, caption, header cells, body rows' cells)."""
    for fig in soup.find_all("figure", class_="ev-table"):
        cap = fig.find("caption")
        rows = [
            [c.get_text(" ", strip=True) for c in r.find_all(["th", "td"])]
            for r in fig.find_all("tr")
        ]
        caption = cap.get_text(" ", strip=True) if cap else ""
        yield fig, caption, (rows[0] if rows else []), rows[1:]


def share_table(soup, caption_start: str) -> dict[tuple[str, str], str]:
    for _, cap, head, body in tables(soup):
        if cap.startswith(caption_start):
            return {
                (cells[0], col): text
                for cells in body
                for col, text in zip(head[1:], cells[1:], strict=False)
            }
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
    for _, cap, head, body in tables(soup):
        if "per halvår" not in cap or area not in head:
            continue
        col = head.index(area)
        hidden_terms |= {cells[0] for cells in body if cells[col] == HIDDEN}
    for fig in soup.find_all("figure", class_="ev-chart"):
        alt = fig.find("img").get("alt", "")
        if not any(w in alt for w in ("Händelsestudie", "Syntetisk kontroll", "Avbruten")):
            continue
        for t in hidden_terms:
            assert t not in alt, (t, alt)
        # derived series are published as pixels only: no download carries their numbers
        assert not [a for a in fig.find_all("a") if "data:text/csv" in a.get("href", "")]


# --- Reading drawn points off a chart image (route 6), as a reader with a ruler does ---


def chart_image(fig):
    """The RGB pixels of a chart figure's embedded PNG (None without one)."""
    import numpy as np
    from PIL import Image

    img = fig.find("img")
    src = str(img.get("src") or "") if img else ""
    if not src.startswith("data:image/png"):
        return None
    data = base64.b64decode(src.split(",", 1)[1])
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB")).astype(int)


def _dark(im):
    return im.max(axis=2) < 90


def drawn_points(im) -> list[tuple[float, float]]:
    """Centres of the filled markers in the chart's main colour, the legend's sample left out.

    The main colour is the most common saturated colour (the evaluated area's);
    thin lines of that colour (interval bars) are opened away, leaving the markers.
    """
    from collections import Counter

    import numpy as np
    from scipy import ndimage

    sat = im.max(axis=2) - im.min(axis=2)
    if not (sat > 60).any():
        return []
    colour = np.array(Counter(map(tuple, im[sat > 60])).most_common(1)[0][0])
    mask = np.abs(im - colour).sum(axis=2) < 90
    dark = _dark(im)
    # a marker under a dark line (the start line) is cut in two: the line's pixels next
    # to the marker's colour count as the marker
    mask |= dark & ndimage.binary_dilation(mask, iterations=2)
    mask = ndimage.binary_closing(mask, structure=np.ones((3, 3)))  # and mixed pixels
    blobs = ndimage.binary_opening(mask, structure=np.ones((3, 3)))
    labels, n = ndimage.label(blobs)
    out = []
    for y, x in ndimage.center_of_mass(blobs, labels, range(1, n + 1)):
        yi, xi = int(round(y)), int(round(x))
        # the legend's sample has its label's text right beside it (a word like the start
        # line's "Start" is shorter than any legend label)
        text = dark[max(yi - 6, 0) : yi + 7, xi + 6 : xi + 130].any(axis=0).sum()
        if text < 45:
            out.append((x, y))
    return out


def _x_axis(im) -> tuple[float, list[float]]:
    """The start line's column (the dotted dark vertical) and the x tick marks' columns."""
    import numpy as np

    dark = _dark(im)
    h = dark.shape[0]
    rows = dark.sum(axis=1)
    spine = int(np.argmax(np.where(np.arange(h) > h // 2, rows, 0)))  # the bottom spine
    grey = (im.max(axis=2) < 200) & (im.max(axis=2) - im.min(axis=2) < 30)
    plot = grey[: spine - 1, :]
    start, left = float("nan"), None
    for cols in _runs(np.flatnonzero(plot.sum(axis=0) > 0.15 * spine)):
        col = plot[:, cols].any(axis=1)
        ink = np.flatnonzero(col)
        solid = col.sum() >= 0.85 * (ink[-1] - ink[0] + 1)
        if left is not None and not solid:  # dotted, right of the left spine: the start line
            start = float(cols.mean())
        if left is None and solid:  # the y label's letters come before the spine
            left = int(cols.max())
    marks = np.flatnonzero(dark[spine + 2 : spine + 4, :].all(axis=0))
    ticks = [float(g.mean()) for g in _runs(marks) if left is None or g.min() >= left - 1]
    return start, ticks


def _runs(idx):
    import numpy as np

    if not len(idx):
        return []
    return np.split(idx, np.flatnonzero(np.diff(idx) > 1) + 1)


def event_times_drawn(im, start_at: float = -0.5) -> list[int]:
    """Event times of the points drawn in an event-study chart (the start line is at −0.5).

    The tick marks give the pixels per tick step. Of the steps matplotlib picks, the
    scale is the one that puts every tick on a multiple of the step and every point
    on a whole event time, counting from the start line (within two pixels).
    """
    import numpy as np

    points = drawn_points(im)
    if not points:
        return []
    start, ticks = _x_axis(im)
    if len(ticks) < 2 or np.isnan(start):
        raise AssertionError("the chart's x axis could not be read")
    spacing = float(np.median(np.diff(ticks)))

    def off(values, step):  # distance in pixels from the nearest multiple of ``step``
        v = np.asarray(values) / step
        return np.abs(v - np.round(v)).max() * spacing

    for step in (1.0, 2.0, 5.0, 10.0, 0.5, 2.5, 0.25, 0.2, 0.1, 20.0):
        scale = spacing / step
        at_ticks = [start_at + (t - start) / scale for t in ticks]
        at_points = [start_at + (x - start) / scale for x, _ in points]
        if off(at_ticks, step) < 2 and off(at_points, 1.0) / step < 2:
            return sorted(int(round(v)) for v in at_points)
    raise AssertionError("the chart's x axis could not be read")


_TERM = re.compile(r"^(\d{4}) \((jan|jul)–([a-zåäö]{3})\)$")  # a cut-short last term: "(jul–nov)"
MUNICIPALITY = "Hela kommunen"
_EVENT_ALT = "Punkter med intervall för "


def _term_table(soup, outcome: str):
    """The effects section's per-term table of ``outcome``: terms, and column → row → text."""
    for _, cap, head, body in tables(soup):
        if not (cap.lower().startswith(outcome.lower()) and "per halvår" in cap):
            continue
        terms = [r[0] for r in body if _TERM.match(r[0])]
        cols = {h: {r[0]: r[j] for r in body} for j, h in enumerate(head) if j}
        return terms, cols
    return [], {}


def _term_start(label: str):
    import pandas as pd

    year, first, _ = _TERM.match(label).groups()
    return pd.Timestamp(f"{year}-{'01' if first == 'jan' else '07'}-01")


def _donors_are_the_rest(soup) -> bool:
    """Whether the page says the effects compare with all the municipality's other areas."""
    text = soup.get_text(" ")
    m = re.search(r"Jämförelseområden i effektskattningarna: kommunens övriga[^.]*\.", text)
    return bool(m) and "undantagna" not in m.group(0)


def event_study_leaks(soup, area: str, start) -> tuple[list[int], list[str], list[str]]:
    """Route 6 on a rendered page: what the event-study chart's drawn points give away.

    A point at event time e is, read off the image, r_e = (T_e / P_e) · k: the
    treated area's term value T against the donors' (all other areas') term total
    P, relative to the reference term −1 (k = P_ref / T_ref). From the per-term
    table beside it the reader knows T where it is shown and P = municipality − T
    where both are shown. Returns the event times drawn, the leaks (a point drawn
    for a term whose treated value is hidden — the masking rule —, and every hidden
    T or P the points pin once k is known, or pin with the municipality's total),
    and the relations: ratios between hidden totals the points give without an
    anchor on this page (an anchor in another report would pin them; the audit
    does not see these points, so they are reported, not judged here).
    """
    import pandas as pd

    charts = [
        f
        for f in soup.find_all("figure", class_="ev-chart")
        if str(f.find("img").get("alt") or "").startswith(_EVENT_ALT)
    ]
    if not charts:
        return [], [], []
    alt = str(charts[0].find("img").get("alt"))
    outcome = alt.removeprefix(_EVENT_ALT).split(", ett per halvår")[0]
    terms, cols = _term_table(soup, outcome)
    assert terms and area in cols, f"no per-term table of {outcome!r} beside the event study"
    shown = {c: {t: v != HIDDEN for t, v in col.items()} for c, col in cols.items()}
    first_post = sum(1 for t in terms if _term_start(t) < pd.Timestamp(start))
    rest = _donors_are_the_rest(soup) and MUNICIPALITY in shown
    drawn = event_times_drawn(chart_image(charts[0]))

    def known(term: str) -> tuple[bool, bool, bool]:  # treated, donors' total, their sum
        whole = rest and shown[MUNICIPALITY][term]
        return shown[area][term], whole and shown[area][term], whole

    points = []
    for e in drawn:
        i = first_post + e
        assert 0 <= i < len(terms), f"a point at event time {e} has no term"
        if e != -1:  # the reference term itself is drawn at 1 (no difference) by definition
            points.append((e, terms[i]))
    ref = terms[first_post - 1]
    leaks = [f"{t}: a point is drawn for {area}'s hidden value (e = {e})" for e, t in points]
    leaks = [x for x, (_, t) in zip(leaks, points, strict=True) if not shown[area][t]]
    scale_known = all(known(ref)[:2]) or any(all(known(t)[:2]) for _, t in points)
    relations = []
    for e, t in [*points, (-1, ref)] if points else []:
        tk, pk, whole = known(t)
        if tk and pk:
            continue
        side = "the donors' total" if tk else f"{area}'s value"
        what = f"{t} (e = {e}): {side}"
        if scale_known and (tk or pk or whole):
            leaks.append(f"{what} follows from the points")
        else:
            relations.append(f"{what} is tied to the other terms by the points")
    return drawn, leaks, relations


_SC_ALT = "Syntetisk kontroll för "


def sc_gap_leaks(soup, n_terms: int) -> tuple[int, list[str]]:
    """Route 6, synthetic control: the gap panel drawn only between shown treated terms.

    A gap point is treated − synthetic for one term; with the synthetic line read
    off the same chart it gives the treated term's value. The chart draws the
    treated area's shown term values as markers in the top panel and the gap as a
    line in the bottom one. The reader lays the term grid through the markers
    (terms are evenly spaced; ``n_terms`` of them, from the per-term table) and
    checks that the gap line crosses a term step only where both ends have a
    marker. Returns the markers found and the leaks.
    """
    from collections import Counter

    import numpy as np

    charts = [
        f
        for f in soup.find_all("figure", class_="ev-chart")
        if str(f.find("img").get("alt") or "").startswith(_SC_ALT)
    ]
    if not charts:
        return 0, []
    im = chart_image(charts[0])
    dark = _dark(im)
    rows = dark.sum(axis=1)
    spines = [int(r.mean()) for r in _runs(np.flatnonzero(rows > 0.5 * rows.max()))]
    assert len(spines) == 2, "two panels expected"
    top, bottom = spines
    axis = np.flatnonzero(dark[bottom])
    markers = sorted(x for x, y in drawn_points(im) if y < top)
    assert markers, "no shown term to lay the grid through"
    step = _term_step(markers, n_terms)
    # walk the grid from the first marker, snapping to each marker met (half-years are
    # 181 or 184 days: the steps alternate by a pixel or so)
    grid = [markers[0] - step * k for k in range(int((markers[0] - axis[0]) / step), 0, -1)]
    g = markers[0]
    while g <= axis[-1]:
        near = [m for m in markers if abs(m - g) < 0.2 * step]
        g = near[0] if near else g
        grid.append(g)
        g += step
    has_marker = [any(abs(m - g) < 0.2 * step for m in markers) for g in grid]
    sat = im.max(axis=2) - im.min(axis=2)
    main = np.array(Counter(map(tuple, im[sat > 60])).most_common(1)[0][0])
    line = (np.abs(im - main).sum(axis=2) < 90)[top + 6 : bottom - 1]
    leaks = []
    for i in range(len(grid) - 1):
        mid = int(round((grid[i] + grid[i + 1]) / 2))
        if line[:, mid - 1 : mid + 2].any() and not (has_marker[i] and has_marker[i + 1]):
            leaks.append(f"the gap is drawn across the step x = {grid[i]:.0f}…{grid[i + 1]:.0f}")
    return len(markers), leaks


def _term_step(markers: list[float], n_terms: int) -> float:
    """Pixels per term: the largest spacing that puts every marker on one grid of n terms."""
    import numpy as np

    diffs = np.diff(markers)
    if not len(diffs):
        return float("inf")
    base = float(diffs.min())
    span = markers[-1] - markers[0]
    for k in range(1, n_terms + 1):
        s = base / k
        if np.all(np.abs(diffs / s - np.round(diffs / s)) * s < 4) and span / s < n_terms:
            return s
    raise AssertionError("the term grid could not be laid through the markers")


def synthetic_control_leaks(soup) -> list[str]:
    """``sc_gap_leaks`` with the number of terms read off the per-term table beside the chart."""
    charts = [
        f
        for f in soup.find_all("figure", class_="ev-chart")
        if str(f.find("img").get("alt") or "").startswith(_SC_ALT)
    ]
    if not charts:
        return []
    outcome = str(charts[0].find("img").get("alt")).removeprefix(_SC_ALT)
    terms, _ = _term_table(soup, outcome)
    assert terms, f"no per-term table of {outcome!r} beside the synthetic control"
    return sc_gap_leaks(soup, len(terms))[1]


_ITS_ALT = "Avbruten tidsserie för "


def its_points(soup) -> int | None:
    """Monthly observed points drawn in the interrupted-time-series chart (None: no chart).

    Markers are told from the fitted line of the same colour by shape: round
    blobs (as wide as high, filled) survive the opening that takes the line away.
    """

    charts = [
        f
        for f in soup.find_all("figure", class_="ev-chart")
        if str(f.find("img").get("alt") or "").startswith(_ITS_ALT)
    ]
    if not charts:
        return None
    return round_markers(chart_image(charts[0]))


def round_markers(im) -> int:
    """Round filled markers of the chart's main colour, the legend's sample left out."""
    from collections import Counter

    import numpy as np
    from scipy import ndimage

    sat = im.max(axis=2) - im.min(axis=2)
    colour = np.array(Counter(map(tuple, im[sat > 60])).most_common(1)[0][0])
    mask = np.abs(im - colour).sum(axis=2) < 90
    dark = _dark(im)
    mask |= dark & ndimage.binary_dilation(mask, iterations=2)  # a marker under the start line
    blobs = ndimage.binary_opening(mask, structure=np.ones((3, 3)))
    labels, _ = ndimage.label(blobs)
    n = 0
    for i, sl in enumerate(ndimage.find_objects(labels), start=1):
        h, w = sl[0].stop - sl[0].start, sl[1].stop - sl[1].start
        area = int((labels[sl] == i).sum())
        if min(h, w) >= 4 and abs(h - w) <= 1 and area >= 0.7 * h * w:
            yi, xi = (sl[0].start + sl[0].stop) // 2, (sl[1].start + sl[1].stop) // 2
            if dark[max(yi - 6, 0) : yi + 7, xi + 6 : xi + 130].any(axis=0).sum() < 45:
                n += 1  # not the legend's sample
    return n


def _count(text: str) -> int | None:
    digits = re.sub(r"[\s\u00a0\u202f]", "", text)
    return int(digits) if re.fullmatch(r"\d+", digits) else None


def margin_leaks(soup) -> tuple[int, list[str]]:
    """Hidden cells of the page's count tables that their 'Totalt' row or column gives away.

    A reader without the ledger solves, table by table, every row and column that has a
    total and one unknown cell, and repeats while something new is learnt. Returns the
    number of hidden cells seen and a description of each one solved.
    """
    hidden, leaks = 0, []
    for fig, caption, head, body in tables(soup):
        if fig.get("data-kind") != "counts" or not body:
            continue
        grid = {(r[0], col): text for r in body for col, text in zip(head[1:], r[1:], strict=False)}
        hidden += sum(text == HIDDEN for text in grid.values())
        known = {k: v for k, text in grid.items() if (v := _count(text)) is not None}
        labels, columns = [r[0] for r in body], head[1:]
        sums = []  # (parts, total) of every row and column that has a total
        for total in (c for c in columns if c.startswith("Totalt")):
            sums += [([(r, c) for c in columns if c != total], (r, total)) for r in labels]
        for total in (r for r in labels if r.startswith("Totalt")):
            sums += [([(r, c) for r in labels if r != total], (total, c)) for c in columns]
        learnt = True
        while learnt:
            learnt = False
            for parts, total in sums:
                cells = [*parts, total]
                if any(grid.get(k) not in (HIDDEN, None) and k not in known for k in cells):
                    continue  # a cell that is neither a count nor hidden: no equation
                if any(k not in grid for k in cells):
                    continue
                unknown = [k for k in cells if k not in known]
                if len(unknown) != 1:
                    continue
                (u,) = unknown
                seen = sum(known[k] for k in parts if k in known)
                known[u] = seen if u == total else known[total] - seen
                learnt = True
                leaks.append(f"{caption}: {u} = {known[u]}")
    return hidden, leaks
