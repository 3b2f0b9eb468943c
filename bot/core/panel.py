"""Bot vs panel, and attempt vs attempt: per-criterion comparisons as plain data.

Pure: the rubric rows come from `summary.Summary`, the panel's ratings from the
store as (rater, criterion, rating) triples. Statuses are met / partly / missed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.core.summary import CriterionRow

LEVEL: dict[str, int] = {"missed": 0, "partly": 1, "met": 2}
SPLIT = "split"


@dataclass(frozen=True)
class PanelRow:
    """One criterion: the bot's status, each panelist's rating and the panel's majority."""

    criterion_id: str
    label: str
    bot: str
    ratings: tuple[str, ...]
    panel: str | None  # the majority rating, SPLIT without one, None if nobody rated

    @property
    def agreeing(self) -> int:
        """Ratings equal to the bot's status."""
        return sum(1 for r in self.ratings if r == self.bot)

    @property
    def disagrees(self) -> bool:
        """The panel's majority differs from the bot, or the panel is split."""
        return self.panel is not None and self.panel != self.bot


@dataclass(frozen=True)
class PanelComparison:
    """The bot's rubric and the panel's side by side, with the agreement figure."""

    rows: tuple[PanelRow, ...]
    raters: int

    @property
    def rated(self) -> int:
        """How many individual ratings there are."""
        return sum(len(r.ratings) for r in self.rows)

    @property
    def agreed(self) -> int:
        """How many individual ratings match the bot's status."""
        return sum(r.agreeing for r in self.rows)

    @property
    def agreement(self) -> float | None:
        """Share of individual ratings that match the bot (None before any rating)."""
        return self.agreed / self.rated if self.rated else None

    @property
    def disagreements(self) -> tuple[PanelRow, ...]:
        return tuple(r for r in self.rows if r.disagrees)


def majority(ratings: Sequence[str]) -> str | None:
    """The rating more than half the panel gave; SPLIT if none did; None if no ratings."""
    if not ratings:
        return None
    rating, count = Counter(ratings).most_common(1)[0]
    return rating if count * 2 > len(ratings) else SPLIT


def compare_panel(
    rows: Sequence[CriterionRow], ratings: Iterable[tuple[str | None, str, str]]
) -> PanelComparison:
    """Line the panel's (rater, criterion, rating) triples up with the bot's rubric rows.

    Ratings of criteria the rubric does not have are ignored.
    """
    by_criterion: dict[str, list[str]] = {r.id: [] for r in rows}
    raters: set[str | None] = set()
    for rater, criterion_id, rating in ratings:
        if criterion_id in by_criterion and rating in LEVEL:
            by_criterion[criterion_id].append(rating)
            raters.add(rater)
    out = tuple(
        PanelRow(r.id, r.label, r.status, tuple(by_criterion[r.id]), majority(by_criterion[r.id]))
        for r in rows
    )
    return PanelComparison(out, len(raters))


@dataclass(frozen=True)
class DeltaRow:
    """One criterion's status in the previous attempt and in this one."""

    criterion_id: str
    label: str
    before: str | None  # None: the criterion was not in the previous attempt
    after: str

    @property
    def change(self) -> int:
        """+2 … -2 steps between missed, partly and met (0 if there is no before)."""
        return 0 if self.before is None else LEVEL[self.after] - LEVEL[self.before]


@dataclass(frozen=True)
class AttemptDelta:
    """This attempt against the previous one, criterion by criterion."""

    rows: tuple[DeltaRow, ...]
    overall_before: int
    overall_after: int

    @property
    def improved(self) -> int:
        return sum(1 for r in self.rows if r.change > 0)

    @property
    def slipped(self) -> int:
        return sum(1 for r in self.rows if r.change < 0)


def compare_attempts(
    before: Mapping[str, str],
    after: Sequence[CriterionRow],
    overall_before: int,
    overall_after: int,
) -> AttemptDelta:
    """The change per criterion: `before` maps criterion id -> status."""
    rows = tuple(DeltaRow(r.id, r.label, before.get(r.id), r.status) for r in after)
    return AttemptDelta(rows, overall_before, overall_after)
