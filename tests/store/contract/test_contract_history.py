"""The contract for history and statistics: paging, hit rates, weakest criteria, leaderboard."""

from __future__ import annotations

from typing import Any

from store_helpers import T0, FakeClock

from bot.store import Store

DAY = 86_400.0


def results(overall: float, **met: bool) -> dict[str, Any]:
    return {
        "criteria": {
            cid: {"met": ok, "score": 1.0 if ok else 0.25, "evidence": [f"{cid} said"]}
            for cid, ok in met.items()
        },
        "antipatterns": [],
        "overall": overall,
    }


async def finished(
    store: Store,
    user: str,
    res: dict[str, Any] | None,
    *,
    guild: str | None = None,
    scenario: str = "s",
) -> int:
    place = f"channel:{guild}" if guild else f"dm:{user}"
    session = await store.start_session(user, place, scenario, "d", {}, guild_id=guild)
    await store.end_session(session.id, results=res)
    return session.id


async def test_history_is_newest_first_and_paged(store: Store, clock: FakeClock) -> None:
    ids = []
    for i in range(7):
        clock.advance(60)
        ids.append(await finished(store, "u1", results(0.5, a=True), scenario=f"s{i}"))
    await finished(store, "u2", None)
    page1 = await store.user_history("u1", limit=3)
    page2 = await store.user_history("u1", limit=3, offset=3)
    page3 = await store.user_history("u1", limit=3, offset=6)
    assert [s.id for s in page1] == ids[::-1][:3]
    assert [s.id for s in page2] == ids[::-1][3:6]
    assert [s.id for s in page3] == ids[:1]
    assert await store.user_history("u1", limit=3, offset=9) == []
    assert all(s.user_id == "u1" for s in page1 + page2 + page3)
    assert page1[0].overall == 0.5


async def test_criterion_hit_rates_over_time(store: Store, clock: FakeClock) -> None:
    clock.now = T0 - T0 % (7 * DAY)  # the start of a 7-day period
    start = clock.now
    await finished(store, "u1", results(0.2, metrics=False, risks=False))
    clock.advance(DAY)
    await finished(store, "u1", results(0.6, metrics=True, risks=False))
    clock.advance(7 * DAY)
    await finished(store, "u1", results(1.0, metrics=True, risks=True))
    await finished(store, "u2", results(1.0, metrics=True, risks=True))
    rates = await store.criterion_hit_rates("u1", bucket_days=7)
    table = [(r.period_start, r.criterion_id, r.attempts, r.hits, r.rate) for r in rates]
    assert table == [
        (start, "metrics", 2, 1, 0.5),
        (start, "risks", 2, 0, 0.0),
        (start + 7 * DAY, "metrics", 1, 1, 1.0),
        (start + 7 * DAY, "risks", 1, 1, 1.0),
    ]
    assert rates[0].mean_score == (0.25 + 1.0) / 2
    assert await store.criterion_hit_rates("nobody") == []


async def test_weakest_criteria(store: Store) -> None:
    await finished(store, "u1", results(0.5, metrics=True, risks=False, users=False))
    await finished(store, "u1", results(0.5, metrics=True, risks=False, users=True))
    await finished(store, "u1", results(0.5, metrics=False, risks=False, users=True))
    weakest = await store.weakest_criteria("u1", 2)
    assert [(w.criterion_id, w.hits, w.attempts) for w in weakest] == [
        ("risks", 0, 3),
        ("metrics", 2, 3),  # ties on rate with "users", broken by mean score then id
    ]
    assert await store.weakest_criteria("u1", 5, min_attempts=4) == []


async def test_leaderboard_counts_only_opted_in_users(store: Store, clock: FakeClock) -> None:
    await store.upsert_user("a", "Ada")
    await store.upsert_user("b", "Bo")
    await store.upsert_user("c", "Cy")
    await store.set_user_setting("a", "leaderboard_opt_in", True)
    await store.set_user_setting("b", "leaderboard_opt_in", True)
    await finished(store, "a", results(0.4), guild="g1")  # old: before `since`
    clock.advance(10 * DAY)
    since = clock.now
    await finished(store, "a", results(0.8), guild="g1")
    await finished(store, "a", results(0.6), guild="g1")
    await finished(store, "b", results(0.9), guild="g1")
    await finished(store, "c", results(1.0), guild="g1")  # not opted in
    await finished(store, "b", results(0.1), guild="g2")  # another guild
    await finished(store, "a", results(0.1))  # a DM session
    open_one = await store.start_session("b", "channel:x", "s", "d", {}, guild_id="g1")
    assert open_one.is_open  # open sessions do not count

    board = await store.leaderboard("g1", since=since)
    assert [(r.user_id, r.display_name, r.sessions, round(r.average_score, 3)) for r in board] == [
        ("b", "Bo", 1, 0.9),
        ("a", "Ada", 2, 0.7),
    ]
    everyone = await store.leaderboard("g1")
    assert [(r.user_id, r.sessions) for r in everyone] == [("b", 1), ("a", 3)]
    assert await store.leaderboard("g1", limit=1) == board[:1]
    await store.set_user_setting("b", "leaderboard_opt_in", False)
    assert [r.user_id for r in await store.leaderboard("g1", since=since)] == ["a"]
