"""Interviews for every shell: the core's decisions, made durable in the store.

`Interviews` is the one place where a candidate's answer becomes a committed
turn and the interviewer's reply. The console and the Discord cogs call it and
only render what it returns, so they cannot disagree. Each method that changes a
session commits before it returns: a shell replies only after that, so an
acknowledged answer is never lost.

An action reads the session once, lets the interviewer decide, and commits what
it decided in one exchange that names the turn count it read (optimistic
concurrency): if another process, or a second submit, advanced the session in
between, the store refuses the exchange with nothing written and the action is
decided again on the fresh session. So no in-process lock is needed, and a
message taken once stays taken once (`TurnExists` on the retry).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from bot.core.interview import EndReason, InterviewError, InterviewState, Move
from bot.core.interviewer import Interviewer, RuleInterviewer
from bot.core.scenarios import Catalogue, Scenario
from bot.core.summary import DEFAULT_HINT_COST, Summary, summarise
from bot.render import render_move
from bot.scenario_registry import ScenarioRegistry
from bot.store import (
    NewTurn,
    Owns,
    SessionClosed,
    SessionNotFound,
    SessionRecord,
    StaleSession,
    Store,
)

Clock = Callable[[], float]
_T = TypeVar("_T")
#: How many times an action is decided again after the session moved under it.
MAX_ATTEMPTS = 10
LATEST_KEPT = 2_000  # session records kept in memory between answers


class NotYourSession(InterviewError):
    """Someone other than the candidate tried to act on a session."""


class NoOpenSession(InterviewError):
    """There is no open session to act on."""


class UnknownScenario(InterviewError):
    """The scenario id is not in the catalogue."""


class SessionBusy(InterviewError):
    """The session kept moving under an action (many submits at once); nothing was recorded."""


@dataclass(frozen=True)
class Turn:
    """What a shell shows after an action: the session, the move, and the summary if it ended."""

    session: SessionRecord
    move: Move
    scenario: Scenario
    summary: Summary | None = None

    @property
    def ended(self) -> bool:
        return self.summary is not None


class Interviews:
    """Start, answer, hint, end and resume interviews; every change committed first."""

    def __init__(
        self,
        store: Store,
        catalogue: Catalogue,
        *,
        clock: Clock = time.time,
        hint_cost: float = DEFAULT_HINT_COST,
        interviewer: Interviewer | None = None,
    ) -> None:
        self.store = store
        self.registry = ScenarioRegistry(catalogue, store)
        # The record each recent exchange committed, so the next answer need not read it
        # again; a stale one (another process moved the session) fails the exchange's
        # turn-count check, and the session is then read from the store.
        self._latest: OrderedDict[int, SessionRecord] = OrderedDict()
        self.clock = clock
        self.hint_cost = hint_cost
        self.interviewer: Interviewer = interviewer or RuleInterviewer()

    @property
    def catalogue(self) -> Catalogue:
        """The bundled scenarios as loaded now (a hot reload replaces them)."""
        return self.registry.catalogue

    @catalogue.setter
    def catalogue(self, catalogue: Catalogue) -> None:
        self.registry.catalogue = catalogue

    def _unknown(self, scenario_id: str, extra: list[str] | None = None) -> UnknownScenario:
        known = ", ".join([*self.catalogue.scenarios, *(extra or [])])
        return UnknownScenario(f"There is no round called {scenario_id[:60]!r}. Rounds: {known}.")

    def scenario(self, scenario_id: str) -> Scenario:
        """A bundled scenario by id (current version)."""
        try:
            return self.catalogue.get(scenario_id)
        except KeyError:
            raise self._unknown(scenario_id) from None

    async def scenario_in(self, guild_id: str | int | None, scenario_id: str) -> Scenario:
        """The current version of a scenario a new session may use here (bundled or custom)."""
        scenario = await self.registry.for_new(guild_id, scenario_id)
        if scenario is None:
            raise self._unknown(scenario_id, list(await self.registry.custom(guild_id)))
        return scenario

    async def scenario_for(self, session: SessionRecord) -> Scenario:
        """The version of its scenario a session started with (so it keeps running on it)."""
        scenario = await self.registry.resolve(
            session.guild_id, session.scenario_id, session.scenario_digest
        )
        if scenario is None:
            raise self._unknown(session.scenario_id)
        return scenario

    def _scenario_now(self, session: SessionRecord) -> Scenario:
        """Like scenario_for, from what is already in memory (for synchronous callers)."""
        scenario = self.registry.resolve_cached(
            session.guild_id, session.scenario_id, session.scenario_digest
        )
        if scenario is None:
            raise self._unknown(session.scenario_id)
        return scenario

    @staticmethod
    def state_of(session: SessionRecord) -> InterviewState:
        return InterviewState.from_json(session.state)

    async def start(
        self,
        user_id: str,
        display_name: str,
        place: str,
        scenario_id: str,
        *,
        mode: str = "solo",
        channel_id: str | None = None,
        guild_id: str | None = None,
        seed: int | None = None,
        study: bool = False,
        retry_of: int | None = None,
        organiser_id: str | None = None,
    ) -> Turn:
        """Open a session with its opening move (and its links) in one unit.

        SessionConflict if the user has one open here; nothing is written then.
        """
        scenario = await self.scenario_in(guild_id, scenario_id)
        await self.registry.keep_version(scenario, guild_id)
        seed = random.randrange(1 << 30) if seed is None else seed
        state, move = self.interviewer.open(scenario, self.clock(), seed, study=study)
        session = await self.store.start_session(
            user_id,
            place,
            scenario.id,
            scenario.digest,
            _plain(state),
            mode=mode,  # type: ignore[arg-type]
            channel_id=channel_id,
            guild_id=guild_id,
            time_budget_s=state.time_budget_s,
            display_name=display_name,
            opening=[NewTurn("interviewer", None, render_move(scenario, move, speaker=False))],
            retry_of=retry_of,
            organiser_id=organiser_id,
        )
        self._remember(session)
        return Turn(session, move, scenario)

    def _remember(self, session: SessionRecord) -> None:
        """Keep the record an exchange committed (the newest LATEST_KEPT sessions)."""
        latest = self._latest
        if not session.is_open:
            latest.pop(session.id, None)
            return
        latest[session.id] = session
        latest.move_to_end(session.id)
        if len(latest) > LATEST_KEPT:
            latest.popitem(last=False)

    async def _open(
        self, session_id: int, author_id: str | None, *, fresh: bool = False
    ) -> SessionRecord:
        """The open session as last committed here (read from the store if `fresh`)."""
        session = None if fresh else self._latest.get(session_id)
        if session is None:
            session = await self.store.get_session(session_id)
        if session is None or not session.is_open:
            raise NoOpenSession("That interview has already ended.")
        if author_id is not None and session.user_id != author_id:
            raise NotYourSession("Only the candidate can answer in this interview.")
        return session

    async def answer(
        self, session_id: int, author_id: str | None, text: str, *, message_id: str | None = None
    ) -> Turn:
        """Record the candidate's answer and the interviewer's reply; end if that was the last.

        `message_id` (the Discord message the answer came from) makes a second answer from
        the same message raise `TurnExists` with nothing recorded.
        """

        async def decide(scenario: Scenario, state: InterviewState) -> _Decision:
            state, move = await self._core(
                self.interviewer.respond, scenario, state, text, self.clock()
            )
            said = NewTurn("candidate", author_id, state.answers[-1], message_id)
            return state, move, [said, self._reply(scenario, move)]

        return await self._act(session_id, author_id, decide)

    async def hint(self, session_id: int, author_id: str | None) -> Turn:
        """A hint for the most important missing criterion (it costs points)."""

        async def decide(scenario: Scenario, state: InterviewState) -> _Decision:
            state, move = await self._core(self.interviewer.hint, scenario, state, self.clock())
            return state, move, [self._reply(scenario, move, role="system")]

        return await self._act(session_id, author_id, decide)

    async def end(
        self, session_id: int, author_id: str | None, reason: EndReason = "candidate"
    ) -> Turn:
        """End the session now and return the summary."""

        async def decide(scenario: Scenario, state: InterviewState) -> _Decision:
            state, move = self.interviewer.close(scenario, state, reason)
            return state, move, [self._reply(scenario, move)]

        return await self._act(session_id, author_id, decide)

    @staticmethod
    def _reply(
        scenario: Scenario, move: Move, role: Literal["interviewer", "system"] = "interviewer"
    ) -> NewTurn:
        """The interviewer's move as the turn the transcript keeps."""
        return NewTurn(role, None, render_move(scenario, move, speaker=False))

    async def _act(self, session_id: int, author_id: str | None, decide: _Decide) -> Turn:
        """Read the session once, decide, commit the decision in one exchange.

        If the session moved between the read and the commit (another process, a
        second submit), nothing was written: read and decide again.
        """
        for attempt in range(MAX_ATTEMPTS):
            session = await self._open(session_id, author_id, fresh=attempt > 0)
            scenario = await self.scenario_for(session)
            state, move, turns = await decide(scenario, self.state_of(session))
            summary = (
                await self._core(summarise, scenario, state, self.hint_cost) if move.ends else None
            )
            try:
                done = await self.store.record_exchange(
                    session_id,
                    session.turn_count,
                    turns,
                    _plain(state),
                    end_status="ended" if summary is not None else None,
                    results=None if summary is None else summary.to_dict(),  # type: ignore[arg-type]
                )
            except StaleSession:
                continue
            except (SessionClosed, SessionNotFound):
                self._latest.pop(session_id, None)
                raise NoOpenSession("That interview has already ended.") from None
            self._remember(done.session)
            return Turn(done.session, move, scenario, summary)
        raise SessionBusy("That interview is taking several answers at once; try again.")

    async def _require(self, session_id: int) -> SessionRecord:
        session = await self.store.get_session(session_id)
        if session is None:
            raise NoOpenSession("That interview no longer exists.")
        return session

    @staticmethod
    async def _core(call: Callable[..., _T], *args: Any) -> _T:
        """A call into the core that scores a transcript, run in a worker thread.

        Scoring is pure and usually takes a millisecond, but a long hostile answer can
        cost far more (see tests/bench/bench_hostile.py); the event loop keeps serving
        everyone else meanwhile. The regex engines give the interpreter back between
        matches (RE2 while it matches), so the loop never waits long.
        """
        return await asyncio.to_thread(call, *args)

    async def summary_for(self, session: SessionRecord) -> Summary:
        """`summary_of`, scored in a worker thread (for the Discord shell)."""
        await self.scenario_for(session)  # the version it runs on, in memory for summary_of
        return await self._core(self.summary_of, session)

    def summary_of(self, session: SessionRecord) -> Summary:
        """The rubric summary of a session (open or ended) from its state."""
        scenario = self._scenario_now(session)
        return summarise(scenario, self.state_of(session), self.hint_cost)

    async def expiry_results(self, session: SessionRecord) -> dict[str, Any] | None:
        """For the idle sweep: the summary of a session closed for running past its budget.

        Scored in a worker thread, like every scoring on the Discord path.
        """
        return await asyncio.to_thread(self._expiry_results, session)

    def _expiry_results(self, session: SessionRecord) -> dict[str, Any] | None:
        try:
            scenario = self._scenario_now(session)
            state = self.state_of(session)
        except (InterviewError, ValueError, TypeError):
            return None
        if state.active:
            state, _ = self.interviewer.close(scenario, state, "timeout")
        return summarise(scenario, state, self.hint_cost).to_dict()

    async def sweep(self, *, owns: Owns | None = None) -> list[SessionRecord]:
        """Close sessions idle past their time budget (with a summary) and purge old transcripts.

        `owns` (a session -> ours?) keeps the closing to this process's sessions
        (`bot.owns_session`; the terminal: console sessions); None closes every idle one.
        """
        # the summaries are built inside the store's transaction, from memory: load the
        # versions of sessions started since (by this or another process) first
        await self.registry.load_open_versions()
        result = await self.store.sweep(self.clock(), summarise=self.expiry_results, owns=owns)
        return list(result.expired)


_Decision = tuple[InterviewState, Move, list[NewTurn]]
#: An action: from the scenario and the state as read, the new state, the move and the turns.
_Decide = Callable[[Scenario, InterviewState], Awaitable[_Decision]]


def _plain(state: InterviewState) -> dict[str, Any]:
    """The state as plain JSON data for the store."""
    return state.to_plain()
