"""SCB PxWebApi 2.0: production URL, code lists in the selection, limits from /config.

Offline only: requests are built and checked as data. Two sources of answers:
SCB's own PxWebApi 2.0 responses recorded in tests/fixtures/scb/v2 (config, table
metadata with its code lists, a json-stat2 data answer to a code-list selection, a
code list; see its README), and SCB's recorded v1 Kalmar RegSO2025 cube re-served as
json-stat2 for the RegSO/DeSO code-list path, which has no v2 recording here.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from evaluation.exceptions import ParameterError
from evaluation.io.fetch import (
    SCB_API,
    Http,
    _codelist_codes,
    fetch_scb,
    scb_limits,
    scb_request,
    table_codelists,
)
from evaluation.io.pxweb import pxweb_to_area_statistics, read_pxweb, to_jsonstat2

SCB = Path(__file__).resolve().parents[2] / "fixtures" / "scb"
V2 = SCB / "v2"
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
    """Answers /config, metadata, /codeLists/vs_RegSO2025 and data POSTs from the v1 cube."""

    def __init__(self):
        self.calls = []

    def request(self, method, url, params=None, json=None, timeout=None):
        self.calls.append((method, url, params, json))
        if url.endswith("/config"):
            return Response(200, CONFIG)
        if url.endswith("/metadata"):  # the shape of the recorded v2 metadata's code lists
            lists = [{"id": i, "type": "Valueset"} for i in ("vs_RegSO2025", "vs_DeSO2025")]
            return Response(
                200,
                {"dimension": {d: {"extension": {"codelists": []}} for d in CUBE.columns}}
                | {"dimension": {"Region": {"extension": {"codelists": lists}}}},
            )
        if "/codeLists/" in url:
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
    assert gets[1].endswith("/api/v2/tables/TAB6574/metadata")
    assert gets[2].endswith("/api/v2/codeLists/vs_RegSO2025")
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


# --- SCB's own PxWebApi 2.0 answers, recorded (tests/fixtures/scb/v2) -----------------


def _load(name: str) -> dict:
    return json.loads((V2 / name).read_text(encoding="utf-8"))


REGIONS = [f"{c:02d}" for c in (1, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13, 14)] + [
    str(c) for c in (17, 18, 19, 20, 21, 22, 23, 24, 25)
]
AGES = ["0-9", "10-19", "20-29", "30-39", "40-49", "50-59", "60-69", "70-79", "80-89"]
AGES += ["90-99", "100+10"]
MONTHS = ["2026M01", "2026M02", "2026M03", "2026M04"]
SELECTION = {
    "Region": REGIONS,
    "Alder": AGES,
    "Kon": ["TotSa", "1", "2"],
    "ContentsCode": ["000007SF"],
    "Tid": MONTHS,
}
CODELISTS = {"Region": "vs_CKM02Län", "Alder": "vs_CKM0410årN"}


class RecordedV2:
    """Serves SCB's recorded v2 answers; the data answer only to the request it was made for."""

    def __init__(self):
        self.calls = []

    def request(self, method, url, params=None, json=None, timeout=None):
        self.calls.append((method, url, params, json))
        if url.endswith("/config"):
            return Response(200, _load("config.json"))
        if url.endswith("/tables/TAB6471/metadata"):
            assert params["outputFormat"] == "json-stat2"
            return Response(200, _load("TAB6471_metadata.json"))
        if method == "POST" and url.endswith("/tables/TAB6471/data"):
            wanted = {
                s["variableCode"]: (s.get("codeList"), s["valueCodes"]) for s in json["selection"]
            }
            expected = {d: (CODELISTS.get(d), codes) for d, codes in SELECTION.items()}
            if wanted != expected:
                return Response(400, {"title": "not the recorded request", "got": wanted})
            return Response(200, _load("TAB6471_data.json"))
        return Response(404, {"title": "not recorded"})


def test_limits_from_scbs_recorded_config():
    class Config:
        def request(self, method, url, **kwargs):
            return Response(200, _load("config.json"))

    limits = scb_limits(Http(Config()))
    assert limits == {"maxDataCells": 150_000, "maxCallsPerTimeWindow": 3, "timeWindow": 1}


def test_code_lists_are_read_from_the_recorded_metadata():
    offered = table_codelists(_load("TAB6471_metadata.json"))
    assert offered["Region"] == ["vs_CKM01Riket", "vs_CKM02Län", "vs_CKM03Kommun"]
    assert "vs_CKM0410årN" in offered["Alder"] and offered["Kon"] == []


def test_recorded_code_list_answer_gives_its_value_codes():
    class CodeList:
        def request(self, method, url, **kwargs):
            assert url == f"{SCB_API}/codeLists/agg_Ålder10årJ"
            return Response(200, _load("codelist_agg_Alder10arJ.json"))

    codes = _codelist_codes(Http(CodeList()), SCB_API, "agg_Ålder10årJ", "sv")
    assert codes[:3] == ["-9", "10-19", "20-29"] and codes[-1] == "100+" and len(codes) == 11


def test_code_list_request_parses_the_recorded_v2_answer_to_the_right_table(tmp_path):
    server = RecordedV2()
    result = fetch_scb(
        "TAB6471", SELECTION, codelists=CODELISTS, cache_dir=tmp_path, session=server
    )
    posts = [c for c in server.calls if c[0] == "POST"]
    assert len(posts) == 1
    assert posts[0][3]["selection"][0] == {
        "variableCode": "Region",
        "codeList": "vs_CKM02Län",
        "valueCodes": REGIONS,
    }
    assert posts[0][2] == {"lang": "sv", "outputFormat": "json-stat2"}
    frame = read_pxweb(result.path)
    raw = _load("TAB6471_data.json")["value"]
    assert len(frame) == len(raw) == 21 * 11 * 3 * 4
    assert list(frame.columns[:4]) == ["Region", "Alder", "Kon", "Tid"]  # one content: dropped

    def recorded(region, age, sex, month):  # json-stat2 order: the last id varies fastest
        r, a = REGIONS.index(region), AGES.index(age)
        k, t = ["TotSa", "1", "2"].index(sex), MONTHS.index(month)
        return raw[((r * 11 + a) * 3 + k) * 4 + t]

    table = frame.set_index(["Region", "Alder", "Kon", "Tid"])["value"]
    assert table[("01", "0-9", "TotSa", "2026M01")] == 245_284  # Stockholms län, as recorded
    for key in [("08", "100+10", "2", "2026M04"), ("25", "40-49", "1", "2026M02")]:
        assert table[key] == recorded(*key)
    sidecar = json.loads(result.sidecar.read_text(encoding="utf-8"))
    assert sidecar["label"].startswith("Folkmängden per månad")
    assert sidecar["codelists"] == CODELISTS


def test_a_code_list_the_table_lacks_is_refused_before_any_data_request(tmp_path):
    server = RecordedV2()
    with pytest.raises(ParameterError, match="ingen kodlista 'vs_RegSO2025' för Region") as err:
        fetch_scb(
            "TAB6471",
            SELECTION,
            codelists={"Region": "vs_RegSO2025"},
            cache_dir=tmp_path,
            session=server,
        )
    assert "vs_CKM02Län" in str(err.value)
    assert not [c for c in server.calls if c[0] == "POST"]
