"""The package's source hash: every source file by name and content, __pycache__ left out."""

from __future__ import annotations

import hashlib
from pathlib import Path

import evaluation
from evaluation.load.fingerprint import sha256_file
from evaluation.render.provenance import package_source_hash


def test_source_hash_is_the_sorted_names_and_hashes_of_the_source_files() -> None:
    root = Path(evaluation.__file__).resolve().parent
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.suffix in (".py", ".yaml", ".j2", ".css", ".html") and (
            "__pycache__" not in path.parts
        ):
            h.update(path.relative_to(root).as_posix().encode())
            h.update(sha256_file(path).encode())
    assert package_source_hash() == h.hexdigest()
