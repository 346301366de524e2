"""Fetching from SCB and Kolada against recorded responses only: splitting, 429, paging, cache."""

from __future__ import annotations

import datetime as dt
import json
import math
import socket
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from typer.testing import CliRunner

from evaluation.cli.fetch import fetch_app
from evaluation.io import fetch as fetch_module
from evaluation.io.fetch import FetchError, fetch_kolada, fetch_scb, split_selection
from evaluation.io.kolada import read_kolada
from evaluation.io.pxweb import read_pxweb, to_jsonstat2

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
CUBE = read_pxweb(FIXTURES / "scb" / "kalmar_regso_population_age_sex_2024.jsonstat2.json")
CONFIG = json.loads((FIXTURES / "scb" / "pxweb_v2_config.json").read_text(encoding="utf-8"))
TODAY = dt.date(2025, 3, 1)


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Fail any test here that tries to open a real connection."""

    def refuse(*args, **kwargs):
        raise AssertionError("a test tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)


class Response:
    def __init__(self, status: int, body=None, headers=None):
        self.status_code, self._body, self.headers = status, body, headers or {}

    def json(self):
        return self._body


class FakeScb:
    """Answers like SCB's PxWeb v2 from the recorded Kalmar cube; can refuse with 429."""

    def __init__(self, config=CONFIG, throttle: int = 0):
        self.config, self.throttle, self.calls = config, throttle, []

    def request(self, method, url, params=None, json=None, timeout=None):
        self.calls.append((method, url, json))
        if url.endswith("/config"):
            return Response(200, self.config)
        if self.throttle:
            self.throttle -= 1
            return Response(429, {"error": "too many"}, {"Retry-After": "3"})
        wanted = {s["variableCode"]: s["valueCodes"] for s in json["selection"]}
        cells = math.prod(len(v) for v in wanted.values())
        if cells > self.config["maxDataCells"]:
            return Response(403, {"error": "too many cells"})
        part = CUBE
        for dim, codes in wanted.items():
            part = part[part[dim].isin(codes)]
        return Response(
            200, to_jsonstat2(part, label="Folkmängd", metric_codes=["Folkmängden per region"])
        )


class Clock:
    def __init__(self):
        self.now, self.slept = 0.0, []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


SELECTION = {
    "Region": sorted(CUBE["Region"].unique()),
    "Alder": sorted(CUBE["Alder"].unique()),
    "Kon": ["1", "2", "1+2"],
    "Tid": ["2024"],
}


def test_split_selection_stays_under_the_limit():
    parts = split_selection(SELECTION, 100)
    assert all(math.prod(len(v) for v in p.values()) <= 100 for p in parts)
    assert sum(math.prod(len(v) for v in p.values()) for p in parts) == 17 * 18 * 3


def test_fetch_scb_splits_by_config_limit_and_merges(tmp_path):
    server, clock = FakeScb({**CONFIG, "maxDataCells": 100}), Clock()
    result = fetch_scb(
        "TAB6574",
        SELECTION,
        cache_dir=tmp_path,
        session=server,
        sleep=clock.sleep,
        clock=clock,
        today=TODAY,
    )
    posts = [c for c in server.calls if c[0] == "POST"]
    assert len(posts) > 9 and server.calls[0][1].endswith("/config")
    frame = read_pxweb(result.path)
    both = frame[(frame["Kon"] == "1+2") & (frame["Alder"] == "totalt")]
    assert both["value"].sum() == 72_704 and len(frame) == len(CUBE)
    sidecar = json.loads(result.sidecar.read_text(encoding="utf-8"))
    assert (sidecar["source"], sidecar["table_id"], sidecar["fetched"]) == (
        "SCB",
        "TAB6574",
        "2025-03-01",
    )
    assert sidecar["requests"] == len(posts)


def test_fetch_scb_respects_rate_limit_from_config(tmp_path):
    server = FakeScb({**CONFIG, "maxDataCells": 200, "maxCallsPerTimeWindow": 3, "timeWindow": 10})
    clock = Clock()
    fetch_scb(
        "TAB6574",
        SELECTION,
        cache_dir=tmp_path,
        session=server,
        sleep=clock.sleep,
        clock=clock,
        today=TODAY,
    )
    assert clock.slept and all(s == pytest.approx(10) for s in clock.slept)


def test_fetch_scb_retries_after_429(tmp_path):
    server, clock = FakeScb(throttle=2), Clock()
    result = fetch_scb(
        "TAB6574",
        {**SELECTION, "Region": ["0880R001_RegSO2025"]},
        cache_dir=tmp_path,
        session=server,
        sleep=clock.sleep,
        clock=clock,
    )
    assert clock.slept == [3.0, 3.0]
    assert read_pxweb(result.path)["Region"].unique().tolist() == ["0880R001_RegSO2025"]


def test_fetch_scb_gives_up_after_retries(tmp_path):
    clock = Clock()
    with pytest.raises(FetchError, match="429"):
        fetch_scb(
            "TAB6574",
            SELECTION,
            cache_dir=tmp_path,
            session=FakeScb(throttle=99),
            sleep=clock.sleep,
            clock=clock,
        )


def test_fetch_scb_uses_cache(tmp_path):
    clock = Clock()
    first = fetch_scb(
        "TAB6574", SELECTION, cache_dir=tmp_path, session=FakeScb(), sleep=clock.sleep, clock=clock
    )

    class NoNetwork:
        def request(self, *args, **kwargs):
            raise AssertionError("the cache should have answered")

    again = fetch_scb("TAB6574", SELECTION, cache_dir=tmp_path, session=NoNetwork())
    assert again.from_cache and again.path == first.path
    server = FakeScb()
    fresh = fetch_scb(
        "TAB6574",
        SELECTION,
        cache_dir=tmp_path,
        session=server,
        refresh=True,
        sleep=clock.sleep,
        clock=clock,
    )
    assert not fresh.from_cache and server.calls


def test_config_without_limits_is_an_error(tmp_path):
    with pytest.raises(FetchError, match="maxDataCells"):
        fetch_scb("TAB6574", SELECTION, cache_dir=tmp_path, session=FakeScb({"apiVersion": "2"}))


class FakeKolada:
    """Serves the recorded v3 pages; a request naming more than 25 ids is refused."""

    def __init__(self):
        pages = [
            json.loads((FIXTURES / "kolada" / n).read_text(encoding="utf-8"))
            for n in ("v3_values_page1.json", "v3_values_page2.json")
        ]
        self.pages, self.calls = pages, []

    def request(self, method, url, timeout=None, **kwargs):
        self.calls.append(url)
        parts = urlparse(url).path.split("/")
        ids = [p.split(",") for p in parts[4::2]]
        if any(len(i) > 25 for i in ids):
            return Response(400, {"error": "too many ids"})
        page = int(parse_qs(urlparse(url).query).get("page", ["1"])[0])
        return Response(200, self.pages[page - 1])


def test_fetch_kolada_follows_next_url(tmp_path):
    server = FakeKolada()
    result = fetch_kolada(
        ["N01951", "N15428"],
        ["0880", "0780", "0000"],
        [2023, 2024],
        cache_dir=tmp_path,
        session=server,
        today=TODAY,
    )
    assert len(server.calls) == 2 and "page=2" in server.calls[1]
    frame = read_kolada(result.path)
    assert len(frame) == 11
    sidecar = json.loads(result.sidecar.read_text(encoding="utf-8"))
    assert sidecar["source"] == "Kolada" and sidecar["table_id"] == "N01951,N15428"


def test_fetch_kolada_chunks_ids(tmp_path):
    server = FakeKolada()
    munis = [f"{i:04d}" for i in range(114, 144)]  # 30 municipalities
    fetch_kolada(["N01951"], munis, [2024], cache_dir=tmp_path, session=server)
    first_requests = [u for u in server.calls if "page=" not in u]
    assert len(first_requests) == 2
    assert [len(urlparse(u).path.split("/")[6].split(",")) for u in first_requests] == [25, 5]


def test_cli_fetch_kolada_and_cache(tmp_path, monkeypatch):
    server = FakeKolada()
    monkeypatch.setattr(fetch_module.requests, "Session", lambda: server)
    runner = CliRunner()
    args = [
        "kolada",
        "--kpi",
        "N01951,N15428",
        "-m",
        "0880",
        "-m",
        "0780,0000",
        "--year",
        "2023,2024",
        "--cache-dir",
        str(tmp_path),
    ]
    first = runner.invoke(fetch_app, args)
    assert first.exit_code == 0, first.output
    second = runner.invoke(fetch_app, args)
    assert "(från cachen)" in second.output and len(server.calls) == 2


def test_cli_fetch_scb_bad_select_and_clean_error(tmp_path, monkeypatch):
    runner = CliRunner()
    bad = runner.invoke(fetch_app, ["scb", "TAB1", "--select", "Region"])
    assert bad.exit_code != 0 and "VARIABEL=kod1,kod2" in bad.output
    monkeypatch.setattr(fetch_module.requests, "Session", lambda: FakeScb(throttle=99))
    monkeypatch.setattr(fetch_module.time, "sleep", lambda s: None)
    failed = runner.invoke(
        fetch_app,
        [
            "scb",
            "TAB1",
            "-s",
            "Region=0880R001_RegSO2025",
            "-s",
            "Tid=2024",
            "--cache-dir",
            str(tmp_path),
        ],
    )
    assert failed.exit_code == 1 and "HTTP-status 429" in failed.output
    assert "Traceback" not in failed.output
