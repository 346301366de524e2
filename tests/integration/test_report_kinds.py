"""A new report kind is one registry entry plus a notebook: it renders through the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]

PLUGIN = '''
"""A user's own report kinds (named in $EVALUATION_KINDS)."""
from pydantic import BaseModel, ConfigDict

from evaluation.metadata.kinds import register_report_kind


class WalkParams(BaseModel):
    model_config = ConfigDict(extra="ignore")
    title: str


def details(report):
    return (("Vandring i", report.area_name), ("Period", f"{report.start:%Y}–{report.end:%Y}"))


register_report_kind(
    "safety_walk", NOTEBOOK, "Trygghetsvandring", params=WalkParams, header_details=details
)
'''


def _notebook(path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('params_file = "params.yaml"\ncache_dir = None')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        params,
        nbformat.v4.new_code_cell(
            "from evaluation.reports.context import open_report\n\n"
            "report = open_report(params_file, cache_dir)\n"
            "report.header()"
        ),
        nbformat.v4.new_markdown_cell("## Vad vandringen visade"),
    ]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, path)


@pytest.fixture
def plugin(tmp_path: Path) -> Path:
    """A folder with the kind module and its notebook, outside the repository."""
    folder = tmp_path / "plugin"
    folder.mkdir()
    _notebook(folder / "safety_walk.ipynb")
    text = f"NOTEBOOK = {str(folder / 'safety_walk.ipynb')!r}\n" + PLUGIN
    (folder / "my_kinds.py").write_text(text, encoding="utf-8")
    return folder


def _run(params: Path, out: Path, plugin: Path, kinds: str | None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(plugin), str(ROOT), env.get("PYTHONPATH", "")])
    env.pop("EVALUATION_KINDS", None)
    if kinds:
        env["EVALUATION_KINDS"] = kinds
    command = [sys.executable, "-m", "evaluation", "run", str(params), "-o", str(out)]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)


def _params(folder: Path, data: Path, kind: str, title: str | None) -> Path:
    path = folder / f"{kind}.yaml"
    text = f"kind: {kind}\narea: Norrby\ndata: {data}\n" + (f"title: {title}\n" if title else "")
    path.write_text(text, encoding="utf-8")
    return path


def test_registered_kind_renders_through_the_cli(tmp_path, tiny_folder, plugin) -> None:
    params = _params(tmp_path, tiny_folder, "safety_walk", "Trygghetsvandring i Norrby")
    out = tmp_path / "out"
    done = _run(params, out, plugin, "my_kinds")
    assert done.returncode == 0, done.stderr
    html = (out / "norrby" / "safety_walk.html").read_text(encoding="utf-8")
    assert "Trygghetsvandring i Norrby" in html  # the title from the params file
    assert "Vandring i:</strong> Norrby" in html  # the kind's own header lines
    assert "Trygghetsvandring" in html.split('class="report-kind">')[1][:40]  # its label
    assert "Vad vandringen visade" in html


def test_kind_is_refused_until_registered_and_typos_get_a_hint(
    tmp_path, tiny_folder, plugin
) -> None:
    params = _params(tmp_path, tiny_folder, "safety_walk", "Titel")
    done = _run(params, tmp_path / "out", plugin, None)
    assert done.returncode == 2 and "okänd rapporttyp 'safety_walk'" in done.stderr
    typo = _params(tmp_path, tiny_folder, "safety_wlak", "Titel")
    done = _run(typo, tmp_path / "out", plugin, "my_kinds")
    assert done.returncode == 2 and "menade du 'safety_walk'?" in done.stderr


def test_kind_params_extension_is_checked(tmp_path, tiny_folder, plugin) -> None:
    params = _params(tmp_path, tiny_folder, "safety_walk", None)
    done = _run(params, tmp_path / "out", plugin, "my_kinds")
    assert done.returncode == 2 and "parameter 'title'" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
