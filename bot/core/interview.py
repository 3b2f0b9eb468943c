"""The interviewer state machine: (state, answer) -> (new state, interviewer move).

Pure and deterministic: time comes in as `now` (seconds since the epoch), and
any choice among phrasings is drawn from a generator seeded by the session's
seed and the turn number. The state is a plain dataclass that round-trips
through JSON, so the store and the bot can resume a session anywhere.

How the interviewer listens:
- no line is said twice: probes are drawn without replacement, and when a
  step's probes are used up it moves on with a short transition;
- a criterion still missed at the end was asked about (its step's prompt or a
  probe) before the interview closes, unless the candidate ended it;
- an acknowledgement says what the answer did ("met" only when it met a
  criterion, "partial" when it moved one; none when it moved nothing);
- after two answers in a row with nothing scorable it coaches once, then moves
  on instead of grinding through probes;
- an anti-pattern gets the scenario's first pushback line (the seed's) the first
  time, a variant only if it shows again.

The wording of acknowledgements, transitions and coaching lives in the templates:
a move carries only which kind of line it needs and how many of that kind were
used before, so the templates can draw their variants without repeating one.
"""

from __future__ import annotations

import random
import re
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

from bot.core import jsontext
from bot.core.scenarios import Scenario, StepSpec
from bot.core.scorer import ScoreResult, is_non_answer, score_answers

MAX_ANSWER_CHARS = 8000
STATE_VERSION = 2

MoveKind = Literal["opening", "pushback", "probe", "next_step", "coach", "hint", "end"]
EndReason = Literal["completed", "candidate", "timeout"]
# Which acknowledgement opens a move: the answer met a criterion, or moved one.
Ack = Literal["met", "partial"]
# Which transition leads into a new question: the step is done, its probes are
# used up, the candidate is stuck, or a last check before closing.
Transition = Literal["move_on", "used_up", "try_other", "last_check"]


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
    """What the interviewer does next; the shells render it from templates.

    `lines` are the scenario's own lines (a pushback, then the question; a hint;
    coaching). `ack` and `transition` name the template lines that open the move,
    `ack_n`/`transition_n` how many of that kind this interview used before, and
    `variant` is the session's offset into the templates' variants.
    """

    kind: MoveKind
    lines: tuple[str, ...]
    step_id: str | None = None
    criterion_id: str | None = None
    antipattern_id: str | None = None
    end_reason: EndReason | None = None
    ack: Ack | None = None
    ack_n: int = 0
    transition: Transition | None = None
    transition_n: int = 0
    variant: int = 0

    @property
    def ends(self) -> bool:
        return self.kind == "end"

    @property
    def question(self) -> str:
        """The line the candidate is asked to answer (the last one), or ''."""
        if self.kind in ("hint", "end", "coach") or not self.lines:
            return ""
        return self.lines[-1]


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
    pushed_back: tuple[str, ...] = ()  # one anti-pattern id per pushback said
    hints: tuple[str, ...] = ()
    status: Literal["active", "ended"] = "active"
    end_reason: EndReason | None = None
    last_activity: float = 0.0
    last_question: dict[str, Any] | None = None  # the move now awaiting an answer
    version: int = STATE_VERSION
    extra: dict[str, Any] = field(default_factory=dict)
    said: tuple[str, ...] = ()  # every scenario line the interviewer has said
    asked: tuple[str, ...] = ()  # criteria asked about (a step prompt or a probe)
    pushbacks: tuple[tuple[str, str], ...] = ()  # (anti-pattern id, the line said)
    progress: dict[str, float] = field(default_factory=dict)  # criterion -> score so far
    empty_streak: int = 0  # answers in a row that gave nothing to score
    coached: bool = False  # coached during the current streak
    uses: dict[str, int] = field(default_factory=dict)  # template lines used, by kind

    @property
    def active(self) -> bool:
        return self.status == "active"

    @property
    def study(self) -> bool:
        """The candidate chose study mode: the rubric was shown before the interview."""
        return bool(self.extra.get("study"))

    def question(self) -> Move | None:
        """The interviewer's move that is waiting for an answer (to re-ask on resume)."""
        if not self.last_question:
            return None
        data = dict(self.last_question)
        data["lines"] = tuple(data.get("lines", ()))
        known = set(Move.__dataclass_fields__)
        return Move(**{k: v for k, v in data.items() if k in known})

    def time_left(self, now: float) -> float:
        return max(0.0, self.started_at + self.time_budget_s - now)

    def to_json(self) -> str:
        return jsontext.dumps(self)

    def to_plain(self) -> dict[str, Any]:
        """The state as plain JSON data (what `to_json` writes, not yet as text)."""
        plain: dict[str, Any] = jsontext.plain(self)
        return plain

    @classmethod
    def from_json(cls, raw: str | dict[str, Any]) -> InterviewState:
        data = jsontext.loads(raw) if isinstance(raw, str) else dict(raw)
        version = data.get("version")
        if version == 1:  # before the interviewer listened: nothing said is known
            data["version"] = STATE_VERSION
            question = data.get("last_question") or {}
            data["said"] = list(question.get("lines", ()))
            data.pop("previous_step_met", None)
            if question:
                question.pop("previous_step_met", None)
        elif version != STATE_VERSION:
            raise ValueError(f"unsupported interview state version {version!r}")
        for key in ("answers", "probed", "pushed_back", "hints", "said", "asked"):
            data[key] = tuple(data.get(key, ()))
        data["pushbacks"] = tuple(tuple(p) for p in data.get("pushbacks", ()))
        return cls(**data)

    def pushback_lines(self, antipattern_id: str) -> tuple[str, ...]:
        """The pushback lines said for one anti-pattern, in order."""
        return tuple(line for aid, line in self.pushbacks if aid == antipattern_id)


_SENTENCE_END = re.compile(r"(?<=[.?!])\s+")


def sentences_of(line: str) -> list[str]:
    """A line's sentences, normalised for comparison (no line may repeat one)."""
    return [" ".join(s.lower().split()) for s in _SENTENCE_END.split(line.strip()) if s.strip()]


def _fresh(state: InterviewState, line: str) -> bool:
    """True if no sentence of `line` was said before in this interview."""
    said = {s for old in state.said for s in sentences_of(old)}
    return not any(s in said for s in sentences_of(line))


def _asked(state: InterviewState, move: Move) -> tuple[InterviewState, Move]:
    """Remember the move as the open question and every line it says."""
    data = asdict(move)
    data["lines"] = list(move.lines)  # JSON has no tuples: keep the state equal after a round trip
    said = (*state.said, *(line for line in move.lines if line))
    return replace(state, last_question=data, said=said), move


def _rng(state: InterviewState, salt: str) -> random.Random:
    return random.Random(f"{state.seed}:{len(state.answers)}:{salt}")


def _variant(state: InterviewState) -> int:
    return random.Random(f"{state.seed}:variant").randrange(1000)


def _use(state: InterviewState, kind: str) -> tuple[InterviewState, int]:
    """Count one more template line of `kind`; return how many were used before."""
    n = state.uses.get(kind, 0)
    return replace(state, uses={**state.uses, kind: n + 1}), n


def step_prompt(scenario: Scenario, state: InterviewState, step: StepSpec) -> str:
    """The step's prompt, or its alternative when it would refer to something unsaid."""
    if step.requires and any(state.progress.get(cid, 0.0) <= 0.0 for cid in step.requires):
        return step.alt_prompt.strip()
    return step.prompt.strip()


def start(
    scenario: Scenario, now: float, seed: int = 0, *, study: bool = False
) -> tuple[InterviewState, Move]:
    """Open a session: the state and the interviewer's opening move.

    `study` marks a session whose candidate chose to see the rubric first (the
    shells show it with the briefing); the interview itself runs the same.
    """
    state = InterviewState(
        scenario_id=scenario.id,
        scenario_digest=scenario.digest,
        seed=seed,
        started_at=now,
        time_budget_s=scenario.spec.time_budget_minutes * 60,
        last_activity=now,
        extra={"study": True} if study else {},
    )
    step = scenario.spec.steps[0]
    state = replace(state, asked=tuple(step.criteria))
    lines = (scenario.spec.opening.strip(), step_prompt(scenario, state, step))
    return _asked(state, Move("opening", lines, step_id=step.id, variant=_variant(state)))


def _missing(scenario: Scenario, result: ScoreResult, criteria: list[str]) -> list[str]:
    """Criteria of `criteria` not yet met, most important first."""
    weights = {c.id: c.spec.weight for c in scenario.criteria}
    missing = [cid for cid in criteria if not result.criteria[cid].met]
    return sorted(missing, key=lambda cid: -weights[cid])


def _fresh_probe(
    scenario: Scenario, state: InterviewState, criteria: list[str]
) -> tuple[str, str] | None:
    """(criterion, probe line) for the first of `criteria` with a probe not yet said.

    Criteria not probed before come first; among a criterion's probes, those whose
    `requires` are not even partly shown are skipped (they would refer to nothing).
    """
    order = [c for c in criteria if c not in state.probed] + [
        c for c in criteria if c in state.probed
    ]
    for cid in order:
        options = [
            p.text.strip()
            for p in scenario.criterion(cid).spec.probe_specs()
            if all(state.progress.get(r, 0.0) > 0.0 for r in p.requires)
        ]
        _rng(state, f"probe:{cid}").shuffle(options)
        for line in options:
            if _fresh(state, line):
                return cid, line
    return None


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


@dataclass(frozen=True)
class _Heard:
    """What one answer did, as the interviewer judges it before replying."""

    result: ScoreResult  # the whole transcript so far
    antipatterns: tuple[str, ...]  # shown in this answer
    ack: Ack | None
    empty: bool  # nothing in it to score


def _same(text: str) -> str:
    return " ".join(text.lower().split())


def _listen(scenario: Scenario, state: InterviewState, text: str) -> _Heard:
    result = score_answers(scenario, list(state.answers), evidence=False)
    before = state.progress
    gained = [cid for cid, r in result.criteria.items() if r.score > before.get(cid, 0.0)]
    newly_met = [cid for cid in gained if result.criteria[cid].met]
    if is_non_answer(text):
        return _Heard(result, (), None, True)
    if _same(text) in {_same(earlier) for earlier in state.answers[:-1]}:
        return _Heard(result, (), None, True)  # said before, word for word: nothing new
    if result.substantive and [a for a in state.answers if not is_non_answer(a)] == [text]:
        alone = result  # the transcript is this answer: scored already
    else:
        alone = score_answers(scenario, [text], require_substance=False, evidence=False)
    said_something = any(r.score > 0 for r in alone.criteria.values())
    ack: Ack | None = "met" if newly_met else ("partial" if gained else None)
    empty = not gained and not said_something and not alone.antipatterns
    return _Heard(result, alone.antipatterns, ack, empty)


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
    heard = _listen(scenario, state, cleaned)
    progress = {cid: r.score for cid, r in heard.result.criteria.items()}
    streak = state.empty_streak + 1 if heard.empty else 0
    state = replace(
        state,
        progress=progress,
        empty_streak=streak,
        coached=state.coached and streak > 0,
    )
    step = scenario.spec.steps[state.step]
    budget = step.max_probes
    missing = _missing(scenario, heard.result, list(step.criteria))

    # 1. A weak move gets the interviewer's pushback: the first line the first time.
    pushback = _pushback(scenario, state, heard.antipatterns)
    if pushback is not None and state.probes_in_step < budget + 1:
        aid, line = pushback
        state = replace(
            state,
            pushed_back=(*state.pushed_back, aid),
            pushbacks=(*state.pushbacks, (aid, line)),
            probes_in_step=state.probes_in_step + 1,
        )
        follow = _fresh_probe(scenario, state, missing)
        if follow is None:
            return advance(scenario, state, heard.result, lead=(line,), antipattern_id=aid)
        cid, question = follow
        state = replace(state, probed=(*state.probed, cid), asked=(*state.asked, cid))
        move = Move(
            "pushback",
            (line, question),
            step_id=step.id,
            antipattern_id=aid,
            criterion_id=cid,
            variant=_variant(state),
        )
        return _asked(state, move)

    # 2. A candidate who gave nothing twice running is coached once, then moved on.
    if heard.empty and state.coached:
        return advance(scenario, state, heard.result, transition="try_other")
    if streak >= 2:
        state, n = _use(state, "coach")
        state = replace(state, coached=True)
        move = Move(
            "coach",
            (step.coach.strip(),) if step.coach.strip() else (),
            step_id=step.id,
            transition_n=n,
            variant=_variant(state),
        )
        return _asked_coach(state, move)

    # 3. A probe for the most important criterion this step still misses.
    if missing and state.probes_in_step < budget:
        follow = _fresh_probe(scenario, state, missing)
        if follow is None:
            return advance(scenario, state, heard.result, ack=heard.ack, transition="used_up")
        cid, line = follow
        state = replace(
            state,
            probes_in_step=state.probes_in_step + 1,
            probed=(*state.probed, cid),
            asked=(*state.asked, cid),
        )
        ack_n = 0
        if heard.ack:
            state, ack_n = _use(state, f"ack_{heard.ack}")
        move = Move(
            "probe",
            (line,),
            step_id=step.id,
            criterion_id=cid,
            ack=heard.ack,
            ack_n=ack_n,
            variant=_variant(state),
        )
        return _asked(state, move)

    # 4. The next step that still has something to ask; else the end.
    transition: Transition = "used_up" if missing else "move_on"
    return advance(scenario, state, heard.result, ack=heard.ack, transition=transition)


def _asked_coach(state: InterviewState, move: Move) -> tuple[InterviewState, Move]:
    """Coaching keeps the open question: the candidate answers the same step."""
    said = (*state.said, *(line for line in move.lines if line))
    return replace(state, said=said), move


def _pushback(
    scenario: Scenario, state: InterviewState, found: tuple[str, ...]
) -> tuple[str, str] | None:
    """(anti-pattern, line) to push back with: first-time ones before repeats."""
    first = [aid for aid in found if aid not in state.pushed_back]
    again = [aid for aid in found if aid in state.pushed_back]
    for aid in (*first, *again):
        lines = [p.strip() for p in scenario.antipattern(aid).spec.pushbacks]
        said_here = state.pushback_lines(aid)
        for line in lines:  # in order: the scenario's first line is the seed's
            if line not in said_here and _fresh(state, line):
                return aid, line
    return None


def advance(
    scenario: Scenario,
    state: InterviewState,
    result: ScoreResult | None = None,
    *,
    ack: Ack | None = None,
    transition: Transition = "move_on",
    lead: tuple[str, ...] = (),
    antipattern_id: str | None = None,
) -> tuple[InterviewState, Move]:
    """Move to the next step that still has something to ask; end after the last.

    Before closing, a criterion still short of met that was never asked about is
    asked now (a last check), so no topic goes unasked.
    """
    result = result or score_answers(scenario, list(state.answers))
    steps = scenario.spec.steps
    index = state.step + 1
    while index < len(steps):
        if not steps[index].criteria or _missing(scenario, result, list(steps[index].criteria)):
            break
        index += 1
    ack_n = 0
    if ack:
        state, ack_n = _use(state, f"ack_{ack}")
    if index >= len(steps):
        unasked = [c.id for c in scenario.criteria if not result.criteria[c.id].met]
        unasked = [cid for cid in _missing(scenario, result, unasked) if cid not in state.asked]
        follow = _fresh_probe(scenario, state, unasked) if unasked else None
        if follow is None:
            # a pushback on the last answer is still said, before the closing line
            return end(replace(state, step=len(steps) - 1), "completed", lead=lead)
        cid, line = follow
        state, n = _use(state, "last_check")
        state = replace(
            state,
            step=len(steps) - 1,
            probes_in_step=0,
            probed=(*state.probed, cid),
            asked=(*state.asked, cid),
        )
        move = Move(
            "probe",
            (*lead, line),
            step_id=steps[-1].id,
            criterion_id=cid,
            antipattern_id=antipattern_id,
            ack=ack,
            ack_n=ack_n,
            transition="last_check",
            transition_n=n,
            variant=_variant(state),
        )
        return _asked(state, move)
    nxt = steps[index]
    state, n = _use(state, transition)
    state = replace(state, step=index, probes_in_step=0, asked=(*state.asked, *nxt.criteria))
    prompt = step_prompt(scenario, state, nxt)
    move = Move(
        "pushback" if lead else "next_step",
        (*lead, prompt),
        step_id=nxt.id,
        antipattern_id=antipattern_id,
        ack=ack,
        ack_n=ack_n,
        transition=transition,
        transition_n=n,
        variant=_variant(state),
    )
    return _asked(state, move)


def hint(scenario: Scenario, state: InterviewState, now: float) -> tuple[InterviewState, Move]:
    """A hint for the most important missing criterion; it costs points in the summary."""
    if not state.active:
        raise InterviewOver("This interview has ended; hints are for open interviews.")
    step = scenario.spec.steps[state.step]
    result = score_answers(scenario, list(state.answers))
    missing = _missing(scenario, result, list(step.criteria))
    if not missing:
        missing = _missing(scenario, result, [c.id for c in scenario.criteria])
    if not missing:
        return state, Move("hint", (), step.id)
    fresh = [cid for cid in missing if cid not in state.hints]
    cid = (fresh or missing)[0]
    hints = state.hints if cid in state.hints else (*state.hints, cid)
    state = replace(state, hints=hints, last_activity=now)
    return state, Move("hint", (scenario.criterion(cid).spec.hint,), step.id, criterion_id=cid)


def end(
    state: InterviewState, reason: EndReason, *, lead: tuple[str, ...] = ()
) -> tuple[InterviewState, Move]:
    """Close the session; the shells then show the summary.

    `lead` are lines said before the closing one (a pushback on the last answer).
    """
    if not state.active:
        raise InterviewOver("This interview has already ended.")
    said = (*state.said, *lead)
    state = replace(state, status="ended", end_reason=reason, last_question=None, said=said)
    return state, Move("end", lead, end_reason=reason)


def current_step(scenario: Scenario, state: InterviewState) -> tuple[int, str]:
    """The 1-based step number and its id, for status displays."""
    return state.step + 1, scenario.spec.steps[state.step].id
