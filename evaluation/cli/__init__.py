"""Command line: ``evaluation run``, ``batch``, ``validate`` and ``fetch``."""

from evaluation.cli.main import app

__all__ = ["app"]
