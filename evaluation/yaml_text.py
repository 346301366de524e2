"""YAML text to Python data: one reader for parameters, catalogues and data-folder metadata."""

from __future__ import annotations

from typing import Any


def load_yaml(text: str) -> Any:
    """YAML text as Python data, parsed by libyaml when it is built in (ten times faster).

    On an error the pure-Python parser reads the text again, so the error, and
    ``exceptions.yaml_reason``'s message from it, are the same with or without libyaml.
    """
    import yaml

    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None:
        try:
            return yaml.load(text, Loader=fast)  # noqa: S506 - a safe loader
        except yaml.YAMLError:
            pass
    return yaml.safe_load(text)
