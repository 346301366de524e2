"""Protected outputs → Swedish-formatted tables ('..' hidden, '–' missing)."""

from __future__ import annotations

import pandas as pd

from evaluation.present.format import (
    HIDDEN,
    fmt_int,
    fmt_interval,
    fmt_number,
    fmt_percent,
    partial_period,
)
from evaluation.present.guard import require_protected
from evaluation.present.output import Note, Table


def withheld_note(protected) -> Note:
    """The standard sentence for an output left out because too little data remained."""
    return Note(
        protected.note or "Uppgiften redovisas inte eftersom underlaget är för litet.",
        kind="withheld",
    )


def _relabel(labels, end) -> list:
    """Period labels with a cut-short last period named ("2025 (jan–jun)")."""
    return [partial_period(str(x), end) or x for x in labels]


def count_table(protected, caption: str, index_label: str = "", end=None) -> Table | Note:
    """A protected crosstab of counts, totals included; ``end`` labels a partial year."""
    require_protected(protected)
    if protected.withheld:
        return withheld_note(protected)
    cells = protected.values.copy().astype(object)
    for col in cells.columns:
        cells[col] = [
            fmt_int(v, hidden=h)
            for v, h in zip(protected.values[col], protected.hidden[col], strict=True)
        ]
    cells.columns = _relabel(cells.columns, end)
    return Table(cells, caption, note=protected.note, index_label=index_label, kind="counts")


def value_table(
    protected,
    caption: str,
    *,
    row: str = "group",
    column: str = "period",
    percent: bool = False,
    decimals: int = 0,
    with_ci: bool = True,
    index_label: str = "",
    end=None,
) -> Table | Note:
    """A protected tidy frame of shares or rates pivoted to rows × columns, with intervals."""
    require_protected(protected)
    if protected.withheld:
        return withheld_note(protected)
    frame = protected.frame
    fmt = (
        (lambda v, h: fmt_percent(v, decimals, h))
        if percent
        else (lambda v, h: fmt_number(v, decimals, h))
    )

    def cell(r: pd.Series) -> str:
        if bool(r["suppressed"]):
            return HIDDEN
        text = fmt(r["value"], False)
        if with_ci and pd.notna(r.get("ci_low")):
            text += f" ({fmt_interval(r['ci_low'], r['ci_high'], decimals, percent)})"
        return text

    shown = frame.assign(_cell=frame.apply(cell, axis=1))
    shown[row] = shown[row].astype(str)
    cells = shown.pivot(index=row, columns=column, values="_cell")
    cells = cells.reindex(list(dict.fromkeys(shown[row])))  # keep the report's group order
    if column == "period":  # periods read down the page; groups fit across it
        cells = cells.T
        cells.index = _relabel(cells.index, end)
        index_label = "Period"
    cells.index.name = None
    cells.columns.name = None
    note = protected.note
    return Table(
        cells.fillna("–"), caption, note=note, index_label=index_label, kind=protected.kind
    )


def statistic_table(
    protected,
    caption: str,
    *,
    row: str = "group",
    column: str = "period",
    value: str = "median",
    decimals: int = 0,
    index_label: str = "",
) -> Table | Note:
    """A protected frame of medians or means, with the number of cases behind each."""
    require_protected(protected)
    if protected.withheld:
        return withheld_note(protected)
    frame = protected.frame
    text = [
        HIDDEN if s else fmt_number(v, decimals)
        for v, s in zip(frame[value], frame["suppressed"], strict=True)
    ]
    shown = frame.assign(_cell=text)
    shown[row] = shown[row].astype(str)
    cells = shown.pivot(index=row, columns=column, values="_cell")
    cells = cells.reindex(list(dict.fromkeys(shown[row])))
    cells.index.name = None
    cells.columns.name = None
    return Table(
        cells.fillna("–"),
        caption,
        note=protected.note,
        index_label=index_label,
        kind=protected.kind,
    )


__all__ = ["count_table", "value_table", "statistic_table", "withheld_note", "fmt_int"]
