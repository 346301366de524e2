"""Export helpers: slugs, table of contents, image choice."""

from __future__ import annotations

from evaluation.render.export import TOC_MARKER, add_table_of_contents
from evaluation.render.images import choose_image, clean_svg
from evaluation.render.paths import area_slug


def test_area_slug_folds_swedish_letters() -> None:
    assert area_slug("Skäggetorp") == "skaggetorp"
    assert area_slug("Öster Ålund") == "oster-alund"
    assert area_slug("Ryd") == "ryd"


def test_toc_nests_h3_under_h2_and_dedupes_ids() -> None:
    page = (
        f'<head><h2>not here</h2></head>{TOC_MARKER}<h2 id="x">Inledning'
        '<a class="anchor-link" href="#x">&#182;</a></h2><h3>Del</h3><h2>Inledning</h2>'
    )
    out = add_table_of_contents(page)
    assert '<h2 id="avsnitt-inledning">Inledning</h2>' in out
    assert '<h2 id="avsnitt-inledning-2">Inledning</h2>' in out
    assert '<li><a href="#avsnitt-inledning">Inledning</a>\n<ol>' in out
    assert "anchor-link" not in out and "<h2>not here</h2>" in out


def test_svg_metadata_removed_and_smaller_image_kept() -> None:
    svg = (
        '<?xml version="1.0"?>\n<!-- Created with matplotlib -->\n<svg><metadata><dc:date>'
        '2025-01-01</dc:date></metadata><path d="M0 0"/></svg>'
    )
    assert "date" not in clean_svg(svg) and "matplotlib" not in clean_svg(svg)
    kept = choose_image({"image/svg+xml": svg, "image/png": "A" * 10_000})
    assert set(kept) == {"image/svg+xml"}
