"""The pip and conda dependency lists agree, and the make targets exist."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
# PyPI name -> conda-forge name(s) where they differ
RENAMES = {"dask[distributed]": {"dask", "distributed"}, "zlib-ng": {"python-zlib-ng"}}


def _name(spec: str) -> str:
    return re.split(r"[<>=!~ ]", spec, maxsplit=1)[0].strip().lower()


def test_environment_yml_lists_the_same_dependencies_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pip = set()
    for spec in project["dependencies"] + project["optional-dependencies"]["test"]:
        name = _name(spec)
        pip |= RENAMES.get(name, {name})
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = {_name(d) for d in env["dependencies"] if isinstance(d, str)} - {"python", "pip"}
    assert pip == conda


def test_makefile_and_ci_use_the_readme_commands():
    make = (ROOT / "Makefile").read_text()
    assert re.search(r"^report:", make, re.M) and re.search(r"^test:", make, re.M)
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    head = "\n".join((ROOT / "README.md").read_text().splitlines()[:20])
    assert "make report" in head and "make test" in head
