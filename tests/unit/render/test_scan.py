"""R8 scan: identity numbers in text, attributes, entities and embedded PNG/SVG payloads."""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from evaluation.exceptions import PrivacyError
from evaluation.idnumbers import is_identity_number
from evaluation.render.images import optimise_png
from evaluation.render.scan import check_text, count_identity_numbers, png_text_chunks, scan_file

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
