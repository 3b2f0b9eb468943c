"""The interviewer state machine: pushback, probes, steps, ends, JSON round trip."""

from __future__ import annotations

import pytest

from bot.core import interview
from bot.core.interview import (
    AnswerTooLong,
    EmptyAnswer,
    InterviewOver,
    InterviewState,
    ScenarioChanged,
)
from bot.core.summary import summarise
from bot.render import render_move, render_summary

UI = "I'd move the summarize button into the toolbar, make it bigger and green, in a sidebar card."
INTENT = (
    "People summarise long threads to find out what is being asked of them. If the summary "
    "leads with an 'asks for you' line, I predict acceptance rises 20%, because they get "
    "their answer without opening the thread, so they keep the summary."
)
METRIC = "Primary metric: summary acceptance rate, from 27% to 33%."
TEST = "We'd randomize 25,000 users 50/50 for two weeks and ship only if the 95% CI excludes zero."
COMPUTE = (
    "We get half a percent of the inference budget, so the big model only runs on long "
    "threads, which limits the hypothesis to long threads."
)
VAGUE = "I think we should make the summaries a lot better for everybody who uses them daily."
PARTIALS = [
    "I'd bet people mostly want the gist faster, so shorter summaries would help them.",
    "My guess is they want to skim, and I expect skimming to get easier with bullet points.",
    "I predict people would like a summary that reads more like a headline than an essay.",
]


def run(scenario, answers, now=0.0, seed=0):
    state, move = interview.start(scenario, now, seed)
    moves = [move]
    for i, text in enumerate(answers, start=1):
        if not state.active:
            break
        state, move = interview.answer(scenario, state, text, now + 60 * i)
        moves.append(move)
    return state, moves


def test_opening_is_the_scenario_opening_and_first_step(auto_summarize) -> None:
    state, move = interview.start(auto_summarize, 1000.0, seed=3)
    assert move.kind == "opening"
    assert move.lines[0].startswith("Let's do a product case")
    assert move.step_id == auto_summarize.spec.steps[0].id
    assert state.active and state.step == 0 and state.answers == ()


def test_antipattern_gets_the_seed_pushback_once(auto_summarize) -> None:
    state, moves = run(auto_summarize, [UI, UI])
    assert moves[1].kind == "pushback"
    assert moves[1].antipattern_id == "ui_only"
    assert moves[1].lines[0] == "Not a UI redesign, but a hypothesis about user intent."
    assert moves[2].kind != "pushback"  # the same weak move is not pushed back twice
    assert state.pushed_back == ("ui_only",)


def test_probes_target_the_missing_criterion_and_are_bounded(auto_summarize) -> None:
    state, moves = run(auto_summarize, PARTIALS)
    kinds = [m.kind for m in moves[1:]]
    max_probes = auto_summarize.spec.steps[0].max_probes
    assert kinds[:max_probes] == ["probe"] * max_probes
    assert moves[1].criterion_id == "hypothesis"  # the heaviest missing criterion first
    assert kinds[max_probes] == "next_step"
    assert moves[max_probes + 1].transition == "used_up"  # honest: the step was not met
    assert state.step == 1


def test_an_answer_repeated_word_for_word_counts_as_empty(auto_summarize) -> None:
    _, moves = run(auto_summarize, [PARTIALS[0], PARTIALS[0], PARTIALS[0]])
    assert [m.kind for m in moves[1:]] == ["probe", "probe", "coach"]
    assert moves[2].ack is None  # nothing new: no acknowledgement


def test_two_empty_answers_get_coaching_once_then_the_interview_moves_on(auto_summarize) -> None:
    state, moves = run(auto_summarize, [VAGUE, VAGUE, VAGUE])
    assert [m.kind for m in moves[1:]] == ["probe", "coach", "next_step"]
    assert moves[2].lines == (auto_summarize.spec.steps[0].coach.strip(),)
    assert moves[3].transition == "try_other" and moves[3].ack is None
    assert state.step == 1


def test_strong_answers_skip_steps_already_covered_and_complete(auto_summarize) -> None:
    state, moves = run(auto_summarize, [INTENT, METRIC, TEST, COMPUTE])
    assert moves[-1].kind == "end" and moves[-1].end_reason == "completed"
    assert not state.active
    summary = summarise(auto_summarize, state)
    assert summary.enough and summary.met == 5 and summary.overall == 100
    assert summary.next_focus is None


def test_candidate_can_end_and_time_can_run_out(auto_summarize) -> None:
    state, _ = interview.start(auto_summarize, 0.0)
    state, move = interview.end(state, "candidate")
    assert move.end_reason == "candidate" and not state.active
    with pytest.raises(InterviewOver):
        interview.answer(auto_summarize, state, INTENT, 10.0)

    state, _ = interview.start(auto_summarize, 0.0)
    late = auto_summarize.spec.time_budget_minutes * 60 + 1
    state, move = interview.answer(auto_summarize, state, INTENT, late)
    assert move.end_reason == "timeout"
    assert state.answers == (INTENT,)  # the late answer is still kept and scored


def test_bad_answers_are_refused_and_change_nothing(auto_summarize) -> None:
    state, _ = interview.start(auto_summarize, 0.0)
    with pytest.raises(EmptyAnswer):
        interview.answer(auto_summarize, state, "   \n ", 1.0)
    with pytest.raises(AnswerTooLong, match="limit"):
        interview.answer(auto_summarize, state, "x" * 9000, 1.0)
    assert state.answers == ()


def test_state_round_trips_through_json_and_resumes_identically(auto_summarize) -> None:
    state, _ = run(auto_summarize, [UI, VAGUE])
    restored = InterviewState.from_json(state.to_json())
    assert restored == state
    a = interview.answer(auto_summarize, state, INTENT, 500.0)
    b = interview.answer(auto_summarize, restored, INTENT, 500.0)
    assert a == b


def test_same_seed_same_conversation_other_seed_may_differ(auto_summarize) -> None:
    _, first = run(auto_summarize, [VAGUE, VAGUE], seed=1)
    _, again = run(auto_summarize, [VAGUE, VAGUE], seed=1)
    assert first == again
    lines = {run(auto_summarize, [VAGUE], seed=s)[1][1].lines for s in range(12)}
    assert len(lines) > 1  # the probe phrasing is drawn from the scenario's alternatives


def test_hint_names_the_missing_criterion_and_costs_points(auto_summarize) -> None:
    state, _ = interview.start(auto_summarize, 0.0)
    state, move = interview.hint(auto_summarize, state, 1.0)
    assert move.kind == "hint" and move.criterion_id == "hypothesis"
    assert move.lines == (auto_summarize.criterion("hypothesis").spec.hint,)
    for i, text in enumerate([INTENT, METRIC, TEST, COMPUTE], start=2):
        state, _ = interview.answer(auto_summarize, state, text, float(i))
    summary = summarise(auto_summarize, state)
    assert summary.hints_used == 1
    assert summary.overall < 100
    assert next(r for r in summary.criteria if r.id == "hypothesis").hinted


def test_no_substance_gives_no_verdict(auto_summarize) -> None:
    state, _ = run(auto_summarize, ["idk", "pass"])
    summary = summarise(auto_summarize, state)
    assert not summary.enough and summary.verdicts == () and summary.overall == 0


def test_metric_first_verdict_when_a_step_is_missing(auto_summarize) -> None:
    state, _ = run(auto_summarize, [INTENT, METRIC])
    state, _ = interview.end(state, "candidate")
    summary = summarise(auto_summarize, state)
    assert [v.label for v in summary.verdicts] == ["product-sense deficient"]
    assert "experiment_plan" in summary.verdicts[0].missing
    assert summary.next_focus is not None and summary.next_focus.status == "missed"


def test_a_changed_scenario_file_is_detected(auto_summarize) -> None:
    from dataclasses import replace

    state, _ = interview.start(auto_summarize, 0.0)
    stale = replace(state, scenario_digest="0" * 12)
    with pytest.raises(ScenarioChanged):
        interview.answer(auto_summarize, stale, INTENT, 1.0)


def test_every_bundled_scenario_runs_start_to_finish(catalogue) -> None:
    for scenario in catalogue:
        state, moves = run(scenario, [VAGUE] * 30)
        assert not state.active, scenario.id
        assert moves[-1].kind == "end"
        total_probes = sum(s.max_probes for s in scenario.spec.steps)
        assert len(state.answers) <= len(scenario.spec.steps) + total_probes + 1


def test_the_open_question_survives_a_round_trip(auto_summarize) -> None:
    state, moves = run(auto_summarize, [UI])
    restored = InterviewState.from_json(state.to_json())
    assert restored.question() == moves[-1]
    state, _ = interview.end(restored, "candidate")
    assert state.question() is None


def test_a_pushback_on_the_last_answer_is_said_before_the_close(auto_summarize) -> None:
    last = (
        "The compute budget only lets us afford the small model on most threads, which "
        "rules out long summaries. Gartner's industry report says the same about summaries."
    )
    state, moves = run(auto_summarize, [INTENT, METRIC, TEST, last])
    end = moves[-1]
    assert end.kind == "end" and end.end_reason == "completed"
    assert state.pushed_back == ("research_without_hypothesis",)
    line = state.pushbacks[0][1]
    assert end.lines == (line,)
    said = render_move(auto_summarize, end)
    assert line in said and said.index(line) < said.index("That's everything")
    feedback = render_summary(summarise(auto_summarize, state), auto_summarize)
    assert f'"{line}"' in feedback
