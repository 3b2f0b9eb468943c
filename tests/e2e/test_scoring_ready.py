"""The first answer in a round does not pay for getting the round ready to score.

Building a round's scoring lexicon costs 0.1-0.4 s of CPU; done on the first answer,
it held that answer (and, holding the interpreter, everyone else's) back: the Discord
benchmark saw p50 0.8 s for first answers. The bot now does it before it connects.
"""

from __future__ import annotations

from pathlib import Path

from fake_discord import FakeDiscord
from interview_harness import interview_bot

from bot.core.scenarios import load_directory
from bot.core.scorer import is_prepared
from bot.settings import Settings


async def test_every_bundled_round_is_ready_to_score_once_the_bot_is_up(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fresh = load_directory(Settings().scenarios_dir)  # not the catalogue other tests share
    assert len(fresh) == 7 and not any(is_prepared(s) for s in fresh)
    async with interview_bot(fake_discord, tmp_path, scenarios=fresh, sync=False):
        assert [s.id for s in fresh if not is_prepared(s)] == []
