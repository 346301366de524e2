"""Where the private cache of canonical tables lives (light: no pandas, for the CLI)."""

from __future__ import annotations

import os
from pathlib import Path

CACHE_ENV = "EVALUATION_CACHE_DIR"


def default_cache_dir() -> Path:
    """The private cache of canonical tables: ``$EVALUATION_CACHE_DIR`` or the user cache.

    The cache holds record-level data (ids, ages, exact dates, free-text answers), so it
    lives outside the reports folder that researchers send on (R10): by default in the
    user's cache folder (``~/.cache/evaluation/tables`` on Linux, ``~/Library/Caches`` on
    macOS, ``%LOCALAPPDATA%`` on Windows), created with mode 0700. Written by hand: three
    platform rules do not justify a dependency (platformdirs gives the same folders).
    """
    env = os.environ.get(CACHE_ENV)
    if env:
        return private_dir(Path(env).expanduser())
    if os.name == "nt":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif os.uname().sysname == "Darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return private_dir(base / "evaluation" / "tables")


def private_dir(path: Path) -> Path:
    """Create ``path`` readable by its owner only (0700) and return it."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        os.chmod(path, 0o700)  # mkdir's mode is masked by umask and ignored when it exists
    except OSError:  # a shared folder owned by someone else: leave its permissions alone
        pass
    return path


def cache_dir_outside(*publication: Path) -> Path:
    """The private cache, refusing one placed inside a publication (reports) folder."""
    from evaluation.exceptions import ParameterError

    cache = default_cache_dir().resolve()
    for folder in publication:
        if cache.is_relative_to(Path(folder).resolve()):
            raise ParameterError(
                f"datacachen ({CACHE_ENV}) ligger i rapportmappen, som skickas vidare; "
                "välj en privat mapp utanför den",
                parameter=CACHE_ENV,
            )
    return cache
