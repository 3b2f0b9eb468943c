"""Which scenario a session runs on: bundled files, per-server custom ones, and old versions.

`ScenarioRegistry` holds the bundled catalogue (replaceable by a hot reload), the
custom scenarios of each server and every scenario version seen, by digest.
Several bot processes may share one store, and any of them may upload or remove a
round: so the list of a server's custom rounds is read from the store on every
async lookup (one indexed query), while what is costly, parsing, is cached by
digest (a digest names one immutable source). A new session gets the current
version of a scenario; an existing one is resolved by (server, id, digest), so it
keeps running on the version it started with after a reload, a replacing upload,
a removal or a restart (the source of every version a session started with is
kept in the store).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path

from bot.core.scenarios import (
    Catalogue,
    Scenario,
    ScenarioError,
    ScenarioLoadError,
    load_directory,
    parse_scenario,
    read_common,
    source_digest,
)
from bot.core.scorer import prepare
from bot.store import CustomScenarioRecord, ScenarioStore

log = logging.getLogger("bot.scenarios")


@dataclass(frozen=True)
class ReloadReport:
    """What a hot reload changed, by scenario id."""

    added: list[str]
    changed: list[str]
    removed: list[str]
    unchanged: list[str]


class ScenarioRegistry:
    """Bundled catalogue + per-server custom scenarios + every version by digest."""

    def __init__(
        self,
        catalogue: Catalogue,
        store: ScenarioStore | None = None,
        *,
        common: dict[str, list[str]] | None = None,
    ) -> None:
        self.catalogue = catalogue
        self.store = store
        self.common = common if common is not None else _common_of(catalogue)
        self._versions: dict[str, Scenario] = {}
        self._sources: dict[str, str] = {}  # digest -> source text (bundled and custom)
        self._custom: dict[str, dict[str, Scenario]] = {}  # guild -> id -> scenario
        self._persisted: set[str] = set()
        self._warm = False
        self._remember(catalogue)

    # ------------------------------------------------------------------ bookkeeping
    def _remember(self, catalogue: Catalogue) -> None:
        """Keep every bundled version (and its text, read while the file still matches)."""
        for scenario in catalogue:
            self._versions.setdefault(scenario.digest, scenario)
            if scenario.digest not in self._sources:
                source = self.source_of(scenario)
                if source is not None:
                    self._sources[scenario.digest] = source

    def _key(self, guild_id: str | int | None) -> str | None:
        return None if guild_id is None else str(guild_id)

    def source_of(self, scenario: Scenario) -> str | None:
        """The TOML text a scenario was compiled from, if known."""
        if scenario.digest in self._sources:
            return self._sources[scenario.digest]
        if scenario.path is not None:
            try:
                text = scenario.path.read_text(encoding="utf-8")
            except OSError:
                return None
            if source_digest(text) == scenario.digest:
                return text
        return None

    # ------------------------------------------------------------------ custom scenarios
    def parse_custom(self, source: str, name: str) -> Scenario:
        """Validate an uploaded file like a bundled one, within the limits of an untrusted
        file (`bot.core.untrusted`); its id may not shadow a bundled id."""
        scenario = parse_scenario(source, name, self.common, untrusted=True)
        if scenario.id in self.catalogue.scenarios:
            raise ScenarioLoadError(
                [
                    ScenarioError(
                        name,
                        "id",
                        f"{scenario.id!r} is the id of a bundled scenario; choose another id",
                        1,
                    )
                ]
            )
        return scenario

    async def custom(self, guild_id: str | int | None) -> dict[str, Scenario]:
        """A server's custom scenarios by id, as the store has them now (another process
        may have uploaded or removed one); each version is parsed once, by digest."""
        key = self._key(guild_id)
        if key is None or self.store is None:
            return {}
        records = await self.store.custom_scenarios(key)
        loaded: dict[str, Scenario] = {}
        for record in records:
            scenario = self._compile_record(record)
            if scenario is not None:
                loaded[scenario.id] = scenario
        self._custom[key] = loaded
        return loaded

    def _compile_record(self, record: CustomScenarioRecord) -> Scenario | None:
        known = self._versions.get(record.digest)
        if known is not None and known.id == record.scenario_id:
            return known
        try:
            scenario = parse_scenario(
                record.source, f"{record.scenario_id}.toml", self.common, untrusted=True
            )
        except ScenarioLoadError as exc:  # e.g. a shared concept it used was removed
            log.warning(
                "custom scenario %s of server %s no longer loads: %s",
                record.scenario_id,
                record.guild_id,
                exc,
            )
            return None
        self._versions.setdefault(scenario.digest, scenario)
        self._sources.setdefault(scenario.digest, record.source)
        return scenario

    def cached_custom(self, guild_id: str | int | None) -> dict[str, Scenario]:
        """A server's custom scenarios as last read (for synchronous callers)."""
        key = self._key(guild_id)
        return {} if key is None else self._custom.get(key, {})

    def forget_guild_cache(self, guild_id: str | int | None) -> None:
        """Drop what synchronous callers see of a server until its next async lookup."""
        key = self._key(guild_id)
        if key is not None:
            self._custom.pop(key, None)

    def add_custom(self, guild_id: str | int, scenario: Scenario, source: str) -> None:
        """An upload just stored: make it visible at once in its server."""
        self._versions.setdefault(scenario.digest, scenario)
        self._sources.setdefault(scenario.digest, source)
        key = str(guild_id)
        if key in self._custom:
            self._custom[key][scenario.id] = scenario

    def drop_custom(self, guild_id: str | int, scenario_id: str) -> None:
        key = str(guild_id)
        if key in self._custom:
            self._custom[key].pop(scenario_id, None)

    async def available(self, guild_id: str | int | None) -> list[Scenario]:
        """What `/interview start` offers here: the bundled rounds, then this server's."""
        return [*self.catalogue, *(await self.custom(guild_id)).values()]

    # ------------------------------------------------------------------ resolution
    async def for_new(self, guild_id: str | int | None, scenario_id: str) -> Scenario | None:
        """The current version of a scenario a new session may start on here."""
        bundled = self.catalogue.scenarios.get(scenario_id)
        if bundled is not None:
            return bundled
        return (await self.custom(guild_id)).get(scenario_id)

    def resolve_cached(
        self, guild_id: str | int | None, scenario_id: str, digest: str
    ) -> Scenario | None:
        """Without the store: the exact version if known, else the current one by id."""
        known = self._versions.get(digest) if digest else None
        if known is not None and known.id == scenario_id:
            return known
        current = self.catalogue.scenarios.get(scenario_id)
        if current is None:
            current = self.cached_custom(guild_id).get(scenario_id)
        return current

    async def resolve(
        self, guild_id: str | int | None, scenario_id: str, digest: str
    ) -> Scenario | None:
        """The version a session started with; else the current one (the core then refuses)."""
        await self.warm()
        known = self._versions.get(digest) if digest else None
        if known is not None and known.id == scenario_id:
            return known
        custom = (await self.custom(guild_id)).get(scenario_id)
        if custom is not None and custom.digest == digest:
            return custom
        if digest and self.store is not None:
            version = await self.store.scenario_version(digest)
            if version is not None and version.scenario_id == scenario_id:
                rebuilt = self._rebuild(
                    version.source,
                    version.scenario_id,
                    version.common,
                    untrusted=version.guild_id is not None,
                )
                if rebuilt is not None:
                    return rebuilt
        return self.catalogue.scenarios.get(scenario_id) or custom

    def _rebuild(
        self,
        source: str,
        scenario_id: str,
        common: dict[str, list[str]],
        *,
        untrusted: bool,
    ) -> Scenario | None:
        """A stored version (a custom one, from a server, is untrusted)."""
        try:
            scenario = parse_scenario(
                source, f"{scenario_id}.toml", common or self.common, untrusted=untrusted
            )
        except ScenarioLoadError as exc:
            log.warning("stored version of %s no longer loads: %s", scenario_id, exc)
            return None
        self._versions.setdefault(scenario.digest, scenario)
        self._sources.setdefault(scenario.digest, source)
        return self._versions[scenario.digest]

    async def warm(self) -> None:
        """Once: load the versions open sessions run on, so sync lookups find them."""
        if self._warm or self.store is None:
            self._warm = True
            return
        self._warm = True
        await self.load_open_versions()

    async def load_open_versions(self) -> None:
        """Load every version an open session runs on that this process has not seen
        (sessions another process started on a round uploaded there): before a sweep
        summarises sessions synchronously."""
        if self.store is None:
            return
        try:
            versions = await self.store.open_session_versions()
        except Exception:  # the store may be closing; lookups fall back to the store later
            log.exception("could not load the scenario versions of open sessions")
            return
        for version in versions:
            self._persisted.add(version.digest)
            if version.digest not in self._versions:
                self._rebuild(
                    version.source,
                    version.scenario_id,
                    version.common,
                    untrusted=version.guild_id is not None,
                )

    async def keep_version(self, scenario: Scenario, guild_id: str | int | None) -> None:
        """Before a session starts: store its version's source (once per digest)."""
        if self.store is None or scenario.digest in self._persisted:
            return
        source = self.source_of(scenario)
        if source is None:
            return
        custom = self._key(guild_id) if scenario.id not in self.catalogue.scenarios else None
        common = self.common
        await self.store.save_scenario_version(
            scenario.digest, scenario.id, source, guild_id=custom, common=common
        )
        self._persisted.add(scenario.digest)

    # ------------------------------------------------------------------ hot reload
    async def reload(self, directory: Path) -> ReloadReport:
        """Re-read the bundled files; on any error raise ScenarioLoadError and keep the old."""
        catalogue, common = await asyncio.to_thread(_load, directory)
        old = self.catalogue.scenarios
        new = catalogue.scenarios
        report = ReloadReport(
            added=[sid for sid in new if sid not in old],
            changed=[sid for sid in new if sid in old and old[sid].digest != new[sid].digest],
            removed=[sid for sid in old if sid not in new],
            unchanged=[sid for sid in new if sid in old and old[sid].digest == new[sid].digest],
        )
        self._remember(catalogue)
        self.catalogue = catalogue
        if common != self.common:
            # new uploads validate against the new shared concepts; a stored custom
            # scenario already compiled keeps its compiled version (same source digest)
            self.common = common
            self._custom.clear()
        return report


def _load(directory: Path) -> tuple[Catalogue, dict[str, list[str]]]:
    """The files, each round ready to score (off the event loop, like the reading)."""
    catalogue = load_directory(directory)
    for scenario in catalogue:
        prepare(scenario)
    return catalogue, read_common(directory)


def _common_of(catalogue: Catalogue) -> dict[str, list[str]]:
    """The shared concepts next to the bundled files (none if they were not read from disk)."""
    for scenario in catalogue:
        if scenario.path is not None:
            try:
                return read_common(scenario.path.parent)
            except (OSError, ValueError) as exc:
                log.warning("could not read the shared concepts: %s", exc)
                return {}
    return {}
