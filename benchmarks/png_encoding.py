"""PNG encoding: Pillow's adaptive row filters against the package's unfiltered rows.

Usage::

    .venv/bin/python benchmarks/png_encoding.py [PAGE.html ...] [--repeat 5]

Decodes every chart and map in the given report pages (default: Skäggetorp's area
analysis in reports/sample-2025H1), then encodes them again, in turn: with Pillow at
``charts.PNG_COMPRESS_LEVEL``, and with ``charts._png`` (rows unfiltered) deflated by
the standard library's zlib and by zlib-ng at levels 1–6. Prints CPU milliseconds per
page and bytes, side by side, and checks that every encoding decodes to the same pixels.
"""

from __future__ import annotations

import argparse
import base64
import io
import re
import statistics
import time
import zlib
from functools import partial
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "reports" / "sample-2025H1" / "skaggetorp" / "area_analysis.html"


def main() -> None:
    """Time both encoders on the pages' images; print ms per page, kB and the ratio."""
    from evaluation.present import charts

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("pages", nargs="*", type=Path, default=[DEFAULT])
    p.add_argument("--repeat", type=int, default=5)
    a = p.parse_args()
    images = []
    for page in a.pages:
        for data in re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", page.read_text("utf-8")):
            with Image.open(io.BytesIO(base64.b64decode(data))) as im:
                images.append(np.asarray(im.convert("RGB")))
    print(f"{len(images)} images from {len(a.pages)} page(s)")

    def pillow(pixels: np.ndarray) -> bytes:
        out = io.BytesIO()
        Image.fromarray(pixels).save(
            out,
            format="png",
            dpi=(charts.DPI, charts.DPI),
            compress_level=charts.PNG_COMPRESS_LEVEL,
        )
        return out.getvalue()

    level = charts.PNG_COMPRESS_LEVEL
    coders = {f"Pillow, adaptive filters, zlib {level}": pillow}
    coders[f"unfiltered rows, zlib {level}"] = partial(
        charts._png, level=level, deflate=zlib.compress
    )
    coders.update(
        {f"unfiltered rows, zlib-ng {n}": partial(charts._png, level=n) for n in (1, 2, 3, 4, 6)}
    )
    spent: dict[str, list[float]] = {name: [] for name in coders}
    size: dict[str, int] = {}
    for _ in range(a.repeat):  # alternating, so a busy moment hits every coder alike
        for name, encode in coders.items():
            started = time.process_time()
            encoded = [encode(px) for px in images]
            spent[name].append(time.process_time() - started)
            size[name] = sum(map(len, encoded))
            for px, png in zip(images, encoded, strict=True):
                with Image.open(io.BytesIO(png)) as back:
                    if not np.array_equal(np.asarray(back.convert("RGB")), px):
                        raise SystemExit(f"{name}: pixels differ after decoding")
    base = statistics.median(spent[next(iter(coders))])
    per_page = len(a.pages)
    for name in coders:
        ms = statistics.median(spent[name])
        kb = size[name] / 1e3 / per_page
        print(
            f"  {name:36s} {1000 * ms / per_page:7.1f} ms/page {kb:7.0f} kB/page x{base / ms:4.2f}"
        )


if __name__ == "__main__":
    main()
