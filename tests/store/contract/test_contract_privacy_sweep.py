"""The contract for export, forget-me, the idle sweep and transcript retention."""

from __future__ import annotations

import json
from typing import Any

import pytest
from store_backends import Backend
from store_helpers import T0, FakeClock

from bot.store import SessionClosed, SessionRecord, Store

DAY = 86_400.0
ALICE = "314159265358979"  # a snowflake that appears nowhere else
ALICE_NAME = "Alice Quixotic"
RESULTS = {
    "criteria": {"metrics": {"met": True, "score": 0.8, "evidence": ["Alice's words"]}},
    "antipatterns": ["jargon"],
    "overall": 0.8,
}


async def populate(store: Store) -> dict[str, int]:
    """Alice and Bob, each with solo and group sessions, talking in and rating each other's."""
    await store.upsert_user(ALICE, ALICE_NAME)
    await store.upsert_user("bob", "Bob")
    await store.set_user_setting(ALICE, "leaderboard_opt_in", True)
    a_solo = await store.start_session(ALICE, f"dm:{ALICE}", "s", "d", {"who": ALICE})
    await store.record_turn(a_solo.id, "interviewer", None, "Why?", {"who": ALICE, "n": 1})
    await store.record_turn(a_solo.id, "candidate", ALICE, "Because.", {"who": ALICE, "n": 2})
    await store.end_session(a_solo.id, results=RESULTS)
    a_group = await store.start_session(
        ALICE, "channel:1", "s", "d", {"who": ALICE}, mode="group", guild_id="g"
    )
    await store.record_turn(a_group.id, "candidate", ALICE, "My take.", {"n": 1})
    await store.record_turn(a_group.id, "candidate", "bob", "Bob's take.", {"n": 2})
    a_open = await store.start_session(ALICE, "console", "s", "d", {"who": ALICE})
    await store.record_turn(a_open.id, "candidate", ALICE, "half an answer", {"n": 1})

    b_group = await store.start_session("bob", "channel:2", "s", "d", {}, mode="group")
    await store.record_turn(b_group.id, "candidate", "bob", "Bob answers.", {"n": 1})
    await store.record_turn(
        b_group.id, "candidate", ALICE, "Alice chimes in.", {"n": 2}, message_id="777"
    )
    await store.record_turn(b_group.id, "interviewer", None, "Thanks both.", {"n": 3})
    await store.add_peer_rating(b_group.id, ALICE, "metrics", "partly")
    await store.add_peer_rating(b_group.id, "carol", "metrics", "met")
    await store.end_session(b_group.id, results=RESULTS)
    await store.add_peer_rating(a_solo.id, "bob", "metrics", "met")
    return {"a_solo": a_solo.id, "a_group": a_group.id, "a_open": a_open.id, "b_group": b_group.id}


async def test_export_holds_everything_about_the_user(store: Store) -> None:
    ids = await populate(store)
    export = await store.export_user(ALICE)
    json.dumps(export)  # JSON-able
    assert export["user"]["display_name"] == ALICE_NAME
    assert export["user"]["leaderboard_opt_in"] is True
    sessions = {s["id"]: s for s in export["sessions"]}
    assert set(sessions) == {ids["a_solo"], ids["a_group"], ids["a_open"]}
    solo = sessions[ids["a_solo"]]
    assert [t["text"] for t in solo["turns"]] == ["Why?", "Because."]
    assert solo["results"]["criteria"]["metrics"]["evidence"] == ["Alice's words"]
    assert solo["peer_ratings_received"] == [
        {"session_id": ids["a_solo"], "criterion_id": "metrics", "rating": "met", "created_at": T0}
    ]
    assert [t["text"] for t in export["turns_in_other_sessions"]] == ["Alice chimes in."]
    assert [(r["session_id"], r["rating"]) for r in export["peer_ratings_given"]] == [
        (ids["b_group"], "partly")
    ]
    assert (await store.export_user("nobody"))["sessions"] == []


async def test_forget_me_leaves_no_row_naming_them(store: Store, backend: Backend) -> None:
    ids = await populate(store)
    bob_before = await store.export_user("bob")
    assert any(ALICE_NAME in str(value) for _, value in backend.every_value(store))
    done = await store.forget_user(ALICE)
    assert done["users_deleted"] == 1
    assert done["sessions_deleted"] == 2  # solo and open; the group one holds Bob's words
    assert done["sessions_anonymised"] == 1

    for where, value in backend.every_value(store):
        text = str(value)
        assert ALICE not in text and ALICE_NAME not in text, where

    assert await store.get_user(ALICE) is None
    assert await store.user_history(ALICE) == []
    assert await store.get_session(ids["a_solo"]) is None
    assert await store.find_open_session(ALICE, "console") is None
    # Bob's words in Alice's group session stay, anonymous and closed
    kept = await store.get_session(ids["a_group"])
    assert kept is not None and kept.user_id is None and not kept.is_open
    assert [(t.author_id, t.text) for t in await store.transcript(ids["a_group"])] == [
        (None, "[removed]"),
        ("bob", "Bob's take."),
    ]
    # Bob's own session: his turns intact, Alice's blanked, her rating anonymised
    assert [(t.author_id, t.text) for t in await store.transcript(ids["b_group"])] == [
        ("bob", "Bob answers."),
        (None, "[removed]"),
        (None, "Thanks both."),
    ]
    # nor the id of her Discord message, which would lead back to her
    assert [t.message_id for t in await store.transcript(ids["b_group"])] == [None] * 3
    ratings = await store.peer_ratings(ids["b_group"])
    assert sorted((r.rater_id or "", r.rating) for r in ratings) == [
        ("", "partly"),
        ("carol", "met"),
    ]
    bob_after = await store.export_user("bob")
    assert bob_after["user"] == bob_before["user"]
    assert [s["id"] for s in bob_after["sessions"]] == [s["id"] for s in bob_before["sessions"]]
    assert bob_after["sessions"][0]["results"] == bob_before["sessions"][0]["results"]
    assert await store.get_user("carol") is not None
    # forgetting twice is harmless
    assert (await store.forget_user(ALICE))["users_deleted"] == 0


async def test_idle_sweep_expires_sessions_past_their_budget(
    store: Store, clock: FakeClock
) -> None:
    budgeted = await store.start_session("u1", "dm:u1", "s", "d", {"n": 0}, time_budget_s=600)
    unbudgeted = await store.start_session("u2", "dm:u2", "s", "d", {"n": 0})
    clock.advance(300)
    await store.record_turn(budgeted.id, "candidate", "u1", "still here", {"n": 1})
    clock.advance(599)  # 599 s idle: not yet
    assert (await store.sweep()).expired == []
    seen: list[SessionRecord] = []

    async def summarise(session: SessionRecord) -> dict[str, Any]:
        seen.append(session)
        return {"criteria": {"c": {"met": False, "score": 0.1, "evidence": []}}, "overall": 0.1}

    result = await store.sweep(clock.advance(2), summarise=summarise)
    assert [s.id for s in result.expired] == [budgeted.id]
    assert [s.state for s in seen] == [{"n": 1}]  # summarised from its last state
    expired = result.expired[0]
    assert expired.status == "expired" and expired.ended_at == clock.now
    assert expired.overall == 0.1
    assert (await store.get_results(budgeted.id))["criteria"]["c"]["score"] == 0.1  # type: ignore[index]
    with pytest.raises(SessionClosed, match="expired"):
        await store.record_turn(budgeted.id, "candidate", "u1", "too late", {})
    assert [s.id for s in await store.open_sessions()] == [unbudgeted.id]
    assert (await store.sweep(clock.advance(10**7))).expired == []  # no budget: never idle out
    again = await store.start_session("u1", "dm:u1", "s", "d", {})
    assert again.is_open


async def test_idle_sweep_expires_only_the_sessions_its_caller_owns(
    store: Store, clock: FakeClock
) -> None:
    """`owns` gets each idle session (its guild id None: a DM or the console)."""
    ours = await store.start_session(
        "u1", "channel:1", "s", "d", {}, guild_id="g1", time_budget_s=60
    )
    theirs = await store.start_session(
        "u2", "channel:2", "s", "d", {}, guild_id="g2", time_budget_s=60
    )
    dm = await store.start_session("u3", "dm:u3", "s", "d", {}, time_budget_s=60)
    asked: list[str | None] = []
    summarised: list[int] = []

    def owns_g1(session: SessionRecord) -> bool:
        assert session.status == "open"
        asked.append(session.guild_id)
        return session.guild_id == "g1"

    async def summarise(session: SessionRecord) -> dict[str, Any]:
        summarised.append(session.id)
        return {"criteria": {}, "overall": 0.5}

    result = await store.sweep(clock.advance(61), summarise=summarise, owns=owns_g1)
    assert [s.id for s in result.expired] == [ours.id]
    assert summarised == [ours.id]  # the others are not summarised either
    assert set(asked) == {"g1", "g2", None}
    assert sorted(s.id for s in await store.open_sessions()) == [theirs.id, dm.id]
    # a sweep that owns nothing more expires nothing; the owner's later sweep does
    assert (await store.sweep(clock.advance(1), owns=owns_g1)).expired == []
    result = await store.sweep(
        clock.advance(1), summarise=summarise, owns=lambda s: s.guild_id in (None, "g2")
    )
    assert [s.id for s in result.expired] == [theirs.id, dm.id]
    assert summarised == [ours.id, theirs.id, dm.id]
    assert await store.open_sessions() == []


async def test_idle_sweep_without_owns_expires_every_idle_session(
    store: Store, clock: FakeClock
) -> None:
    ids = [
        (await store.start_session(f"u{n}", f"p{n}", "s", "d", {}, guild_id=g, time_budget_s=60)).id
        for n, g in enumerate(["g1", "g2", None])
    ]
    result = await store.sweep(clock.advance(61), owns=None)
    assert [s.id for s in result.expired] == ids


async def test_retention_is_purged_whatever_the_caller_owns(store: Store, clock: FakeClock) -> None:
    old = await store.start_session("u1", "channel:1", "s", "d", {}, guild_id="g2")
    await store.record_turn(old.id, "candidate", "u1", "old answer", {})
    await store.end_session(old.id, results=RESULTS)
    clock.advance(181 * DAY)
    assert (await store.sweep(owns=lambda session: False)).purged == 1
    assert await store.transcript(old.id) == []
    assert (await store.sweep()).purged == 0  # done once


async def test_retention_sweep_keeps_only_anonymous_figures(
    store: Store, clock: FakeClock, backend: Backend
) -> None:
    old = await store.start_session("u1", "dm:u1", "s", "d", {"secret": "old answer"})
    await store.record_turn(old.id, "candidate", "u1", "old answer", {"secret": "old answer"})
    await store.add_peer_rating(old.id, "u2", "metrics", "met")
    await store.end_session(old.id, results=RESULTS)
    clock.advance(100 * DAY)
    recent = await store.start_session("u1", "dm:u1", "s", "d", {})
    await store.record_turn(recent.id, "candidate", "u1", "recent answer", {})
    await store.end_session(recent.id, results=RESULTS)
    assert any("old answer" in str(value) for _, value in backend.every_value(store))
    clock.advance(79 * DAY)
    assert (await store.sweep()).purged == 0  # 179 days: kept
    clock.advance(2 * DAY)
    assert (await store.sweep()).purged == 1
    assert (await store.sweep()).purged == 0  # done once

    purged = await store.get_session(old.id)
    assert purged is not None
    assert purged.user_id is None and purged.state == {} and purged.purged_at == clock.now
    assert purged.overall == 0.8 and purged.scenario_id == "s"
    assert await store.transcript(old.id) == []
    assert await store.get_results(old.id) == {
        "criteria": {"metrics": {"met": True, "score": 0.8, "evidence": []}},
        "antipatterns": ["jargon"],
        "overall": 0.8,
    }
    assert [r.rater_id for r in await store.peer_ratings(old.id)] == [None]
    # nothing anywhere still holds the old answer
    assert not any("old answer" in str(value) for _, value in backend.every_value(store))
    # the recent session is untouched
    assert [t.text for t in await store.transcript(recent.id)] == ["recent answer"]
    assert [s.id for s in await store.user_history("u1")] == [recent.id]
    assert len(await store.transcript(recent.id)) == 1
