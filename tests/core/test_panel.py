"""Bot vs panel and attempt vs attempt, as pure data."""

from __future__ import annotations

from bot.core.panel import SPLIT, compare_attempts, compare_panel, majority
from bot.core.summary import CriterionRow


def row(cid: str, status: str) -> CriterionRow:
    return CriterionRow(cid, cid.title(), status, 0.0, (), "", False)


def test_majority_split_and_none() -> None:
    assert majority([]) is None
    assert majority(["met", "met", "partly"]) == "met"
    assert majority(["met", "missed"]) == SPLIT


def test_agreement_and_disagreements() -> None:
    rows = [row("a", "met"), row("b", "missed"), row("c", "partly")]
    ratings = [
        ("bob", "a", "met"),
        ("bob", "b", "missed"),
        ("bob", "c", "partly"),
        ("carol", "a", "missed"),
        ("carol", "b", "missed"),
        ("carol", "c", "met"),
        ("carol", "zzz", "met"),  # not in the rubric: ignored
    ]
    c = compare_panel(rows, ratings)
    assert (c.raters, c.rated, c.agreed) == (2, 6, 4)
    assert c.agreement is not None and round(c.agreement, 3) == 0.667
    assert [r.criterion_id for r in c.disagreements] == ["a", "c"]
    assert compare_panel(rows, []).agreement is None


def test_change_between_attempts() -> None:
    delta = compare_attempts(
        {"a": "missed", "b": "met"}, [row("a", "met"), row("b", "partly"), row("c", "met")], 40, 70
    )
    assert [(r.criterion_id, r.change) for r in delta.rows] == [("a", 2), ("b", -1), ("c", 0)]
    assert (delta.improved, delta.slipped) == (1, 1)
    assert delta.rows[2].before is None
