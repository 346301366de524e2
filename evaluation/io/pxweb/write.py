"""Write a tidy PxWeb frame back as a json-stat2 dataset (for merged fetches and fixtures)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from evaluation.io.pxweb.read import MARKERS, MEASURE, NOTE, VALUE


def to_jsonstat2(
    frame: pd.DataFrame,
    *,
    label: str = "",
    source: str = "SCB",
    metric_codes: list[str] | None = None,
) -> dict:
    """Write a tidy PxWeb frame back as a json-stat2 dataset (dimensions in column order).

    A frame without ``measure`` gets a one-category ``ContentsCode`` from ``metric_codes``.
    """
    frame = frame.copy()
    if MEASURE in frame.columns:
        frame = frame.rename(columns={MEASURE: "ContentsCode"})
    elif metric_codes:
        frame["ContentsCode"] = metric_codes[0]
    dims = [c for c in frame.columns if c not in (VALUE, NOTE)]
    cats = {d: list(dict.fromkeys(frame[d].astype(str))) for d in dims}
    full = pd.MultiIndex.from_product([cats[d] for d in dims], names=dims)
    indexed = frame.astype({d: str for d in dims}).set_index(dims).reindex(full)
    reasons = {v: k for k, v in reversed(MARKERS.items())}
    values, status = [], {}
    for i, (number, note) in enumerate(zip(indexed[VALUE], indexed[NOTE], strict=False)):
        values.append(None if pd.isna(number) else float(number))
        if pd.isna(number):
            status[str(i)] = reasons.get(note, "..") if isinstance(note, str) else ".."
    dimension = {
        d: {
            "label": d,
            "category": {
                "index": {c: i for i, c in enumerate(cats[d])},
                "label": {c: c for c in cats[d]},
            },
        }
        for d in dims
    }
    doc: dict[str, Any] = {
        "version": "2.0",
        "class": "dataset",
        "label": label,
        "source": source,
        "id": dims,
        "size": [len(cats[d]) for d in dims],
        "dimension": dimension,
        "value": values,
    }
    if "ContentsCode" in dims:
        doc["role"] = {"metric": ["ContentsCode"]}
    time = [d for d in dims if d == "Tid"]
    if time:
        doc.setdefault("role", {})["time"] = time
    if status:
        doc["status"] = status
    return doc
