"""Labelled cases in our own words for the tests of verdicts that follow meaning."""

from __future__ import annotations

from typing import NamedTuple

from bot.core.scenarios import Catalogue
from bot.core.scorer import score_answers


class Case(NamedTuple):
    scenario: str
    label: str  # a criterion id, or "ap:<anti-pattern id>"
    want: bool
    answers: tuple[str, ...]


def case(scenario: str, label: str, want: bool, *answers: str) -> Case:
    return Case(scenario, label, want, answers)


def verdict(catalogue: Catalogue, c: Case) -> tuple[bool, object]:
    """Whether the scorer finds the case's label, with what it found (for the message)."""
    result = score_answers(catalogue.get(c.scenario), list(c.answers))
    if c.label.startswith("ap:"):
        return c.label[3:] in result.antipatterns, result.antipatterns
    criterion = result.criteria[c.label]
    return criterion.met, (criterion.score, criterion.evidence)


def case_ids(cases: list[Case], prefix: str = "") -> list[str]:
    """Test ids that say what each case expects: "<scenario>:<label>:met|not:<n>"."""
    return [
        f"{prefix}{c.scenario}:{c.label}:{'met' if c.want else 'not'}:{i}"
        for i, c in enumerate(cases)
    ]
