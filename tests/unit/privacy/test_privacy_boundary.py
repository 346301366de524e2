"""Protected outputs are made only inside evaluation.privacy (R1)."""

from __future__ import annotations

import ast
from pathlib import Path

import pandas as pd
import pytest

import evaluation
from evaluation.exceptions import PrivacyError
from evaluation.privacy import PrivacyRules, Protector, views

PACKAGE = Path(evaluation.__file__).parent
PROTECTED_TYPES = {"ProtectedFrame", "ProtectedTable"}


def _offences(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name in PROTECTED_TYPES:
            found.append(f"{path.name}:{node.lineno} constructs {name}")
        base = getattr(func, "value", None)
        if name == "replace" and isinstance(base, ast.Name) and base.id == "dataclasses":
            found.append(f"{path.name}:{node.lineno} copies with dataclasses.replace")
    return found


def test_no_module_outside_privacy_constructs_a_protected_type() -> None:
    outside = [p for p in PACKAGE.rglob("*.py") if "privacy" not in p.relative_to(PACKAGE).parts]
    assert len(outside) > 50  # the scan really covers the package
    offences = [o for p in outside for o in _offences(p)]
    assert offences == []


def test_the_scan_finds_constructions(tmp_path: Path) -> None:
    sample = tmp_path / "section.py"
    sample.write_text(
        "import dataclasses\n"
        "import evaluation.privacy as p\n"
        "from evaluation.privacy import ProtectedFrame\n"
        "a = ProtectedFrame(frame=None, label='x', kind='shares')\n"
        "b = p.ProtectedTable(None, None, 'x')\n"
        "c = dataclasses.replace(a, label='y')\n",
        encoding="utf-8",
    )
    assert len(_offences(sample)) == 3


def _shares() -> object:
    frame = pd.DataFrame(
        {
            "group": ["A", "B", "C"],
            "numerator": [30, 2, 40],
            "denominator": [100, 50, 80],
            "value": [0.3, 0.04, 0.5],
        }
    )
    return Protector(PrivacyRules()).shares(frame, label="Andel")


def test_views_keep_values_and_flags() -> None:
    shares = _shares()
    picked = views.select_rows(shares, shares.frame["group"] != "A")
    assert list(picked.frame["group"]) == ["B", "C"] and list(picked.frame["suppressed"]) == [
        True,
        False,
    ]
    ordered = views.sort_rows(shares, ["group"], key=lambda s: s.map({"C": 0, "B": 1, "A": 2}))
    assert list(ordered.frame["group"]) == ["C", "B", "A"]
    both = views.concat([picked, ordered])
    assert len(both.frame) == 5 and both.frame["value"].isna().sum() == 2
    wider = views.with_columns(shares, ci_low=float("nan"), place="x")
    assert wider.frame["ci_low"].isna().all() and (wider.frame["place"] == "x").all()


def test_take_rows_selects_and_orders_without_repeating_a_row() -> None:
    shares = _shares()
    taken = views.take_rows(shares, [2, 1])
    assert list(taken.frame["group"]) == ["C", "B"]
    assert list(taken.frame["suppressed"]) == [False, True] and not taken.withheld
    only_hidden = views.take_rows(shares, [1])
    assert only_hidden.withheld and only_hidden.note  # all hidden: the standard sentence
    assert views.take_rows(shares, []).withheld
    with pytest.raises(PrivacyError, match="två gånger"):
        views.take_rows(shares, [0, 2, 0])
    with pytest.raises(PrivacyError, match="två gånger"):
        views.take_rows(shares, [2, -1])  # the last row, named twice
    with pytest.raises(IndexError, match="radnummer 3 finns inte; vyn har 3 rader"):
        views.take_rows(shares, [0, 3])  # named, not pandas' bare out-of-bounds
    with pytest.raises(PrivacyError):
        views.take_rows(shares.frame, [0])


def test_with_columns_refuses_new_numbers_and_overwrites() -> None:
    shares = _shares()
    with pytest.raises(PrivacyError):
        views.with_columns(shares, count=[1, 2, 3])
    with pytest.raises(PrivacyError):
        views.with_columns(shares, value=float("nan"))
    with pytest.raises(PrivacyError):
        views.select_rows(shares.frame, [True, True, True])
