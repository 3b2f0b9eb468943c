"""The interviewer as a protocol: what the session service and the console need from one.

An interviewer opens a session on a scenario, responds to each answer, gives a
hint and closes; every move is a pure function of (scenario, state, input, time)
returning the new state and the `Move` the shells render. `RuleInterviewer`
(the rule engine of `bot.core.interview`) is the first kind; another kind is
added by implementing `Interviewer` and handing it to `Interviews`, without
touching the shells. The state is `InterviewState` (JSON round-trip; a kind's
own data goes in its `extra`).
"""

from __future__ import annotations

from typing import Protocol

from bot.core import interview
from bot.core.interview import EndReason, InterviewState, Move
from bot.core.scenarios import Scenario


class Interviewer(Protocol):
    """One kind of interviewer; every method is pure and raises InterviewError on bad input."""

    def open(
        self, scenario: Scenario, now: float, seed: int, *, study: bool = False
    ) -> tuple[InterviewState, Move]:
        """A new session's state and the opening move."""
        ...

    def respond(
        self, scenario: Scenario, state: InterviewState, answer: str, now: float
    ) -> tuple[InterviewState, Move]:
        """Take the candidate's answer (kept in `state.answers`) and decide the next move."""
        ...

    def hint(
        self, scenario: Scenario, state: InterviewState, now: float
    ) -> tuple[InterviewState, Move]:
        """A hint for what the candidate is missing."""
        ...

    def close(
        self, scenario: Scenario, state: InterviewState, reason: EndReason
    ) -> tuple[InterviewState, Move]:
        """End the session (the candidate ended it, or it timed out); the move says so."""
        ...


class RuleInterviewer:
    """The deterministic rule engine: probes, pushbacks and coaching from the scenario file."""

    def open(
        self, scenario: Scenario, now: float, seed: int, *, study: bool = False
    ) -> tuple[InterviewState, Move]:
        return interview.start(scenario, now, seed, study=study)

    def respond(
        self, scenario: Scenario, state: InterviewState, answer: str, now: float
    ) -> tuple[InterviewState, Move]:
        return interview.answer(scenario, state, answer, now)

    def hint(
        self, scenario: Scenario, state: InterviewState, now: float
    ) -> tuple[InterviewState, Move]:
        return interview.hint(scenario, state, now)

    def close(
        self, scenario: Scenario, state: InterviewState, reason: EndReason
    ) -> tuple[InterviewState, Move]:
        return interview.end(state, reason)
