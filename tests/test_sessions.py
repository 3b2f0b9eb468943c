"""The session service on a real SQLite store: what every shell relies on."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.interview import EmptyAnswer
from bot.sessions import Interviews, NoOpenSession, NotYourSession, UnknownScenario
from bot.store import SessionConflict, SqliteStore

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


async def test_concurrent_answers_to_one_session_are_serialised(service: Interviews) -> None:
    turn = await service.start("u1", "Ada", "dm:u1", "auto-summarize")
    sid = turn.session.id
    answers = [f"Answer number {i}: I think users want shorter summaries." for i in range(5)]
    results = await asyncio.gather(
        *(service.answer(sid, "u1", a) for a in answers), return_exceptions=True
    )
    session = await service.store.get_session(sid)
    assert session is not None
    state = service.state_of(session)
    stored = [t.text for t in await service.store.transcript(sid) if t.role == "candidate"]
    assert list(state.answers) == stored  # state and turns agree
    assert len(stored) == sum(1 for r in results if not isinstance(r, Exception))


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
