"""The contract for study groups: links, panel, progress figures, loops, privacy."""

from __future__ import annotations

import pytest
from store_backends import Backend
from store_helpers import T0, FakeClock

from bot.store import LoopExists, NotAPanelist, Store

DAY = 86_400.0
ALICE = "271828182845904"


def results(**met: bool) -> dict[str, object]:
    crit = {c: {"met": m, "score": 1.0 if m else 0.0, "evidence": []} for c, m in met.items()}
    overall = round(100 * sum(met.values()) / len(met))
    return {"criteria": crit, "antipatterns": [], "overall": overall}


async def finished(
    store: Store, user: str, scenario: str, res: dict[str, object], place: str = "console"
) -> int:
    s = await store.start_session(user, place, scenario, "d", {}, guild_id="g")
    await store.end_session(s.id, results=res)
    return s.id


async def test_links_and_attempts(store: Store, clock: FakeClock) -> None:
    first = await finished(store, ALICE, "s1", results(a=False, b=True))
    clock.advance(60)
    second = await finished(store, ALICE, "s1", results(a=True, b=True))
    await finished(store, ALICE, "s2", results(a=True))
    await store.set_session_links(second, retry_of=first, organiser_id="org")
    links = await store.session_links(second)
    assert (links.retry_of, links.organiser_id, links.panel_message_id) == (first, "org", None)
    await store.set_panel_message(second, "999")
    assert (await store.session_links(second)).panel_message_id == "999"
    assert (await store.session_links(first)).retry_of is None
    assert [a[0] for a in await store.attempts(ALICE, "s1")] == [second, first]


async def test_panel_join_note_and_refusals(store: Store) -> None:
    sid = await finished(store, ALICE, "s1", results(a=True))
    assert await store.join_panel(sid, "bob", "Bob") is True
    assert await store.join_panel(sid, "bob", "Bob") is False
    await store.join_panel(sid, "carol", "Carol")
    await store.set_panel_note(sid, "bob", "  Crisp metrics.  ")
    with pytest.raises(NotAPanelist):
        await store.set_panel_note(sid, "mallory", "sneaky")
    panel = await store.panelists(sid)
    assert [(p.user_id, p.display_name, p.note) for p in panel] == [
        ("bob", "Bob", "Crisp metrics."),
        ("carol", "Carol", None),
    ]


async def test_progress_figures(store: Store, clock: FakeClock) -> None:
    await finished(store, ALICE, "s1", results(a=False, b=True))
    clock.advance(DAY)
    await finished(store, ALICE, "s1", results(a=False, b=True))
    clock.advance(DAY)
    await finished(store, ALICE, "s2", results(a=True, c=False))
    await store.start_session(ALICE, "dm:x", "s2", "d", {})  # open: not counted
    stats = await store.criterion_rates_by_scenario(ALICE)
    assert [(s.scenario_id, s.criterion_id, s.attempts, s.hits) for s in stats] == [
        ("s1", "a", 2, 0),
        ("s2", "c", 1, 0),
        ("s1", "b", 2, 2),
        ("s2", "a", 1, 1),
    ]
    series = await store.score_series(ALICE)
    assert [p.overall for p in series] == [50, 50, 50]
    assert [p.ended_at for p in series] == [T0, T0 + DAY, T0 + 2 * DAY]


async def test_loop_reminders_are_claimed_with_a_lease_and_rounds_link(
    store: Store, clock: FakeClock
) -> None:
    plan = [("s1", T0), ("s2", T0 + 7 * DAY), ("s3", T0 + 14 * DAY)]
    loop = await store.start_loop(ALICE, plan)
    assert [r.reminded_at for r in loop.rounds] == [T0, None, None]
    with pytest.raises(LoopExists):
        await store.start_loop(ALICE, plan)
    assert await store.claim_due_reminders(T0 + DAY) == []
    # round 1 is done; round 2 falls due while "the bot is down"
    await finished(store, ALICE, "s1", results(a=True))
    at = T0 + 8 * DAY
    due = await store.claim_due_reminders(at, lease_s=300)
    assert [(r.seq, r.scenario_id, r.reminded_at, r.claimed_until) for r in due] == [
        (2, "s2", None, at + 300)
    ]
    assert await store.claim_due_reminders(at + 60) == []  # leased: not twice
    # a passing failure gives it back at once; a permanent one is recorded and given up
    await store.release_reminder(loop.id, 2)
    assert [r.seq for r in await store.claim_due_reminders(at + 60)] == [2]
    await store.note_reminder_error(loop.id, 2, "dms_closed")
    assert await store.claim_due_reminders(T0 + 9 * DAY) == []
    status = await store.latest_loop(ALICE)
    assert status is not None and status.rounds[0].session_id is not None
    assert status.rounds[1].remind_error == "dms_closed"
    assert status.rounds[1].reminded_at is None and status.rounds[1].claimed_until is None
    assert status.next_round is not None and status.next_round.seq == 2
    # round 3 done early: no reminder for it; the loop finishes and is reported once
    clock.advance(DAY)
    await finished(store, ALICE, "s3", results(a=False))
    await finished(store, ALICE, "s2", results(a=True))
    (claimed,) = await store.claim_finished_loops(T0 + 10 * DAY)
    assert claimed.id == loop.id and claimed.status == "done" and claimed.reported_at is None
    assert await store.claim_finished_loops(T0 + 10 * DAY + 60) == []  # leased
    await store.complete_loop_report(loop.id, now=T0 + 10 * DAY + 5)
    assert await store.claim_finished_loops(T0 + 11 * DAY) == []  # reported: never again
    assert await store.claim_due_reminders(T0 + 30 * DAY) == []
    done = await store.latest_loop(ALICE)
    assert done is not None and done.status == "done" and done.ended_at == T0 + 10 * DAY
    assert done.reported_at == T0 + 10 * DAY + 5
    assert [r.overall for r in done.rounds] == [100, 100, 0]
    # a new loop may start once the last is done
    assert (await store.start_loop(ALICE, plan, now=T0 + 31 * DAY)).status == "active"
    stopped = await store.stop_loop(ALICE)
    assert stopped is not None and stopped.status == "stopped"
    assert await store.stop_loop(ALICE) is None


async def test_export_and_forget_cover_group_tables(store: Store, backend: Backend) -> None:
    await store.upsert_user(ALICE, "Alice")
    own = await finished(store, ALICE, "s1", results(a=True))
    await store.join_panel(own, "bob", "Bob")
    await store.set_panel_note(own, "bob", "Good structure.")
    bobs = await finished(store, "bob", "s1", results(a=False))
    await store.join_panel(bobs, ALICE, "Alice")
    await store.set_panel_note(bobs, ALICE, "Alice's note on Bob.")
    await store.set_session_links(bobs, organiser_id=ALICE)
    await store.start_loop(ALICE, [("s1", T0), ("s2", T0 + DAY)])

    export = await store.export_user(ALICE)
    assert export["panels_joined"][0]["note"] == "Alice's note on Bob."
    assert export["panel_notes_received"] == [
        {"session_id": own, "note": "Good structure.", "noted_at": T0}
    ]
    assert export["session_links"] == [
        {"session_id": bobs, "retry_of": None, "organised_by_you": True}
    ]
    assert [r["scenario_id"] for r in export["loops"][0]["rounds"]] == ["s1", "s2"]

    assert any(ALICE in str(value) for _, value in backend.every_value(store))
    done = await store.forget_user(ALICE)
    assert done["panel_seats_deleted"] == 1 and done["loops_deleted"] == 1
    for where, value in backend.every_value(store):
        assert ALICE not in str(value) and "Alice" not in str(value), where
    assert [p.user_id for p in await store.panelists(bobs)] == []
    assert (await store.session_links(bobs)).organiser_id is None


async def test_retention_purges_panel_notes(backend: Backend) -> None:
    clock = FakeClock()
    store = await backend.open(clock=clock, retention_days=1)
    try:
        sid = await finished(store, ALICE, "s1", results(a=True))
        await store.join_panel(sid, "bob", "Bob")
        await store.set_panel_note(sid, "bob", "an old note")
        await store.sweep(T0 + 2 * DAY)
        assert await store.panelists(sid) == []
    finally:
        await store.close()
