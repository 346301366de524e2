"""Where a batch finds its earlier terms (docs/privacy.md R0): beside it, or carried in it."""

from __future__ import annotations

import shutil

from evaluation.privacy.ledger import (
    EARLIER_DIR,
    Figure,
    Ledger,
    carry_history,
    history_folders,
    write_hidden,
)
from evaluation.privacy.publication import seed_hidden


def _batch(root, name, hidden: bool):
    led = Ledger(min_count=5)
    fig = Figure.of("m", {"area": ["a"], "period": ["2024-01"]})
    led.add("T", fig, "count", None if hidden else 12, target=True)
    (root / name / "omr").mkdir(parents=True)
    led.save(root / name / "omr" / "rapport.ledger.json")
    return root / name, fig


def test_siblings_are_history_and_the_batch_carries_them(tmp_path):
    earlier, fig = _batch(tmp_path, "t-2024H2", hidden=True)
    write_hidden(earlier, {fig.key})
    now = tmp_path / "t-2025H1"
    now.mkdir()
    assert history_folders(now) == [earlier]
    keys = seed_hidden(now, history_folders(now))
    assert fig.key in keys  # hidden last term: hidden now
    carried = now / "ledgers" / EARLIER_DIR / "t-2024H2"
    assert (carried / "omr" / "rapport.ledger.json").is_file()
    assert (carried / "ledgers" / "hidden.json").is_file()
    # sent on alone: the history travels with the folder
    moved = tmp_path / "elsewhere" / "t-2025H1"
    shutil.copytree(now, moved)
    assert [p.name for p in history_folders(moved)] == ["t-2024H2"]
    assert history_folders(moved)[0].parent.name == EARLIER_DIR


def test_a_folder_beside_wins_over_a_stale_copy_and_no_batch_is_its_own_history(tmp_path):
    earlier, _ = _batch(tmp_path, "t-2024H2", hidden=False)
    now, _ = _batch(tmp_path, "t-2025H1", hidden=False)
    carry_history(now, [earlier])
    assert history_folders(now) == [earlier]  # the real folder, not the copy
    # the earlier batch re-rendered later must not take the later batch's copy of itself
    assert history_folders(earlier) == [now]
