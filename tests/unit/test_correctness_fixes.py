"""Three correctness bugs seen in the sample reports, each pinned by a test."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def skaggetorp():
    from evaluation.reports.context import open_report

    return open_report(ROOT / "params" / "skaggetorp_outcome_followup.yaml")


def test_ongoing_investigations_total_counts_each_investigation_once(skaggetorp):
    from evaluation.reports.outcome_followup import ongoing_investigations_table

    r = skaggetorp
    inv = r.data.investigations
    codes = [c for g in r.area_groups for c in g.codes]
    ongoing = inv[
        inv["area_code"].isin(codes) & (inv["start_date"] <= r.end) & inv["end_date"].isna()
    ]
    table = ongoing_investigations_table(r)
    shown = table.frame if hasattr(table, "frame") else table.cells
    grand = shown.loc["Totalt", "Totalt"] if "Totalt" in shown.columns else shown.iloc[-1, -1]
    assert int(str(grand).replace("\u00a0", "").replace(" ", "")) == len(ongoing)


def _stats_folder(tmp_path, transform) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    for name in ("area_statistics.csv", "areas.gpkg", "metadata.yaml"):
        (folder / name).write_bytes((ROOT / "data" / "sample" / name).read_bytes())
    path = folder / "area_statistics.csv"
    stats = pd.read_csv(path, dtype={"area_code": str})
    transform(stats).to_csv(path, index=False)
    return folder


def _as_fractions(stats, keep_counts=True):
    share = stats["indicator"] == "income_support_share"
    stats.loc[share, "value"] = stats.loc[share, "value"] / 100
    if not keep_counts:
        stats.loc[share, ["numerator", "denominator"]] = float("nan")
    return stats


@pytest.mark.parametrize("keep_counts", [True, False], ids=["with-counts", "values-only"])
def test_shares_given_as_fractions_are_read_as_percent(tmp_path, keep_counts):
    from evaluation.exceptions import DataError
    from evaluation.load.dataset import load_data

    original = pd.read_csv(
        ROOT / "data" / "sample" / "area_statistics.csv", dtype={"area_code": str}
    )
    folder = _stats_folder(tmp_path, lambda s: _as_fractions(s, keep_counts))
    if not keep_counts:
        # all values of the column lie in 0–1 (max 17.6 % → 0.176): either reading is possible
        with pytest.raises(DataError, match="income_support_share"):
            load_data(folder)
        (folder / "indicators.yaml").write_text(
            "income_support_share:\n  unit: andel (0–1)\n", encoding="utf-8"
        )
    stats = load_data(folder).area_statistics
    got = stats[stats["indicator"] == "income_support_share"]["value"].to_numpy()
    want = original[original["indicator"] == "income_support_share"]["value"].to_numpy()
    assert got == pytest.approx(want)
    other = stats[stats["indicator"] == "foreign_born_share"]["value"].to_numpy()
    assert other == pytest.approx(
        original[original["indicator"] == "foreign_born_share"]["value"].to_numpy()
    )


def _contrast_with_white(rgba) -> float:
    """WCAG contrast ratio of a colour against white."""

    def lin(c):
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (lin(c) for c in rgba[:3])
    return 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05)


def test_every_shown_area_is_drawn_filled_and_outlined_apart_from_white():
    """Areas in the lightest class, or in the class of the area around them, read as areas."""
    import matplotlib.pyplot as plt

    from evaluation.present import maps
    from evaluation.reports.context import open_report

    report = open_report(ROOT / "params" / "area_analysis" / "skaggetorp.yaml")
    layout = maps.map_layout(report.data.areas, report.area_code)
    codes = list(layout.areas.index)
    palette = maps.class_colours(5)
    colours = pd.Series([palette[i % 5] for i in range(len(codes))], index=codes)
    fig, ax = plt.subplots()
    layers = maps._panel(ax, layout, layout.overview, None, False)
    maps._fill([layers], layout, colours, pd.Series(False, index=codes))
    filled = ax.collections[0]
    assert len(filled.get_paths()) == len(codes)  # every shown area is drawn
    assert min(_contrast_with_white(c) for c in filled.get_facecolor()) >= 1.4
    assert all(_contrast_with_white(c) >= 3 for c in filled.get_edgecolor())
    plt.close(fig)
