"""Choropleth maps of protected area values (docs/privacy.md R6).

Colours come only from shown values of a protected frame: classes are computed
on shown values (mapclassify, Fisher–Jenks), and an area whose value is hidden
or missing gets one hatched class, "uppgift saknas / för få uppgifter", never the
colour of zero. No point or dot maps: areas are the smallest unit drawn.

``MapLayout`` holds what every map of one report shares (geometry in SWEREF 99
TM, extents, label position, scale bar), so it is computed once per report; one
figure serves all of a report's maps (only fills, legend and title change).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import mapclassify
import matplotlib.patheffects as pe
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import shapely

if TYPE_CHECKING:
    import geopandas as gpd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure
from matplotlib.font_manager import fontManager
from matplotlib.patches import Patch, Rectangle
from matplotlib.path import Path as MplPath
from matplotlib.textpath import TextToPath

from evaluation.present.charts import to_png
from evaluation.present.guard import require_protected
from evaluation.present.output import Chart, Note
from evaluation.present.tables import withheld_note

CRS = "EPSG:3006"  # SWEREF 99 TM: metres, the Swedish national grid
PALETTE = "YlGnBu"  # ColorBrewer sequential, colour-blind safe; darker = higher
MISSING_CLASS = "Uppgift saknas / för få uppgifter"
HATCH = "////"
EDGE = "#5f6b6d"  # area outlines: visible on white and on the lightest class
LIGHTEST = 0.3  # where on the colour ramp the lowest class starts: clearly not white


def class_colours(n: int) -> list:
    """``n`` colours from light to dark; the lightest stays clearly apart from white."""
    cmap = plt.get_cmap(PALETTE)
    if n <= 1:
        return [cmap(0.6)] * n
    return [cmap(x) for x in np.linspace(LIGHTEST, 1.0, n)]


_HALO = [pe.withStroke(linewidth=3, foreground="white")]


class _KeptOutlines(TextToPath):
    """Text outlines kept per font and text, for the haloed names on the maps.

    A halo draws its text as a path, and matplotlib lays the glyphs out again in Python
    at every draw: the same area names in every map of every report took ~2.5 % of an area
    analysis. No library keeps them, so this does. The outline is at matplotlib's fixed
    outline size (the renderer scales it to the font size), so the font files and the
    text decide it; arrays are read-only, as every drawing shares them.
    """

    _LIMIT = 4096

    def __init__(self) -> None:
        super().__init__()
        self._kept: dict = {}

    def get_text_path(self, prop, s, ismath=False):
        """As :meth:`TextToPath.get_text_path`, from memory after the first time."""
        if ismath:
            return super().get_text_path(prop, s, ismath)
        # the font files TextToPath itself draws ``prop`` with (private, so not in the stubs)
        fonts = fontManager._find_fonts_by_props(prop)  # type: ignore[attr-defined]
        key = (tuple(fonts), s)
        found = self._kept.get(key)
        if found is None:
            verts, codes = super().get_text_path(prop, s)
            found = (np.asarray(verts, dtype=float), np.asarray(codes, dtype=MplPath.code_type))
            for array in found:
                array.flags.writeable = False
            if len(self._kept) >= self._LIMIT:
                self._kept.clear()
            self._kept[key] = found
        return found


_OUTLINES = _KeptOutlines()


class _MapCanvas(FigureCanvasAgg):
    """The maps' Agg canvas: its renderer takes haloed text outlines from ``_OUTLINES``."""

    def get_renderer(self):
        """The Agg renderer, sharing the process's kept text outlines."""
        renderer = super().get_renderer()
        renderer._text2path = _OUTLINES
        return renderer


@dataclass(frozen=True)
class MapLayout:
    """Geometry and framing shared by every map of one report."""

    areas: gpd.GeoDataFrame  # in EPSG:3006, index = area_code
    area_code: str
    area_name: str
    overview: tuple[float, float, float, float]
    zoom: tuple[float, float, float, float] | None  # None: one panel is enough
    label_xy: tuple[float, float]
    points: dict  # area_code -> (x, y) inside the area, for names in the close-up
    paths: dict  # area_code -> matplotlib Path (holes kept), built once for every map


def _padded(bounds, pad: float = 0.08) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = bounds
    dx, dy = (x1 - x0) * pad, (y1 - y0) * pad
    return x0 - dx, y0 - dy, x1 + dx, y1 + dy


def _path(geom) -> MplPath:
    """A matplotlib path of a (multi)polygon; exteriors and holes wound oppositely."""
    polys = getattr(geom, "geoms", [geom])
    parts = []
    for poly in polys:
        poly = shapely.geometry.polygon.orient(poly, 1.0)
        for ring in [poly.exterior, *poly.interiors]:
            xy = np.asarray(ring.coords)
            codes = np.full(len(xy), MplPath.LINETO, dtype=MplPath.code_type)
            codes[0], codes[-1] = MplPath.MOVETO, MplPath.CLOSEPOLY
            parts.append(MplPath(xy, codes))
    return MplPath.make_compound_path(*parts)


def map_layout(areas, area_code: str, neighbours: int = 8) -> MapLayout:
    """Project once and choose the frames: the municipality and a close-up.

    The close-up shows the evaluated area with its nearest ``neighbours`` (areas much
    larger than the typical area, such as a rural remainder, are left out of it).
    """
    gdf = areas.to_crs(CRS) if areas.crs is not None and areas.crs.to_epsg() != 3006 else areas
    gdf = gdf.set_index(gdf["area_code"].astype(str))
    own = gdf.loc[area_code]
    sizes = gdf.geometry.area
    typical = gdf[sizes <= 10 * sizes.median()]
    centre = own.geometry.centroid
    dist = typical.geometry.centroid.distance(centre).sort_values()
    near = typical.loc[dist.index[: neighbours + 1]]
    zoom = _padded(near.total_bounds)
    overview = _padded(gdf.total_bounds, 0.03)
    zoom_area = (zoom[2] - zoom[0]) * (zoom[3] - zoom[1])
    whole = (overview[2] - overview[0]) * (overview[3] - overview[1])
    point = own.geometry.representative_point()
    points = {
        c: (p.x, p.y) for c, p in zip(gdf.index, gdf.geometry.representative_point(), strict=False)
    }
    paths = {c: _path(g) for c, g in zip(gdf.index, gdf.geometry, strict=False)}
    return MapLayout(
        gdf,
        area_code,
        str(own["area_name"]),
        overview,
        zoom if zoom_area < 0.4 * whole else None,
        (point.x, point.y),
        points,
        paths,
    )


def classify(values: pd.Series, k: int = 5) -> np.ndarray:
    """Upper class bounds (Fisher–Jenks, deterministic) of the shown values only."""
    shown = pd.Series(values, dtype=float).dropna()
    k = int(min(k, shown.nunique()))
    if k < 2:
        return np.array([shown.max()]) if len(shown) else np.array([])
    with warnings.catch_warnings():  # "Numba not installed": the pure-Python path is fine here
        warnings.simplefilter("ignore")
        return np.asarray(mapclassify.FisherJenks(shown.to_numpy(), k=k).bins, dtype=float)


def assign_classes(values: pd.Series, bins: np.ndarray) -> pd.Series:
    """Class number (0 … len(bins)−1) of each value; −1 for hidden or missing."""
    v = pd.Series(values, dtype=float)
    idx = np.searchsorted(bins, v.to_numpy(), side="left")
    out = np.where(v.isna().to_numpy(), -1, np.minimum(idx, len(bins) - 1))
    return pd.Series(out, index=v.index, dtype=int)


def _scale_bar(ax, extent) -> None:
    x0, y0, x1, y1 = extent
    width = x1 - x0
    nice = [500, 1000, 2000, 5000, 10000, 20000]
    length = max([n for n in nice if n <= width / 4] or [nice[0]])
    bx, by = x1 - width * 0.05 - length, y0 + (y1 - y0) * 0.04
    ax.plot([bx, bx + length], [by, by], color="#222", lw=3, solid_capstyle="butt")
    text = f"{length // 1000} km" if length >= 1000 else f"{length} m"
    ax.text(
        bx + length / 2,
        by + (y1 - y0) * 0.015,
        text,
        ha="center",
        va="bottom",
        fontsize=10,
        path_effects=_HALO,
    )


def _panel(ax, layout: MapLayout, extent, title: str | None, label: bool):
    """The parts of a map panel every map of the report shares; returns the two fill layers.

    The fills (shown areas in their class colour, hidden areas hatched) are set per map
    by ``_fill``; outlines, names, scale bar and title are drawn once per report.
    """
    shown = PathCollection(
        [],
        # Grey outlines, not white: an area in the same class as the area around it
        # (a town inside the rural remainder) must still read as a filled area, not
        # as a white hole, also when the page scales the map down.
        edgecolors=EDGE,
        linewidths=0.5,
    )
    missing = PathCollection([], facecolors="white", edgecolors="#777", linewidths=0.6, hatch=HATCH)
    ax.add_collection(shown, autolim=False)
    ax.add_collection(missing, autolim=False)
    ax.add_collection(
        PathCollection(
            [layout.paths[layout.area_code]], facecolors="none", edgecolors="black", linewidths=2.2
        ),
        autolim=False,
    )
    gdf = layout.areas
    if label:
        x0, y0, x1, y1 = extent
        for code, (x, y) in layout.points.items():
            name = str(gdf.loc[code, "area_name"])
            if code != layout.area_code and x0 < x < x1 and y0 < y < y1 and len(name) < 16:
                edge = (x - x0) / (x1 - x0)  # a name near a side runs inwards, never off the map
                ax.annotate(
                    name,
                    (x, y),
                    ha="right" if edge > 0.85 else "left" if edge < 0.15 else "center",
                    va="center",
                    fontsize=8.5,
                    color="#333",
                    path_effects=_HALO,
                )
        ax.annotate(
            layout.area_name,
            layout.label_xy,
            ha="center",
            va="center",
            fontsize=11,
            fontweight="bold",
            path_effects=_HALO,
        )
    ax.set_xlim(extent[0], extent[2])
    ax.set_ylim(extent[1], extent[3])
    ax.set_aspect("equal", anchor="N")  # both panels top-aligned: their titles on one line
    ax.set_axis_off()
    _scale_bar(ax, extent)
    if title:
        ax.set_title(title, fontsize=11, loc="left", color="#333")
    return shown, missing


def _fill(layers, layout: MapLayout, colours: pd.Series, hidden: pd.Series) -> None:
    """One map's fills: shown areas in their class colour, hidden or missing ones hatched."""
    is_hidden = hidden.reindex(layout.areas.index, fill_value=True)
    shown = [c for c in layout.areas.index if not is_hidden[c]]
    missing = [c for c in layout.areas.index if is_hidden[c]]
    for fills, hatched in layers:
        fills.set_paths([layout.paths[c] for c in shown])
        fills.set_facecolor([colours[c] for c in shown])
        hatched.set_paths([layout.paths[c] for c in missing])


#: The report's map figure: (layout, figure, fill layers). One figure serves every map of
#: a report, so axes, names and scale bars are built once; only fills, legend and title
#: change between maps. A new layout (the next report) builds a new figure.
_FIGURE: list = []


def _map_figure(layout: MapLayout):
    """The figure and fill layers shared by the maps of ``layout``'s report."""
    if _FIGURE and _FIGURE[0] is layout:
        return _FIGURE[1], _FIGURE[2]
    panels = 2 if layout.zoom is not None else 1
    # A plain Figure (not pyplot): it lives as long as the report's layout, unmanaged.
    fig = Figure(figsize=(8.5 if panels == 2 else 6.8, 5.6))
    # Its own Agg canvas: without one, every save made a new canvas and renderer, and the
    # text sizes matplotlib caches per renderer (area names, legends) were measured again.
    _MapCanvas(fig)
    axes = np.atleast_1d(
        fig.subplots(1, panels, gridspec_kw={"width_ratios": [1, 1.35]} if panels == 2 else None)
    )
    layers = [
        _panel(
            axes[0],
            layout,
            layout.overview,
            "Hela kommunen" if panels == 2 else None,
            label=panels == 1,
        )
    ]
    if panels == 2:
        z = layout.zoom
        assert z is not None  # two panels exactly when there is a close-up
        axes[0].add_patch(
            Rectangle(
                (z[0], z[1]), z[2] - z[0], z[3] - z[1], fill=False, edgecolor="#d55e00", lw=1.2
            )
        )
        layers.append(
            _panel(axes[1], layout, z, f"Närområdet kring {layout.area_name}", label=True)
        )
    _FIGURE[:] = [layout, fig, layers]
    return fig, layers


def choropleth(
    protected,
    layout: MapLayout,
    *,
    title: str,
    legend_title: str,
    fmt: Callable[[float], str],
    unit: str,
    what: str,
    k: int = 5,
) -> Chart | Note:
    """A classed map of a protected frame with ``area_code`` and ``value`` (one row per area).

    Hidden (``suppressed``) and missing values are drawn hatched in their own
    class; classes and colours use shown values only. ``fmt`` formats a value
    without its unit (legend), ``unit`` follows it in the caption ("%", "tkr").
    """
    require_protected(protected)
    if protected.withheld:
        return withheld_note(protected)
    frame = protected.frame.set_index(protected.frame["area_code"].astype(str))
    values = frame["value"].astype(float).where(~frame["suppressed"].astype(bool))
    values = values.reindex(layout.areas.index)
    hidden = values.isna()
    bins = classify(values, k)
    classes = assign_classes(values, bins)
    palette = class_colours(len(bins))
    colours = classes.map(lambda c: palette[c] if c >= 0 else None)

    fig, layers = _map_figure(layout)
    _fill(layers, layout, colours, hidden)
    for old in list(fig.legends):  # the previous map's legend
        old.remove()
    lows = [values.min()] + list(bins[:-1])
    handles = [
        Patch(facecolor=palette[i], edgecolor="#999", label=f"{fmt(lows[i])}–{fmt(b)}")
        for i, b in enumerate(bins)
    ]
    if hidden.any():
        handles.append(
            Patch(
                facecolor="white", edgecolor="#777", hatch=HATCH, label=MISSING_CLASS.capitalize()
            )
        )
    handles.append(Patch(facecolor="none", edgecolor="black", lw=2, label=layout.area_name))
    fig.legend(
        handles=handles,
        title=legend_title,
        loc="lower center",
        frameon=False,
        ncols=min(len(handles), 3),
        fontsize=10.5,
        title_fontsize=11,
        bbox_to_anchor=(0.5, -0.02),
    )
    fig.suptitle(title, x=0.01, y=0.99, ha="left", va="top", fontsize=13)
    rows = -(-len(handles) // 3)  # legend rows under the maps, fixed before drawing
    fig.subplots_adjust(
        left=0.01, right=0.99, top=0.87, bottom=(0.45 + 0.26 * rows) / 5.6, wspace=0.04
    )

    own = values.get(layout.area_code, np.nan)
    if pd.isna(own):
        own_text = f"{layout.area_name}: uppgift saknas eller är dold"
    else:
        c = int(classes[layout.area_code])
        own_text = (
            f"{layout.area_name}: {fmt(own)} {unit}, klass {c + 1} av {len(bins)} "
            f"({fmt(lows[c])}–{fmt(bins[c])} {unit})"
        )
    n_hidden = int(hidden.sum())
    gap = (
        f" {n_hidden} område{'n' if n_hidden > 1 else ''} saknar uppgift eller har för få "
        "uppgifter och visas streckade."
        if n_hidden
        else ""
    )
    caption = (
        f"Kartan visar {what} i kommunens områden, i {len(bins)} klasser (naturliga "
        f"brytpunkter); mörkare färg betyder högre värde. {layout.area_name} är "
        f"markerat med svart kant. {own_text}.{gap}"
    )
    alt = (
        f"Karta: kommunens områden i {len(bins)} färgklasser, {title.lower()}; "
        f"{layout.area_name} har svart kant."
    )
    shown_frame = protected.frame
    data = pd.DataFrame(
        {
            "Område": shown_frame.get("group", shown_frame["area_code"]).astype(str),
            f"Värde ({unit})": [
                ".." if h else fmt(v)
                for v, h in zip(
                    shown_frame["value"], shown_frame["suppressed"].astype(bool), strict=True
                )
            ],
        }
    )
    return Chart(
        to_png(fig),
        alt=alt,
        caption=caption,
        data=data,
        name=title,
        figure=None,  # the figure is shared by the report's maps: the PNG is this map
        protected=protected,
    )
