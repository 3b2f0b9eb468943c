"""The contract for the units the session service builds on: a start (session, opening
turns and links) and an exchange (turns, state and maybe the end, checked against the
turn count the caller read), each all or nothing."""

from __future__ import annotations

import pytest
from store_helpers import T0, FakeClock

from bot.store import (
    ConstraintViolation,
    NewTurn,
    SessionClosed,
    SessionConflict,
    SessionNotFound,
    StaleSession,
    Store,
    TurnExists,
)

OPENING = (NewTurn("interviewer", None, "Welcome."), NewTurn("interviewer", None, "Why?"))
RESULTS = {
    "criteria": {"metrics": {"met": True, "score": 0.9, "evidence": ["We track edits."]}},
    "antipatterns": ["jargon"],
    "overall": 0.9,
}


def exchange(answer: str, reply: str = "And then?", message_id: str | None = None):
    return [NewTurn("candidate", "u1", answer, message_id), NewTurn("interviewer", None, reply)]


async def test_a_start_writes_session_opening_and_links_together(store: Store) -> None:
    earlier = await store.start_session("u1", "dm:u1", "s", "d", {})
    await store.end_session(earlier.id)
    session = await store.start_session(
        "u1", "dm:u1", "s", "d", {"n": 0}, opening=OPENING, retry_of=earlier.id, organiser_id="o"
    )
    assert session.turn_count == 2 and session.is_open
    turns = await store.transcript(session.id)
    assert [(t.seq, t.role, t.text, t.created_at) for t in turns] == [
        (1, "interviewer", "Welcome.", T0),
        (2, "interviewer", "Why?", T0),
    ]
    links = await store.session_links(session.id)
    assert (links.retry_of, links.organiser_id) == (earlier.id, "o")
    plain = await store.start_session("u2", "dm:u2", "s", "d", {})
    assert plain.turn_count == 0 and await store.transcript(plain.id) == []
    assert (await store.session_links(plain.id)).retry_of is None


async def test_a_refused_start_writes_nothing(store: Store) -> None:
    first = await store.start_session("u1", "dm:u1", "s", "d", {}, opening=OPENING)
    with pytest.raises(SessionConflict):
        await store.start_session("u1", "dm:u1", "s", "d", {}, opening=OPENING, organiser_id="o")
    with pytest.raises(ConstraintViolation):  # a retry of no session at all
        await store.start_session("new", "dm:new", "s", "d", {}, opening=OPENING, retry_of=999)
    with pytest.raises(ConstraintViolation):  # a turn without text
        await store.start_session(
            "new",
            "dm:new",
            "s",
            "d",
            {},
            opening=(NewTurn("interviewer", None, None),),  # type: ignore[arg-type]
        )
    with pytest.raises(ValueError, match="role"):
        await store.start_session(
            "new",
            "dm:new",
            "s",
            "d",
            {},
            opening=(NewTurn("narrator", None, "hi"),),  # type: ignore[arg-type]
        )
    assert [s.id for s in await store.open_sessions()] == [first.id]
    assert await store.find_open_session("new", "dm:new") is None
    assert await store.get_user("new") is None
    assert len(await store.transcript(first.id)) == 2


async def test_an_exchange_appends_turns_and_state_at_once(store: Store, clock: FakeClock) -> None:
    session = await store.start_session("u1", "dm:u1", "s", "d", {"n": 0}, opening=OPENING)
    clock.advance(30)
    done = await store.record_exchange(
        session.id, 2, exchange("Users drown.", message_id="111"), {"n": 1}
    )
    assert [(t.seq, t.role, t.author_id, t.message_id) for t in done.turns] == [
        (3, "candidate", "u1", "111"),
        (4, "interviewer", None, None),
    ]
    assert done.session.turn_count == 4 and done.session.state == {"n": 1}
    assert done.session.updated_at == T0 + 30 and done.session.is_open
    assert await store.get_session(session.id) == done.session
    assert [t.text for t in await store.transcript(session.id)][2:] == ["Users drown.", "And then?"]
    assert await store.last_message_id(session.id) == "111"
    # no turns at all: the state alone, still checked
    quiet = await store.record_exchange(session.id, 4, [], {"n": 2})
    assert quiet.turns == () and quiet.session.state == {"n": 2}
    with pytest.raises(StaleSession):
        await store.record_exchange(session.id, 3, [], {"n": 3})


async def test_a_stale_exchange_writes_nothing(store: Store, clock: FakeClock) -> None:
    session = await store.start_session("u1", "dm:u1", "s", "d", {"n": 0}, opening=OPENING)
    await store.record_exchange(session.id, 2, exchange("first"), {"n": 1})
    before = await store.get_session(session.id)
    clock.advance(5)
    with pytest.raises(StaleSession) as info:
        await store.record_exchange(session.id, 2, exchange("second"), {"n": 99})
    assert (info.value.session_id, info.value.expected, info.value.found) == (session.id, 2, 4)
    assert "4 turns" in str(info.value)
    assert await store.get_session(session.id) == before
    assert len(await store.transcript(session.id)) == 4


async def test_an_exchange_with_a_message_taken_before_writes_nothing(store: Store) -> None:
    session = await store.start_session("u1", "dm:u1", "s", "d", {"n": 0}, opening=OPENING)
    await store.record_exchange(session.id, 2, exchange("first", message_id="111"), {"n": 1})
    with pytest.raises(TurnExists):
        await store.record_exchange(session.id, 4, exchange("again", message_id="111"), {"n": 2})
    with pytest.raises(TurnExists):  # the same message twice in one exchange
        await store.record_exchange(
            session.id,
            4,
            [NewTurn("candidate", "u1", "a", "222"), NewTurn("candidate", "u1", "b", "222")],
            {"n": 2},
        )
    with pytest.raises(ConstraintViolation):  # the reply has no text: the answer goes too
        await store.record_exchange(session.id, 4, exchange("fine", None), {"n": 2})  # type: ignore[arg-type]
    after = await store.get_session(session.id)
    assert after is not None and after.turn_count == 4 and after.state == {"n": 1}
    assert [t.text for t in await store.transcript(session.id)][2:] == ["first", "And then?"]


async def test_an_exchange_can_end_the_session_with_its_results(
    store: Store, clock: FakeClock
) -> None:
    session = await store.start_session("u1", "dm:u1", "s", "d", {"n": 0}, opening=OPENING)
    clock.advance(60)
    done = await store.record_exchange(
        session.id,
        2,
        [NewTurn("interviewer", None, "Thanks, that's all.")],
        {"n": "done"},
        end_status="ended",
        results=RESULTS,
    )
    ended = done.session
    assert (ended.status, ended.ended_at, ended.overall) == ("ended", T0 + 60, 0.9)
    assert ended.state == {"n": "done"} and ended.turn_count == 3
    assert await store.get_session(session.id) == ended
    results = await store.get_results(session.id)
    assert results is not None and results["criteria"]["metrics"]["met"] is True
    assert await store.open_sessions() == []
    with pytest.raises(SessionClosed):
        await store.record_exchange(session.id, 3, exchange("late"), {})
    with pytest.raises(SessionNotFound):
        await store.record_exchange(4242, 0, exchange("nowhere"), {})
    with pytest.raises(ValueError, match="ends as"):
        await store.record_exchange(session.id, 3, [], {}, end_status="paused")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="role"):
        await store.record_exchange(session.id, 3, [NewTurn("narrator", None, "x")], {})  # type: ignore[arg-type]
