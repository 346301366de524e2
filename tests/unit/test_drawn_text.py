"""R8 for images: a text drawn into a figure that holds an identity number stops to_png."""

from __future__ import annotations

import geopandas as gpd
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import shapely  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from evaluation.exceptions import PrivacyError  # noqa: E402
from evaluation.present import charts, maps  # noqa: E402
from evaluation.privacy import Protector  # noqa: E402

NUMBER = "19121212\u20111212"  # Skatteverket's test number with a non-breaking hyphen


def _title(ax):
    ax.set_title(f"Område {NUMBER}")


def _axis_label(ax):
    ax.set_ylabel(NUMBER)


def _fixed_tick(ax):
    ax.set_xticks([1, 2], ["Berga", NUMBER])


def _formatted_tick(ax):  # made by a formatter only while the figure is drawn
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: "121212\u00a01212" if v > 1 else ""))


def _legend(ax):
    ax.plot([1, 2], [2, 1], label=f"Grupp {NUMBER}")
    ax.legend()


def _legend_title(ax):
    ax.plot([1, 2], [2, 1], label="Grupp")
    ax.legend(title=NUMBER)


def _annotation(ax):
    ax.annotate(NUMBER, (1.5, 1.5))


def _suptitle(ax):
    ax.figure.suptitle(NUMBER)


@pytest.mark.parametrize(
    "draw",
    [
        _title,
        _axis_label,
        _fixed_tick,
        _formatted_tick,
        _legend,
        _legend_title,
        _annotation,
        _suptitle,
    ],
)
def test_identity_number_in_any_drawn_text_stops_the_image(draw) -> None:
    fig, ax = plt.subplots()
    ax.plot([1, 2], [1, 2])
    draw(ax)
    with pytest.raises(PrivacyError) as err:
        charts.to_png(fig)
    assert "1212" not in str(err.value)
    assert not plt.fignum_exists(fig.number)  # closed, no image returned


def test_ordinary_chart_is_encoded() -> None:
    fig, ax = plt.subplots()
    ax.plot([2021, 2022], [12_345, 23_456], label="Skäggetorp 2024-01")
    ax.set_title("Aktualiseringar 2019–2025, 12 345 barn")
    ax.legend()
    assert charts.to_png(fig).startswith(b"\x89PNG")


def test_map_label_holding_an_identity_number_fails_in_to_png() -> None:
    codes = list("ABC")
    areas = gpd.GeoDataFrame(
        {
            "area_code": codes,
            "area_name": ["Berga", f"Område {NUMBER}", "Ryd"],  # past the loader's guard
            "municipality_code": "0000",
        },
        geometry=[shapely.box(i * 1000, 0, i * 1000 + 900, 900) for i in range(3)],
        crs="EPSG:3006",
    )
    frame = pd.DataFrame({"area_code": codes, "numerator": [30, 40, 50], "denominator": 100})
    frame["value"] = frame["numerator"] / frame["denominator"]
    protected = Protector().shares(frame, label="Andel")
    with pytest.raises(PrivacyError) as err:
        maps.choropleth(
            protected,
            maps.map_layout(areas, "B"),
            title="Andel",
            legend_title="Procent",
            fmt=lambda v: f"{100 * v:.0f}",
            unit="%",
            what="andelen",
            k=2,
        )
    assert "1212" not in str(err.value)


@pytest.mark.parametrize("size", [(6.8, 4.65), (5.0, 3.0), (6.8, 5.5833333)])
def test_to_png_has_matplotlibs_pixels_in_rgb(size) -> None:
    """The RGB PNG holds exactly the pixels of matplotlib's own (RGBA) PNG, at the same size."""
    import io

    import numpy as np
    from PIL import Image

    fig = plt.figure(figsize=size)
    ax = fig.subplots()
    ax.plot([1, 2, 3], [3, 1, 2], marker="o")
    ax.fill_between([1, 2, 3], [2, 0.5, 1], [3.5, 1.5, 2.5], alpha=0.15)
    ax.set_title("Åtgärder per år")
    reference = io.BytesIO()
    fig.savefig(reference, format="png", dpi=charts.DPI)
    with Image.open(io.BytesIO(charts.to_png(fig))) as ours, Image.open(reference) as theirs:
        assert ours.mode == "RGB"
        assert ours.info["dpi"] == pytest.approx((charts.DPI, charts.DPI), rel=1e-3)  # per metre
        assert not {k for k in ours.info if k not in ("dpi",)}  # no text chunks, no gamma
        assert np.array_equal(np.asarray(ours.convert("RGBA")), np.asarray(theirs.convert("RGBA")))


def test_to_png_keeps_transparency_and_matplotlibs_pixels() -> None:
    """A see-through figure stays RGBA, pixel for pixel as matplotlib's own PNG."""
    import io

    import numpy as np
    from PIL import Image

    fig = plt.figure(figsize=(3.0, 2.0))
    fig.patch.set_alpha(0.0)
    ax = fig.subplots()
    ax.patch.set_alpha(0.3)
    ax.plot([1, 2, 3], [3, 1, 2], marker="s")
    reference = io.BytesIO()
    fig.savefig(reference, format="png", dpi=charts.DPI)
    with Image.open(io.BytesIO(charts.to_png(fig))) as ours, Image.open(reference) as theirs:
        assert ours.mode == "RGBA"
        ours.load()  # decodes every row: a broken stream or checksum raises here
        assert np.array_equal(np.asarray(ours), np.asarray(theirs.convert("RGBA")))
