"""Work the charts keep between draws draws exactly what matplotlib draws without it.

The trend charts count year ticks themselves (``charts._YearStarts``) and the maps keep
haloed names' outlines (``maps._MapCanvas``); both must give the same ticks and pixels.
"""

from __future__ import annotations

import datetime
import random

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.patheffects as pe  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from evaluation.present import maps  # noqa: E402
from evaluation.present.charts import _YearStarts  # noqa: E402


def test_year_ticks_are_matplotlibs_on_every_kind_of_view():
    rng = random.Random(7)
    theirs, ours = mdates.YearLocator(), _YearStarts()
    base = mdates.date2num(datetime.datetime(2000, 1, 1))
    fallbacks = 0
    for i in range(3000):
        x0 = base + rng.uniform(0, 9000)
        span = rng.choice([rng.uniform(0, 20), rng.uniform(0, 400), rng.uniform(0, 6000)])
        if i % 10 == 0:
            x0 = float(round(x0))  # a whole day: no microseconds
        if i % 20 == 1:
            x0 = mdates.date2num(datetime.datetime(2001 + i % 20, 1, 1))  # a year's start
        lo, hi = mdates.num2date(x0), mdates.num2date(x0 + span)
        expected = np.asarray(theirs.tick_values(lo, hi))
        assert np.array_equal(np.asarray(ours.tick_values(lo, hi)), expected), (lo, hi)
        fallbacks += len(expected) == 2 and expected[0] == x0
    assert fallbacks > 50  # views inside one year, where the view's ends are the ticks


def _haloed(canvas_class) -> np.ndarray:
    fig = Figure(figsize=(3, 1.5))
    canvas = canvas_class(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    for x, name, size in [(0.3, "Skäggetorp", 11), (0.7, "Ryd", 8.5), (0.5, "Ryd", 11)]:
        ax.annotate(
            name,
            (x, 0.3 + x / 3),
            ha="center",
            fontsize=size,
            fontweight="bold" if size == 11 else "normal",
            path_effects=[pe.withStroke(linewidth=3, foreground="white")],
        )
    canvas.draw()
    return np.asarray(canvas.buffer_rgba()).copy()


def test_kept_outlines_draw_the_same_pixels_and_cannot_be_changed():
    fresh = _haloed(FigureCanvasAgg)
    assert (fresh[..., :3] < 128).any()  # the names are drawn
    first = _haloed(maps._MapCanvas)  # outlines made and kept
    again = _haloed(maps._MapCanvas)  # outlines from memory
    assert np.array_equal(first, fresh) and np.array_equal(again, fresh)
    verts, codes = next(iter(maps._OUTLINES._kept.values()))
    with pytest.raises(ValueError):
        verts[0, 0] = 1.0
    with pytest.raises(ValueError):
        codes[0] = 0
