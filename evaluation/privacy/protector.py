"""The Protector: one per report, every output passes through it (docs/privacy.md R1, R10).

It applies the rules, refuses to protect one output twice with different data,
and keeps a ledger for the report's appendix.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from evaluation.exceptions import PrivacyError
from evaluation.privacy import frames
from evaluation.privacy.ladder import protect_counts
from evaluation.privacy.ledger import Ledger
from evaluation.privacy.margins import validate_counts
from evaluation.privacy.primary import hide_rates, hide_shares, hide_statistics
from evaluation.privacy.recording import (
    Context,
    CountCells,
    CountRows,
    Recorder,
    ShareCells,
    Spec,
    frame_keys,
    record_counts,
)
from evaluation.privacy.results import ProtectedFrame, ProtectedTable
from evaluation.privacy.rules import PrivacyRules
from evaluation.privacy.secondary import hide_linked_groups
from evaluation.privacy.series import GRAINS, protect_series
from evaluation.privacy.symbols import HIDDEN, MISSING, OTHERS

VALUE_COLS = ("value", "ci_low", "ci_high")
GROUP = "group"
_GRAIN_SV = {"month": "månad", "quarter": "kvartal", "term": "halvår", "year": "år"}
_KIND_SV = {
    "counts": "antal",
    "shares": "andelar",
    "rates": "kvoter per 1 000",
    "statistics": "medelvärden/medianer",
    "series": "tidsserie",
}


def _fingerprint(kind: str, data: pd.DataFrame, options: dict[str, Any]) -> str:
    h = hashlib.sha256()
    h.update(repr((kind, sorted(options.items()))).encode())
    h.update(repr([(c, str(t)) for c, t in data.dtypes.items()]).encode())
    h.update(repr((list(data.index.names), data.shape)).encode())
    try:
        h.update(pd.util.hash_pandas_object(data, index=True).to_numpy().tobytes())
    except TypeError:  # unhashable cells (lists, dicts): fall back to their text
        h.update(data.to_csv().encode())
    return h.hexdigest()


@dataclass(frozen=True)
class _Entry:
    fingerprint: str
    kind: str
    result: ProtectedTable | ProtectedFrame


class Protector:
    """Applies the privacy rules to every output of one report.

    Parameters
    ----------
    rules
        :class:`PrivacyRules`, or :class:`evaluation.params.PrivacyParams`, or
        None for the defaults.

    replace
        True in an interactive session (JupyterLab): protecting a ``label`` again with
        other data replaces the earlier result, as a re-run cell replaces its output.
        False (rendering): that raises, so no report shows two versions of one output.

    Protecting the same ``label`` again with the same data and options returns
    the earlier result (so a notebook cell can be re-run); with different data
    it raises :class:`PrivacyError` (R1) unless ``replace``.

    Every protected output is also recorded in :attr:`publication` (a
    :class:`~evaluation.privacy.ledger.Ledger`): each figure it publishes and
    which base cells it sums, hidden ones by identity only (R0). ``context``
    tells what the outputs are about (groups → area codes, the period) and
    which figures the batch keeps hidden; ``spec`` on each call names the
    measure so that tables of different reports link.
    """

    def __init__(
        self,
        rules: PrivacyRules | Any = None,
        context: Context | None = None,
        *,
        replace: bool = False,
    ) -> None:
        self.rules = PrivacyRules.from_params(rules)
        self.replace = replace
        self._entries: dict[str, _Entry] = {}
        self.context = context or Context()
        self.publication = Ledger(min_count=self.rules.min_count)

    def _recorder(self, label: str, spec: Spec | None) -> Recorder:
        return Recorder(self.context, spec, label)

    def _member_recorder(self, label: str, spec: Spec | None, members: pd.DataFrame) -> Recorder:
        """A recorder that also knows each member row's group label as its area code."""
        codes = {str(c): (str(c),) for c in members[GROUP].unique()}
        ctx = dataclasses.replace(self.context, groups={**codes, **self.context.groups})
        return Recorder(ctx, spec, label)

    def _linked(
        self,
        frame: pd.DataFrame,
        members: pd.DataFrame | None,
        measured: Sequence[str],
        label: str,
        hidden_of: Callable[[pd.DataFrame], np.ndarray],
        components_of: Callable[[pd.DataFrame], list[np.ndarray]],
    ) -> np.ndarray:
        """Rows over a group of areas to hide because a hidden member would be derivable (R0).

        ``members`` is the same output computed for every single area of the
        municipality (its ``group`` column holds area codes); ``hidden_of`` tells
        which of its rows their own reports hide (the same rules, the batch's hidden
        set), ``components_of`` gives the additive counts behind each row. Used only
        to decide; never published. See :func:`secondary.hide_linked_groups`.
        """
        none = np.zeros(len(frame), dtype=bool)
        if members is None:
            return none
        if not isinstance(members, pd.DataFrame) or GROUP not in members.columns:
            raise PrivacyError(f"{label}: members ska vara en tabell med kolumnen 'group'")
        if GROUP not in frame.columns or not len(members):
            return none
        keys = [k for k in frame_keys(frame, measured) if k != GROUP]
        missing = [k for k in keys if k not in members.columns]
        if missing:
            raise PrivacyError(f"{label}: members saknar kolumnen {missing[0]!r}")

        def key_of(df: pd.DataFrame) -> list[tuple[str, ...]]:
            cols = [df[k].astype(str).tolist() for k in keys]
            return list(zip(*cols, strict=True)) if cols else [()] * len(df)

        member_keys = key_of(members)
        codes = members[GROUP].astype(str).tolist()
        index = {(k, c): j for j, (k, c) in enumerate(zip(member_keys, codes, strict=True))}
        groups = self.context.groups
        areas = [groups.get(str(g)) for g in frame[GROUP]]
        everyone = self.context.all_areas or tuple(dict.fromkeys(codes))
        return hide_linked_groups(
            areas,
            key_of(frame),
            index,
            components_of(members),
            hidden_of(members),
            everyone,
            self.rules.min_count,
        )

    # -- bookkeeping ---------------------------------------------------------------
    def _once(
        self,
        label: str,
        kind: str,
        data: pd.DataFrame,
        options: dict[str, Any],
        compute: Callable[[], ProtectedTable | ProtectedFrame],
    ):
        if not isinstance(label, str) or not label.strip():
            raise PrivacyError("varje skyddad utdata behöver en etikett som inte är tom")
        if not isinstance(data, pd.DataFrame):
            raise PrivacyError(f"{label}: väntade en DataFrame, fick {type(data).__name__}")
        fp = _fingerprint(kind, data, options)
        known = self._entries.get(label)
        if known is not None:
            if known.fingerprint == fp:
                return known.result
            if not self.replace:
                raise PrivacyError(
                    f"{label}: denna utdata är redan skyddad med andra data "
                    "eller inställningar; varje utdata skyddas en gång (R1). Ge en ny utdata "
                    "en egen etikett, eller börja om från open_report"
                )
            del self._entries[label]  # interactive re-run: the new version replaces the old
        result = compute()
        self._entries[label] = _Entry(fp, kind, result)
        return result

    # -- outputs -------------------------------------------------------------------
    def counts(
        self,
        table: pd.DataFrame,
        *,
        label: str,
        margins: bool = True,
        sensitive: bool = False,
        merge_label: str = OTHERS,
        spec: Spec | None = None,
    ) -> ProtectedTable:
        """Protect a crosstab of counts of people or cases (R2, R3, R9).

        Parameters
        ----------
        table
            Rows × columns of non-negative whole numbers, without margins.
        label
            The output's label, unique in the report.
        margins
            Show the "Totalt" column (row totals) when there is more than one
            column and the "Totalt" row (column totals) when there is more than
            one row. Totals are protected as if shown either way.
        sensitive
            Also hide 0 % and 100 % cells in rows/columns with fewer than
            ``sensitive_min_n`` people (R4).
        merge_label
            Label of the row small rows are merged into (R9).
        spec
            What the cells count (measure, axes, fixed filters) for the ledger.
        """
        options = {"margins": margins, "sensitive": sensitive, "merge_label": merge_label}

        def compute() -> ProtectedTable:
            checked = validate_counts(table, label)
            cells = CountCells(self._recorder(label, spec), checked)
            result = protect_counts(
                checked,
                self.rules,
                label=label,
                margins=margins,
                sensitive=sensitive,
                merge_label=merge_label,
                forced=cells.forced_mask if self.context.forced else None,
            )
            record_counts(self.publication, cells, result, merge_label)
            return result

        return self._once(label, "counts", table, options, compute)

    def shares(
        self,
        frame: pd.DataFrame,
        *,
        label: str,
        numerator: str = "numerator",
        denominator: str = "denominator",
        value_cols: Sequence[str] = VALUE_COLS,
        sensitive: bool = False,
        complementary: str | None = None,
        keys: Sequence[str] = (),
        spec: Spec | None = None,
        members: pd.DataFrame | None = None,
    ) -> ProtectedFrame:
        """Protect one share per row (R2, R4).

        A row is hidden when ``denominator < min_n``, or the numerator or the
        rest (denominator − numerator) is 1 … ``min_count − 1``; for
        ``sensitive`` outcomes also 0 % and 100 % when ``denominator <
        sensitive_min_n``. With ``complementary="child_sex"``, rows that differ
        only in that column are hidden together. ``keys`` names numeric key
        columns other than year/month/quarter/term/period.

        ``members``: the same frame for every single area of the municipality
        (``group`` = area code), used only to decide. A row over a group of areas (a
        comparison pool, the municipality) is then hidden when a hidden member area's
        numerator or rest could be derived from it and the member cells other reports
        show, and a row of one area when the municipality's line needs it hidden (R0;
        :func:`evaluation.privacy.secondary.hide_linked_groups`).
        """
        options = {
            "numerator": numerator,
            "denominator": denominator,
            "value_cols": tuple(value_cols),
            "sensitive": sensitive,
            "complementary": complementary,
            "keys": tuple(keys),
            "members": None if members is None else _fingerprint("members", members, {}),
        }

        def compute() -> ProtectedFrame:
            frames.require(frame, [numerator, denominator], label)
            vals = frames.value_columns(frame, value_cols)
            measured = [numerator, denominator, *vals]
            frames.check_columns(frame, [*measured, *value_cols], keys, label)
            num = frames.counts_of(frame, numerator, label)
            den = frames.counts_of(frame, denominator, label)
            if (num > den).any():
                raise PrivacyError(f"{label}: en täljare är större än sin nämnare")
            cells = ShareCells(self._recorder(label, spec), frame, numerator, denominator, measured)
            hide = hide_shares(num, den, self.rules, sensitive=sensitive) | cells.forced(frame)

            def member_hidden(m: pd.DataFrame) -> np.ndarray:
                m_num = frames.counts_of(m, numerator, label)
                m_den = frames.counts_of(m, denominator, label)
                rec = self._member_recorder(label, spec, m)
                mine = ShareCells(rec, m, numerator, denominator, measured)
                h = hide_shares(m_num, m_den, self.rules, sensitive=sensitive) | mine.forced(m)
                return frames.complement(m, h, complementary, measured, label)

            def member_parts(m: pd.DataFrame) -> list[np.ndarray]:
                m_num = frames.counts_of(m, numerator, label).astype(float)
                m_den = frames.counts_of(m, denominator, label).astype(float)
                return [np.nan_to_num(m_num), np.nan_to_num(m_den - m_num)]

            hide = hide | self._linked(frame, members, measured, label, member_hidden, member_parts)
            hide = frames.complement(frame, hide, complementary, measured, label)
            result = frames.apply(frame, hide, [*vals, numerator, denominator], label, "shares")
            cells.record(self.publication, result.frame)
            return result

        return self._once(label, "shares", frame, options, compute)

    def rates(
        self,
        frame: pd.DataFrame,
        *,
        label: str,
        count: str = "numerator",
        population: str = "denominator",
        value_cols: Sequence[str] = VALUE_COLS,
        complementary: str | None = None,
        keys: Sequence[str] = (),
        spec: Spec | None = None,
        members: pd.DataFrame | None = None,
    ) -> ProtectedFrame:
        """Protect rates per 1 000 (R4).

        Hidden when the count is 1 … ``min_count − 1``
        (rate × public population gives it back) or the population is below ``min_n``.
        ``members`` as for :meth:`shares`: a rate over a group of areas is hidden when
        a hidden member area's count could be derived from it.
        """
        options = {
            "count": count,
            "population": population,
            "value_cols": tuple(value_cols),
            "complementary": complementary,
            "keys": tuple(keys),
            "members": None if members is None else _fingerprint("members", members, {}),
        }

        def compute() -> ProtectedFrame:
            frames.require(frame, [count, population], label)
            vals = frames.value_columns(frame, value_cols)
            measured = [count, population, *vals]
            frames.check_columns(frame, [*measured, *value_cols], keys, label)
            cells = CountRows(self._recorder(label, spec), frame, count, measured)
            hide = hide_rates(
                frames.counts_of(frame, count, label),
                frames.counts_of(frame, population, label),
                self.rules,
            )
            hide = hide | cells.forced(frame)

            def member_hidden(m: pd.DataFrame) -> np.ndarray:
                rec = self._member_recorder(label, spec, m)
                h = hide_rates(
                    frames.counts_of(m, count, label),
                    frames.counts_of(m, population, label),
                    self.rules,
                ) | CountRows(rec, m, count, measured).forced(m)
                return frames.complement(m, h, complementary, measured, label)

            def member_parts(m: pd.DataFrame) -> list[np.ndarray]:
                return [np.nan_to_num(frames.counts_of(m, count, label))]

            hide = hide | self._linked(frame, members, measured, label, member_hidden, member_parts)
            hide = frames.complement(frame, hide, complementary, measured, label)
            result = frames.apply(frame, hide, [*vals, count, population], label, "rates")
            cells.record(self.publication, result.frame, "count", target=True)
            return result

        return self._once(label, "rates", frame, options, compute)

    def statistics(
        self,
        frame: pd.DataFrame,
        *,
        label: str,
        n: str = "n",
        value_cols: Sequence[str] = VALUE_COLS,
        complementary: str | None = None,
        keys: Sequence[str] = (),
        spec: Spec | None = None,
    ) -> ProtectedFrame:
        """Protect means and medians (R2): hidden when fewer than ``min_n`` contributed.

        Minimum, maximum and extreme percentiles are refused (R4).
        """
        options = {
            "n": n,
            "value_cols": tuple(value_cols),
            "complementary": complementary,
            "keys": tuple(keys),
        }

        def compute() -> ProtectedFrame:
            frames.require(frame, [n], label)
            vals = frames.value_columns(frame, value_cols)
            measured = [n, *vals]
            frames.check_columns(frame, [*measured, *value_cols], keys, label)
            cells = CountRows(self._recorder(label, spec), frame, n, measured)
            hide = hide_statistics(frames.counts_of(frame, n, label), self.rules)
            hide = hide | cells.forced(frame)
            hide = frames.complement(frame, hide, complementary, measured, label)
            result = frames.apply(frame, hide, [*vals, n], label, "statistics")
            cells.record(self.publication, result.frame, "n", target=False)
            return result

        return self._once(label, "statistics", frame, options, compute)

    def series(
        self,
        frame: pd.DataFrame,
        *,
        label: str,
        time: str,
        count: str,
        group_cols: Sequence[str] = (),
        grains: Sequence[str] = GRAINS,
        spec: Spec | None = None,
    ) -> ProtectedFrame:
        """Protect time series of counts (R5); see :mod:`evaluation.privacy.series`.

        The result has ``group_cols``, ``time`` (period label: "2024-01",
        "2024K1", "2024H1" or "2024"), ``period_start``, ``count`` and
        ``suppressed``; ``.grain`` tells which grain was chosen.
        """
        options = {
            "time": time,
            "count": count,
            "group_cols": tuple(group_cols),
            "grains": tuple(grains),
        }

        def compute() -> ProtectedFrame:
            rec = self._recorder(label, spec)
            measured = [count]

            def forced(table: pd.DataFrame) -> np.ndarray:
                return CountRows(rec, table, count, measured).forced(table)

            result = protect_series(
                frame,
                self.rules,
                label=label,
                time=time,
                count=count,
                group_cols=group_cols,
                grains=grains,
                forced=forced if self.context.forced else None,
            )
            CountRows(rec, result.frame, count, measured).record(
                self.publication, result.frame, "count", target=True
            )
            return result

        return self._once(label, "series", frame, options, compute)

    def select(self, protected: ProtectedFrame, mask) -> ProtectedFrame:
        """The rows of ``protected`` where ``mask`` holds; the others are not published (R0).

        Use instead of :func:`evaluation.present.guard.select_rows` when the
        left-out rows are shown nowhere else in the report.
        """
        from evaluation.privacy.views import select_rows

        keep = np.asarray(mask, dtype=bool)
        self.publication.withdraw(protected.label, np.flatnonzero(~keep).tolist())
        return select_rows(protected, keep)

    # -- appendix (R10) ------------------------------------------------------------
    def ledger(self) -> pd.DataFrame:
        """One row per protected output, in the order protected."""
        rows = []
        for label, entry in self._entries.items():
            r = entry.result
            rows.append(
                {
                    "label": label,
                    "kind": entry.kind,
                    "cells": r.n_cells,
                    "hidden_cells": r.n_hidden,
                    "merged": getattr(r, "rung", None) == "merged",
                    "total_only": getattr(r, "rung", None) == "total",
                    "withheld": r.withheld,
                    "grain": getattr(r, "grain", None),
                }
            )
        columns = [
            "label",
            "kind",
            "cells",
            "hidden_cells",
            "merged",
            "total_only",
            "withheld",
            "grain",
        ]
        return pd.DataFrame(rows, columns=columns)

    def appendix(self) -> pd.DataFrame:
        """The ledger with Swedish headings and wording, for the report's appendix."""
        rows = []
        for _, r in self.ledger().iterrows():
            if r["withheld"]:
                action = "redovisas inte"
            elif r["merged"]:
                action = "små grupper sammanslagna till övriga"
            elif r["total_only"]:
                action = "endast total"
            elif isinstance(r["grain"], str) and r["grain"] != "month":
                action = f"redovisas per {_GRAIN_SV[r['grain']]}"
            else:
                action = MISSING
            rows.append(
                {
                    "Tabell eller diagram": r["label"],
                    "Typ": _KIND_SV[r["kind"]],
                    "Uppgifter": int(r["cells"]),
                    "Dolda": int(r["hidden_cells"]),
                    "Åtgärd": action,
                }
            )
        return pd.DataFrame(
            rows, columns=["Tabell eller diagram", "Typ", "Uppgifter", "Dolda", "Åtgärd"]
        )

    def rules_text(self) -> str:
        """Swedish text for the appendix: the rules and thresholds applied (R10)."""
        r = self.rules
        small = f"1–{r.min_count - 1}"
        ledger = self.ledger()
        hidden = int(ledger["hidden_cells"].sum()) if len(ledger) else 0
        lines = [
            "Sekretessregler som tillämpats i rapporten",
            f"- Antal personer eller ärenden från {small} redovisas inte. Noll visas.",
            f"- Andelar, kvoter, medelvärden och medianer redovisas bara när de bygger på "
            f"minst {r.min_n} personer. En andel visas inte om antalet med eller utan "
            f"egenskapen är {small}.",
            f"- För känsliga utfall (till exempel placering eller inledd utredning) visas "
            f"inte 0 % eller 100 % när gruppen har färre än {r.sensitive_min_n} personer.",
            "- Om en av två kompletterande grupper (till exempel flickor och pojkar) döljs, "
            "döljs även den andra.",
            f"- Kvoter per 1 000 invånare döljs när antalet bakom kvoten är {small}.",
            "- I tabeller med summor döljs fler celler så att ingen dold uppgift kan räknas "
            "fram. Varje tabell har granskats med linjärprogrammering: varje dold uppgift "
            "kan ligga inom ett intervall "
            f"som är minst {r.min_count} brett.",
            "- Månadsserier visas bara när alla månader klarar reglerna; annars redovisas "
            "kvartal, halvår eller år.",
            "- När mer än en fjärdedel av cellerna eller någon summa skulle döljas slås små "
            "grupper samman till ”övriga” eller redovisas endast totalen; är även totalen för "
            "liten redovisas uppgiften inte.",
            f"- {HIDDEN} = uppgift dold av sekretesskäl. {MISSING} = uppgift saknas.",
            f"Rapporten har {len(ledger)} skyddade tabeller och diagram med sammanlagt "
            f"{hidden} dolda uppgifter.",
        ]
        return "\n".join(lines)
