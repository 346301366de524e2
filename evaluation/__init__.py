"""Evaluation toolkit for area-based social work: validated data in, protected reports out."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("evaluation")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"


def load_data(folder, cache_dir=None):
    """Load and validate a data folder; see :func:`evaluation.load.dataset.load_data`."""
    from evaluation.load.dataset import load_data as _load

    return _load(folder, cache_dir=cache_dir)


__all__ = ["__version__", "load_data"]
