"""SCB PxWeb responses: read (json, json-stat2, CSV), write json-stat2, regions and age bands."""

from evaluation.io.pxweb.csv import read_csv
from evaluation.io.pxweb.read import MARKERS, MEASURE, NOTE, VALUE, load_json, read_pxweb
from evaluation.io.pxweb.regions import (
    NATIONAL,
    age_band,
    parse_region,
    pxweb_to_area_statistics,
    sum_age_bands,
)
from evaluation.io.pxweb.write import to_jsonstat2

__all__ = [
    "MARKERS",
    "MEASURE",
    "NATIONAL",
    "NOTE",
    "VALUE",
    "age_band",
    "load_json",
    "parse_region",
    "pxweb_to_area_statistics",
    "read_csv",
    "read_pxweb",
    "sum_age_bands",
    "to_jsonstat2",
]
