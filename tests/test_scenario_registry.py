"""The scenario registry and Interviews' resolution by (server, id, digest), on real SQLite."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot import PROJECT_ROOT
from bot.core.scenarios import ScenarioLoadError, load_directory
from bot.core.scorer import is_prepared
from bot.sessions import Interviews, UnknownScenario
from bot.store import SqliteStore

FIXTURE = PROJECT_ROOT / "tests" / "data" / "custom" / "data-platform-pm.toml"
UI = "I would make the summarize button bigger and move it to the toolbar, with a new colour."


@pytest.fixture
def scenario_dir(tmp_path: Path) -> Path:
    """The shared concepts and one bundled round (other files may be mid-edit)."""
    target = tmp_path / "scenarios"
    target.mkdir()
    for name in ("_common.toml", "auto-summarize.toml"):
        shutil.copy(PROJECT_ROOT / "scenarios" / name, target / name)
    return target


def edit(directory: Path, old: str, new: str, name: str = "auto-summarize.toml") -> None:
    path = directory / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


async def upload(interviews: Interviews, guild: str, source: str) -> None:
    scenario = interviews.registry.parse_custom(source, "x.toml")
    await interviews.store.save_custom_scenario(  # type: ignore[attr-defined]
        guild,
        scenario.id,
        title=scenario.spec.title,
        round=scenario.spec.round,
        digest=scenario.digest,
        source=source,
        uploaded_by="admin",
    )
    interviews.registry.forget_guild_cache(guild)


async def test_reload_keeps_open_sessions_on_their_version_also_after_a_restart(
    scenario_dir: Path, tmp_path: Path
) -> None:
    db = tmp_path / "s.db"
    async with await SqliteStore.open(db) as store:
        interviews = Interviews(store, load_directory(scenario_dir))
        old = await interviews.start("u1", "U1", "dm:u1", "auto-summarize", seed=1)

        edit(scenario_dir, "Let's do a product case.", "A new case.")
        report = await interviews.registry.reload(scenario_dir)
        assert report.changed == ["auto-summarize"] and not report.added and not report.removed
        assert is_prepared(interviews.catalogue.get("auto-summarize"))  # ready to score
        new = await interviews.start("u2", "U2", "dm:u2", "auto-summarize", seed=1)
        assert new.scenario.digest != old.scenario.digest
        assert "A new case." in new.scenario.spec.opening

        turn = await interviews.answer(old.session.id, "u1", UI)  # no ScenarioChanged
        assert turn.scenario.digest == old.scenario.digest
        summary = interviews.summary_of(turn.session)
        assert summary.scenario_title == old.scenario.spec.title
        assert [r.id for r in summary.criteria] == [c.id for c in old.scenario.criteria]
        assert summary.answers == 1

    # a restart on the edited files: the old session is rebuilt from the stored version
    async with await SqliteStore.open(db) as store:
        interviews = Interviews(store, load_directory(scenario_dir))
        assert interviews.catalogue.get("auto-summarize").digest == new.scenario.digest
        turn = await interviews.answer(old.session.id, "u1", UI)
        assert turn.scenario.digest == old.scenario.digest
        assert "Let's do a product case." in turn.scenario.spec.opening
        turn = await interviews.answer(new.session.id, "u2", UI)
        assert turn.scenario.digest == new.scenario.digest
        # the idle sweep's summaries (scored in a worker thread) find both versions too
        for started in (old, new):
            results = await interviews.expiry_results(started.session)
            assert results is not None
            assert set(results["criteria"]) == {c.id for c in started.scenario.criteria}


async def test_broken_reload_keeps_the_old_catalogue(scenario_dir: Path, tmp_path: Path) -> None:
    async with await SqliteStore.open(tmp_path / "s.db") as store:
        interviews = Interviews(store, load_directory(scenario_dir))
        before = interviews.catalogue
        edit(scenario_dir, 'round = "product-sense"', 'round = "product"')
        with pytest.raises(ScenarioLoadError) as exc:
            await interviews.registry.reload(scenario_dir)
        assert "[round] unknown round 'product'" in str(exc.value)
        assert interviews.catalogue is before


async def test_custom_scenarios_are_per_server_and_cannot_shadow_bundled(tmp_path: Path) -> None:
    source = FIXTURE.read_text(encoding="utf-8")
    async with await SqliteStore.open(tmp_path / "s.db") as store:
        interviews = Interviews(store, load_directory(PROJECT_ROOT / "scenarios"))
        with pytest.raises(ScenarioLoadError, match="id of a bundled scenario"):
            interviews.registry.parse_custom(
                source.replace('id = "data-platform-pm"', 'id = "impact-lens"', 1), "x.toml"
            )
        await upload(interviews, "g1", source)
        ids = [s.id for s in await interviews.registry.available("g1")]
        assert ids[-1] == "data-platform-pm" and "auto-summarize" in ids
        assert "data-platform-pm" not in [s.id for s in await interviews.registry.available("g2")]
        assert "data-platform-pm" not in [s.id for s in await interviews.registry.available(None)]

        turn = await interviews.start(
            "u", "U", "guild:g1", "data-platform-pm", guild_id="g1", channel_id="c"
        )
        assert turn.scenario.id == "data-platform-pm"
        with pytest.raises(UnknownScenario):
            await interviews.start("u", "U", "guild:g2", "data-platform-pm", guild_id="g2")
        with pytest.raises(UnknownScenario):
            interviews.scenario("data-platform-pm")  # the old lookup: bundled only

        # replaced, then removed: the open session keeps its version
        await upload(interviews, "g1", source.replace("Priya Raman", "Rui Costa"))
        fresh = Interviews(store, load_directory(PROJECT_ROOT / "scenarios"))  # a restart
        assert (await fresh.scenario_in("g1", "data-platform-pm")).spec.persona.name == "Rui Costa"
        await store.remove_custom_scenario("g1", "data-platform-pm")
        fresh.registry.forget_guild_cache("g1")
        answered = await fresh.answer(turn.session.id, "u", "The reply-suggestion model first.")
        assert answered.scenario.spec.persona.name == "Priya Raman"
        with pytest.raises(UnknownScenario):
            await fresh.scenario_in("g1", "data-platform-pm")


async def test_a_version_is_stored_once_per_digest(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    async with await SqliteStore.open(db) as store:
        interviews = Interviews(store, load_directory(PROJECT_ROOT / "scenarios"))
        for i in range(3):
            await interviews.start(f"u{i}", "U", f"dm:u{i}", "auto-summarize")
        await interviews.start("u9", "U", "dm:u9", "impact-lens")
        versions = await store.open_session_versions()
    assert sorted(v.scenario_id for v in versions) == ["auto-summarize", "impact-lens"]
    assert all(v.guild_id is None and v.common for v in versions)


async def test_two_processes_on_one_database_see_each_others_uploads_and_removals(
    tmp_path: Path,
) -> None:
    """Two bot processes (two stores on one file, two registries): a round uploaded,
    replaced or removed through one is what the other offers next, with no restart;
    a session started in one on an uploaded round is summarised by the other's sweep."""
    source = FIXTURE.read_text(encoding="utf-8")
    catalogue = load_directory(PROJECT_ROOT / "scenarios")
    db = tmp_path / "s.db"
    clock = [1_000_000.0]
    async with (
        await SqliteStore.open(db, clock=lambda: clock[0]) as store_a,
        await SqliteStore.open(db, clock=lambda: clock[0]) as store_b,
    ):
        a = Interviews(store_a, catalogue, clock=lambda: clock[0])
        b = Interviews(store_b, catalogue, clock=lambda: clock[0])
        await b.registry.warm()  # b is up and has loaded the versions of open sessions
        ids_b = [s.id for s in await b.registry.available("g1")]  # b has looked (and cached)
        assert "data-platform-pm" not in ids_b

        await upload(a, "g1", source)
        turn = await a.start("u", "U", "guild:g1", "data-platform-pm", guild_id="g1")
        await upload(a, "g1", source.replace("Priya Raman", "Rui Costa"))
        assert "data-platform-pm" in [s.id for s in await b.registry.available("g1")]
        assert (await b.scenario_in("g1", "data-platform-pm")).spec.persona.name == "Rui Costa"

        await store_a.remove_custom_scenario("g1", "data-platform-pm")
        assert "data-platform-pm" not in [s.id for s in await b.registry.available("g1")]
        with pytest.raises(UnknownScenario):
            await b.scenario_in("g1", "data-platform-pm")

        # b never saw the version the open session runs on (replaced before b looked):
        # its sweep loads it from the store and summarises the session on it
        clock[0] += 24 * 3600
        expired = await b.sweep()
        assert [s.id for s in expired] == [turn.session.id]
        results = await store_b.get_results(turn.session.id)
        assert results is not None, "b could not summarise a session on a version it never saw"
        criteria = {c.id for c in turn.scenario.criteria}
        assert criteria and set(results["criteria"]) == criteria, results
