"""Every knob of the bot, typed, from the environment or a `.env` file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from platformdirs import user_data_dir
from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot import PROJECT_ROOT
from bot.sharding import parse_shard_ids


class SettingsError(Exception):
    """A setting is missing or invalid; the message is one readable line."""


def default_database_url() -> str:
    """`interview-bot.db` in the user's data directory; the store creates the directory.

    ~/.local/share/interview-bot/ on Linux (or $XDG_DATA_HOME/interview-bot/),
    ~/Library/Application Support/interview-bot/ on macOS, %LOCALAPPDATA%/interview-bot/
    on Windows. Computing it creates nothing.
    """
    path = Path(user_data_dir("interview-bot", appauthor=False)) / "interview-bot.db"
    return "sqlite:///" + quote(str(path), safe="/\\:")


class Settings(BaseSettings):
    """Configuration; every field can be set as an upper-case environment variable."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    discord_token: SecretStr | None = Field(default=None, description="Bot token from the portal")
    database_url: str = Field(default_factory=default_database_url)
    scenarios_dir: Path = Field(default=PROJECT_ROOT / "scenarios")
    templates_dir: Path = Field(default=PROJECT_ROOT / "templates")
    log_level: str = Field(default="INFO")
    message_content_intent: bool = Field(default=False)
    hint_cost: float = Field(default=0.25, ge=0.0, le=1.0)
    transcript_retention_days: int = Field(default=180, ge=1)
    idle_sweep_seconds: int = Field(default=300, ge=10)
    loop_claim_lease_s: float = Field(
        default=300.0,  # the store's DEFAULT_CLAIM_LEASE_S
        gt=0.0,
        le=86_400.0,
        description="How long a claimed loop reminder or report is held for its claimer; "
        "one not recorded as sent by then is sent again (the claimer died). Longer than "
        "sending one check's DMs takes",
    )
    # Discord shell
    shard_count: int | None = Field(
        default=None, ge=1, description="Fixed shard count; unset = Discord's recommendation"
    )
    shard_ids: str | None = Field(
        default=None,
        description="Shards this process holds, e.g. 0-3,8 (needs SHARD_COUNT); unset = all",
    )
    identify_max_concurrency: int = Field(
        default=1, ge=1, le=1024, description="Discord's max_concurrency (identify buckets)"
    )
    identify_interval_s: float = Field(
        default=5.5,
        gt=0.0,
        le=60.0,
        description="Gap between identifies in one bucket (Discord: 5 s; 0.5 s for jitter)",
    )
    auto_shard: bool = Field(default=True, description="AutoShardedBot (shards when asked)")
    dev_guild_id: int | None = Field(default=None, description="Guild for `sync --guild` default")
    max_answer_chars: int = Field(default=4000, ge=100, le=8000)
    flood_messages: int = Field(
        default=8, ge=1, le=1000, description="Messages a user may send in FLOOD_SECONDS"
    )
    flood_seconds: float = Field(
        default=10.0, gt=0.0, le=3600.0, description="Window of the per-user flood limit"
    )
    typing_delay_s: float = Field(
        default=0.5,
        ge=0.0,
        le=10.0,
        description="Show 'typing…' only for a reply slower than this (saves a request)",
    )
    resume_notices_per_second: float = Field(
        default=10.0,
        gt=0.0,
        le=45.0,
        description="Pace of restart notices and look-backs (Discord allows 50 requests/s)",
    )
    startup_backoff_initial_s: float = Field(default=5.0, gt=0.0, le=600.0)
    startup_backoff_max_s: float = Field(default=300.0, gt=0.0, le=3600.0)
    startup_max_attempts: int = Field(default=8, ge=1, le=100)
    # Custom scenarios per server (/scenario upload)
    custom_scenario_max_bytes: int = Field(
        default=64 * 1024, ge=1024, le=1024 * 1024, description="Largest scenario file accepted"
    )
    custom_scenarios_per_guild: int = Field(
        default=25, ge=0, le=200, description="Custom scenarios one server may keep"
    )

    @field_validator("database_url")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        if not value.startswith(("sqlite://", "postgresql://", "postgres://")):
            raise ValueError("must start with sqlite:/// (or postgresql:// once supported)")
        return value

    @field_validator("shard_ids")
    @classmethod
    def _shard_ids(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None or not value.strip():
            return None
        if "shard_count" not in info.data:  # SHARD_COUNT itself is invalid: its error says so
            return value
        ids = parse_shard_ids(value, info.data["shard_count"])
        return ",".join(str(i) for i in ids)

    @property
    def shards(self) -> tuple[int, ...] | None:
        """The shard ids this process holds (sorted), or None for all of them."""
        if self.shard_ids is None:
            return None
        return parse_shard_ids(self.shard_ids, self.shard_count)

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level


def describe_error(exc: ValidationError) -> str:
    """One line naming each bad variable and what is wrong with it."""
    parts = []
    for err in exc.errors():
        name = "_".join(str(p) for p in err["loc"]).upper() or "settings"
        parts.append(f"{name}: {err['msg']}")
    return "invalid configuration: " + "; ".join(parts)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Load settings once; raise SettingsError with one clear line on bad values."""
    try:
        return Settings()
    except ValidationError as exc:
        raise SettingsError(describe_error(exc)) from None
