"""Evaluation toolkit for area-based social work: validated data in, protected reports out."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from evaluation.load.dataset import Dataset

#: The one place the version is written: pyproject.toml reads it from here
#: (``[tool.setuptools.dynamic]``). A constant rather than ``importlib.metadata``,
#: whose import and distribution scan were a tenth of a no-op batch's time.
__version__ = "0.1.0"


def load_data(
    folder: str | os.PathLike[str], cache_dir: str | os.PathLike[str] | None = None
) -> Dataset:
    """Load and validate a data folder; see :func:`evaluation.load.dataset.load_data`."""
    from evaluation.load.dataset import load_data as _load

    return _load(os.fspath(folder), cache_dir=os.fspath(cache_dir) if cache_dir else None)


__all__ = ["__version__", "load_data"]
