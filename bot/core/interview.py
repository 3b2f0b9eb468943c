"""The interviewer state machine: (state, answer) -> (new state, interviewer move).

Pure and deterministic: time comes in as `now` (seconds since the epoch), and
any choice among phrasings is drawn from a generator seeded by the session's
seed and the turn number. The state is a plain dataclass that round-trips
through JSON, so the store and the bot can resume a session anywhere.
"""

from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

from bot.core.scenarios import Scenario
from bot.core.scorer import ScoreResult, is_non_answer, score_answers

MAX_ANSWER_CHARS = 8000
STATE_VERSION = 1

MoveKind = Literal["opening", "pushback", "probe", "next_step", "hint", "end"]
EndReason = Literal["completed", "candidate", "timeout"]


class InterviewError(Exception):
    """An answer or command the interview cannot take; the message is user-facing."""


class EmptyAnswer(InterviewError):
    pass


class AnswerTooLong(InterviewError):
    pass


class InterviewOver(InterviewError):
    pass


class ScenarioChanged(InterviewError):
    pass


@dataclass(frozen=True)
class Move:
    """What the interviewer does next; the shells render it from templates."""

    kind: MoveKind
    lines: tuple[str, ...]
    step_id: str | None = None
    criterion_id: str | None = None
    antipattern_id: str | None = None
    end_reason: EndReason | None = None
    previous_step_met: bool = False

    @property
    def ends(self) -> bool:
        return self.kind == "end"


@dataclass(frozen=True)
class InterviewState:
    """Everything needed to resume a session; serialisable to JSON."""

    scenario_id: str
    scenario_digest: str
    seed: int
    started_at: float
    time_budget_s: int
    step: int = 0
    probes_in_step: int = 0
    answers: tuple[str, ...] = ()
    probed: tuple[str, ...] = ()
    pushed_back: tuple[str, ...] = ()
    hints: tuple[str, ...] = ()
    status: Literal["active", "ended"] = "active"
    end_reason: EndReason | None = None
    last_activity: float = 0.0
    last_question: dict[str, Any] | None = None  # the move now awaiting an answer
    version: int = STATE_VERSION
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        return self.status == "active"

    def question(self) -> Move | None:
        """The interviewer's move that is waiting for an answer (to re-ask on resume)."""
        if not self.last_question:
            return None
        data = dict(self.last_question)
        data["lines"] = tuple(data.get("lines", ()))
        return Move(**data)

    def time_left(self, now: float) -> float:
        return max(0.0, self.started_at + self.time_budget_s - now)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, raw: str | dict[str, Any]) -> InterviewState:
        data = json.loads(raw) if isinstance(raw, str) else dict(raw)
        if data.get("version") != STATE_VERSION:
            raise ValueError(f"unsupported interview state version {data.get('version')!r}")
        for key in ("answers", "probed", "pushed_back", "hints"):
            data[key] = tuple(data.get(key, ()))
        return cls(**data)


def _asked(state: InterviewState, move: Move) -> tuple[InterviewState, Move]:
    """Remember the move as the open question, so a resumed session can repeat it."""
    data = asdict(move)
    data["lines"] = list(move.lines)  # JSON has no tuples: keep the state equal after a round trip
    return replace(state, last_question=data), move


def _rng(state: InterviewState, salt: str) -> random.Random:
    return random.Random(f"{state.seed}:{len(state.answers)}:{salt}")


def _pick(state: InterviewState, options: list[str] | tuple[str, ...], salt: str) -> str:
    return _rng(state, salt).choice(list(options))


def start(scenario: Scenario, now: float, seed: int = 0) -> tuple[InterviewState, Move]:
    """Open a session: the state and the interviewer's opening move."""
    state = InterviewState(
        scenario_id=scenario.id,
        scenario_digest=scenario.digest,
        seed=seed,
        started_at=now,
        time_budget_s=scenario.spec.time_budget_minutes * 60,
        last_activity=now,
    )
    step = scenario.spec.steps[0]
    lines = (scenario.spec.opening.strip(), step.prompt.strip())
    return _asked(state, Move("opening", lines, step_id=step.id))


class _Scores:
    """The transcript's scores, computed once per move however often they are asked."""

    def __init__(self, scenario: Scenario, state: InterviewState) -> None:
        self.scenario = scenario
        self.answers = state.answers
        self._result: ScoreResult | None = None

    def result(self) -> ScoreResult:
        if self._result is None:
            self._result = score_answers(self.scenario, list(self.answers))
        return self._result


def _missing(
    scenario: Scenario, state: InterviewState, criteria: list[str], scores: _Scores | None = None
) -> list[str]:
    """Criteria of `criteria` not yet met, most important first."""
    if not criteria:
        return []
    if scores is None or scores.answers != state.answers:
        scores = _Scores(scenario, state)
    result = scores.result()
    missing = [cid for cid in criteria if not result.criteria[cid].met]
    weights = {c.id: c.spec.weight for c in scenario.criteria}
    return sorted(missing, key=lambda cid: -weights[cid])


def _probe_line(scenario: Scenario, state: InterviewState, cid: str) -> str:
    probes = scenario.criterion(cid).spec.probes
    if not probes:
        return scenario.spec.steps[state.step].prompt.strip()
    return _pick(state, probes, f"probe:{cid}")


def check_answer(text: str) -> str:
    """Normalise an answer or raise the user-facing error for bad input."""
    cleaned = text.replace("\r\n", "\n").replace("\x00", "").strip()
    if not cleaned:
        raise EmptyAnswer("That answer was empty. Type your answer, then send it.")
    if len(cleaned) > MAX_ANSWER_CHARS:
        raise AnswerTooLong(
            f"That answer is {len(cleaned):,} characters; the limit is {MAX_ANSWER_CHARS:,}. "
            "Nothing was recorded: shorten it or split it into two answers."
        )
    return cleaned


def answer(
    scenario: Scenario, state: InterviewState, text: str, now: float
) -> tuple[InterviewState, Move]:
    """Take the candidate's answer and decide the interviewer's next move."""
    if not state.active:
        raise InterviewOver("This interview has ended. Start a new one to practise again.")
    if state.scenario_digest and scenario.digest and state.scenario_digest != scenario.digest:
        raise ScenarioChanged("The scenario file changed since this session started.")
    cleaned = check_answer(text)
    state = replace(state, answers=(*state.answers, cleaned), last_activity=now)
    if state.time_left(now) <= 0:
        return end(state, "timeout")
    step = scenario.spec.steps[state.step]
    budget = step.max_probes
    scores = _Scores(scenario, state)

    # 1. A weak move gets the interviewer's pushback, once per anti-pattern.
    if not is_non_answer(cleaned):
        found = score_answers(scenario, [cleaned]).antipatterns
        fresh = [aid for aid in found if aid not in state.pushed_back]
        if fresh and state.probes_in_step < budget + 1:
            ap = scenario.antipattern(fresh[0])
            missing = _missing(scenario, state, list(step.criteria))
            follow = _probe_line(scenario, state, missing[0]) if missing else step.prompt.strip()
            line = _pick(state, ap.spec.pushbacks, f"push:{ap.id}") if ap.spec.pushbacks else ""
            state = replace(
                state,
                pushed_back=(*state.pushed_back, ap.id),
                probes_in_step=state.probes_in_step + 1,
                probed=(*state.probed, missing[0]) if missing else state.probed,
            )
            lines = tuple(x for x in (line, follow) if x)
            return _asked(
                state,
                Move(
                    "pushback",
                    lines,
                    step_id=step.id,
                    antipattern_id=ap.id,
                    criterion_id=missing[0] if missing else None,
                ),
            )

    # 2. A probe for the most important criterion this step still misses.
    missing = _missing(scenario, state, list(step.criteria), scores)
    if missing and state.probes_in_step < budget:
        not_yet = [cid for cid in missing if cid not in state.probed]
        cid = (not_yet or missing)[0]
        state = replace(state, probes_in_step=state.probes_in_step + 1, probed=(*state.probed, cid))
        line = _probe_line(scenario, state, cid)
        return _asked(state, Move("probe", (line,), step_id=step.id, criterion_id=cid))

    # 3. The next step whose criteria are not all met already; else the end.
    return advance(scenario, state, scores)


def advance(
    scenario: Scenario, state: InterviewState, scores: _Scores | None = None
) -> tuple[InterviewState, Move]:
    """Move to the next step that still has something to ask; end after the last."""
    scores = scores or _Scores(scenario, state)
    steps = scenario.spec.steps
    index = state.step + 1
    while index < len(steps):
        nxt = steps[index]
        if not nxt.criteria or _missing(scenario, state, list(nxt.criteria), scores):
            break
        index += 1
    if index >= len(steps):
        return end(replace(state, step=len(steps) - 1), "completed")
    nxt = steps[index]
    met = not _missing(scenario, state, list(steps[state.step].criteria), scores)
    state = replace(state, step=index, probes_in_step=0)
    move = Move("next_step", (nxt.prompt.strip(),), step_id=nxt.id, previous_step_met=met)
    return _asked(state, move)


def hint(scenario: Scenario, state: InterviewState, now: float) -> tuple[InterviewState, Move]:
    """A hint for the most important missing criterion; it costs points in the summary."""
    if not state.active:
        raise InterviewOver("This interview has ended; hints are for open interviews.")
    step = scenario.spec.steps[state.step]
    scores = _Scores(scenario, state)
    missing = _missing(scenario, state, list(step.criteria), scores)
    if not missing:
        missing = _missing(scenario, state, [c.id for c in scenario.criteria], scores)
    if not missing:
        return state, Move("hint", (), step_id=step.id)
    fresh = [cid for cid in missing if cid not in state.hints]
    cid = (fresh or missing)[0]
    hints = state.hints if cid in state.hints else (*state.hints, cid)
    state = replace(state, hints=hints, last_activity=now)
    return state, Move("hint", (scenario.criterion(cid).spec.hint,), step.id, criterion_id=cid)


def end(state: InterviewState, reason: EndReason) -> tuple[InterviewState, Move]:
    """Close the session; the shells then show the summary."""
    if not state.active:
        raise InterviewOver("This interview has already ended.")
    state = replace(state, status="ended", end_reason=reason, last_question=None)
    return state, Move("end", (), end_reason=reason)


def current_step(scenario: Scenario, state: InterviewState) -> tuple[int, str]:
    """The 1-based step number and its id, for status displays."""
    return state.step + 1, scenario.spec.steps[state.step].id
