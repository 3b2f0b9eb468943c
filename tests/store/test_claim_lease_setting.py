"""LOOP_CLAIM_LEASE_S: how long the loop cog's claims on reminders and reports last."""

from __future__ import annotations

import pytest

from bot.settings import Settings, SettingsError, get_settings


def test_the_lease_defaults_to_five_minutes_and_is_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert Settings(_env_file=None).loop_claim_lease_s == 300.0  # type: ignore[call-arg]
    monkeypatch.setenv("LOOP_CLAIM_LEASE_S", "90")
    assert Settings(_env_file=None).loop_claim_lease_s == 90.0  # type: ignore[call-arg]


@pytest.mark.parametrize("value", ["0", "-5", "abc", "86401"])
def test_a_lease_that_is_not_a_positive_time_is_refused_in_one_line(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("LOOP_CLAIM_LEASE_S", value)
    get_settings.cache_clear()
    try:
        with pytest.raises(SettingsError, match="LOOP_CLAIM_LEASE_S"):
            get_settings()
    finally:
        get_settings.cache_clear()
