"""Readers for input files: contract tables, SCB PxWeb, Kolada and area boundaries.

Public names (stable): ``read_raw``, ``register_reader``, ``read_pxweb``,
``read_kolada`` and ``read_areas``. They are imported on first use, so reading a
CSV file does not import geopandas.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from evaluation.io.geo import read_areas
    from evaluation.io.kolada import read_kolada
    from evaluation.io.pxweb import read_pxweb
    from evaluation.io.tables import read_raw, register_reader

_PUBLIC = {
    "read_raw": "evaluation.io.tables",
    "register_reader": "evaluation.io.tables",
    "read_pxweb": "evaluation.io.pxweb",
    "read_kolada": "evaluation.io.kolada",
    "read_areas": "evaluation.io.geo",
}

__all__ = ["read_areas", "read_kolada", "read_pxweb", "read_raw", "register_reader"]


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        return getattr(importlib.import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'evaluation.io' has no attribute {name!r}")
