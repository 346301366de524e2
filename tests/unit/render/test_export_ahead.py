"""The HTML exporter built in the background is the one used; a failed build is redone."""

from __future__ import annotations

import threading

import pytest

from evaluation.render import export


@pytest.fixture(autouse=True)
def own_thread_state(monkeypatch):
    monkeypatch.setattr(export, "_local", threading.local())


def test_exporter_built_ahead_is_the_one_used(monkeypatch):
    built: list[object] = []
    monkeypatch.setattr(export, "_new_exporter", lambda: built.append(object()) or built[-1])
    export.exporter_ahead()
    export.exporter_ahead()  # pending or built already: nothing more
    assert export._exporter() is built[0]
    export.exporter_ahead()
    assert export._exporter() is built[0] and len(built) == 1


def test_a_failed_build_ahead_is_redone_where_its_error_is_seen(monkeypatch):
    calls: list[int] = []

    def build():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("templates missing")
        return "exporter"

    monkeypatch.setattr(export, "_new_exporter", build)
    export.exporter_ahead()
    assert export._exporter() == "exporter" and len(calls) == 2
