"""Areas of the sample municipality, modelled loosely on Linköping (0580).

Profiles are plausible, not real figures, and the polygons are illustrative
shapes around each district's approximate position, not real boundaries.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely

MUNICIPALITY_CODE = "0580"
MUNICIPALITY_NAME = "Linköping"
#: Centre of the layout in SWEREF 99 TM (EPSG:3006), metres.
CENTRE_E, CENTRE_N = 535_000.0, 6_476_000.0
CRS = "EPSG:3006"


@dataclass(frozen=True)
class AreaProfile:
    """One area: position (km from the centre), size and socio-economic profile in 2024."""

    code: str
    name: str
    x: float  # km east of the centre
    y: float  # km north of the centre
    radius: float  # km, rough size of the illustrative polygon
    population: int  # inhabitants 2024
    growth: float  # yearly population growth
    child: float  # share aged 0-17
    young: float  # share aged 0-5
    working: float  # share aged 20-64
    foreign_born: float  # percent
    income: float  # mean earned income 20+, tkr, 2024
    employment: float  # percent of 20-64
    low_education: float  # percent of 25-64
    eligibility: float  # percent of year-9 pupils eligible
    income_support: float  # percent of inhabitants
    crime: float  # reported crimes per 1 000 inhabitants


# Place: x, y km east/north of the centre; r polygon size (km); pop inhabitants 2024; growth
# per year.
_PLACES = """
code | name                   |     x     y    r   pop growth
INN  | Innerstaden            |   0.0   0.0   1.1 16500  0.008
VAS  | Vasastaden             |  -1.5   0.2   0.8  9800  0.006
GOT  | Gottfridsberg          |  -2.0   1.5   0.9  9100  0.007
SKA  | Skäggetorp             |  -2.7   3.3   1.1 10200  0.006
TOR  | Tornby                 |   0.2   3.7   1.2   550  0.004
RAM  | Ramshäll               |   1.3   1.8   0.7  3600  0.005
RYD  | Ryd                    |  -4.3  -0.5   1.1  9700  0.009
VAL  | Vallastaden            |  -2.9  -1.9   0.6  3200    0.0
LAM  | Lambohov               |  -4.2  -3.5   1.1  8700  0.008
EKH  | Ekholmen               |  -1.0  -3.6   0.9  7500  0.004
BER  | Berga                  |   1.1  -2.3   0.9  8300  0.006
TAN  | Tannefors              |   2.1   0.3   0.9  9000  0.010
JOH  | Johannelund            |   3.4   1.6   0.9  6400  0.005
EKA  | Ekängen                |   4.4  -1.7   0.8  4300  0.004
HJU  | Hjulsbro               |   3.0  -4.9   1.0  5300  0.004
ULL  | Ullstämma              |   5.6  -3.9   0.8  3000  0.006
MAL  | Malmslätt              |  -8.5   1.0   1.4 10300  0.010
LJU  | Ljungsbro              |  -8.0   9.0   1.4  7000  0.006
LIG  | Linghem                |  12.0   1.5   1.0  3100  0.008
STU  | Sturefors              |  11.0 -10.5   1.0  2600  0.005
VIK  | Vikingstad             | -15.5  -1.5   1.0  1900  0.007
LBY  | Landsbygd och småorter |   0.0  12.0   0.0 24600  0.003
"""
# Profile in 2024: child, young, work shares aged 0-17, 0-5, 20-64; fb foreign-born %;
# income mean earned income 20+ (tkr); emp employed % of 20-64; low low education % of 25-64;
# elig eligible % of year-9 pupils; sup income support % of inhabitants; crime per 1 000.
_PROFILES = """
code | child young  work    fb income  emp  low elig   sup crime
INN  |  0.10 0.045  0.66    17    335   78    6   88   2.0   310
VAS  |  0.14 0.055  0.62    14    365   82    5   90   1.5   110
GOT  |  0.15  0.06  0.64    22    290   72   10   82   3.5    95
SKA  |  0.31  0.11  0.52    62    205   52   32   62  14.0   170
TOR  |  0.18  0.07  0.60    20    300   75   10   85   3.0   420
RAM  |  0.16  0.06  0.60    12    380   83    4   91   1.2    60
RYD  |  0.20  0.08  0.70    40    200   55   18   70   7.0   120
VAL  |  0.14  0.07  0.72    15    300   78    4   92   1.0    50
LAM  |  0.22  0.08  0.60    28    270   68   13   80   4.5    80
EKH  |  0.21  0.07  0.57    25    280   72   12   82   4.0    75
BER  |  0.22  0.08  0.57    38    250   64   18   76   6.5    95
TAN  |  0.14  0.06  0.65    17    310   79    8   86   2.5   100
JOH  |  0.23  0.07  0.56    18    340   81    7   88   2.0    60
EKA  |  0.26  0.07  0.55     9    410   87    3   94   0.5    35
HJU  |  0.27  0.07  0.54     8    420   88    3   95   0.5    35
ULL  |  0.25  0.08  0.56    10    390   86    4   93   0.7    40
MAL  |  0.25  0.08  0.56     9    350   84    6   89   1.0    45
LJU  |  0.24  0.07  0.55     8    330   83    7   88   1.5    50
LIG  |  0.26  0.08  0.55     6    340   85    6   90   1.0    35
STU  |  0.25  0.07  0.55     5    360   85    5   91   0.8    30
VIK  |  0.24  0.07  0.55     7    330   84    7   89   1.0    35
LBY  |  0.22  0.06  0.55     5    320   83    8   88   1.0    30
"""


def _rows(table: str) -> list[list[str]]:
    """Cells of a '|'-separated text table, header skipped."""
    return [[c.strip() for c in line.split("|")] for line in table.strip().splitlines()[1:]]


def _parse(places: str, profiles: str) -> tuple[AreaProfile, ...]:
    """Area profiles from the two text tables above."""
    figures = {code: [float(x) for x in cells.split()] for code, cells in _rows(profiles)}
    areas = []
    for code, name, cells in _rows(places):
        x, y, r, pop, growth = (float(v) for v in cells.split())
        areas.append(
            AreaProfile(
                f"{MUNICIPALITY_CODE}{code}", name, x, y, r, int(pop), growth, *figures[code]
            )
        )
    return tuple(areas)


#: Every area; together they make up the whole municipality (~165 000 inhabitants).
AREAS: tuple[AreaProfile, ...] = _parse(_PLACES, _PROFILES)

#: The small area in which privacy suppression is expected to show.
SMALL_AREA = f"{MUNICIPALITY_CODE}TOR"
#: The rest-of-municipality area (its polygon is everything outside the districts).
REST_AREA = f"{MUNICIPALITY_CODE}LBY"


def profile(code: str) -> AreaProfile:
    """Return the profile of area ``code``."""
    for area in AREAS:
        if area.code == code:
            return area
    raise KeyError(code)


def _wobbly_ring(x: float, y: float, radius: float, rng: np.random.Generator, n: int = 36):
    """A closed irregular ring (metres) of roughly ``radius`` km around (x, y) km."""
    theta = np.linspace(0.0, 2 * np.pi, n, endpoint=False)
    phases = rng.uniform(0, 2 * np.pi, 3)
    wobble = (
        0.10 * np.sin(2 * theta + phases[0])
        + 0.07 * np.sin(3 * theta + phases[1])
        + 0.04 * np.sin(5 * theta + phases[2])
    )
    r = radius * 1000.0 * (1.0 + wobble)
    e = CENTRE_E + x * 1000.0 + r * np.cos(theta)
    n_ = CENTRE_N + y * 1000.0 + r * np.sin(theta)
    return shapely.Polygon(np.column_stack([e, n_]))


def area_polygons(rng: np.random.Generator) -> gpd.GeoDataFrame:
    """Illustrative, non-overlapping polygons for every area in EPSG:3006."""
    districts = [a for a in AREAS if a.code != REST_AREA]
    points = [shapely.Point(CENTRE_E + a.x * 1000, CENTRE_N + a.y * 1000) for a in districts]
    outline = _wobbly_ring(-1.5, 0.0, 21.0, rng, n=72)
    cells = shapely.voronoi_polygons(shapely.MultiPoint(points), extend_to=outline)
    cells = list(cells.geoms)
    geoms = []
    for area, point in zip(districts, points, strict=False):
        cell = next(c for c in cells if c.contains(point))
        geoms.append(_wobbly_ring(area.x, area.y, area.radius, rng).intersection(cell))
    geoms.append(outline.difference(shapely.union_all(geoms)))
    codes = [a.code for a in districts] + [REST_AREA]
    order = {a.code: i for i, a in enumerate(AREAS)}
    gdf = gpd.GeoDataFrame(
        {
            "area_code": codes,
            "area_name": [profile(c).name for c in codes],
            "municipality_code": MUNICIPALITY_CODE,
        },
        geometry=geoms,
        crs=CRS,
    )
    gdf["_order"] = gdf["area_code"].map(order)
    return gdf.sort_values("_order").drop(columns="_order").reset_index(drop=True)
