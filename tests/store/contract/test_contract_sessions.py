"""The contract for sessions, turns, results, settings and ratings: each unit of work."""

from __future__ import annotations

import pytest
from store_backends import Backend
from store_helpers import T0, FakeClock

from bot.store import (
    ConstraintViolation,
    SessionClosed,
    SessionConflict,
    SessionNotFound,
    Store,
    StoreClosedError,
    TurnExists,
)

RESULTS = {
    "criteria": {
        "metrics": {"met": True, "score": 0.9, "evidence": ["We track edit rate."]},
        "risks": {"met": False, "score": 0.2, "evidence": []},
    },
    "antipatterns": ["jargon", "buzzwords"],
    "overall": 0.55,
}


async def test_start_record_and_read_back(store: Store, clock: FakeClock) -> None:
    session = await store.start_session(
        "111",
        "dm:111",
        "auto-summarize",
        "sha256:abc",
        {"step": 0},
        channel_id="999",
        time_budget_s=1800,
        display_name="Ada",
    )
    assert session.is_open and session.turn_count == 0 and session.started_at == T0
    clock.advance(5)
    t1 = await store.record_turn(session.id, "interviewer", None, "Why this feature?", {"step": 1})
    clock.advance(5)
    t2 = await store.record_turn(session.id, "candidate", "111", "Users drown.", {"step": 2})
    assert (t1.seq, t2.seq) == (1, 2)
    again = await store.get_session(session.id)
    assert again is not None
    assert again.state == {"step": 2}
    assert again.turn_count == 2
    assert again.updated_at == T0 + 10
    assert again.channel_id == "999" and again.guild_id is None and again.mode == "solo"
    transcript = await store.transcript(session.id)
    assert [(t.seq, t.role, t.author_id, t.text) for t in transcript] == [
        (1, "interviewer", None, "Why this feature?"),
        (2, "candidate", "111", "Users drown."),
    ]
    user = await store.get_user("111")
    assert user is not None and user.display_name == "Ada"
    assert await store.get_session(12345) is None


async def test_second_open_session_in_same_place_conflicts(store: Store) -> None:
    first = await store.start_session("u1", "dm:u1", "auto-summarize", "d", {"a": 1})
    with pytest.raises(SessionConflict) as info:
        await store.start_session("u1", "dm:u1", "other-scenario", "d", {})
    assert info.value.existing.id == first.id
    assert info.value.existing.scenario_id == "auto-summarize"
    assert "resume" in str(info.value)
    # another place, or another user, is fine
    elsewhere = await store.start_session("u1", "channel:5", "s", "d", {}, guild_id="g")
    other = await store.start_session("u2", "dm:u1", "s", "d", {})
    assert len({first.id, elsewhere.id, other.id}) == 3
    assert len(await store.open_sessions()) == 3
    found = await store.find_open_session("u1", "dm:u1")
    assert found is not None and found.id == first.id
    # once the first ends, a new one may start there
    await store.end_session(first.id)
    assert await store.find_open_session("u1", "dm:u1") is None
    fresh = await store.start_session("u1", "dm:u1", "s", "d", {})
    assert fresh.id != first.id


async def test_a_failing_unit_rolls_back_entirely(store: Store) -> None:
    session = await store.start_session("u1", "console", "s", "d", {"n": 0})
    await store.record_turn(session.id, "candidate", "u1", "one", {"n": 1})
    # the state UPDATE succeeds, then the turn INSERT violates NOT NULL: both must vanish
    with pytest.raises(ConstraintViolation):
        await store.record_turn(session.id, "candidate", "u1", None, {"n": 99})  # type: ignore[arg-type]
    after = await store.get_session(session.id)
    assert after is not None and after.state == {"n": 1} and after.turn_count == 1
    turn = await store.record_turn(session.id, "candidate", "u1", "two", {"n": 2})
    assert turn.seq == 2
    assert [(t.seq, t.text) for t in await store.transcript(session.id)] == [(1, "one"), (2, "two")]


async def test_turns_on_closed_or_missing_sessions_are_refused(store: Store) -> None:
    session = await store.start_session("u1", "console", "s", "d", {})
    await store.end_session(session.id, state={"done": True})
    with pytest.raises(SessionClosed, match="ended"):
        await store.record_turn(session.id, "candidate", "u1", "late", {})
    with pytest.raises(SessionClosed):
        await store.save_state(session.id, {})
    with pytest.raises(SessionClosed):
        await store.end_session(session.id)
    with pytest.raises(SessionNotFound):
        await store.record_turn(424242, "candidate", "u1", "x", {})
    with pytest.raises(ValueError, match="role"):
        await store.record_turn(session.id, "narrator", "u1", "x", {})  # type: ignore[arg-type]
    assert await store.transcript(session.id) == []


async def test_a_discord_message_becomes_one_turn_only(store: Store) -> None:
    session = await store.start_session("u1", "dm:u1", "s", "d", {})
    other = await store.start_session("u2", "dm:u2", "s", "d", {})
    assert await store.last_message_id(session.id) is None
    await store.record_turn(session.id, "candidate", "u1", "first", {"n": 1}, message_id="111")
    await store.record_turn(session.id, "interviewer", None, "reply", {"n": 2})
    with pytest.raises(TurnExists):
        await store.record_turn(session.id, "candidate", "u1", "again", {"n": 3}, message_id="111")
    # the failed unit changed nothing: no turn, no state, no counter bump
    turns = await store.transcript(session.id)
    assert [(t.text, t.message_id) for t in turns] == [("first", "111"), ("reply", None)]
    fresh = await store.get_session(session.id)
    assert fresh is not None and fresh.state == {"n": 2} and fresh.turn_count == 2
    await store.record_turn(other.id, "candidate", "u2", "same id elsewhere", {}, message_id="111")
    await store.record_turn(session.id, "candidate", "u1", "second", {"n": 3}, message_id="99")
    assert await store.last_message_id(session.id) == "99"  # the latest turn, not the largest


async def test_end_session_stores_results(store: Store, clock: FakeClock) -> None:
    session = await store.start_session("u1", "console", "s", "d", {"step": 1})
    assert await store.get_results(session.id) is None
    clock.advance(60)
    ended = await store.end_session(session.id, state={"step": "done"}, results=RESULTS)
    assert ended.status == "ended" and ended.ended_at == T0 + 60
    assert ended.state == {"step": "done"} and ended.overall == 0.55
    results = await store.get_results(session.id)
    assert results == {
        "criteria": {
            "metrics": {"met": True, "score": 0.9, "evidence": ["We track edit rate."]},
            "risks": {"met": False, "score": 0.2, "evidence": []},
        },
        "antipatterns": ["buzzwords", "jargon"],
        "overall": 0.55,
    }
    assert await store.open_sessions() == []


async def test_save_state_without_a_turn(store: Store) -> None:
    session = await store.start_session("u1", "console", "s", "d", {"hints": 0})
    await store.save_state(session.id, {"hints": 1})
    after = await store.get_session(session.id)
    assert after is not None and after.state == {"hints": 1} and after.turn_count == 0


async def test_user_and_guild_settings(store: Store, clock: FakeClock) -> None:
    user = await store.upsert_user("u1", "Ada")
    assert (user.dm_reminders, user.leaderboard_opt_in) == (False, False)
    clock.advance(100)
    user = await store.upsert_user("u1", "Ada L.")
    assert user.display_name == "Ada L." and user.last_seen_at == T0 + 100
    assert user.created_at == T0
    user = await store.set_user_setting("u1", "dm_reminders", True)
    assert user.dm_reminders is True
    with pytest.raises(ValueError, match="unknown user setting"):
        await store.set_user_setting("u1", "admin", True)
    # settings for someone never seen create them
    newcomer = await store.set_user_setting("u9", "leaderboard_opt_in", True)
    assert newcomer.leaderboard_opt_in and newcomer.display_name == ""
    assert await store.get_user("nobody") is None

    assert await store.get_guild_settings("g1") == {}
    await store.set_guild_setting("g1", "practice_channel", "555")
    await store.set_guild_setting("g1", "leaderboard", {"enabled": True, "size": 10})
    await store.set_guild_setting("g2", "practice_channel", "777")
    assert await store.get_guild_settings("g1") == {
        "practice_channel": "555",
        "leaderboard": {"enabled": True, "size": 10},
    }
    await store.set_guild_setting("g1", "practice_channel", None)
    assert await store.get_guild_settings("g1") == {"leaderboard": {"enabled": True, "size": 10}}
    assert await store.get_guild_settings("g2") == {"practice_channel": "777"}


async def test_peer_ratings_replace_per_rater_and_criterion(store: Store) -> None:
    session = await store.start_session("u1", "channel:1", "s", "d", {}, mode="group")
    await store.add_peer_rating(session.id, "u2", "metrics", "partly")
    await store.add_peer_rating(session.id, "u3", "metrics", "met")
    await store.add_peer_rating(session.id, "u2", "metrics", "met")
    await store.add_peer_rating(session.id, "u2", "risks", "missed")
    ratings = await store.peer_ratings(session.id)
    assert sorted((r.rater_id, r.criterion_id, r.rating) for r in ratings) == [
        ("u2", "metrics", "met"),
        ("u2", "risks", "missed"),
        ("u3", "metrics", "met"),
    ]
    with pytest.raises(ValueError, match="rating"):
        await store.add_peer_rating(session.id, "u2", "metrics", "great")  # type: ignore[arg-type]
    with pytest.raises(SessionNotFound):
        await store.add_peer_rating(99999, "u2", "metrics", "met")


async def test_closed_store_refuses_work(backend: Backend, clock: FakeClock) -> None:
    store = await backend.open(clock=clock)
    await store.close()
    await store.close()  # idempotent
    with pytest.raises(StoreClosedError):
        await store.start_session("u1", "console", "s", "d", {})
