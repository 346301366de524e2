"""export_html hands nbconvert tokens for image payloads; the page is byte for byte the same."""

from __future__ import annotations

import base64
import io
import random
import re

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from PIL import Image

from evaluation.render.export import (
    TOC_MARKER,
    _exporter,
    _Payloads,
    _resources,
    add_table_of_contents,
    export_html,
    prepare_outputs,
)

CONTEXT = {
    "title": "Provrapport",
    "kind": "area_analysis",
    "kind_label": "Områdesanalys",
    "area": "Berga",
    "synthetic": True,
    "data_name": "prov",
    "notebook": "area_analysis.ipynb",
    "notebook_sha256": "0" * 64,
    "params_name": "berga.yaml",
    "params_sha256": "1" * 64,
    "params_text": "kind: area_analysis",
    "inputs": [("areas.gpkg", "2" * 64)],
    "version": "0.1.0",
    "git_commit": "abc123",
    "tools": [("nbconvert", "7")],
    "render_date": None,
}


def _noise_png(seed: int, size: int = 24) -> str:
    """Base64 of a PNG of random pixels: incompressible, so several kB of payload."""
    rng = random.Random(seed)
    img = Image.new("RGB", (size, size))
    img.putdata([tuple(rng.randrange(256) for _ in range(3)) for _ in range(size * size)])
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _svg(n: int = 40) -> str:
    paths = "".join(f'<path d="M{i} 0 L{i} {i * 3}" stroke="#{i:06x}"/>' for i in range(n))
    return f'<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">{paths}</svg>'


def _notebook() -> nbformat.NotebookNode:
    png, in_html, in_heading = _noise_png(1), _noise_png(2), _noise_png(3)
    html = (
        f'<h2>Karta <img src="data:image/png;base64,{in_heading}" alt="ikon"></h2>'
        f'<p>Text före</p><img src="data:image/png;base64,{in_html}">'  # no alt: nbconvert's
        '<p><img src="data:image/png;base64,iVBORw0KGgo=" alt="kort"></p>'  # short: left as is
    )
    nb = new_notebook()
    nb.cells = [
        new_markdown_cell("## Inledning\n\nNågra ord."),
        new_code_cell(
            "chart",
            outputs=[
                new_output(
                    "display_data",
                    data={"image/png": png, "text/plain": "<Figure>"},
                    metadata={"image/png": {"alt": "Stapeldiagram"}},
                )
            ],
        ),
        new_code_cell(
            "svg",
            outputs=[new_output("display_data", data={"image/svg+xml": _svg()})],
        ),
        new_code_cell("html", outputs=[new_output("display_data", data={"text/html": html})]),
        new_markdown_cell("### Slut"),
    ]
    return nb


def _plain(nb: nbformat.NotebookNode) -> str:
    """The page as nbconvert renders it with the payloads in place (the old path)."""
    page, _ = _exporter().from_notebook_node(prepare_outputs(nb), resources=_resources(CONTEXT))
    return add_table_of_contents(page)


def test_page_is_identical_to_the_plain_export() -> None:
    nb = _notebook()
    page = export_html(nb, CONTEXT)
    assert page == _plain(nb)
    assert "evimg" not in page and TOC_MARKER not in page


def test_every_payload_is_back_in_its_own_place() -> None:
    nb = _notebook()
    prepared = prepare_outputs(nb)
    png = prepared.cells[1].outputs[0].data["image/png"]
    svg = base64.b64encode(prepared.cells[2].outputs[0].data["image/svg+xml"].encode()).decode()
    html = prepared.cells[3].outputs[0].data["text/html"]
    in_heading, in_html = re.findall(r"base64,([A-Za-z0-9+/=]{256,})", html)
    page = export_html(nb, CONTEXT)
    # each payload once, inside the tag it was written in (alt text tells them apart)
    assert page.count(png) == 1 and f'alt="Stapeldiagram" src="data:image/png;base64,{png}"' in page
    assert page.count(svg) == 1 and f'src="data:image/svg+xml;base64,{svg}"' in page
    assert page.count(in_heading) == 1
    icon = f'<img alt="ikon" src="data:image/png;base64,{in_heading}"/>'
    assert f'<h2 id="avsnitt-karta">Karta {icon}</h2>' in page
    # nbconvert's own pass still gives the alt-less image its text
    assert page.count(in_html) == 1
    no_alt = "No description has been provided for this image"
    assert f'<img alt="{no_alt}" src="data:image/png;base64,{in_html}"/>' in page
    assert 'src="data:image/png;base64,iVBORw0KGgo="' in page
    # the heading with an image is listed under its own words
    assert '<a href="#avsnitt-karta">Karta</a>' in page


def test_payloads_are_tokens_while_nbconvert_runs() -> None:
    nb = prepare_outputs(_notebook())
    payloads = _Payloads()
    payloads.swap(nb)
    text = nbformat.writes(nb)
    assert not re.search(r"[A-Za-z0-9+/]{256,}", text)  # nothing long left to parse
    page, _ = _exporter().from_notebook_node(nb, resources=_resources(CONTEXT))
    assert len(page) < len(_plain(_notebook())) / 2
    assert payloads.restore(add_table_of_contents(page, restore=payloads.restore)) == _plain(
        _notebook()
    )


def test_each_export_has_its_own_nonce() -> None:
    assert _Payloads().nonce != _Payloads().nonce


@pytest.mark.parametrize("broken", ["lost", "misplaced"])
def test_comparison_catches_a_lost_or_misplaced_payload(broken: str, monkeypatch) -> None:
    """The byte comparison above fails when a payload is dropped or put in another place."""
    original = _Payloads.direct

    def faulty(self, payload):
        token = original(self, payload)
        if len(self._direct) == 2:  # the second image gets nothing, or the first one's bytes
            self._direct[token] = "" if broken == "lost" else next(iter(self._direct.values()))
        return token

    nb = _notebook()
    plain = _plain(nb)
    monkeypatch.setattr(_Payloads, "direct", faulty)
    assert export_html(nb, CONTEXT) != plain


def test_a_payload_written_as_heading_text_gives_the_same_id_and_entry() -> None:
    """Tokens in a heading's words are restored before its id and contents entry are made."""
    nb = new_notebook()
    words = f"data:image/png;base64,{_noise_png(4, size=12)}"
    nb.cells = [
        new_code_cell(
            "x", outputs=[new_output("display_data", data={"text/html": f"<h2>{words}</h2>"})]
        )
    ]
    page = export_html(nb, CONTEXT)
    assert page == _plain(nb)
    assert page.count(words) == 2  # the heading and its entry in the table of contents


def test_nbconvert_still_embeds_markdown_attachments() -> None:
    """Markdown cells are not tokenised: nbconvert's embed_images turns attachments into URIs."""
    nb = _notebook()
    icon = _noise_png(5, size=10)
    cell = new_markdown_cell("![Logotyp](attachment:logo.png)")
    cell["attachments"] = {"logo.png": {"image/png": icon}}
    nb.cells.append(cell)
    page = export_html(nb, CONTEXT)
    assert page == _plain(nb)
    assert f'src="data:image/png;base64,{icon}"' in page
