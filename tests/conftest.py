"""Shared fixtures: the tiny crafted data folder and the bundled sample."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.tiny_data import write_tiny

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory) -> Path:
    """Renders cache canonical tables in a temporary folder, not in the user's cache."""
    if not os.environ.get("EVALUATION_CACHE_DIR"):
        os.environ["EVALUATION_CACHE_DIR"] = str(tmp_path_factory.mktemp("evaluation-cache"))
    return Path(os.environ["EVALUATION_CACHE_DIR"])


@pytest.fixture(scope="session", autouse=True)
def no_kept_kernels() -> None:
    """Tests stop their kernels: none is kept for a next command (tests/.../test_kept_kernel.py
    turns keeping on where it is the subject)."""
    os.environ["EVALUATION_KEEP_KERNEL"] = "0"


@pytest.fixture(scope="session")
def tiny_folder(tmp_path_factory) -> Path:
    """A small synthetic data folder with small counts (built once per session)."""
    return write_tiny(tmp_path_factory.mktemp("tiny") / "data")


@pytest.fixture(scope="session")
def sample_folder() -> Path:
    return ROOT / "data" / "sample"
