""" "typing…" only while a reply is slow: a quick reply costs one request, not two.

Discord allows a bot 50 requests a second in all (every process on one token), so a
typing signal before every reply halved the answers a second it could take.
"""

from __future__ import annotations

from pathlib import Path

from fake_discord import FakeDiscord
from interview_harness import interview_bot
from test_hostile_input import DIGITS, dm_round
from test_interview_flow import UI, is_move


def typing_posts(fake: FakeDiscord, channel_id: int) -> int:
    return len(fake.find_requests("POST", f"/channels/{channel_id}/typing"))


async def test_a_quick_reply_comes_without_typing(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    async with interview_bot(fake, tmp_path, typing_delay_s=10.0):
        dm = await dm_round(fake, fake.alice, "auto-summarize")
        since = fake.checkpoint()
        await fake.user_message(dm, UI)
        await fake.wait_for_message(dm, predicate=is_move, since=since)
        assert typing_posts(fake, dm) == 0


async def test_a_slow_reply_shows_typing_first(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    """An answer that takes about a second to score (long runs of digits) gets "typing…"
    after 0.2 s, before the reply; with no delay every reply gets it."""
    fake = fake_discord
    async with interview_bot(fake, tmp_path, typing_delay_s=0.2):
        dm = await dm_round(fake, fake.alice, "impact-resume")
        since = fake.checkpoint()
        await fake.user_message(dm, DIGITS)
        reply = await fake.wait_for_message(dm, since=since, timeout=60)
        typing = fake.find_requests("POST", f"/channels/{dm}/typing")
        assert len(typing) == 1
        assert typing[0].at <= reply.created_at
    bob = fake.add_user("bob")
    async with interview_bot(fake, tmp_path, typing_delay_s=0.0):
        dm = await dm_round(fake, bob, "auto-summarize")
        before = typing_posts(fake, dm)
        since = fake.checkpoint()
        await fake.user_message(dm, UI, user=bob)
        await fake.wait_for_message(dm, predicate=is_move, since=since)
        assert typing_posts(fake, dm) == before + 1
