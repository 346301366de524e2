"""Fixtures for render tests: tiny notebooks mapped onto report kinds, a tiny data folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[2] / "notebooks"


def make_notebook_dir(folder: Path, **kinds: str) -> Path:
    """A notebook folder where each report kind runs the named fixture notebook."""
    folder.mkdir(parents=True, exist_ok=True)
    for kind, fixture in kinds.items():
        shutil.copyfile(FIXTURES / f"{fixture}.ipynb", folder / f"{kind}.ipynb")
    return folder


def write_params(
    folder: Path, name: str, kind: str, area: str, data: str = "data", extra: str = ""
) -> Path:
    """Write one evaluation's parameters file."""
    path = folder / name
    survey = "survey:\n  survey: brukarenkat\n" if kind == "user_survey" else ""
    path.write_text(f"kind: {kind}\narea: {area}\ndata: {data}\n{survey}{extra}", encoding="utf-8")
    return path


@pytest.fixture
def notebooks():
    """``make_notebook_dir`` for tests that need another kind-to-notebook mapping."""
    return make_notebook_dir


@pytest.fixture
def params():
    """``write_params`` for tests that write their own parameters files."""
    return write_params


def referrals_csv(referral_id: str, area: str) -> str:
    """A contract-valid one-row referrals file (render validates the data first)."""
    return (
        "referral_id,received_date,area_code,child_age,child_sex,reporter_category\n"
        f"{referral_id},2024-01-05,{area},5,F,school\n"
    )


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with data/, parameters per kind and notebooks: ok, failing and leaking."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "metadata.yaml").write_text("name: Testkommun\nsynthetic: true\n", encoding="utf-8")
    (data / "referrals.csv").write_text(referrals_csv("r1", "A"), encoding="utf-8")
    nbdir = make_notebook_dir(
        tmp_path / "notebooks", outcome_followup="ok", area_analysis="fails", user_survey="leak"
    )
    monkeypatch.setenv("EVALUATION_NOTEBOOK_DIR", str(nbdir))
    write_params(tmp_path, "ok.yaml", "outcome_followup", "Skäggetorp")
    write_params(tmp_path, "fails.yaml", "area_analysis", "Ryd")
    write_params(tmp_path, "leak.yaml", "user_survey", "Berga")
    return tmp_path
