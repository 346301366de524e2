"""Compact, deterministic images: optimised PNG or cleaned SVG, whichever is smaller."""

from __future__ import annotations

import base64
import io
import re

from evaluation.render.scan import check_png

_SVG_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.S)
_SVG_COMMENT = re.compile(r"<!--.*?-->\s*", re.S)


def optimise_png(b64: str) -> str:
    """Re-encode a base64 PNG losslessly with the smallest settings and no text chunks."""
    raw = base64.b64decode(b64)
    check_png(raw, "an embedded image")
    candidates = [_strip_png_text(raw)]
    try:
        candidates += _reencoded(raw)
    except Exception:  # noqa: BLE001 - an image Pillow cannot read is kept as it was
        pass
    return base64.b64encode(min(candidates, key=len)).decode("ascii")


def _reencoded(raw: bytes) -> list[bytes]:
    """The image saved with zlib optimisation, and as a palette when that is lossless."""
    from PIL import Image, ImageChops

    with Image.open(io.BytesIO(raw)) as img:
        img.load()
        images = [img]
        if img.mode in ("RGB", "RGBA") and img.getcolors(256) is not None:
            rgba = img.convert("RGBA")
            palette = rgba.quantize(colors=256, method=Image.Quantize.FASTOCTREE)
            if ImageChops.difference(palette.convert("RGBA"), rgba).getbbox() is None:
                images.append(palette)
        out = []
        for candidate in images:
            buf = io.BytesIO()
            candidate.save(buf, format="PNG", optimize=True)
            out.append(buf.getvalue())
        return out


def _strip_png_text(raw: bytes) -> bytes:
    """Drop tEXt/zTXt/iTXt/tIME chunks (software names, dates) from a PNG."""
    out, pos = [raw[:8]], 8
    while pos + 8 <= len(raw):
        length = int.from_bytes(raw[pos : pos + 4], "big")
        ctype = raw[pos + 4 : pos + 8]
        end = pos + 12 + length
        if ctype not in (b"tEXt", b"zTXt", b"iTXt", b"tIME"):
            out.append(raw[pos:end])
        pos = end
    return b"".join(out)


def clean_svg(svg: str) -> str:
    """Remove the creator comment and metadata (date, tool version) from an SVG."""
    return _SVG_COMMENT.sub("", _SVG_METADATA.sub("", svg))


def svg_base64(svg: str) -> str:
    """Base64 of an SVG document as it will be embedded."""
    return base64.b64encode(svg.encode("utf-8")).decode("ascii")


def choose_image(data: dict) -> dict:
    """Keep the smaller of the PNG and SVG renderings of one output, both made compact."""
    data = dict(data)
    if "image/png" in data:
        data["image/png"] = optimise_png(data["image/png"])
    if "image/svg+xml" in data:
        svg = data["image/svg+xml"]
        data["image/svg+xml"] = clean_svg(svg if isinstance(svg, str) else "".join(svg))
    if "image/png" in data and "image/svg+xml" in data:
        if len(svg_base64(data["image/svg+xml"])) <= len(data["image/png"]):
            del data["image/png"]
        else:
            del data["image/svg+xml"]
    return data
