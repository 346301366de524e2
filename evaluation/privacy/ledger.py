"""The publication ledger (docs/privacy.md R0): every published figure and what it reveals.

A *figure* is a sum of base cells of one measure: the cells whose dimensions
(area codes, months, categories) lie in the figure's filters. A table cell, a
chart point, a share's numerator and denominator, a rate's count (populations
are public), a pooled comparison column or a municipality total are all
figures. The ledger stores, per report, each figure with its published value,
or marked hidden (identity only; a hidden value is never stored). Saved as JSON
beside each report (``<kind>.ledger.json``), it is what the joint audit
(``publication_audit.py``) reads, and what keeps a batch's and the next term's
suppression consistent (the keys of hidden figures).

Plain data, no suppression logic: the audit may import this module.
"""

from __future__ import annotations

import functools
import json
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas is imported where it is used: the batch process reads
    import pandas as pd  # ledgers and hidden sets without loading it

LEDGER_MIME = "application/vnd.evaluation.ledger+json"
"""Mimetype of the notebook output that carries a report's ledger to the renderer."""

LEDGER_SUFFIX = ".ledger.json"
LEDGER_FORMAT = 2


class LedgerFormatError(ValueError):
    """A ledger written in a format this version does not read (a newer package wrote it)."""


"""Format written by :meth:`Ledger.as_dict`; :meth:`Ledger.from_dict` reads 1 and 2."""
HIDDEN_FILE = "hidden.json"
"""In ``<batch>/ledgers/``: keys of figures the batch keeps hidden in every report."""
REVISED_FILE = "revised.json"
"""In ``<batch>/ledgers/``: keys of figures an earlier term published with another value."""
EARLIER_DIR = "earlier"
"""In ``<batch>/ledgers/``: copies of earlier terms' ledgers, ``earlier/<batch>/<area>/…``."""

AREA, PERIOD = "area", "period"
LINEAR_ROLES = ("count", "numerator", "denominator", "rest", "n")
"""Roles whose value is a sum of the figure's base cells (the audit's equalities)."""
ESTIMATE_ROLES = ("estimate", "estimate_low", "estimate_high")
"""Roles of an effect estimate and its interval ends, recorded as shown with the cells
they rest on: not sums of base cells, so never equalities; the page check matches them."""
_PERIOD = re.compile(r"^(\d{4})(?:-(\d{2})|K([1-4])|H([12]))?$")


def months_of(label: Any) -> tuple[str, ...] | None:
    """Months ("2024-01", …) of a period label "2024", "2024H1", "2024K2", "2024-03"; else None."""
    pandas = sys.modules.get("pandas")  # without pandas loaded, no label is a Timestamp
    if pandas is not None and isinstance(label, pandas.Timestamp):
        return (f"{label:%Y-%m}",)
    return _months_of_text(str(label).strip())


@functools.lru_cache(maxsize=4096)  # a report asks for the same few labels thousands of times
def _months_of_text(text: str) -> tuple[str, ...] | None:
    m = _PERIOD.match(text)
    if not m:
        return None
    year = int(m.group(1))
    if not 1900 <= year <= 2200:
        return None
    if m.group(2):
        first = last = int(m.group(2))
    elif m.group(3):
        first = 3 * int(m.group(3)) - 2
        last = first + 2
    elif m.group(4):
        first = 1 if m.group(4) == "1" else 7
        last = first + 5
    else:
        first, last = 1, 12
    return tuple(f"{year}-{k:02d}" for k in range(first, last + 1))


def months_between(start: pd.Timestamp, end: pd.Timestamp) -> tuple[str, ...]:
    """Every month touched by ``start`` … ``end``."""
    import pandas as pd

    rng = pd.period_range(pd.Timestamp(start).to_period("M"), pd.Timestamp(end).to_period("M"))
    return tuple(str(p) for p in rng)


def clip_months(months: tuple[str, ...], window: tuple[str, ...] | None) -> tuple[str, ...]:
    """Months inside the report's window; all of them when the period lies outside it."""
    if not window:
        return months
    allowed = set(window)
    inside = tuple(m for m in months if m in allowed)
    return inside or months


def _canonical(values: Iterable[Any]) -> tuple[str, ...]:
    """Distinct values as sorted text: a figure's values along one dimension."""
    return _canonical_texts(tuple(map(str, values)))  # keyed by text: 1, 1.0, True differ


@functools.lru_cache(maxsize=8192)  # the same area and month lists recur in every figure
def _canonical_texts(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted(set(values)))


@dataclass(frozen=True)
class Figure:
    """A sum of base cells: ``measure`` restricted by ``dims`` (dimension → allowed values)."""

    measure: str
    dims: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @classmethod
    def of(cls, measure: str, dims: Mapping[str, Iterable[Any]]) -> Figure:
        """Canonical figure (sorted dims and values, values as text)."""
        clean = tuple(sorted((str(k), _canonical(v)) for k, v in dims.items()))
        return cls(str(measure), clean)

    @property
    def key(self) -> str:
        """Stable text identity (used to keep a figure hidden across reports and terms)."""
        return json.dumps([self.measure, [[k, list(v)] for k, v in self.dims]], ensure_ascii=False)

    def as_dict(self) -> dict:
        """Plain-data form."""
        return {"measure": self.measure, "dims": {k: list(v) for k, v in self.dims}}

    @classmethod
    def from_key(cls, key: str) -> Figure:
        """Inverse of :attr:`key`."""
        measure, dims = json.loads(key)
        return cls(str(measure), tuple((k, tuple(v)) for k, v in dims))

    @classmethod
    def from_dict(cls, data: Mapping) -> Figure:
        """Inverse of :meth:`as_dict` (saved figures are already canonical)."""
        dims = data.get("dims", {})
        return cls(str(data["measure"]), tuple((k, tuple(v)) for k, v in dims.items()))

    def with_dims(self, **dims: Iterable[Any]) -> Figure:
        """The same figure with more (or replaced) dimension filters."""
        merged = {k: v for k, v in self.dims}
        merged.update({k: tuple(v) for k, v in dims.items()})
        return Figure.of(self.measure, merged)


@dataclass
class Entry:
    """One published figure of one output: its value, or hidden.

    ``role``: "count", "numerator", "denominator", "rest" (denominator minus
    numerator) or "n" (people behind a statistic). ``target`` marks hidden
    figures whose feasible range the audit checks.
    """

    output: str
    figure: Figure
    role: str
    value: float | None
    target: bool = False
    row: int | None = None

    @property
    def hidden(self) -> bool:
        """Whether the reader sees ".." instead of the value."""
        return self.value is None

    def as_dict(self) -> dict:
        """Plain-data form (no hidden value is ever stored)."""
        return {
            "output": self.output,
            "role": self.role,
            "value": None if self.value is None else float(self.value),
            "target": bool(self.target),
            "row": self.row,
            **self.figure.as_dict(),
        }


@dataclass
class Ledger:
    """Every figure one report publishes, plus declared complete domains of dimensions."""

    report: str = ""
    min_count: int = 5
    entries: list[Entry] = field(default_factory=list)
    domains: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    #: SHA-256 of the file it was read from (None when built in memory): lets the joint
    #: audit know a measure's ledgers are byte for byte the ones it judged before.
    source: str | None = field(default=None, compare=False, repr=False)

    def add(
        self,
        output: str,
        figure: Figure,
        role: str,
        value: float | None,
        *,
        target: bool = False,
        row: int | None = None,
    ) -> None:
        """Record one figure (``value=None`` when hidden); ``row`` is its row in the output."""
        import pandas as pd

        v = None if value is None or pd.isna(value) else float(value)
        self.entries.append(Entry(output, figure, role, v, target and v is None, row))

    def withdraw(self, output: str, rows: Iterable[int]) -> None:
        """Rows of a tidy output that are not shown after all (e.g. series left out of a chart).

        Their shown values are no longer published; their hidden figures stay
        recorded (the audit still checks that nothing pins them down).
        """
        gone = set(rows)
        self.entries = [
            e
            for e in self.entries
            if not (e.output == output and e.row in gone and e.value is not None)
        ]

    def declare(self, measure: str, dim: str, values: Iterable[Any]) -> None:
        """Say that ``dim`` of ``measure`` takes exactly ``values`` (a complete code list)."""
        known = set(self.domains.setdefault(measure, {}).get(dim, ()))
        self.domains[measure][dim] = tuple(sorted(known | {str(v) for v in values}))

    def drop_output(self, output: str) -> None:
        """Forget an output's entries (it is about to be recorded again)."""
        self.entries = [e for e in self.entries if e.output != output]

    def hidden_keys(self) -> set[str]:
        """Keys of the figures this ledger shows as hidden."""
        return {e.figure.key for e in self.entries if e.hidden and e.role in LINEAR_ROLES}

    def as_dict(self) -> dict:
        """Plain-data form, as saved (format 2: each text and each value list stored once).

        A report's figures repeat the same outputs, measures and month lists thousands
        of times; written out in full (format 1) the sample batch's ledgers took 36 MB
        and most of the joint audit's reading time. ``entries`` holds one list per
        entry: output, measure and role as indices into ``texts``; the value (None when
        hidden); target (0/1); the row; and the dims as alternating indices of a
        dimension name in ``texts`` and of its allowed values in ``values``.
        """
        texts: dict[str, int] = {}
        lists: dict[tuple[str, ...], int] = {}
        entries = []
        for e in self.entries:
            dims: list[int] = []
            for name, allowed in e.figure.dims:
                dims += [texts.setdefault(name, len(texts)), lists.setdefault(allowed, len(lists))]
            entries.append(
                [
                    texts.setdefault(e.output, len(texts)),
                    texts.setdefault(e.figure.measure, len(texts)),
                    texts.setdefault(e.role, len(texts)),
                    None if e.value is None else float(e.value),
                    int(bool(e.target)),
                    e.row,
                    dims,
                ]
            )
        return {
            "format": LEDGER_FORMAT,
            "report": self.report,
            "min_count": self.min_count,
            "domains": {m: {d: list(v) for d, v in ds.items()} for m, ds in self.domains.items()},
            "texts": list(texts),
            "values": [list(v) for v in lists],
            "entries": entries,
        }

    @classmethod
    def from_dict(cls, data: Mapping) -> Ledger:
        """Inverse of :meth:`as_dict`."""
        version = data.get("format", 1)
        if version not in (1, LEDGER_FORMAT):
            raise LedgerFormatError(f"okänt format {version!r} (den här versionen läser 1 och 2)")
        ledger = cls(str(data.get("report", "")), int(data.get("min_count", 5)))
        for m, ds in data.get("domains", {}).items():
            for d, v in ds.items():
                ledger.declare(m, d, v)
        if version == 1:
            for e in data.get("entries", []):
                ledger.entries.append(
                    Entry(
                        e["output"],
                        Figure.from_dict(e),
                        e["role"],
                        e["value"],
                        bool(e.get("target", False)),
                        e.get("row"),
                    )
                )
            return ledger
        texts = [str(t) for t in data["texts"]]
        values = [tuple(str(x) for x in v) for v in data["values"]]
        figures: dict[tuple, Figure] = {}  # entries of one figure share one (frozen) object
        for output, measure, role, value, target, row, dims in data["entries"]:
            key = (measure, *dims)
            figure = figures.get(key)
            if figure is None:
                pairs = tuple((texts[dims[i]], values[dims[i + 1]]) for i in range(0, len(dims), 2))
                figure = figures[key] = Figure(texts[measure], pairs)
            ledger.entries.append(
                Entry(texts[output], figure, texts[role], value, bool(target), row)
            )
        return ledger

    def save(self, path: str | Path) -> Path:
        """Write the ledger as JSON."""
        path = Path(path)
        path.write_text(json.dumps(self.as_dict(), ensure_ascii=False), encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | Path) -> Ledger:
        """Read a saved ledger; DataError naming the file when it cannot be read."""
        import hashlib

        from evaluation.exceptions import DataError
        from evaluation.privacy.gc_pause import paused_gc

        try:
            raw = Path(path).read_bytes()
            with paused_gc():
                ledger = cls.from_dict(json.loads(raw.decode("utf-8")))
        except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
            if isinstance(exc, OSError):
                reason = "filen saknas eller kan inte öppnas"
            elif isinstance(exc, json.JSONDecodeError):
                reason = f"trasig JSON på rad {exc.lineno}"
            elif isinstance(exc, LedgerFormatError):
                reason = str(exc)
            else:
                reason = "innehållet har inte en liggares form"
            raise DataError(
                f"rapportens publiceringsliggare kan inte läsas ({reason}); den skrivs när "
                "rapporten renderas: rendera om den (evaluation batch … --force)",
                file=path,
            ) from None
        ledger.source = hashlib.sha256(raw).hexdigest()
        return ledger


def _read_keys(folder: str | Path | None, name: str, field: str) -> set[str]:
    """The figure keys a batch folder keeps in ``ledgers/<name>``; empty when none."""
    if folder is None:
        return set()
    path = Path(folder) / "ledgers" / name
    if not path.is_file():
        return set()
    try:
        keys = json.loads(path.read_text(encoding="utf-8")).get(field, [])
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            raise ValueError
    except (OSError, ValueError, AttributeError):  # JSONDecodeError is a ValueError
        from evaluation.exceptions import DataError

        raise DataError(
            f"batchens lista '{field}' kan inte läsas; den skrivs av körningen och ska inte "
            "ändras för hand. Ta bort filen och kör batchen igen: hela publiceringen "
            "granskas då på nytt",
            file=path,
        ) from None
    return set(keys)


def _write_keys(folder: str | Path, name: str, field: str, keys: Iterable[str]) -> Path:
    """Save figure keys (identities only, never values); an unchanged set keeps its stamp."""
    path = Path(folder) / "ledgers" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps({field: sorted(set(keys))}, ensure_ascii=False, indent=0)
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return path


def read_hidden(folder: str | Path | None) -> set[str]:
    """Keys the batch keeps hidden (``<folder>/ledgers/hidden.json``); empty when none."""
    return _read_keys(folder, HIDDEN_FILE, "hidden")


def write_hidden(folder: str | Path, keys: Iterable[str]) -> Path:
    """Save the batch's kept-hidden keys (identities only, never values)."""
    return _write_keys(folder, HIDDEN_FILE, "hidden", keys)


def read_revised(folder: str | Path | None) -> set[str]:
    """Keys of figures whose earlier-term value no longer holds (``ledgers/revised.json``).

    A batch whose data revised a figure an earlier term showed (late registrations, a
    correction) hides it and records it here: the earlier value is then not a fact about
    this term's data, for this term's audit and the next terms'.
    """
    return _read_keys(folder, REVISED_FILE, "revised")


def write_revised(folder: str | Path, keys: Iterable[str]) -> None:
    """Save the batch's revised keys; none: no file."""
    keys = set(keys)
    if keys:
        _write_keys(folder, REVISED_FILE, "revised", keys)
    else:
        (Path(folder) / "ledgers" / REVISED_FILE).unlink(missing_ok=True)


def report_ledgers(folder: str | Path) -> list[Path]:
    """The report ledgers of one batch folder: ``<folder>/<area>/<kind>.ledger.json``."""
    return sorted(p for p in Path(folder).glob(f"*/*{LEDGER_SUFFIX}") if p.is_file())


def history_folders(batch_dir: str | Path) -> list[Path]:
    """Earlier terms of a batch: its sibling batch folders, and the copies it carries.

    A batch folder's siblings (other folders with report ledgers under the same
    reports folder) are earlier or parallel batches; ``<batch>/ledgers/earlier/<name>/``
    holds copies of their ledgers (:func:`carry_history`), so a batch folder sent on or
    moved keeps its history and the next term finds it there too.
    """
    batch_dir = Path(batch_dir)
    found: dict[str, Path] = {}
    carried = batch_dir / "ledgers" / EARLIER_DIR
    if carried.is_dir():
        found.update({p.name: p for p in sorted(carried.iterdir()) if report_ledgers(p)})
    if batch_dir.parent.is_dir():
        for p in sorted(batch_dir.parent.iterdir()):
            if p.is_dir() and p.resolve() != batch_dir.resolve() and report_ledgers(p):
                found[p.name] = p  # the folder itself wins over a stale copy
                for q in history_folders_carried(p):
                    found.setdefault(q.name, q)
    found.pop(batch_dir.name, None)  # a sibling's copy of this very batch
    return sorted(found.values())


def history_folders_carried(batch_dir: Path) -> list[Path]:
    """The earlier terms a batch folder carries in ``ledgers/earlier/``."""
    carried = Path(batch_dir) / "ledgers" / EARLIER_DIR
    if not carried.is_dir():
        return []
    return [p for p in sorted(carried.iterdir()) if report_ledgers(p)]


def carry_history(batch_dir: str | Path, history: Iterable[str | Path]) -> None:
    """Copy earlier terms' ledgers (published values and hidden identities only) into the batch."""
    import shutil

    batch_dir = Path(batch_dir)
    for folder in map(Path, history):
        if folder.parent.name == EARLIER_DIR and folder.parent.parent.parent == batch_dir:
            continue  # already carried here
        target = batch_dir / "ledgers" / EARLIER_DIR / folder.name
        for src in report_ledgers(folder):
            dst = target / src.parent.name / src.name
            dst.parent.mkdir(parents=True, exist_ok=True)
            if not dst.is_file() or dst.read_bytes() != src.read_bytes():
                shutil.copyfile(src, dst)
        for name in (HIDDEN_FILE, REVISED_FILE):
            kept = folder / "ledgers" / name
            if kept.is_file():
                (target / "ledgers").mkdir(parents=True, exist_ok=True)
                shutil.copyfile(kept, target / "ledgers" / name)
