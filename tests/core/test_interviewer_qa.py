"""Interviewer QA: scripted candidates replayed through the real engine, every scenario.

Six candidates per scenario (strong, middling, weak, off-topic, "idk", one who ends
early) answer whatever the interviewer asks next. Every interview must read as a
candidate would want: no sentence said twice, every criterion still missed at the
end asked about, pushbacks quoted in the feedback exactly as said (the seed's line
first), coaching after two empty answers instead of a grind, acknowledgements that
match what the answer did, evidence taken from the answer that earned it, and no
line that refers to something the candidate never said.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from bot.core import interview
from bot.core.interview import InterviewState, Move, sentences_of
from bot.core.scenarios import Catalogue, Scenario
from bot.core.scorer import score_answers
from bot.core.summary import Summary, summarise
from bot.render import render, render_move, render_summary
from tests.core.qa_candidates import HALF, OFF_TOPIC, STRONG, WEAK_OPENING

SCENARIOS = sorted(STRONG)
END = "/end"
MAX_TURNS = 30

Candidate = Callable[[Scenario, InterviewState, Move, int], str]


def _asked_about(scenario: Scenario, move: Move) -> list[str]:
    """The criteria a move asks about: its probe's, or its step's."""
    if move.criterion_id:
        return [move.criterion_id]
    for step in scenario.spec.steps:
        if step.id == move.step_id:
            return list(step.criteria)
    return []


def strong(scenario: Scenario, state: InterviewState, move: Move, turn: int) -> str:
    cids = _asked_about(scenario, move)
    return " ".join(STRONG[scenario.id][c] for c in cids) or "I think I've covered it."


def middling(scenario: Scenario, state: InterviewState, move: Move, turn: int) -> str:
    """Half-hearted on every other criterion; better once probed on it."""
    order = [c.id for c in scenario.criteria]
    parts = []
    for cid in _asked_about(scenario, move):
        weak_side = order.index(cid) % 2 == 1 and move.criterion_id != cid
        parts.append((HALF if weak_side else STRONG)[scenario.id][cid])
    return " ".join(parts) or "Not sure what else to add."


def weak(scenario: Scenario, state: InterviewState, move: Move, turn: int) -> str:
    if turn == 0:
        return WEAK_OPENING[scenario.id]
    cids = _asked_about(scenario, move) or [scenario.criteria[0].id]
    return HALF[scenario.id][cids[0]]


def off_topic(scenario: Scenario, state: InterviewState, move: Move, turn: int) -> str:
    return OFF_TOPIC[turn % len(OFF_TOPIC)]


def idk(scenario: Scenario, state: InterviewState, move: Move, turn: int) -> str:
    return ("idk", "no idea", "I don't know", "not sure")[turn % 4]


def ends_early(scenario: Scenario, state: InterviewState, move: Move, turn: int) -> str:
    return strong(scenario, state, move, turn) if turn == 0 else END


CANDIDATES: dict[str, Candidate] = {
    "strong": strong,
    "middling": middling,
    "weak": weak,
    "off-topic": off_topic,
    "idk": idk,
    "ends-early": ends_early,
}


@dataclass
class Replay:
    scenario: Scenario
    state: InterviewState
    moves: list[Move] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)
    acks: list[tuple[Move, set[str]]] = field(default_factory=list)  # move, newly met
    summary: Summary | None = None

    def text(self) -> list[str]:
        """Every interviewer move as the terminal shows it (without the speaker)."""
        return [render_move(self.scenario, m, speaker=False) for m in self.moves]

    def discord(self) -> list[str]:
        return [
            render("discord/move.md.j2", move=m, scenario=self.scenario.spec) for m in self.moves
        ]


def _met(scenario: Scenario, answers: tuple[str, ...]) -> set[str]:
    return {c for c, r in score_answers(scenario, list(answers)).criteria.items() if r.met}


def replay(scenario: Scenario, candidate: Candidate, seed: int = 7) -> Replay:
    state, move = interview.start(scenario, 0.0, seed)
    run = Replay(scenario, state, [move])
    question = move
    for turn in range(MAX_TURNS):
        if not state.active:
            break
        text = candidate(scenario, state, question, turn)
        if text == END:
            state, move = interview.end(state, "candidate")
            run.moves.append(move)
            break
        before = {
            c for c, r in score_answers(scenario, list(state.answers)).criteria.items() if r.met
        }
        state, move = interview.answer(scenario, state, text, 30.0 * (turn + 1))
        after = {
            c for c, r in score_answers(scenario, list(state.answers)).criteria.items() if r.met
        }
        run.answers.append(text)
        run.moves.append(move)
        run.acks.append((move, after - before))
        if move.kind != "coach":
            question = move
    run.state = state
    assert not state.active, "the interview must end within the turn limit"
    run.summary = summarise(scenario, state)
    return run


def _plain(markdown: str) -> str:
    return re.sub(r"[*_`]", "", markdown)


def _sentences(rendered: list[str]) -> list[str]:
    out = []
    for block in rendered:
        for para in _plain(block).split("\n"):
            out += sentences_of(para)
    return out


@pytest.fixture(scope="module")
def replays(catalogue: Catalogue) -> dict[tuple[str, str], Replay]:
    return {
        (sid, name): replay(catalogue.get(sid), cand)
        for sid in SCENARIOS
        for name, cand in CANDIDATES.items()
    }


CASES = [(sid, name) for sid in SCENARIOS for name in CANDIDATES]


@pytest.mark.parametrize(("sid", "name"), CASES)
def test_no_sentence_is_said_twice(replays, sid: str, name: str) -> None:
    run = replays[(sid, name)]
    for rendered in (run.text(), run.discord()):
        said = _sentences(rendered)
        repeats = sorted({s for s in said if said.count(s) > 1})
        assert not repeats, f"{sid}/{name} repeats {repeats}"


@pytest.mark.parametrize(("sid", "name"), CASES)
def test_every_criterion_missed_at_the_end_was_asked(replays, sid: str, name: str) -> None:
    run = replays[(sid, name)]
    if run.state.end_reason == "candidate":
        return  # the candidate stopped before the interviewer could ask
    scenario = run.scenario
    transcript = "\n".join(run.text())
    for row in run.summary.criteria:
        if row.status == "met":
            continue
        lines = [s.prompt.strip() for s in scenario.spec.steps if row.id in s.criteria]
        lines += [s.alt_prompt.strip() for s in scenario.spec.steps if row.id in s.criteria]
        lines += [p.text.strip() for p in scenario.criterion(row.id).spec.probe_specs()]
        assert any(line and line in transcript for line in lines), (
            f"{sid}/{name}: {row.id} is {row.status} but was never asked"
        )


@pytest.mark.parametrize(("sid", "name"), CASES)
def test_pushbacks_are_the_seed_line_first_and_quoted_as_said(replays, sid: str, name: str) -> None:
    run = replays[(sid, name)]
    transcript = "\n".join(run.text())
    feedback = render_summary(run.summary, run.scenario)
    first: dict[str, str] = {}
    for aid, line in run.state.pushbacks:
        first.setdefault(aid, line)
        assert line in transcript
        assert f'"{line}"' in feedback, "the feedback quotes the line that was said"
    for aid, line in first.items():
        assert line == run.scenario.antipattern(aid).spec.pushbacks[0].strip()
    for row in run.summary.antipatterns:
        assert row.said == run.state.pushback_lines(row.id)
        for line in row.said:
            assert line in transcript
    if name == "weak":
        assert run.moves[1].kind == "pushback", "the weak opening gets pushed back on"


@pytest.mark.parametrize(("sid", "name"), [(s, n) for s in SCENARIOS for n in ("idk", "off-topic")])
def test_lost_candidates_are_coached_once_not_ground_down(replays, sid: str, name: str) -> None:
    run = replays[(sid, name)]
    kinds = [m.kind for m in run.moves[1:]]
    assert kinds[1] == "coach", f"coaching comes after the second empty answer: {kinds}"
    assert kinds.count("coach") == 1
    questions = [k for k in kinds if k in ("probe", "pushback", "next_step")]
    assert len(questions) <= len(run.scenario.spec.steps), kinds
    assert run.summary.met == 0 and run.summary.overall == 0


@pytest.mark.parametrize(("sid", "name"), CASES)
def test_acknowledgements_follow_what_the_answer_did(replays, sid: str, name: str) -> None:
    run = replays[(sid, name)]
    for move, newly_met in run.acks:
        if move.ack == "met":
            assert newly_met, f"{sid}/{name}: 'met' acknowledgement for an answer that met nothing"
        if newly_met and move.kind in ("probe", "next_step") and not move.antipattern_id:
            assert move.ack == "met"
    good = [t for t in run.text() if re.match(r"Good\b", _plain(t))]
    assert len(good) <= sum(1 for m, _ in run.acks if m.ack == "met")


@pytest.mark.parametrize(("sid", "name"), CASES)
def test_evidence_is_inside_the_answers(replays, sid: str, name: str) -> None:
    run = replays[(sid, name)]
    whole = "\n".join(run.answers)
    for row in run.summary.criteria:
        for quote in row.evidence:
            for part in quote.strip("…").split(" … "):
                assert part.strip("… ") in whole, f"{sid}/{name}: {part!r} is not in an answer"


@pytest.mark.parametrize(("sid", "name"), CASES)
def test_no_line_refers_to_what_was_not_said(replays, sid: str, name: str) -> None:
    run = replays[(sid, name)]
    scenario = run.scenario
    progress: dict[str, float] = {}
    for move, answer_index in zip(run.moves, range(-1, len(run.moves)), strict=False):
        if answer_index >= 0:
            result = score_answers(scenario, run.answers[: answer_index + 1])
            progress = {c: r.score for c, r in result.criteria.items()}
        question = move.question
        for step in scenario.spec.steps:
            if step.requires and question == step.prompt.strip():
                assert all(progress.get(c, 0) > 0 for c in step.requires), question
        for c in scenario.criteria:
            for probe in c.spec.probe_specs():
                if probe.requires and question == probe.text.strip():
                    assert all(progress.get(r, 0) > 0 for r in probe.requires), question


@pytest.mark.parametrize("sid", SCENARIOS)
def test_a_strong_candidate_gets_a_short_interview_and_the_credit(replays, sid: str) -> None:
    run = replays[(sid, "strong")]
    steps = len(run.scenario.spec.steps)
    assert len(run.answers) <= steps + 1
    assert run.summary.met >= len(run.summary.criteria) - 1
    assert run.state.end_reason == "completed"


@pytest.mark.parametrize("sid", SCENARIOS)
def test_the_opening_lists_no_criterion(catalogue: Catalogue, sid: str) -> None:
    scenario = catalogue.get(sid)
    _, move = interview.start(scenario, 0.0, 1)
    opening = (scenario.spec.setup + "\n" + render_move(scenario, move)).lower()
    for c in scenario.criteria:
        assert c.spec.label.lower() not in opening, f"{sid}: the briefing names {c.spec.label!r}"
    for phrase in ("rubric", "scores you", "what works", "the panel wants", "looking for"):
        assert phrase not in opening, f"{sid}: the briefing gives away what is scored ({phrase!r})"
