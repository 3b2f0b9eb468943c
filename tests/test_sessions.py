"""The session service on a real SQLite store: what every shell relies on."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.core.interview import EmptyAnswer, InterviewState, Move
from bot.core.interviewer import RuleInterviewer
from bot.core.scenarios import Scenario
from bot.sessions import Interviews, NoOpenSession, NotYourSession, Turn, UnknownScenario
from bot.store import (
    ExchangeRecord,
    SessionConflict,
    SessionRecord,
    SqliteStore,
    TurnExists,
    TurnRecord,
)

INTENT = (
    "People summarise long threads to find out what is asked of them. If the summary leads "
    "with an 'asks for you' line, I predict acceptance rises 20%, because they get their "
    "answer without opening the thread, so they keep the summary."
)


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def service(tmp_path: Path, catalogue) -> AsyncIterator[Interviews]:
    clock = Clock()
    store = await SqliteStore.open(tmp_path / "s.db", clock=clock)
    try:
        yield Interviews(store, catalogue, clock=clock)
    finally:
        await store.close()


async def test_a_whole_interview_is_stored_turn_by_turn(service: Interviews) -> None:
    turn = await service.start("u1", "Ada", "dm:u1", "auto-summarize", seed=1)
    sid = turn.session.id
    assert turn.move.kind == "opening"
    reply = await service.answer(sid, "u1", INTENT)
    assert reply.move.kind in ("probe", "next_step")
    end = await service.end(sid, "u1")
    assert end.summary is not None and end.session.status == "ended"
    turns = await service.store.transcript(sid)
    assert [t.role for t in turns] == ["interviewer", "candidate", "interviewer", "interviewer"]
    assert turns[1].text == INTENT
    results = await service.store.get_results(sid)
    assert results is not None and results["criteria"]["hypothesis"]["met"] is True


async def test_only_the_candidate_can_answer_and_bad_input_changes_nothing(
    service: Interviews,
) -> None:
    turn = await service.start("u1", "Ada", "dm:u1", "auto-summarize")
    sid = turn.session.id
    with pytest.raises(NotYourSession):
        await service.answer(sid, "intruder", INTENT)
    with pytest.raises(EmptyAnswer):
        await service.answer(sid, "u1", "   ")
    assert len(await service.store.transcript(sid)) == 1


async def test_second_session_in_the_same_place_conflicts(service: Interviews) -> None:
    first = await service.start("u1", "Ada", "dm:u1", "auto-summarize")
    with pytest.raises(SessionConflict) as info:
        await service.start("u1", "Ada", "dm:u1", "bias-complaint")
    assert info.value.existing.id == first.session.id
    other_place = await service.start("u1", "Ada", "channel:9", "bias-complaint")
    assert other_place.session.id != first.session.id


async def test_unknown_scenario_and_ended_session(service: Interviews) -> None:
    with pytest.raises(UnknownScenario):
        await service.start("u1", "Ada", "dm:u1", "no-such-round")
    turn = await service.start("u1", "Ada", "dm:u1", "auto-summarize")
    await service.end(turn.session.id, "u1")
    with pytest.raises(NoOpenSession):
        await service.answer(turn.session.id, "u1", INTENT)


async def test_concurrent_answers_to_one_session_are_all_taken_in_turn(
    service: Interviews,
) -> None:
    turn = await service.start("u1", "Ada", "dm:u1", "auto-summarize")
    sid = turn.session.id
    answers = [f"Answer number {i}: I think users want shorter summaries." for i in range(5)]
    # all five read the session at once; each exchange names the turn count it read, so
    # all but one find the session moved on, and decide again on the fresh one
    results = await asyncio.gather(
        *(service.answer(sid, "u1", a) for a in answers), return_exceptions=True
    )
    assert [r for r in results if isinstance(r, BaseException)] == []
    session = await service.store.get_session(sid)
    assert session is not None
    state = service.state_of(session)
    stored = [t.text for t in await service.store.transcript(sid) if t.role == "candidate"]
    assert sorted(stored) == sorted(answers)
    assert list(state.answers) == stored  # state and turns agree
    assert session.turn_count == 1 + 2 * len(answers)
    assert [t.seq for t in await service.store.transcript(sid)] == list(range(1, 12))


async def test_two_processes_on_one_database_take_a_message_once(tmp_path: Path, catalogue) -> None:
    """Two services on two connections to one file, as two bot processes would be."""
    first_store = await SqliteStore.open(tmp_path / "shared.db")
    second_store = await SqliteStore.open(tmp_path / "shared.db")
    try:
        first = Interviews(first_store, catalogue)
        second = Interviews(second_store, catalogue)
        sid = (await first.start("u1", "Ada", "dm:u1", "auto-summarize", seed=2)).session.id
        same = await asyncio.gather(
            first.answer(sid, "u1", INTENT, message_id="777"),
            second.answer(sid, "u1", INTENT, message_id="777"),
            return_exceptions=True,
        )
        assert sum(isinstance(r, TurnExists) for r in same) == 1
        assert sum(isinstance(r, Turn) for r in same) == 1
        both = await asyncio.gather(
            first.answer(sid, "u1", "Primary metric: acceptance from 27% to 33%."),
            second.answer(sid, "u1", "Guardrail: complaints stay under 1%."),
        )
        assert all(not t.ended for t in both)
        session = await second_store.get_session(sid)
        assert session is not None and session.turn_count == 7
        stored = [t.text for t in await second_store.transcript(sid) if t.role == "candidate"]
        assert list(first.state_of(session).answers) == stored and len(stored) == 3
    finally:
        await first_store.close()
        await second_store.close()


class CountingStore(SqliteStore):
    """The SQLite store, counting the session reads and the writes an action makes."""

    reads = 0
    writes = 0

    async def get_session(self, session_id: int) -> SessionRecord | None:
        self.reads += 1
        return await super().get_session(session_id)

    async def record_exchange(self, *args: Any, **kwargs: Any) -> ExchangeRecord:
        self.writes += 1
        return await super().record_exchange(*args, **kwargs)

    async def record_turn(self, *args: Any, **kwargs: Any) -> TurnRecord:
        self.writes += 1
        return await super().record_turn(*args, **kwargs)

    async def end_session(self, *args: Any, **kwargs: Any) -> SessionRecord:
        self.writes += 1
        return await super().end_session(*args, **kwargs)


async def test_an_action_commits_once_and_reads_only_what_it_has_not_committed(
    tmp_path: Path, catalogue
) -> None:
    store = await CountingStore.open(tmp_path / "c.db")
    try:
        service = Interviews(store, catalogue)
        sid = (await service.start("u1", "Ada", "dm:u1", "auto-summarize", seed=3)).session.id
        for act in (
            lambda: service.answer(sid, "u1", INTENT),
            lambda: service.hint(sid, "u1"),
            lambda: service.end(sid, "u1"),
        ):
            store.reads = store.writes = 0
            await act()
            # the record the previous unit committed is used as it is: no read
            assert (store.reads, store.writes) == (0, 1)
        assert await store.open_sessions() == []
        restarted = Interviews(store, catalogue)  # another process: nothing committed there
        sid = (await service.start("u1", "Ada", "dm:u1", "bias-complaint", seed=3)).session.id
        store.reads = store.writes = 0
        await restarted.answer(sid, "u1", INTENT)
        assert (store.reads, store.writes) == (1, 1)
    finally:
        await store.close()


async def test_a_session_moved_by_another_process_is_read_again_not_overwritten(
    tmp_path: Path, catalogue
) -> None:
    """Process A remembers the record it committed; process B then takes an answer in the
    same session (a rolling restart). A's next answer must not be decided on its stale
    record: the turn-count check fails, A reads the session again, and both answers stay."""
    store = await CountingStore.open(tmp_path / "c.db")
    try:
        a, b = Interviews(store, catalogue), Interviews(store, catalogue)
        sid = (await a.start("u1", "Ada", "dm:u1", "auto-summarize", seed=3)).session.id
        await a.answer(sid, "u1", "First, I'd ask what people want from a summary.")
        await b.answer(sid, "u1", INTENT)
        store.reads = 0
        turn = await a.answer(sid, "u1", "The metric is acceptance, from 30% to 36%.")
        assert store.reads == 1  # the stale record failed the check; read once, then decided
        said = [t.text for t in await store.transcript(sid) if t.role == "candidate"]
        assert said == [
            "First, I'd ask what people want from a summary.",
            INTENT,
            "The metric is acceptance, from 30% to 36%.",
        ]
        assert turn.session.turn_count == len(await store.transcript(sid))
        state = a.state_of(turn.session)
        assert list(state.answers) == said
    finally:
        await store.close()


async def test_a_start_is_one_unit_with_its_opening_and_links(service: Interviews) -> None:
    first = await service.start("u1", "Ada", "dm:u1", "auto-summarize")
    await service.end(first.session.id, "u1")
    retry = await service.start(
        "u1", "Ada", "dm:u1", "auto-summarize", retry_of=first.session.id, organiser_id="o"
    )
    assert retry.session.turn_count == 1
    assert [t.role for t in await service.store.transcript(retry.session.id)] == ["interviewer"]
    links = await service.store.session_links(retry.session.id)
    assert (links.retry_of, links.organiser_id) == (first.session.id, "o")
    with pytest.raises(SessionConflict):
        await service.start("u1", "Ada", "dm:u1", "bias-complaint", organiser_id="x")
    assert len(await service.store.transcript(retry.session.id)) == 1
    assert len(await service.store.user_history("u1")) == 2


class OneQuestionInterviewer(RuleInterviewer):
    """Another kind of interviewer: the opening question, one answer, then the summary."""

    def respond(
        self, scenario: Scenario, state: InterviewState, answer: str, now: float
    ) -> tuple[InterviewState, Move]:
        state, _ = super().respond(scenario, state, answer, now)
        return super().close(scenario, state, "completed")


async def test_another_kind_of_interviewer_needs_no_change_to_the_service(
    tmp_path: Path, catalogue
) -> None:
    store = await SqliteStore.open(tmp_path / "k.db")
    try:
        service = Interviews(store, catalogue, interviewer=OneQuestionInterviewer())
        sid = (await service.start("u1", "Ada", "dm:u1", "auto-summarize")).session.id
        reply = await service.answer(sid, "u1", INTENT)
        assert reply.ended and reply.move.end_reason == "completed"
        assert reply.summary is not None and reply.session.status == "ended"
        roles = [t.role for t in await store.transcript(sid)]
        assert roles == ["interviewer", "candidate", "interviewer"]
    finally:
        await store.close()


async def test_resume_after_reopening_the_store(tmp_path: Path, catalogue) -> None:
    store = await SqliteStore.open(tmp_path / "r.db")
    service = Interviews(store, catalogue)
    turn = await service.start("u1", "Ada", "dm:u1", "auto-summarize", seed=5)
    reply = await service.answer(turn.session.id, "u1", INTENT)
    await store.close()

    store = await SqliteStore.open(tmp_path / "r.db")
    service = Interviews(store, catalogue)
    (session,) = await store.open_sessions()
    state = service.state_of(session)
    assert state.answers == (INTENT,)
    assert state.question() == reply.move
    await service.answer(session.id, "u1", "Primary metric: acceptance from 27% to 33%.")
    await store.close()


async def test_idle_sessions_are_swept_with_a_summary(tmp_path: Path, catalogue) -> None:
    clock = Clock()
    store = await SqliteStore.open(tmp_path / "i.db", clock=clock)
    service = Interviews(store, catalogue, clock=clock)
    turn = await service.start("u1", "Ada", "dm:u1", "auto-summarize")
    await service.answer(turn.session.id, "u1", INTENT)
    clock.now += 31 * 60 + 1
    (expired,) = await service.sweep()
    assert expired.id == turn.session.id and expired.status == "expired"
    results = await store.get_results(turn.session.id)
    assert results is not None and results["criteria"]["hypothesis"]["met"] is True
    await store.close()


async def test_the_idle_sweep_scores_in_a_worker_thread(tmp_path, monkeypatch) -> None:
    """Summaries for expired sessions are scored off the event loop, like answers."""
    import asyncio as aio
    import threading

    from bot.core.scenarios import load_directory
    from bot.sessions import Interviews
    from bot.store import SqliteStore
    from tests.conftest import SCENARIOS

    where: list[str] = []
    real = Interviews._expiry_results

    def spy(self, session):  # type: ignore[no-untyped-def]
        where.append(threading.current_thread().name)
        return real(self, session)

    monkeypatch.setattr(Interviews, "_expiry_results", spy)
    import time

    now = [time.time()]  # the store stamps turns with its own (real) clock
    async with await SqliteStore.open(tmp_path / "s.db") as store:
        interviews = Interviews(store, load_directory(SCENARIOS), clock=lambda: now[0])
        turn = await interviews.start("u1", "U", "dm:u1", "auto-summarize")
        await interviews.answer(turn.session.id, "u1", "We'd predict acceptance rises 5%.")
        now[0] += 10**6
        expired = await interviews.sweep()
        await aio.sleep(0)
    assert [s.id for s in expired] == [turn.session.id]
    assert where and all(name != threading.main_thread().name for name in where)
