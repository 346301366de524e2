"""Each package imports only the packages docs/architecture.md allows."""

from __future__ import annotations

import ast
from pathlib import Path

import evaluation

PACKAGE = Path(evaluation.__file__).parent

#: Package -> the other packages it may import (``exceptions`` and the top-level
#: ``evaluation`` names such as ``__version__`` are open to all). Keep in step with
#: the table in docs/architecture.md.
ALLOWED = {
    "metadata": {"io"},
    "stats": set(),
    "io": {"metadata"},
    "load": {"io", "metadata"},
    "params": {"metadata"},
    "indicators": {"metadata", "stats"},
    "methods": set(),
    "privacy": {"metadata"},  # measures: the codes a measure links on
    "present": {"privacy"},
    "reports": {"indicators", "io", "load", "metadata", "methods", "params", "present", "privacy"},
    "render": {"load", "metadata", "params", "present", "privacy", "reports"},  # reports: preflight
    "cli": {"io", "load", "metadata", "params", "privacy", "render", "reports"},
    "synthetic": {"metadata"},
}
#: Modules every package may import (docs/architecture.md), and the package's own names.
OPEN_MODULES = {"exceptions", "idnumbers", "yaml_text"}
OPEN = OPEN_MODULES | {"__version__", "load_data"}


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            parts = node.module.split(".")
            if parts[0] != "evaluation":
                continue
            if len(parts) > 1:
                found.add(parts[1])
            else:
                found.update(a.name for a in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "evaluation" and len(parts) > 1:
                    found.add(parts[1])
    return found


def test_packages_import_only_what_the_architecture_allows() -> None:
    offences = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).parts
        owner = rel[0].removesuffix(".py")
        if owner not in ALLOWED:
            continue
        for used in _imports(path) - OPEN - {owner}:
            if used not in ALLOWED[owner]:
                offences.append(f"{'/'.join(rel)} imports evaluation.{used}")
    assert offences == []


def test_every_package_is_listed() -> None:
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    modules = {p.stem for p in PACKAGE.glob("*.py") if not p.stem.startswith("__")}
    assert packages | modules == set(ALLOWED) | OPEN_MODULES
