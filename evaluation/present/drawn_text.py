"""R8 for images: every text drawn into a figure is checked for identity numbers.

A PNG holds its labels as pixels, so the scan of the finished HTML cannot read them;
the check runs on the figure's text artists (titles, axis labels, tick labels,
legends, annotations, map labels, table cells) right after matplotlib has laid the
figure out and before the image leaves ``to_png``.
"""

from __future__ import annotations

from evaluation.exceptions import PrivacyError
from evaluation.idnumbers import contains_identity_number


def drawn_texts(fig) -> list[str]:
    """Every string a figure draws or could draw: all Text artists, visible or not.

    Call after the figure has been drawn (``savefig``): tick labels made by formatters
    are read as that draw left them.
    """
    from matplotlib.axis import Axis
    from matplotlib.text import Text

    texts: list[str] = []

    def walk(artist, drawn_axes: bool) -> None:
        if isinstance(artist, Text):
            texts.append(artist.get_text())
        if isinstance(artist, Axis):
            # An axis's own get_children runs its locator and formatter again (a second
            # layout of every axis); its ticks as the last draw left them are enough. An
            # axes drawn without axes (a map) draws no tick labels at all.
            ticks = [*artist.majorTicks, *artist.minorTicks] if drawn_axes else []
            children = [artist.label, artist.offsetText, *ticks]
        else:
            children = artist.get_children()
        for child in children:
            walk(child, getattr(child, "axison", drawn_axes))

    walk(fig, True)
    return [t for t in texts if t]


def check_drawn_text(fig, what: str = "a chart") -> None:
    """Raise PrivacyError, without the value, when a drawn text holds an identity number."""
    if any(contains_identity_number(text) for text in drawn_texts(fig)):
        raise PrivacyError(
            f"{what} skulle rita en text som ser ut som ett person- eller samordningsnummer "
            "(visas inte); ingen bild gjordes"
        )
