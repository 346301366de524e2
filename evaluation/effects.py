"""Causal estimates for the outcome follow-up report (difference-in-differences, ITS, SC)."""

from __future__ import annotations

from evaluation.present.output import Note


def effect_section(report):
    """Placeholder until evaluation.methods is wired in."""
    return Note("Effektskattningar redovisas inte i denna version av rapporten.",
                kind="withheld")
