"""``python -m evaluation``: the command line without the installed script."""

from evaluation.cli.main import main

main()
