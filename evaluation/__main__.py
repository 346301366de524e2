"""``python -m evaluation``: the command line without the installed script."""

from evaluation.cli import app

app()
