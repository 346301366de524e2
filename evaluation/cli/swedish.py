"""Typer's own words (help headings, usage line, argument errors) in Swedish.

Typer vendors its copy of Click with English texts written into the code (no
gettext catalogue to hook into), so the few that reach a user of this CLI are
replaced here by hand: the panel titles and defaults are module constants, the
``--help`` option text, the usage prefix, and the error panel's message, which is
translated by a short table of patterns. Anything not in the table stays as Typer
wrote it rather than being hidden.
"""

from __future__ import annotations

import re

HELP_TEXT = "Visa denna hjälp och avsluta."
USAGE = "Användning: "

_CONSTANTS = {
    "ARGUMENTS_PANEL_TITLE": "Argument",
    "OPTIONS_PANEL_TITLE": "Flaggor",
    "COMMANDS_PANEL_TITLE": "Kommandon",
    "ERRORS_PANEL_TITLE": "Fel",
    "ABORTED_TEXT": "Avbruten.",
    "DEFAULT_STRING": "[standard: {}]",
    "ENVVAR_STRING": "[miljövariabel: {}]",
    "REQUIRED_LONG_STRING": "[krävs]",
    "DEPRECATED_STRING": "(föråldrad) ",
    "RICH_HELP": "Hjälp: [blue]'{command_path} {help_option}'[/]",
}

# (pattern, replacement) applied in order to the text of an argument error.
_ERRORS = [
    (r"Input should be greater than or equal to (\S+)", r"ska vara minst \1"),
    (r"Input should be greater than (\S+)", r"ska vara större än \1"),
    (r"Input should be less than or equal to (\S+)", r"får vara högst \1"),
    (r"Input should be less than (\S+)", r"ska vara mindre än \1"),
    (r"Input should be a valid integer[^.]*", "ska vara ett heltal"),
    (r"Input should be a valid number[^.]*", "ska vara ett tal"),
    (r"Input should be a valid boolean[^.]*", "ska vara true eller false"),
    (r"Input should be (.+)", r"ska vara \1"),
    (r"^Invalid value for (.+?): ", r"Ogiltigt värde för \1: "),
    (r"^Invalid value: ", "Ogiltigt värde: "),
    (r"^Missing argument '(.+?)'\.", r"Argumentet '\1' saknas."),
    (r"^Missing option '(.+?)'\.", r"Flaggan '\1' saknas."),
    (r"^Missing parameter", "Parameter saknas"),
    (r"^Missing command\.", "Kommando saknas."),
    (r"^No such command '(.+?)'\.", r"Kommandot '\1' finns inte."),
    (r"^No such option: (\S+)", r"Flaggan \1 finns inte"),
    (r"\(Possible options: ", "(möjliga flaggor: "),
    (r"Did you mean (\S+)\?", r"Menade du \1?"),
    (r"^Got unexpected extra argument\(s\) \((.*)\)", r"Oväntade extra argument: \1"),
    (r"^Got unexpected extra arguments? \((.*)\)", r"Oväntade extra argument: \1"),
    (r"^Option '(.+?)' requires an argument\.", r"Flaggan '\1' behöver ett värde."),
    (r"^Option '(.+?)' does not take a value\.", r"Flaggan '\1' tar inget värde."),
    (r"^Value (.+) is not a valid (\S+)\.", r"\1 är inget giltigt värde (\2)."),
    (r"(\S+) '(.+?)' does not exist\.", r"\1 '\2' finns inte."),
]


def translate(text: str) -> str:
    """An English Typer/Click error text in Swedish, as far as the table knows it."""
    for pattern, replacement in _ERRORS:
        text = re.sub(pattern, replacement, text)
    return text


_installed = False


def install() -> None:
    """Put the Swedish texts into Typer (once per process)."""
    global _installed
    if _installed:
        return
    _installed = True
    from typer._click import core, exceptions, formatting

    _when_imported("typer.rich_utils", _swedish_panels)

    get_help_option = core.Command.get_help_option

    def swedish_help_option(self, ctx):
        option = get_help_option(self, ctx)
        if option is not None:
            option.help = HELP_TEXT
        return option

    core.Command.get_help_option = swedish_help_option

    write_usage = formatting.HelpFormatter.write_usage

    def swedish_usage(self, prog, args="", prefix=None):
        return write_usage(self, prog, args, USAGE if prefix is None else prefix)

    formatting.HelpFormatter.write_usage = swedish_usage

    for cls in vars(exceptions).values():
        if isinstance(cls, type) and "format_message" in vars(cls):
            original = cls.format_message

            def swedish_message(self, _original=original):
                return translate(_original(self))

            cls.format_message = swedish_message


def _swedish_panels(rich_utils) -> None:
    for name, value in _CONSTANTS.items():
        if hasattr(rich_utils, name):
            setattr(rich_utils, name, value)


def _when_imported(name: str, patch) -> None:
    """Call ``patch(module)`` once ``name`` is imported (now, if it already is).

    Typer imports ``rich_utils`` (and with it most of rich, ~0.1-0.3 s) only to print
    help or an error panel; importing it here to set its texts cost every command,
    the no-op batch re-run included, that time.
    """
    import importlib.abc
    import importlib.util
    import sys

    if name in sys.modules:
        patch(sys.modules[name])
        return

    class _Finder(importlib.abc.MetaPathFinder):
        def find_spec(self, fullname, path, target=None):
            if fullname != name:
                return None
            sys.meta_path.remove(self)  # once: let the other finders find the module
            spec = importlib.util.find_spec(fullname)
            if spec is None or spec.loader is None:
                return spec
            exec_module = spec.loader.exec_module

            def exec_and_patch(module):
                exec_module(module)
                patch(module)

            spec.loader.exec_module = exec_and_patch
            return spec

    sys.meta_path.insert(0, _Finder())
