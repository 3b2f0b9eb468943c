"""The contract for custom scenarios per server and scenario versions."""

from __future__ import annotations

import asyncio

import pytest
from store_backends import Backend
from store_helpers import T0

from bot.store import CustomScenarioLimit, Store

UPLOADER = "271828182845904"  # a snowflake that appears nowhere else


async def save(store: Store, guild: str, sid: str, *, limit: int | None = None, **kw: str):
    return await store.save_custom_scenario(
        guild,
        sid,
        title=kw.get("title", f"Title {sid}"),
        round="values",
        digest=kw.get("digest", f"d-{sid}"),
        source=kw.get("source", f'id = "{sid}"\n'),
        uploaded_by=kw.get("by", UPLOADER),
        max_per_guild=limit,
    )


async def test_save_list_get_replace_remove_per_server(store: Store) -> None:
    record, replaced = await save(store, "g1", "beta", source="é = 1\n")
    assert not replaced and record.size_bytes == len("é = 1\n".encode())
    assert record.uploaded_at == T0
    await save(store, "g1", "alpha")
    await save(store, "g2", "alpha", title="Other server's")
    assert [r.scenario_id for r in await store.custom_scenarios("g1")] == ["alpha", "beta"]
    assert [r.title for r in await store.custom_scenarios("g2")] == ["Other server's"]
    assert await store.custom_scenarios("g3") == []

    again, replaced = await save(store, "g1", "beta", title="New", digest="d2", by="someone")
    assert replaced and again.title == "New"
    got = await store.get_custom_scenario("g1", "beta")
    assert got is not None and got.digest == "d2" and got.uploaded_by == "someone"
    assert await store.get_custom_scenario("g2", "beta") is None

    assert await store.remove_custom_scenario("g1", "beta") is True
    assert await store.remove_custom_scenario("g1", "beta") is False
    assert [r.scenario_id for r in await store.custom_scenarios("g1")] == ["alpha"]
    assert len(await store.custom_scenarios("g2")) == 1


async def test_count_limit_is_checked_atomically(store: Store) -> None:
    results = await asyncio.gather(
        *(save(store, "g", f"s{i}", limit=3) for i in range(6)), return_exceptions=True
    )
    assert sum(isinstance(r, CustomScenarioLimit) for r in results) == 3
    kept = await store.custom_scenarios("g")
    assert len(kept) == 3
    # replacing an existing id is allowed at the limit (whichever three won the race);
    # another server has its own count
    _, replaced = await save(store, "g", kept[0].scenario_id, limit=3)
    assert replaced
    with pytest.raises(CustomScenarioLimit):
        await save(store, "g", "new", limit=3)
    await save(store, "other", "new", limit=3)


async def test_versions_first_copy_wins_and_open_sessions_find_theirs(
    store: Store,
) -> None:
    await store.save_scenario_version("abc", "x", "one", guild_id="g", common={"c": ["w"]})
    await store.save_scenario_version("abc", "x", "two")
    v = await store.scenario_version("abc")
    assert v is not None and (v.source, v.guild_id, v.common) == ("one", "g", {"c": ["w"]})
    assert await store.scenario_version("nope") is None
    await store.save_scenario_version("old", "y", "ended's")
    s1 = await store.start_session("u", "dm:u", "x", "abc", {})
    s2 = await store.start_session("u", "console", "y", "old", {})
    await store.end_session(s2.id)
    assert [v.digest for v in await store.open_session_versions()] == ["abc"]
    assert s1.is_open


async def test_forget_user_clears_the_uploader_and_export_lists_uploads(
    store: Store, backend: Backend
) -> None:
    await store.upsert_user(UPLOADER, "Ada")
    await save(store, "g1", "alpha")
    await save(store, "g1", "beta", by="someone-else")
    export = await store.export_user(UPLOADER)
    assert [u["scenario_id"] for u in export["custom_scenarios_uploaded"]] == ["alpha"]
    assert any(UPLOADER in str(value) for _, value in backend.every_value(store))
    done = await store.forget_user(UPLOADER)
    assert done["scenarios_anonymised"] == 1
    # the server keeps its round, without the name
    alpha = await store.get_custom_scenario("g1", "alpha")
    assert alpha is not None and alpha.uploaded_by is None
    beta = await store.get_custom_scenario("g1", "beta")
    assert beta is not None and beta.uploaded_by == "someone-else"
    assert not any(UPLOADER in str(value) for _, value in backend.every_value(store))
