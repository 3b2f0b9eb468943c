"""Interviews for every shell: the core's decisions, made durable in the store.

`Interviews` is the one place where a candidate's answer becomes a committed
turn and the interviewer's reply. The console and the Discord cogs call it and
only render what it returns, so they cannot disagree. Each method that changes a
session commits before it returns: a shell replies only after that, so an
acknowledged answer is never lost.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from bot.core import interview
from bot.core.interview import InterviewError, InterviewState, Move
from bot.core.scenarios import Catalogue, Scenario
from bot.core.summary import DEFAULT_HINT_COST, Summary, summarise
from bot.render import render_move
from bot.scenario_registry import ScenarioRegistry
from bot.store import SessionRecord, Store

Clock = Callable[[], float]
_T = TypeVar("_T")


class NotYourSession(InterviewError):
    """Someone other than the candidate tried to act on a session."""


class NoOpenSession(InterviewError):
    """There is no open session to act on."""


class UnknownScenario(InterviewError):
    """The scenario id is not in the catalogue."""


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
    ) -> None:
        self.store = store
        self.registry = ScenarioRegistry(catalogue, store)
        self.clock = clock
        self.hint_cost = hint_cost
        self._locks: dict[int, asyncio.Lock] = {}

    def _lock(self, session_id: int) -> asyncio.Lock:
        """One action at a time per session (a double-submitted answer waits its turn)."""
        lock = self._locks.get(session_id)
        if lock is None:
            lock = self._locks[session_id] = asyncio.Lock()
        return lock

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
    ) -> Turn:
        """Open a session and return the opening move; SessionConflict if one is open here."""
        scenario = await self.scenario_in(guild_id, scenario_id)
        await self.registry.keep_version(scenario, guild_id)
        now = self.clock()
        seed = random.randrange(1 << 30) if seed is None else seed
        state, move = interview.start(scenario, now, seed, study=study)
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
        )
        await self.store.record_turn(
            session.id,
            "interviewer",
            None,
            render_move(scenario, move, speaker=False),
            _plain(state),
        )
        return Turn(session, move, scenario)

    async def _open(self, session_id: int, author_id: str | None) -> SessionRecord:
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
        async with self._lock(session_id):
            session = await self._open(session_id, author_id)
            scenario = await self.scenario_for(session)
            state, move = await self._core(
                interview.answer, scenario, self.state_of(session), text, self.clock()
            )
            cleaned = state.answers[-1]
            await self.store.record_turn(
                session_id, "candidate", author_id, cleaned, _plain(state), message_id=message_id
            )
            return await self._after(session_id, scenario, state, move)

    async def hint(self, session_id: int, author_id: str | None) -> Turn:
        """A hint for the most important missing criterion (it costs points)."""
        async with self._lock(session_id):
            session = await self._open(session_id, author_id)
            scenario = await self.scenario_for(session)
            state, move = await self._core(
                interview.hint, scenario, self.state_of(session), self.clock()
            )
            await self.store.record_turn(
                session_id,
                "system",
                None,
                render_move(scenario, move, speaker=False),
                _plain(state),
            )
            session = await self._require(session_id)
            return Turn(session, move, scenario)

    async def end(self, session_id: int, author_id: str | None, reason: str = "candidate") -> Turn:
        """End the session now and return the summary."""
        async with self._lock(session_id):
            session = await self._open(session_id, author_id)
            scenario = await self.scenario_for(session)
            state, move = interview.end(self.state_of(session), reason)  # type: ignore[arg-type]
            return await self._after(session_id, scenario, state, move)

    async def _after(
        self, session_id: int, scenario: Scenario, state: InterviewState, move: Move
    ) -> Turn:
        text = render_move(scenario, move, speaker=False)
        if not move.ends:
            await self.store.record_turn(session_id, "interviewer", None, text, _plain(state))
            return Turn(await self._require(session_id), move, scenario)
        summary = await self._core(summarise, scenario, state, self.hint_cost)
        await self.store.record_turn(session_id, "interviewer", None, text, _plain(state))
        session = await self.store.end_session(
            session_id,
            "ended",
            _plain(state),
            summary.to_dict(),  # type: ignore[arg-type]
        )
        return Turn(session, move, scenario, summary)

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

    def expiry_results(self, session: SessionRecord) -> dict[str, Any] | None:
        """For the idle sweep: the summary of a session closed for running past its budget."""
        try:
            scenario = self._scenario_now(session)
            state = self.state_of(session)
        except (InterviewError, ValueError, TypeError):
            return None
        if state.active:
            state, _ = interview.end(state, "timeout")
        return summarise(scenario, state, self.hint_cost).to_dict()

    async def sweep(self) -> list[SessionRecord]:
        """Close sessions idle past their time budget (with a summary) and purge old transcripts."""
        await self.registry.warm()  # the summaries are built inside the store's transaction
        result = await self.store.sweep(self.clock(), summarise=self.expiry_results)
        return list(result.expired)


def _plain(state: InterviewState) -> dict[str, Any]:
    """The state as plain JSON data for the store."""
    import json

    return json.loads(state.to_json())
