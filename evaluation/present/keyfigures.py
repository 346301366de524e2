"""Key-figure cards: the "Sammanfattning" block that opens every report."""

from __future__ import annotations

from dataclasses import dataclass

from evaluation.present.marks import SUMMARY_END, SUMMARY_ID, SUMMARY_START
from evaluation.present.output import Protected, esc


@dataclass(frozen=True)
class KeyFigure:
    """One card: a value now, where it came from, a target and a verdict in plain Swedish.

    ``tone`` is "good", "bad" or "neutral" (only styles the verdict's border);
    a hidden value has ``value == ".."`` and no verdict.
    """

    label: str
    value: str
    when: str
    change: str = ""
    compare: str = ""
    target: str = ""
    verdict: str = ""
    tone: str = "neutral"


@dataclass(frozen=True)
class KeyFigures(Protected):
    """The summary section: cards and one sentence on what remains uncertain."""

    figures: tuple[KeyFigure, ...]
    uncertain: str
    lead: str = ""

    def _repr_html_(self) -> str:
        cards = []
        for f in self.figures:
            parts = [
                f'<p class="ev-kf-label">{esc(f.label)}</p>',
                f'<p class="ev-kf-value">{esc(f.value)} <span class="ev-kf-when">{esc(f.when)}'
                "</span></p>",
            ]
            if f.change:
                parts.append(f'<p class="ev-kf-change">{esc(f.change)}</p>')
            if f.compare:
                parts.append(f'<p class="ev-kf-change">{esc(f.compare)}</p>')
            if f.target:
                parts.append(f'<p class="ev-kf-target">{esc(f.target)}</p>')
            if f.verdict:
                parts.append(f'<p class="ev-kf-verdict">{esc(f.verdict)}</p>')
            cards.append(f'<li class="ev-kf ev-kf-{esc(f.tone)}">{"".join(parts)}</li>')
        lead = f'<p class="ev-summary-lead">{esc(self.lead)}</p>' if self.lead else ""
        uncertain = (
            f'<p class="ev-summary-uncertain"><strong>Osäkert:</strong> {esc(self.uncertain)}</p>'
            if self.uncertain
            else ""
        )
        return (
            f'{SUMMARY_START}<section class="ev-summary" aria-labelledby="{SUMMARY_ID}">'
            f'<h2 id="{SUMMARY_ID}">Sammanfattning</h2>{lead}'
            f'<ul class="ev-keyfigures">{"".join(cards)}</ul>{uncertain}</section>{SUMMARY_END}'
        )
