"""What the privacy layer hands to the presentation layer.

Results are the only tables a report may read numbers from (R1): nothing is
recomputed from them afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from evaluation.privacy.symbols import HIDDEN


@dataclass(frozen=True)
class ProtectedTable:
    """A crosstab of counts after suppression.

    Attributes
    ----------
    values
        Float frame including margins ("Totalt"); NaN where hidden.
    hidden
        Boolean frame of the same shape, True where hidden.
    label
        The output's label in the report (unique per report).
    withheld
        True when nothing may be shown; show ``note`` instead of a table.
    note
        None, or a sentence to print under (or instead of) the table.
    rung
        Which step of the R9 ladder was used: "full", "merged", "total" or "withheld".
    merged_rows
        Original row labels merged into the "övriga" row (empty unless rung="merged").
    """

    values: pd.DataFrame
    hidden: pd.DataFrame
    label: str
    withheld: bool = False
    note: str | None = None
    rung: str = "full"
    merged_rows: tuple = ()

    @property
    def n_hidden(self) -> int:
        """Number of hidden cells."""
        return int(self.hidden.to_numpy().sum())

    @property
    def n_cells(self) -> int:
        """Number of cells in the protected table."""
        return int(self.hidden.size)

    @property
    def merged(self) -> bool:
        """Whether small categories were merged into 'övriga'."""
        return self.rung == "merged"

    def shown(self) -> pd.DataFrame:
        """Object frame as a reader sees it: whole numbers and ".." (no formatting)."""
        out = self.values.astype(object)
        for col in out.columns:
            out[col] = [HIDDEN if pd.isna(v) else int(v) for v in self.values[col]]
        return out


@dataclass(frozen=True)
class ProtectedFrame:
    """A tidy frame of shares, rates, statistics or a time series after suppression.

    Attributes
    ----------
    frame
        The rows with a boolean ``suppressed`` column; hidden values are NaN.
    label, kind
        Output label and what was protected ("shares", "rates", "statistics", "series").
    withheld
        True when every row is hidden; show ``note`` instead of a chart.
    note
        None, or the standard sentence when withheld.
    grain
        For series: "month", "quarter", "term" or "year".
    """

    frame: pd.DataFrame
    label: str
    kind: str
    withheld: bool = False
    note: str | None = None
    grain: str | None = None

    @property
    def n_hidden(self) -> int:
        """Number of hidden values."""
        return int(self.frame["suppressed"].sum())

    @property
    def n_cells(self) -> int:
        """Number of values in the protected frame."""
        return len(self.frame)
