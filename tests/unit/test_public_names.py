"""The public names the issues promised are importable where promised."""

from __future__ import annotations

import inspect


def test_public_names_import() -> None:
    from evaluation import load_data
    from evaluation.io import read_areas, read_kolada, read_pxweb, read_raw, register_reader
    from evaluation.io.pxweb import read_pxweb as read_pxweb_module
    from evaluation.metadata.kinds import ReportKind, register_report_kind
    from evaluation.methods import (
        difference_in_differences,
        event_study,
        interrupted_time_series,
        synthetic_control,
    )
    from evaluation.stats import poisson_ci, wilson_ci

    assert read_pxweb is read_pxweb_module
    for func in (
        load_data,
        read_areas,
        read_kolada,
        read_pxweb,
        read_raw,
        register_reader,
        difference_in_differences,
        event_study,
        interrupted_time_series,
        synthetic_control,
        register_report_kind,
        poisson_ci,
        wilson_ci,
    ):
        assert callable(func) and inspect.getdoc(func), func
    assert ReportKind.__dataclass_fields__.keys() >= {"key", "notebook", "label"}


def test_wilson_interval_brackets_the_share() -> None:
    from evaluation.stats import wilson_ci

    low, high = wilson_ci(30, 100)
    assert 0.2 < low < 0.3 < high < 0.4
