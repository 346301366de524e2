"""Export helpers: slugs, table of contents, image choice."""

from __future__ import annotations

import re
from pathlib import Path

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


def test_heading_letters_written_as_references_become_letters() -> None:
    page = f"{TOC_MARKER}<h2>S&#229; l&#228;ser du &#60;rapporten&#62; &#8211; kort</h2>"
    out = add_table_of_contents(page)
    expected = "Så läser du &#60;rapporten&#62; – kort</h2>"
    assert f'<h2 id="avsnitt-sa-laser-du-rapporten-kort">{expected}' in out
    assert "&#229;" not in out


def test_exported_page_gives_every_image_a_swedish_alt_text() -> None:
    """The exporter skips nbconvert's BeautifulSoup pass; an image without alt still gets one."""
    import nbformat

    from evaluation.params import load_params
    from evaluation.render.export import NO_ALT_TEXT, export_html
    from evaluation.render.provenance import report_context

    png = (
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJ"
        "RU5ErkJggg=="
    )
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [
        nbformat.v4.new_output(
            "display_data",
            data={"text/html": f'<p>Bild:</p><img src="data:image/png;base64,{png}">'},
        ),
        nbformat.v4.new_output(
            "display_data",
            data={"text/html": f'<img src="data:image/png;base64,{png}" alt="Egen beskrivning">'},
        ),
        nbformat.v4.new_output("display_data", data={"image/png": png}),
    ]
    nb.cells = [nbformat.v4.new_markdown_cell("## Så läser du"), cell]
    root = Path(__file__).resolve().parents[3]
    params = load_params(root / "params" / "user_survey" / "ryd.yaml")
    context = report_context(params, root / "notebooks" / "user_survey.ipynb", fingerprint={})
    page = export_html(nb, context)
    alts = re.findall(r'<img\b[^>]*?\balt="([^"]*)"', page)
    assert alts.count(NO_ALT_TEXT) == 1 and "Egen beskrivning" in alts and len(alts) == 3
    assert len(re.findall(r"<img\b", page)) == 3
    assert "No description" not in page
    assert '">Så läser du</h2>' in page


def test_markdown_rendered_once_gives_the_same_page_and_attachments_are_rendered_each_time():
    import nbformat

    from evaluation.params import load_params
    from evaluation.render import export
    from evaluation.render.provenance import report_context

    root = Path(__file__).resolve().parents[3]
    params = load_params(root / "params" / "user_survey" / "ryd.yaml")
    context = report_context(params, root / "notebooks" / "user_survey.ipynb", fingerprint={})
    png = (
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJ"
        "RU5ErkJggg=="
    )

    def page(attached: str) -> str:
        nb = nbformat.v4.new_notebook()
        text = nbformat.v4.new_markdown_cell("## Resultat\n\n*Syntetiska* data, 12 områden.")
        pic = nbformat.v4.new_markdown_cell("![bild](attachment:a.png)")
        pic.attachments = {"a.png": {"image/png": attached}}
        nb.cells = [text, pic]
        return export.export_html(nb, context)

    export._local.exporter = None  # a fresh exporter: nothing remembered yet
    first = page(png)
    kept = dict(export._exporter()._markdown)
    assert len(kept) == 1 and next(iter(kept))[0].startswith("## Resultat")
    assert page(png) == first  # the remembered rendering is the one nbconvert gave
    other = png.replace("A60e6", "B60e6")
    assert other in page(other)  # a cell with attachments is rendered from its own image


def test_an_output_against_the_notebook_schema_stops_the_export():
    """The one-request client skips nbformat's check of each output; the export's check stays."""
    import nbformat
    import pytest

    from evaluation.params import load_params
    from evaluation.render.export import export_html
    from evaluation.render.provenance import report_context

    root = Path(__file__).resolve().parents[3]
    params = load_params(root / "params" / "user_survey" / "ryd.yaml")
    context = report_context(params, root / "notebooks" / "user_survey.ipynb", fingerprint={})
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [
        nbformat.from_dict(
            {
                "output_type": "execute_result",
                "data": {"text/plain": "1"},
                "metadata": {},
                "execution_count": "ett",
            }
        )
    ]
    nb.cells = [cell]
    with pytest.raises(nbformat.ValidationError):
        export_html(nb, context)
    cell.outputs[0].execution_count = 1
    assert "<html" in export_html(nb, context)
