"""The scorer's yes/no shortcuts decide exactly what the full evaluation decides.

`Analysis.holds` answers whether an expression holds in a unit without gathering
its evidence hits, `Analysis.match_unit` finds a rule's first unit with it, and
`Analysis.witness` takes a one-sentence unit's sentence as its witness at once.
Each must agree with the plain way (`evaluate` over every unit, `_alone`) on
every rule of every bundled scenario, over labelled transcripts.
"""

from __future__ import annotations

import pytest

from bot.core.detectors import AllOf, Analysis, Expr, Rule, _has_quantity, _parts_by_cost
from bot.core.scenarios import Catalogue, Scenario
from bot.core.scorer import _used_lexicon, mark_excluded
from bot.core.text import analyse
from tests.conftest import DATA, load_jsonl


def _transcripts() -> list[tuple[str, list[str]]]:
    rows = load_jsonl(DATA / "train.jsonl") + load_jsonl(DATA / "public_sample.jsonl")
    rows += [r for path in sorted((DATA / "adversarial").glob("*.jsonl")) for r in load_jsonl(path)]
    return [(r["scenario"], r["answers"]) for r in rows]


TRANSCRIPTS = _transcripts()


def _analysis(scenario: Scenario, answers: list[str]) -> Analysis:
    analysis = Analysis(analyse(answers), _used_lexicon(scenario))
    mark_excluded(analysis, scenario)
    return analysis


def _every_unit(analysis: Analysis, rule: Rule) -> list[range]:
    """Every unit of the rule's scope, in order, with no support limit."""
    n = len(analysis.doc.sentences)
    if rule.scope == "window":
        return [range(i, min(n, i + rule.window)) for i in range(n)]
    return analysis.units(rule)


def _sub_expressions(expr: Expr) -> list[Expr]:
    out = [expr]
    for part in getattr(expr, "parts", ()):
        out += _sub_expressions(part)
    if hasattr(expr, "part"):
        out += _sub_expressions(expr.part)  # type: ignore[union-attr]
    return out


def _rules(scenario: Scenario) -> list[Rule]:
    return [rule for item in (*scenario.criteria, *scenario.antipatterns) for rule in item.rules]


@pytest.mark.parametrize("step", range(4))
def test_holds_and_match_unit_agree_with_evaluate(catalogue: Catalogue, step: int) -> None:
    checked = 0
    for sid, answers in TRANSCRIPTS[step::4]:
        scenarios = [catalogue.get(sid)] if sid in catalogue.scenarios else list(catalogue)
        for scenario in scenarios:
            # the shortcut and the plain way on separate analyses: neither's lazy
            # work (negation settled, quantities found) may help the other
            fast = _analysis(scenario, answers)
            plain = _analysis(scenario, answers)
            for rule in _rules(scenario):
                expected = next(
                    (
                        unit
                        for unit in _every_unit(plain, rule)
                        if plain.evaluate(rule.when, unit) is not None
                    ),
                    None,
                )
                assert fast.match_unit(rule) == expected, (sid, rule)
                found = fast.match(rule)
                if expected is None:
                    assert found is None
                    continue
                assert found is not None
                assert found == (plain.evaluate(rule.when, expected), expected)
                for part in _sub_expressions(rule.when):
                    for unit in _every_unit(fast, rule)[:6]:
                        assert fast.holds(part, unit) == (plain.evaluate(part, unit) is not None), (
                            sid,
                            part,
                            unit,
                        )
                checked += 1
    assert checked > 100


def test_one_sentence_witness_is_what_alone_finds(catalogue: Catalogue) -> None:
    for sid, answers in TRANSCRIPTS[::3]:
        scenario = catalogue.get(sid) if sid in catalogue.scenarios else next(iter(catalogue))
        analysis = _analysis(scenario, answers)
        for rule in _rules(scenario):
            for si in range(len(analysis.doc.sentences)):
                unit = range(si, si + 1)
                if not analysis.holds(rule.when, unit):
                    continue
                witness = analysis.witness(rule.when, unit)
                if type(rule.when).__name__ == "NotExpr":
                    assert witness == []
                else:
                    assert witness == analysis._alone(rule.when, unit)[:1] == [si]


def test_parts_by_cost_keeps_every_part_in_order(catalogue: Catalogue) -> None:
    for scenario in catalogue:
        for rule in _rules(scenario):
            for expr in _sub_expressions(rule.when):
                if not isinstance(expr, AllOf):
                    continue
                cheap, costly = _parts_by_cost(expr)
                assert cheap == tuple(p for p in expr.parts if not _has_quantity(p))
                assert costly == tuple(p for p in expr.parts if _has_quantity(p))
                assert _parts_by_cost(expr) is _parts_by_cost(expr)  # cached


def test_digit_positions_gives_a_fresh_list_each_time() -> None:
    from bot.core.text import digit_positions, find_all

    text = "We moved 4.0% to 4.8% for 12,000 users in Q3"
    expected = sorted(p for d in "0123456789" for p in find_all(text, d))
    first = digit_positions(text)
    assert first == expected
    first.clear()  # the caller's to change: the next answer is unharmed
    assert digit_positions(text) == expected
    assert digit_positions("no digits") == []
    assert digit_positions(text) == expected
