"""The contract's shape: a backend has every method of the store protocols, each a
coroutine taking exactly the protocol's parameters, and no public method beyond them."""

from __future__ import annotations

import inspect

from bot.store import GroupStore, ScenarioStore, SessionStore, Store

PROTOCOLS = (SessionStore, GroupStore, ScenarioStore, Store)
CONSTRUCTORS = {"open"}  # a backend's own way to be made (SqliteStore.open) is not a unit


def protocol_methods() -> dict[str, inspect.Signature]:
    found: dict[str, inspect.Signature] = {}
    for protocol in PROTOCOLS:
        for name, member in vars(protocol).items():
            if callable(member) and not name.startswith("_"):
                found[name] = inspect.signature(member)
    return found


def test_the_protocols_cover_each_area() -> None:
    methods = protocol_methods()
    assert {"record_exchange", "start_session", "transcript"} <= set(vars(SessionStore))
    assert {"join_panel", "claim_due_reminders", "score_series"} <= set(vars(GroupStore))
    assert {"save_custom_scenario", "scenario_version"} <= set(vars(ScenarioStore))
    assert {"export_user", "forget_user", "sweep", "close"} <= set(vars(Store))
    assert len(methods) >= 50


def test_the_backend_has_every_method_with_the_protocols_parameters(store: Store) -> None:
    for name, expected in protocol_methods().items():
        method = getattr(type(store), name, None)
        assert method is not None, f"{type(store).__name__} lacks {name}"
        assert inspect.iscoroutinefunction(method), f"{name} is not async"
        got = inspect.signature(method)
        assert [(p.name, p.kind, p.default) for p in got.parameters.values()] == [
            (p.name, p.kind, p.default) for p in expected.parameters.values()
        ], name


def test_the_backend_offers_nothing_a_caller_would_miss_elsewhere(store: Store) -> None:
    public = {
        name
        for name, member in inspect.getmembers(type(store))
        if not name.startswith("_") and inspect.iscoroutinefunction(member)
    }
    assert public - CONSTRUCTORS <= set(protocol_methods())
