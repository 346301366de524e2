"""SCB PxWebApi 2.0: production URL, code lists in the selection, limits from /config.

Offline only: requests are built and checked as data, and the answer is SCB's recorded
Kalmar RegSO2025 cube (tests/fixtures/scb) served as json-stat2.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from evaluation.io.fetch import SCB_API, Http, fetch_scb, scb_limits, scb_request
from evaluation.io.pxweb import pxweb_to_area_statistics, read_pxweb, to_jsonstat2

SCB = Path(__file__).resolve().parents[2] / "fixtures" / "scb"
CUBE = read_pxweb(SCB / "kalmar_regso_population_age_sex_2024.json")
CONFIG = json.loads((SCB / "pxweb_v2_config.json").read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a test tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)


class Response:
    def __init__(self, status, body):
        self.status_code, self._body, self.headers = status, body, {}

    def json(self):
        return self._body


class RecordedScb:
    """Answers /config, /codelists/vs_RegSO2025 and data POSTs from the recorded cube."""

    def __init__(self):
        self.calls = []

    def request(self, method, url, params=None, json=None, timeout=None):
        self.calls.append((method, url, params, json))
        if url.endswith("/config"):
            return Response(200, CONFIG)
        if "/codelists/" in url:
            codes = sorted(CUBE["Region"].unique())
            return Response(
                200, {"id": url.rsplit("/", 1)[1], "values": [{"code": c} for c in codes]}
            )
        part = CUBE
        for sel in json["selection"]:
            part = part[part[sel["variableCode"]].isin(sel["valueCodes"])]
        doc = to_jsonstat2(part, label="Folkmängd", metric_codes=["BE0101N1"])
        return Response(200, doc)


def test_production_base_url():
    assert SCB_API == "https://statistikdatabasen.scb.se/api/v2"


@pytest.mark.parametrize("codelist", ["vs_RegSO2025", "vs_DeSO2025"])
def test_request_carries_the_code_list(codelist):
    url, params, body = scb_request(
        "TAB6574",
        {"Region": ["0880R001_RegSO2025"], "Kon": ["1+2"], "Tid": ["2024"]},
        codelists={"Region": codelist},
    )
    assert url == "https://statistikdatabasen.scb.se/api/v2/tables/TAB6574/data"
    assert params == {"lang": "sv", "outputFormat": "json-stat2"}
    region, sex, _ = body["selection"]
    assert region == {
        "variableCode": "Region",
        "codeList": codelist,
        "valueCodes": ["0880R001_RegSO2025"],
    }
    assert "codeList" not in sex


def test_limits_come_from_the_recorded_config():
    class Config:
        def request(self, method, url, **kwargs):
            return Response(200, CONFIG)

    limits = scb_limits(Http(Config()))
    assert limits == {"maxDataCells": 150_000, "maxCallsPerTimeWindow": 30, "timeWindow": 10}


def test_regso2025_code_list_fetch_parses_to_area_statistics(tmp_path):
    server = RecordedScb()
    result = fetch_scb(
        "TAB6574",
        {"Region": ["*"], "Alder": ["totalt"], "Kon": ["1+2"], "Tid": ["2024"]},
        codelists={"Region": "vs_RegSO2025"},
        cache_dir=tmp_path,
        session=server,
    )
    gets = [c[1] for c in server.calls if c[0] == "GET"]
    assert gets[0].endswith("/api/v2/config")
    assert gets[1].endswith("/api/v2/codelists/vs_RegSO2025")
    posts = [c for c in server.calls if c[0] == "POST"]
    assert len(posts) == 1
    region = posts[0][3]["selection"][0]
    assert region["codeList"] == "vs_RegSO2025" and len(region["valueCodes"]) == 17
    stats = pxweb_to_area_statistics(
        read_pxweb(result.path), "population_total", filters={"Kon": "1+2", "Alder": "totalt"}
    )
    assert len(stats) == 17
    assert set(stats["division"]) == {"RegSO2025"}
    assert stats["area_code"].str.fullmatch(r"0880R\d{3}").all()
    first = stats.set_index("area_code").loc["0880R001"]
    assert (first["year"], first["value"]) == (2024, 2404.0)  # the recorded figure
    assert stats["value"].sum() == 72_704
    sidecar = json.loads(result.sidecar.read_text(encoding="utf-8"))
    assert sidecar["codelists"] == {"Region": "vs_RegSO2025"}
