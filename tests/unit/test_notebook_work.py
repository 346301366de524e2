"""Working in JupyterLab: overrides from the parameters cell, re-runs, and lab-only help."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pandas as pd
import pytest
import yaml

from evaluation.exceptions import PrivacyError
from evaluation.privacy import Protector

ROOT = Path(__file__).resolve().parents[2]


def _params(tmp_path, data_folder) -> Path:
    path = tmp_path / "p.yaml"
    path.write_text(
        yaml.safe_dump({"kind": "outcome_followup", "area": "Norrby", "data": str(data_folder)}),
        encoding="utf-8",
    )
    return path


def test_parameters_cell_overrides_reach_open_report(tmp_path, tiny_folder):
    from evaluation.reports.context import notebook_overrides, open_report

    path = _params(tmp_path, tiny_folder)
    try:
        notebook_overrides(area="Söderby", comparison_areas=None)
        assert open_report(path).area_name == "Söderby"
        notebook_overrides(area=None)  # the next parameters cell resets
        assert open_report(path).area_name == "Norrby"
        assert open_report(path, area="Söderby").area_name == "Söderby"
    finally:
        notebook_overrides()


def test_every_notebook_parameters_cell_offers_area_and_passes_it_on():
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        first = json.loads(path.read_text(encoding="utf-8"))["cells"][0]
        source = "".join(first["source"])
        assert "parameters" in first["metadata"]["tags"]
        assert "area = None  #" in source and "notebook_overrides(" in source
        assert "area=area" in source


def test_rerun_replaces_interactively_but_refuses_when_rendering():
    first, second = pd.DataFrame({"x": [10, 12]}), pd.DataFrame({"x": [11, 30]})
    lab = Protector(replace=True)
    lab.counts(first, label="Mina ärenden")
    again = lab.counts(second, label="Mina ärenden")
    assert again.values.iloc[1, 0] == 30 and len(lab.ledger()) == 1
    render = Protector()
    render.counts(first, label="Mina ärenden")
    with pytest.raises(PrivacyError, match="egen label|own label|R1"):
        render.counts(second, label="Mina ärenden")


def test_lab_only_help_never_reaches_a_report():
    from evaluation.render.export import prepare_outputs

    nb = nbformat.read(ROOT / "notebooks" / "outcome_followup.ipynb", as_version=4)
    assert any("ev-lab-only" in c.source for c in nb.cells if c.cell_type == "markdown")
    cleaned = prepare_outputs(nb)
    text = "\n".join(c.source for c in cleaned.cells if c.cell_type == "markdown")
    assert "ev-lab-only" not in text and "JupyterLab" not in text
    assert "## Så läser du rapporten" in text


def test_charts_expose_figure_and_protected_table():
    from evaluation.present.charts import stacked_bar_chart

    table = pd.DataFrame({"2023": [12, 20], "2024": [15, 25]}, index=pd.Index(["Skola", "Polis"]))
    protected = Protector().counts(table, label="Anmälare")
    chart = stacked_bar_chart(protected, title="Anmälare", ylabel="Antal", what="anmälarna")
    assert chart.protected is protected
    assert chart.figure is not None and chart.figure.axes
