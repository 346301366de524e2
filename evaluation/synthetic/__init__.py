"""Synthetic sample municipality: a complete contract data folder with known effects.

``python -m evaluation.synthetic OUT_DIR [--seed N]`` writes it; the committed copy
is ``data/sample/``. The known effects are defined in :mod:`evaluation.synthetic.effects`.
"""

from evaluation.synthetic.effects import EFFECT_AREA, EFFECT_START, KNOWN_EFFECTS
from evaluation.synthetic.write import DEFAULT_SEED, generate, write_sample

__all__ = [
    "DEFAULT_SEED",
    "EFFECT_AREA",
    "EFFECT_START",
    "KNOWN_EFFECTS",
    "generate",
    "write_sample",
]
