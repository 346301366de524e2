"""One plain-Swedish sentence describing an effect estimate and its interval."""

from __future__ import annotations

import math

from evaluation.exceptions import ArgumentError, ArgumentTypeError
from evaluation.methods.results import RATE_RATIO, EffectResult, ITSResult

MINUS = "\u2212"


def format_number(value: float, decimals: int = 1) -> str:
    """Swedish number format: decimal comma, space as thousands separator, true minus sign."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{abs(value):,.{decimals}f}".replace(",", " ").replace(".", ",")
    return (MINUS if value < 0 and text.strip("0, ") else "") + text


def _interval_text(
    bounds: list[tuple[float, str]], decimals: int, words: tuple[str, str] = ("fler", "färre")
) -> str:
    """'1,1–7,3' when both bounds share a sign, else 'från 0,8 färre till 3,2 fler'."""
    (lo, unit), (hi, _) = bounds
    if lo >= 0 or hi <= 0:
        a, b = sorted([abs(lo), abs(hi)])
        return f"{format_number(a, decimals)}–{format_number(b, decimals)}{unit}"
    return (
        f"från {format_number(-lo, decimals)}{unit} {words[1]} till "
        f"{format_number(hi, decimals)}{unit} {words[0]}"
    )


def _percent_phrase(ratio: float) -> tuple[str, str]:
    """(number, 'fler'/'färre') for a rate ratio, e.g. 0.88 -> ('12 %', 'färre')."""
    change = (ratio - 1.0) * 100.0
    return f"{format_number(abs(change), 0)} %", "fler" if change >= 0 else "färre"


def describe_effect(
    result: EffectResult,
    unit_phrase: str,
    *,
    unit: str = "",
    words: tuple[str, str] = ("fler", "färre"),
) -> str:
    """Describe ``result`` in one sentence, e.g. 'ungefär 12 % färre orosanmälningar ...'.

    For a difference in a share, pass ``unit="procentenheter"`` and
    ``words=("högre", "lägre")``: 'ungefär 34 procentenheter högre andel ...'.
    Says "ingen säkerställd skillnad" when the interval includes no effect.
    """
    if not isinstance(result, EffectResult):
        raise ArgumentTypeError("ska vara ett resultat från evaluation.methods", argument="result")
    if not isinstance(unit_phrase, str) or not unit_phrase.strip():
        raise ArgumentError(
            "ska vara en text som inte är tom, t.ex. 'orosanmälningar'", argument="unit_phrase"
        )
    reference = (
        "än väntat utifrån utvecklingen före starten"
        if isinstance(result, ITSResult)
        else "än jämförelseområdena"
    )
    level = f"{round(100 * result.confidence)} %"
    finite = all(math.isfinite(x) for x in (result.ci_low, result.ci_high))
    if result.scale == RATE_RATIO:
        amount, direction = _percent_phrase(result.estimate)
        core = f"ungefär {amount} {direction} {unit_phrase} {reference}"
        bounds = [((b - 1.0) * 100.0, " %") for b in (result.ci_low, result.ci_high)]
        decimals = 0
    else:
        direction = words[0] if result.estimate >= 0 else words[1]
        amount = format_number(abs(result.estimate)) + (f" {unit}" if unit else "")
        core = f"ungefär {amount} {direction} {unit_phrase} {reference}"
        bounds = [(b, "") for b in (result.ci_low, result.ci_high)]
        decimals = 1
    if finite:
        ci = _interval_text(bounds, decimals, words)
    if not finite:  # no interval: nothing can be called "säkerställd", either way
        return (
            f"Skattningen är {core}, men osäkerheten kunde inte skattas, så det går inte att "
            "säga om skillnaden är säkerställd."
        )
    ci_text = f"{level} osäkerhetsintervall {ci}"
    if result.ci_covers_null:
        return f"Det finns ingen säkerställd skillnad: skattningen är {core} ({ci_text})."
    return f"Skattningen visar {core} ({ci_text})."
