"""The scenario loader: every bundled file, and broken files with clear errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.core.scenarios import (
    ROUNDS,
    ScenarioLoadError,
    load_directory,
    parse_scenario,
    read_common,
    warnings_for,
)
from tests.conftest import SCENARIOS

CONTRACT = {
    "impact-lens": (
        {"hypothesis", "experiment_plan", "iteration", "safety_guardrails"},
        {"cool_features", "timeline_manager"},
    ),
    "auto-summarize": (
        {
            "hypothesis",
            "primary_metric",
            "causal_mechanism",
            "experiment_plan",
            "compute_constraint",
        },
        {"ui_only", "research_without_hypothesis"},
    ),
    "tone-transformer": (
        {"inference_path", "compute_limits", "business_mapping", "monitoring_plan"},
        {"rollout_first", "writes_code"},
    ),
    "bias-complaint": (
        {"mitigation_plan", "measurement_strategy", "human_review"},
        {"apology_only"},
    ),
    "impact-resume": (
        {"quantified_lift", "product_outcome", "risk_framing"},
        {"engineering_metric_only", "research_resume", "skills_listing"},
    ),
    "values-alignment": (
        {"mission_link", "concrete_example", "tradeoff"},
        {"generic_values"},
    ),
    "comp-negotiation": (
        {"anchor_base", "equity_for_impact", "sign_on", "budget_flex"},
        {"salary_only"},
    ),
}

GOOD = (SCENARIOS / "auto-summarize.toml").read_text("utf-8")
COMMON = read_common(SCENARIOS)


def test_every_bundled_scenario_loads_with_the_contract_ids(catalogue) -> None:
    assert set(catalogue.scenarios) <= set(CONTRACT)
    for sid, scenario in catalogue.scenarios.items():
        criteria, antipatterns = CONTRACT[sid]
        assert {c.id for c in scenario.criteria} >= criteria, sid
        assert {a.id for a in scenario.antipatterns} >= antipatterns, sid
        assert scenario.spec.round in ROUNDS
        for c in scenario.criteria:
            assert c.spec.probes, f"{sid}:{c.id} has no probe"
        for a in scenario.antipatterns:
            assert a.spec.pushbacks, f"{sid}:{a.id} has no pushback"
        targeted = {cid for step in scenario.spec.steps for cid in step.criteria}
        assert targeted == {c.id for c in scenario.criteria}, sid


def test_all_seven_scenarios_are_bundled(catalogue) -> None:
    assert set(catalogue.scenarios) == set(CONTRACT)


def test_bundled_scenarios_have_no_warnings(catalogue) -> None:
    for scenario in catalogue:
        assert warnings_for(scenario) == [], scenario.id


def errors_for(source: str) -> list[str]:
    with pytest.raises(ScenarioLoadError) as info:
        parse_scenario(source, "broken.toml", COMMON)
    return [str(e) for e in info.value.errors]


def test_toml_syntax_error_names_file_and_line() -> None:
    lines = GOOD.splitlines()
    lines[3] = 'round = "product-sense'
    (err,) = errors_for("\n".join(lines))
    assert err.startswith("broken.toml:4:")
    assert "not valid TOML" in err


def test_missing_field_names_the_key_and_line() -> None:
    hint = 'hint = "Ask yourself what you would point'
    source = GOOD.replace(hint, "hnit" + hint[4:], 1)
    errs = errors_for(source)
    assert any("[criteria[1].hint] required field is missing" in e for e in errs)
    assert any("[criteria[1].hnit] unknown field" in e for e in errs)
    line = next(e for e in errs if "hnit" in e).split(":")[1]
    assert GOOD.splitlines()[int(line) - 1].startswith("hint")


def test_unknown_concept_in_a_rule_is_reported_with_its_path() -> None:
    source = GOOD.replace('when = "predict" }', 'when = "predictt" }', 1)
    errs = errors_for(source)
    assert any("criteria[0].rules[1].when" in e and "unknown concept 'predictt'" in e for e in errs)


def test_unknown_criterion_in_step_and_bad_round_are_all_listed() -> None:
    source = GOOD.replace('criteria = ["primary_metric"]', 'criteria = ["primary_metrc"]')
    source = source.replace('round = "product-sense"', 'round = "lunch"')
    errs = errors_for(source)
    assert any("unknown round 'lunch'" in e for e in errs)
    source = GOOD.replace('criteria = ["primary_metric"]', 'criteria = ["primary_metrc"]')
    errs = errors_for(source)
    assert any("steps[1].criteria[0]" in e and "primary_metrc" in e for e in errs)


def test_bad_quantity_kind_and_bad_expression() -> None:
    source = GOOD.replace('{ q = "from_to" }', '{ q = "furlongs" }', 1)
    assert any("unknown quantity kind 'furlongs'" in e for e in errors_for(source))
    source = GOOD.replace('when = "predict" }', "when = { sometimes = 1 } }", 1)
    assert any("unknown expression keys" in e for e in errors_for(source))


def test_a_broken_file_in_a_directory_lists_errors_and_loads_nothing(tmp_path: Path) -> None:
    (tmp_path / "_common.toml").write_text((SCENARIOS / "_common.toml").read_text("utf-8"))
    (tmp_path / "good.toml").write_text(GOOD)
    (tmp_path / "bad.toml").write_text(GOOD.replace("time_budget_minutes = 30", ""))
    with pytest.raises(ScenarioLoadError) as info:
        load_directory(tmp_path)
    messages = [str(e) for e in info.value.errors]
    assert any("bad.toml" in m and "time_budget_minutes" in m for m in messages)
    assert any("duplicate" in m for m in messages) is False


def test_duplicate_scenario_ids_are_refused(tmp_path: Path) -> None:
    (tmp_path / "_common.toml").write_text((SCENARIOS / "_common.toml").read_text("utf-8"))
    (tmp_path / "a.toml").write_text(GOOD)
    (tmp_path / "b.toml").write_text(GOOD)
    with pytest.raises(ScenarioLoadError, match="duplicate scenario id"):
        load_directory(tmp_path)


def test_warnings_for_weak_spots() -> None:
    source = re.sub(r'pushbacks = \[\s*"Not a UI redesign[^]]*\]', "pushbacks = []", GOOD)
    assert source != GOOD
    scenario = parse_scenario(source, "weak.toml", COMMON)
    assert any("ui_only" in w and "pushback" in w for w in warnings_for(scenario))


def test_warning_for_a_raw_phrase_with_nothing_to_anchor_on() -> None:
    # a phrase that can start anywhere and holds no fixed text is searched through
    # every whole answer: validate says so (docs/scenarios.md, "Speed")
    source = GOOD.replace("causal_link = [", 'causal_link = ["re:[a-z]+\\\\d", ', 1)
    scenario = parse_scenario(source, "slow.toml", COMMON)
    slow = [w for w in warnings_for(scenario) if "searched through every whole answer" in w]
    assert len(slow) == 1 and "'causal_link'" in slow[0] and "re:[a-z]+\\\\d" in slow[0]
    # the same idea written from its fixed part is fine
    source = GOOD.replace("causal_link = [", 'causal_link = ["re:\\\\bv\\\\d+", ', 1)
    scenario = parse_scenario(source, "fine.toml", COMMON)
    assert not [w for w in warnings_for(scenario) if "whole answer" in w]
