"""Protecting a crosstab of counts: suppress, audit, and step down the R9 ladder.

Order (docs/privacy.md R2, R3, R9):

1. primary suppression of inner cells and totals (1 … min_count − 1), plus
   0 %/100 % of small groups when ``sensitive``;
2. secondary suppression (``secondary.py``), then the independent LP audit
   (``audit.py``); cells the audit finds too narrow make more cells hidden
   until it passes;
3. if more than a quarter of inner cells or any total is hidden: merge the
   smallest rows into "övriga" (2, 3, … rows) and start again; failing that,
   show the grand total only; if even that is 1 … min_count − 1, withhold.

Totals are always protected as if published: the same population usually
appears elsewhere in the report (R3), so ``margins=False`` only drops them
from the result.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from evaluation.exceptions import PrivacyError
from evaluation.privacy.audit import audit_table
from evaluation.privacy.margins import Layout, label_for, merge_rows, with_margins
from evaluation.privacy.primary import sensitive_extremes, small_counts
from evaluation.privacy.results import ProtectedTable
from evaluation.privacy.rules import PrivacyRules
from evaluation.privacy.secondary import hide_more, secondary_suppress
from evaluation.privacy.symbols import (
    SUPPRESSED_SENTENCE,
    TOTAL,
    TOTAL_ONLY_SENTENCE,
    merged_sentence,
)


@dataclass(frozen=True)
class _Suppressed:
    values: pd.DataFrame  # true values with margins
    hidden: np.ndarray
    layout: Layout

    def acceptable(self) -> bool:
        """R9: at most a quarter of inner cells hidden and no total hidden."""
        inner = self.layout.inner_mask()
        if self.layout.shape == (1, 1):
            return not self.hidden[0, 0]
        return self.hidden[inner].sum() <= inner.sum() / 4 and not self.hidden[~inner].any()


def suppress(
    table: pd.DataFrame,
    rules: PrivacyRules,
    *,
    sensitive: bool,
    label: str,
    early_exit: bool = True,
    forced=None,
    merged_rows: tuple = (),
) -> _Suppressed:
    """Primary and secondary suppression until the independent audit passes.

    With ``early_exit``, returns unaudited as soon as the pattern hides too much
    for R9: such a result is never published, only used to step down the ladder.
    """
    values, layout = with_margins(table)
    full = values.to_numpy()
    hidden = small_counts(full, rules)
    if sensitive:
        hidden |= sensitive_extremes(full, layout, rules)
    if forced is not None:  # cells the batch keeps hidden in every report (R0)
        hidden |= forced(values, merged_rows)
    for _ in range(full.size + 1):
        hidden = secondary_suppress(full, hidden, layout, rules.min_count)
        if early_exit and not _Suppressed(values, hidden, layout).acceptable():
            # hiding only grows from here, so R9 will reject this table anyway:
            # skip the (costly) audit and let the ladder take the next step
            return _Suppressed(values, hidden, layout)
        shown = values.mask(pd.DataFrame(hidden, index=values.index, columns=values.columns))
        failures = audit_table(shown, shown.isna(), rules.min_count, margins=True)
        if not failures:
            return _Suppressed(values, hidden, layout)
        odd = [f for f in failures if f.kind != "interval"]
        if odd:
            raise PrivacyError(f"{label}: granskningen misslyckades efter döljandet: {odd[0]}")
        more = hide_more(full, hidden, layout, [(f.row_pos, f.col_pos) for f in failures])
        if more is None:
            raise PrivacyError(
                f"{label}: inget mönster av dolda celler klarar granskningen: {failures[0]}"
            )
        hidden = more
    raise PrivacyError(f"{label}: döljandet blev inte stabilt")  # pragma: no cover


def _result(
    s: _Suppressed,
    label: str,
    *,
    margins: bool,
    rung: str,
    note: str | None,
    merged_rows: tuple = (),
) -> ProtectedTable:
    values = s.values.mask(pd.DataFrame(s.hidden, index=s.values.index, columns=s.values.columns))
    hidden = values.isna()
    if not margins:
        values = values.iloc[: s.layout.n, : s.layout.m]
        hidden = hidden.iloc[: s.layout.n, : s.layout.m]
    return ProtectedTable(
        values=values,
        hidden=hidden,
        label=label,
        withheld=False,
        note=note,
        rung=rung,
        merged_rows=merged_rows,
    )


def protect_counts(
    table: pd.DataFrame,
    rules: PrivacyRules,
    *,
    label: str,
    margins: bool,
    sensitive: bool,
    merge_label: str,
    forced=None,
) -> ProtectedTable:
    """The R9 ladder over ``suppress``; ``table`` is a validated int64 crosstab.

    ``forced(values, merged_rows)`` marks cells of the table with margins that
    must be hidden whatever their value (kept hidden by the batch, R0).
    """
    first = suppress(table, rules, sensitive=sensitive, label=label, forced=forced)
    if first.acceptable():
        return _result(first, label, margins=margins, rung="full", note=None)

    n = table.shape[0]
    order = table.sum(axis=1).to_numpy().argsort(kind="stable")
    for k in range(2, n):
        rows = tuple(table.index[order[:k]])
        merged = merge_rows(table, rows, merge_label)
        attempt = suppress(
            merged, rules, sensitive=sensitive, label=label, forced=forced, merged_rows=rows
        )
        if attempt.acceptable():
            return _result(
                attempt,
                label,
                margins=margins,
                rung="merged",
                note=merged_sentence(merge_label),
                merged_rows=rows,
            )

    grand = int(table.to_numpy().sum())
    column = table.columns[0] if table.shape[1] == 1 else label_for(table.columns, TOTAL)
    total = pd.DataFrame(
        [[float(grand)]],
        index=pd.Index([label_for(table.index, TOTAL)]),
        columns=pd.Index([column]),
    )
    # the batch keeps the total itself hidden (R0: e.g. a revision of it): nothing is left
    kept_hidden = forced is not None and bool(forced(total, ())[0, 0])
    if rules.is_small(grand) or kept_hidden:
        values, _ = with_margins(table)
        nan = values.mask(values.notna())
        if not margins:
            nan = nan.iloc[: table.shape[0], : table.shape[1]]
        return ProtectedTable(
            values=nan,
            hidden=nan.isna(),
            label=label,
            withheld=True,
            note=SUPPRESSED_SENTENCE,
            rung="withheld",
        )
    return ProtectedTable(
        values=total,
        hidden=total.isna(),
        label=label,
        withheld=False,
        note=TOTAL_ONLY_SENTENCE,
        rung="total",
    )
