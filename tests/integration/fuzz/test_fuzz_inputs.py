"""Seeded fuzzing of the sample data folder: every variant is read as expected or refused.

The corpus (``tests/integration/fuzz/corpus.py``) mutates copies of ``data/sample`` the
way real exports differ; ``load_data`` and ``validate`` must give the unchanged
sample's tables or a DataError naming the file (and row and column for a changed
cell). The default tier runs one variant of a spread of classes; ``-m slow`` runs
250. ``FUZZ_SEED`` picks another corpus; ``python -m tests.integration.fuzz.corpus``
runs a fresh one from the command line.
"""

from __future__ import annotations

import os
import random
from collections import Counter
from pathlib import Path

import pytest

from tests.integration.fuzz import corpus

SEED = os.environ.get("FUZZ_SEED", "20261126")
#: One variant each in the default tier: the kinds the issue found read wrong or crashing.
FAST = (
    "thousands-value",
    "thousands-counts",
    "mixed-marks",
    "swedish-excel",
    "mixed-encoding",
    "bare-date-number",
    "case-variant",
    "duplicate-file",
    "directory",
    "misnamed-column",
    "bad-number",
    "huge-count",
    "over-denominator",
    "duplicated-row",
    "bad-answer",
    "geo-crs",
    "geo-out-of-range",
)
FULL = 250


@pytest.fixture(scope="module")
def expected(monkeypatch_module) -> dict:
    return corpus.expectation()


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as mp:
        from evaluation.load.cachedir import CACHE_ENV

        mp.delenv(CACHE_ENV, raising=False)  # every variant is read from its files
        yield mp


def _assert_clean(outcomes: list[corpus.Outcome]) -> None:
    bad = [o for o in outcomes if corpus.failed(o)]
    assert not bad, "\n".join(
        f"{o.variant.cls}/{o.variant.index} ({o.variant.what}): {o.outcome} {o.flags} {o.detail}"
        for o in bad
    )


def test_expectation_matches_hand_read_anchors(expected) -> None:
    assert expected["area_statistics"].loc[0, "value"] == 15708.0
    assert len(expected["referrals"]) > 10_000


@pytest.mark.parametrize("cls", FAST)
def test_fuzz_fast_subset(cls: str, expected, tmp_path: Path) -> None:
    variant = corpus.Variant(cls, FAST.index(cls))
    outcome = corpus.run_variant(variant, random.Random(f"{SEED}-{cls}"), tmp_path, expected)
    _assert_clean([outcome])


def test_corpus_cycles_every_class_before_repeating() -> None:
    chosen = [v.cls for v, _ in corpus.variants("x", len(corpus.CLASSES) + 5)]
    assert set(chosen[: len(corpus.CLASSES)]) == set(corpus.CLASSES)


@pytest.mark.slow
def test_fuzz_full_corpus(expected, tmp_path: Path, capsys) -> None:
    outcomes = []
    for variant, rng in corpus.variants(SEED, FULL):
        outcomes.append(corpus.run_variant(variant, rng, tmp_path, expected))
    with capsys.disabled():
        print("\n" + corpus.summary(outcomes))
    assert len(outcomes) >= 200
    counts = Counter(o.outcome for o in outcomes)
    assert counts["clean-error"] > 0 and counts["identical"] > 0
    _assert_clean(outcomes)
