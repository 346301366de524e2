"""Fetch public statistics from SCB (PxWebApi 2.0) and Kolada (v3) into a local cache.

Every fetched table is written as the API's own JSON (readable by ``read_pxweb`` or
``read_kolada``) with a sidecar ``*.source.json`` holding source, table id and fetch date for
the report's source list. The HTTP layer is injectable: pass any object with
``request(method, url, **kwargs)`` returning a response with ``status_code``, ``headers``,
``json()`` (a ``requests.Session`` does).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import math
import os
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import requests

from evaluation.exceptions import FetchError, ParameterError
from evaluation.io.kolada import next_link
from evaluation.io.pxweb import read_pxweb, to_jsonstat2

#: PxWebApi 2.0 in production (the beta host api.scb.se/OV0104/v2beta is retired).
SCB_API = "https://statistikdatabasen.scb.se/api/v2"
KOLADA_API = "https://api.kolada.se/v3"
KOLADA_MAX_IDS = 25  # Kolada refuses more ids than this in one path parameter
DEFAULT_CACHE = Path(".cache") / "public"


@dataclass(frozen=True)
class Fetched:
    """Where a fetched table was written, its sidecar, and whether it came from the cache."""

    path: Path
    sidecar: Path
    from_cache: bool


class Http:
    """Requests with a calls-per-window throttle and retry with backoff on HTTP 429/503."""

    def __init__(
        self,
        session: Any = None,
        *,
        retries: int = 5,
        backoff: float = 1.0,
        timeout: float = 60.0,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.session = session if session is not None else requests.Session()
        self.retries, self.backoff, self.timeout = retries, backoff, timeout
        self.sleep, self.clock = sleep or time.sleep, clock or time.monotonic
        self.max_calls: int | None = None
        self.window = 0.0
        self._calls: deque[float] = deque()
        self.count = 0

    def limit(self, max_calls: int, window: float) -> None:
        """Allow at most ``max_calls`` requests in any ``window`` seconds."""
        self.max_calls, self.window = max_calls, window

    def _throttle(self) -> None:
        # A sliding window: wait until the oldest call in the window has aged out.
        if not self.max_calls:
            return
        now = self.clock()
        while self._calls and now - self._calls[0] >= self.window:
            self._calls.popleft()
        if len(self._calls) >= self.max_calls:
            self.sleep(self.window - (now - self._calls[0]))
            self._calls.popleft()
        self._calls.append(self.clock())

    def request(self, method: str, url: str, **kwargs: Any) -> Any:
        """Send one request; retry on 429/503, raise FetchError on other failures."""
        for attempt in range(self.retries + 1):
            self._throttle()
            try:
                response = self.session.request(method, url, timeout=self.timeout, **kwargs)
            except requests.RequestException as exc:
                raise FetchError(
                    f"når inte {url} ({type(exc).__name__}); kontrollera nätverket "
                    "eller använd de sparade filerna i cachen"
                ) from None
            self.count += 1
            if response.status_code in (429, 503) and attempt < self.retries:
                retry_after = (response.headers or {}).get("Retry-After")
                wait = (
                    float(retry_after)
                    if retry_after and retry_after.isdigit()
                    else self.backoff * 2**attempt
                )
                self.sleep(wait)
                continue
            if response.status_code >= 400:
                raise FetchError(
                    f"{url} svarade med HTTP-status {response.status_code}"
                    + (" efter flera försök" if response.status_code == 429 else "")
                )
            return response
        raise FetchError(f"{url}: inget svar efter {self.retries} försök")  # pragma: no cover


def _json(response: Any, url: str) -> Any:
    try:
        return response.json()
    except ValueError:
        raise FetchError(f"{url} svarade inte med JSON") from None


def _write_atomic(path: Path, document: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(document, handle, ensure_ascii=False, indent=1)
    os.replace(tmp, path)


def _cache_paths(cache_dir: Path, source: str, name: str, request: dict) -> tuple[Path, Path]:
    digest = hashlib.sha256(json.dumps(request, sort_keys=True).encode()).hexdigest()[:12]
    path = Path(cache_dir) / source / f"{name}_{digest}.json"
    return path, path.with_name(path.stem + ".source.json")


def _cached(path: Path, sidecar: Path, refresh: bool) -> Fetched | None:
    if not refresh and path.exists() and sidecar.exists():
        return Fetched(path, sidecar, True)
    return None


# --- SCB -------------------------------------------------------------------------------------


def scb_limits(http: Http, base_url: str = SCB_API) -> dict[str, int]:
    """Read cell and request-rate limits from the API's own ``/config``."""
    url = f"{base_url.rstrip('/')}/config"
    config = _json(http.request("GET", url), url)
    keys = ("maxDataCells", "maxCallsPerTimeWindow", "timeWindow")
    missing = [k for k in keys if k not in config]
    if missing:
        raise FetchError(f"{url} anger inte {', '.join(missing)}")
    return {k: int(config[k]) for k in keys}


def split_selection(selection: dict[str, list[str]], max_cells: int) -> list[dict[str, list[str]]]:
    """Split a selection into parts of at most ``max_cells`` cells, cutting the longest list."""
    cells = math.prod(len(v) for v in selection.values())
    if cells <= max_cells:
        return [selection]
    dim = max(selection, key=lambda d: len(selection[d]))
    rest = cells // len(selection[dim])
    size = max(1, max_cells // rest)
    parts = []
    for start in range(0, len(selection[dim]), size):
        part = {**selection, dim: selection[dim][start : start + size]}
        parts.extend(split_selection(part, max_cells))
    return parts


def _codelist_codes(http: Http, base: str, codelist: str, lang: str) -> list[str]:
    """Every value code of a code list (``GET /codeLists/{id}``), e.g. all of vs_RegSO2025.

    The answer is ``{"id", "label", "type", "values": [{"code", "label", "valueMap"}]}``
    (recorded: tests/fixtures/scb/v2/codelist_agg_Alder10arJ.json).
    """
    url = f"{base}/codeLists/{codelist}"
    doc = _json(http.request("GET", url, params={"lang": lang}), url)
    values = doc.get("values") if isinstance(doc, dict) else None
    if not isinstance(values, list) or not values:
        raise FetchError(f"{url} svarade inte med en kodlista med värden")
    return [str(v["code"]) for v in values if isinstance(v, dict) and "code" in v]


def table_codelists(metadata: dict) -> dict[str, list[str]]:
    """Variable -> ids of the code lists the table offers for it, from its metadata.

    PxWebApi 2.0 lists them under ``dimension.<variable>.extension.codelists`` of the
    json-stat2 metadata (``GET /tables/{id}/metadata``), each ``{"id", "label", "type"}``.
    """
    found = {}
    for dim, info in (metadata.get("dimension") or {}).items():
        lists = ((info or {}).get("extension") or {}).get("codelists") or []
        found[dim] = [str(c["id"]) for c in lists if isinstance(c, dict) and "id" in c]
    return found


def _metadata(http: Http, base: str, table: str, lang: str) -> dict:
    url = f"{base}/tables/{table}/metadata"
    return _json(http.request("GET", url, params={"lang": lang, "outputFormat": "json-stat2"}), url)


def _check_codelists(table: str, codelists: dict[str, str], metadata: dict) -> None:
    """A named code list the table does not offer is refused before any data request."""
    offered = table_codelists(metadata)
    for dim, codelist in codelists.items():
        if dim not in offered:
            raise ParameterError(
                f"tabell {table} har ingen variabel '{dim}'; variablerna är {', '.join(offered)}",
                parameter="codelist",
            )
        if codelist not in offered[dim]:
            choices = ", ".join(offered[dim]) or "inga"
            raise ParameterError(
                f"tabell {table} har ingen kodlista '{codelist}' för {dim}; den har: {choices}",
                parameter="codelist",
            )


def _expand_wildcards(
    selection: dict[str, list[str]],
    http: Http,
    base: str,
    table: str,
    lang: str,
    codelists: dict[str, str] | None = None,
    meta: dict | None = None,
) -> dict[str, list[str]]:
    """Replace ``*`` by every code of that variable: from its code list, else the metadata."""
    if not any("*" in codes for codes in selection.values()):
        return selection
    codelists = codelists or {}
    expanded = {}
    for dim, codes in selection.items():
        if "*" in codes and dim in codelists:
            codes = _codelist_codes(http, base, codelists[dim], lang)
        elif "*" in codes:
            if meta is None:
                meta = _metadata(http, base, table, lang)
            try:
                index = meta["dimension"][dim]["category"]["index"]
            except (KeyError, TypeError):
                raise ParameterError(
                    f"tabell {table} har ingen variabel '{dim}'", parameter="select"
                ) from None
            codes = list(index) if isinstance(index, list) else sorted(index, key=index.get)
        expanded[dim] = codes
    return expanded


def scb_request(
    table_id: str,
    selection: dict[str, list[str]],
    *,
    codelists: dict[str, str] | None = None,
    base_url: str = SCB_API,
    lang: str = "sv",
) -> tuple[str, dict[str, str], dict]:
    """URL, query parameters and JSON body of one PxWebApi 2.0 data request (json-stat2).

    ``codelists`` names the code list a variable's codes come from, e.g.
    ``{"Region": "vs_RegSO2025"}``; it goes into the selection as ``codeList``.
    """
    codelists = codelists or {}
    unknown = sorted(set(codelists) - set(selection))
    if unknown:
        raise ParameterError(
            f"kodlista för en variabel som inte är vald i --select: {', '.join(unknown)}",
            parameter="codelist",
        )
    body = {
        "selection": [
            {
                "variableCode": dim,
                **({"codeList": codelists[dim]} if dim in codelists else {}),
                "valueCodes": list(codes),
            }
            for dim, codes in selection.items()
        ]
    }
    url = f"{base_url.rstrip('/')}/tables/{table_id}/data"
    return url, {"lang": lang, "outputFormat": "json-stat2"}, body


def fetch_scb(
    table_id: str,
    selection: dict[str, list[str]],
    *,
    codelists: dict[str, str] | None = None,
    cache_dir: Path = DEFAULT_CACHE,
    session: Any = None,
    base_url: str = SCB_API,
    lang: str = "sv",
    refresh: bool = False,
    sleep: Callable | None = None,
    clock: Callable | None = None,
    today: dt.date | None = None,
) -> Fetched:
    """Fetch one SCB table as json-stat2, split under the API's cell limit, into the cache.

    ``selection`` maps variable codes to value codes (``["*"]`` for all); ``codelists``
    maps a variable to the code list its codes belong to (``{"Region": "vs_DeSO2025"}``).
    Limits (cells per request, calls per time window) are read from the API's ``/config``.
    """
    base = base_url.rstrip("/")
    request = {"api": base, "table": table_id, "selection": selection, "lang": lang}
    if codelists:
        request["codelists"] = dict(codelists)
    path, sidecar = _cache_paths(cache_dir, "scb", table_id, request)
    if hit := _cached(path, sidecar, refresh):
        return hit
    http = Http(session, sleep=sleep, clock=clock)
    limits = scb_limits(http, base)
    http.limit(limits["maxCallsPerTimeWindow"], limits["timeWindow"])
    meta = None
    if codelists:  # a misspelled code list gets a list of the real ones, not an HTTP 400
        meta = _metadata(http, base, table_id, lang)
        _check_codelists(table_id, codelists, meta)
    full = _expand_wildcards(selection, http, base, table_id, lang, codelists, meta)
    parts = split_selection(full, limits["maxDataCells"])
    docs = []
    for part in parts:
        url, params, body = scb_request(
            table_id, part, codelists=codelists, base_url=base, lang=lang
        )
        docs.append(_json(http.request("POST", url, json=body, params=params), url))
    document = docs[0] if len(docs) == 1 else _merge_jsonstat2(docs)
    _write_atomic(path, document)
    _write_atomic(
        sidecar,
        {
            "source": "SCB",
            "api": base,
            "table_id": table_id,
            "label": document.get("label", ""),
            "updated": document.get("updated"),
            "selection": selection,
            "codelists": dict(codelists or {}),
            "fetched": (today or dt.date.today()).isoformat(),
            "format": "json-stat2",
            "requests": len(parts),
        },
    )
    return Fetched(path, sidecar, False)


def _merge_jsonstat2(docs: list[dict]) -> dict:
    """Join json-stat2 parts of one table (same variables, disjoint value lists)."""
    frame = pd.concat([read_pxweb(doc) for doc in docs], ignore_index=True)
    first = docs[0]
    metric = ((first.get("role") or {}).get("metric") or ["ContentsCode"])[0]
    codes = first.get("dimension", {}).get(metric, {}).get("category", {}).get("index", {})
    merged = to_jsonstat2(
        frame,
        label=first.get("label", ""),
        source=first.get("source", "SCB"),
        metric_codes=list(codes),
    )
    if "updated" in first:
        merged["updated"] = first["updated"]
    return merged


# --- Kolada ----------------------------------------------------------------------------------


def _chunks(ids: Iterable[str | int], size: int = KOLADA_MAX_IDS) -> list[list[str]]:
    unique = list(dict.fromkeys(str(i) for i in ids))
    return [unique[i : i + size] for i in range(0, len(unique), size)]


def fetch_kolada(
    kpis: list[str],
    municipalities: list[str],
    years: list[int | str],
    *,
    cache_dir: Path = DEFAULT_CACHE,
    session: Any = None,
    base_url: str = KOLADA_API,
    refresh: bool = False,
    sleep: Callable | None = None,
    today: dt.date | None = None,
) -> Fetched:
    """Fetch Kolada values for KPIs × municipalities × years, following ``next_url``.

    Each path parameter holds at most 25 ids, so long lists become several requests.
    """
    if not kpis or not municipalities or not years:
        raise ParameterError(
            "ange minst ett nyckeltal (--kpi), en kommun (--municipality) och ett år (--year)",
            parameter="kolada",
        )
    base = base_url.rstrip("/")
    request = {
        "api": base,
        "kpis": sorted(kpis),
        "municipalities": sorted(municipalities),
        "years": sorted(map(str, years)),
    }
    path, sidecar = _cache_paths(cache_dir, "kolada", "_".join(sorted(kpis))[:40], request)
    if hit := _cached(path, sidecar, refresh):
        return hit
    http = Http(session, sleep=sleep)
    values: list[dict] = []
    for kpi, muni, year in itertools.product(
        _chunks(kpis), _chunks(municipalities), _chunks(years)
    ):
        url: str | None = (
            f"{base}/data/kpi/{','.join(kpi)}/municipality/{','.join(muni)}/year/{','.join(year)}"
        )
        seen: set[str] = set()
        while url and url not in seen:  # a server repeating a link must not loop forever
            seen.add(url)
            page = _json(http.request("GET", url), url)
            if not isinstance(page, dict) or not isinstance(page.get("values"), list):
                raise FetchError(f"{url} svarade inte med en sida med Kolada-värden")
            values.extend(page["values"])
            url = next_link(page)
    _write_atomic(path, {"count": len(values), "next_url": None, "values": values})
    _write_atomic(
        sidecar,
        {
            "source": "Kolada",
            "api": base,
            "table_id": ",".join(request["kpis"]),
            "municipalities": request["municipalities"],
            "years": request["years"],
            "fetched": (today or dt.date.today()).isoformat(),
            "format": "kolada-v3",
            "requests": http.count,
        },
    )
    return Fetched(path, sidecar, False)
