"""R8 scan: identity numbers in text, attributes, entities and embedded PNG/SVG payloads."""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from evaluation.exceptions import PrivacyError
from evaluation.idnumbers import find_identity_numbers, is_identity_number
from evaluation.render.images import optimise_png
from evaluation.render.scan import (
    check_text,
    count_identity_numbers,
    png_text_chunks,
    scan_file,
    without_payloads,
)

PNR = "19121212-1212"  # Skatteverket's test number


def _coordination_number() -> str:
    for last in range(10000):
        candidate = f"121272-{last:04d}"  # 1912-12-12 with 60 added to the day
        if is_identity_number(candidate):
            return candidate
    raise AssertionError("no coordination number found")


def _png(**chunks: tuple[str, str]) -> bytes:
    info = PngInfo()
    for key, (kind, text) in chunks.items():
        if kind == "tEXt":
            info.add_text(key, text)
        elif kind == "zTXt":
            info.add_text(key, text, zip=True)
        else:
            info.add_itxt(key, text, zip=kind == "iTXt-z")
    buf = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buf, format="PNG", pnginfo=info)
    return buf.getvalue()


@pytest.mark.parametrize("kind", ["tEXt", "zTXt", "iTXt", "iTXt-z"])
def test_png_text_chunks_are_read_and_scanned(kind: str) -> None:
    data = _png(Comment=(kind, f"ärende {PNR}"))
    assert any(PNR in text for text in png_text_chunks(data))
    page = f'<img src="data:image/png;base64,{base64.b64encode(data).decode()}" alt="x">'
    assert count_identity_numbers(page) == 1


@pytest.mark.parametrize(
    "page",
    [
        f"<p>{PNR}</p>",
        f'<td title="{PNR.replace("-", "")}">x</td>',
        "<p>&#49;&#57;&#49;&#50;&#49;&#50;&#49;&#50;-1212</p>",
        f'<img src="data:image/svg+xml;base64,'
        f'{base64.b64encode(f"<svg><text>{PNR}</text></svg>".encode()).decode()}">',
        f'<script type="application/json">{{"id": "{_coordination_number()}"}}</script>',
    ],
)
def test_hits_anywhere_in_html(page: str) -> None:
    with pytest.raises(PrivacyError) as info:
        check_text(page, "report x")
    assert "1212" not in str(info.value)


def test_clean_page_and_ordinary_numbers_pass() -> None:
    check_text("<p>Antal 1 234 567; år 2024; kod 0580-1234</p>", "report")


def test_scan_file_removes_the_artifact(tmp_path) -> None:
    path = tmp_path / "r.html"
    path.write_text(f"<p>{PNR}</p>")
    with pytest.raises(PrivacyError):
        scan_file(path)
    assert not path.exists()


def test_optimised_png_drops_text_and_refuses_leaks() -> None:
    clean = optimise_png(base64.b64encode(_png(Software=("tEXt", "matplotlib"))).decode())
    assert png_text_chunks(base64.b64decode(clean)) == []
    with pytest.raises(PrivacyError):
        optimise_png(base64.b64encode(_png(Title=("tEXt", PNR))).decode())


# --- The text passes skip image base64; everything a reader can see is still scanned -------

_IMAGE = base64.b64encode(_png() + bytes(range(256)) * 40).decode()  # ~14 kB of base64
_CSV = base64.b64encode(f"id\n{PNR}\n".encode()).decode()
_PNG_ITXT = base64.b64encode(_png(Author=("iTXt", PNR))).decode()


@pytest.mark.parametrize(
    "page",
    [
        f'<img src="data:image/png;base64,{_IMAGE}"><p>Ärende {PNR}</p>',
        f'<img src="data:image/png;base64,{_IMAGE}" alt="Ärende {PNR}">',
        f"<img alt='{PNR}' src='data:image/png;base64,{_IMAGE}'>",
        f'<img src="data:image/png;base64,{_IMAGE}"><p>&#49;&#57;&#49;&#50;&#49;&#50;&#49;&#50;'
        "&#8209;1212</p>",
        f'<img src="data:image/png;base64,{_IMAGE}" title="{PNR.replace("-", "&#45;")}">',
        # a data URI written as text is read as text: the number after it is visible
        f"<p>data:image/png;base64,{_IMAGE} {PNR}</p>",
        f'<a href="data:text/csv;base64,{_CSV}">CSV</a>',
        f'<img src="data:image/png;base64,{_PNG_ITXT}">',
        # an SVG payload broken over lines (not cut from the text: decoded and read)
        '<img src="data:image/svg+xml;base64,'
        + "\n".join(base64.b64encode(f"<svg><text>{PNR}</text></svg>".encode()).decode())
        + '">',
    ],
)
def test_visible_numbers_next_to_image_payloads_are_caught(page: str) -> None:
    assert count_identity_numbers(page) >= 1
    assert without_payloads(page).count(PNR) == page.count(PNR)  # visible text never cut


def test_a_number_only_inside_image_base64_is_not_visible_text() -> None:
    # These base64 letters are not shown to anyone: the reader sees the decoded
    # image, whose text chunks are decoded and scanned. Twelve digits in a row do
    # occur by chance in the base64 of pixels, and counting them would stop a
    # publication over a number nobody can read.
    digits = PNR.replace("-", "")
    encoded = base64.b64encode(_png()).decode().rstrip("=") + "QUJD" + digits + "QUJD"
    encoded = base64.b64encode(base64.b64decode(encoded + "=" * (-len(encoded) % 4))).decode()
    assert digits in encoded and find_identity_numbers(encoded)  # the old pass counted it
    page = f'<figure><img src="data:image/png;base64,{encoded}" alt="Diagram"></figure>'
    assert count_identity_numbers(page) == 0
    check_text(page, "report")


def test_payload_cut_keeps_what_is_around_the_data_uri() -> None:
    page = f'<p>före</p><img alt="a" src="data:image/png;base64,{_IMAGE}" width="3"><p>efter</p>'
    assert without_payloads(page) == (
        '<p>före</p><img alt="a" src="data:image/png;base64," width="3"><p>efter</p>'
    )


def test_text_that_looks_like_a_payload_only_before_decoding_is_still_read() -> None:
    # As written, ';src="data:…;base64,<digits>"' has the shape of a whole attribute's
    # payload and is left out of the first text pass. Decoded, the "1" of "&#49;" joins
    # "src": the shape is gone, and the reader sees the digits as text.
    page = f'<p>&#49;src="data:image/png;base64,{PNR.replace("-", "")}"</p>'
    assert not find_identity_numbers(without_payloads(page))
    assert count_identity_numbers(page) >= 1
    with pytest.raises(PrivacyError):
        check_text(page, "report x")
