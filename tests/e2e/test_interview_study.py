"""Study mode on Discord: the rubric is shown before the interview only when asked for."""

from __future__ import annotations

from pathlib import Path

from fake_discord import FakeDiscord, StoredMessage
from interview_harness import interview_bot

from bot.core.interview import InterviewState


def is_move(msg: StoredMessage) -> bool:
    return any(cid.startswith("iv:answer:") for cid in msg.custom_ids())


LABELS = ("Concrete mitigation plan", "Bias measurement with a target", "Human-in-the-loop review")


async def test_default_start_shows_no_rubric(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    fake = fake_discord
    async with interview_bot(fake, tmp_path):
        ix = await fake.slash("interview start", {"round": "bias-complaint"}, dm=True)
        opening = await ix.wait_reply(predicate=is_move)
        shown = opening.text()
        assert "Study mode" not in shown
        assert not any(label in shown for label in LABELS)


async def test_study_mode_shows_the_rubric_first(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    fake = fake_discord
    async with interview_bot(fake, tmp_path) as h:
        ix = await fake.slash(
            "interview start", {"round": "bias-complaint", "mode": "study"}, dm=True
        )
        opening = await ix.wait_reply(predicate=is_move)
        assert len(opening.embeds) == 2
        rubric = opening.embeds[0]["description"]
        assert rubric.startswith("Study mode")
        assert all(label in rubric for label in LABELS)
        assert "Apology instead of remediation" in rubric  # what gets pushed back on
        assert opening.embeds[1]["author"]["name"].startswith("Leila Haddad")
        sid = int(opening.custom_ids()[0].split(":")[-1])
        session = await h.store.get_session(sid)
        assert session is not None and session.mode == "solo"
        assert InterviewState.from_json(session.state).study
