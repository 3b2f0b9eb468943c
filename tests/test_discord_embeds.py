"""Discord's size limits on the bot's embeds and messages, and the error wording."""

from __future__ import annotations

from types import SimpleNamespace

import discord

from bot.core.summary import AntiPatternRow, CriterionRow, Summary, Verdict
from bot.exts.errors import describe
from bot.exts.interview._embeds import echo_embed, summary_embeds
from bot.exts.shared.embeds import (
    DESCRIPTION_LIMIT,
    EMBED_TOTAL_LIMIT,
    FIELD_VALUE_LIMIT,
    embeds_by_message,
    split_text,
)


def _huge_summary() -> Summary:
    quote = "@everyone I said a very long thing about metrics " * 40  # ~2,000 chars
    criteria = tuple(
        CriterionRow(f"c{i}", f"Criterion {i}", "partly", 0.4, (quote, quote), "Do X " * 50, True)
        for i in range(12)
    )
    aps = tuple(
        AntiPatternRow(f"a{i}", f"Anti-pattern {i}", "Instead " * 30, "Push " * 50, ())
        for i in range(12)
    )
    verdicts = tuple(Verdict(f"Verdict {i}", "Because " * 40, ("c1",)) for i in range(5))
    return Summary(
        "s", "A long round", True, 40, criteria, aps, verdicts, criteria[0], 3, 9, "completed"
    )


def test_summary_embeds_respect_every_limit_and_mark_cuts() -> None:
    embeds = summary_embeds(_huge_summary())
    assert len(embeds) >= 2  # 30 fields cannot fit one embed
    names = [f.name for e in embeds for f in e.fields]
    assert len(names) == 12 + 12 + 5 + 1  # nothing dropped, only split
    for e in embeds:
        assert len(e) <= EMBED_TOTAL_LIMIT and len(e.fields) <= 25
        assert len(e.description or "") <= DESCRIPTION_LIMIT
        for f in e.fields:
            assert len(f.value) <= FIELD_VALUE_LIMIT and len(f.name) <= 256
    cut = [f for e in embeds for f in e.fields if "cut to fit" in f.value]
    assert cut  # visibly truncated, not silently
    assert all("@everyone" not in f.value for e in embeds for f in e.fields)
    assert embeds[1].title == "Feedback: A long round (continued)"
    for message in embeds_by_message(embeds):
        assert len(message) <= 10 and sum(len(e) for e in message) <= EMBED_TOTAL_LIMIT


def test_long_echo_and_text_are_cut_or_split() -> None:
    echo = echo_embed("x", "*" * 4000)  # escaping doubles it
    assert len(echo.description or "") <= DESCRIPTION_LIMIT
    assert "cut to fit" in (echo.description or "")
    chunks = split_text(("word " * 1000 + "\n\n") * 3)
    assert all(len(c) <= 2000 for c in chunks) and len(chunks) >= 8


def _http_error(cls: type[discord.HTTPException], status: int, code: int) -> Exception:
    response = SimpleNamespace(status=status, reason="x")
    return cls(response, {"code": code, "message": "m"})  # type: ignore[arg-type]


def test_known_discord_errors_get_useful_messages() -> None:
    cases = {
        50007: "privacy settings",
        50013: "missing a permission",
        160005: "locked",
        160006: "limit of active threads",
        10062: "took too long",
    }
    for code, words in cases.items():
        cls = discord.Forbidden if code in (50007, 50013) else discord.HTTPException
        text, expected = describe(_http_error(cls, 403 if cls is discord.Forbidden else 400, code))
        assert words in text and expected, code
    text, expected = describe(RuntimeError("boom"))
    assert "went wrong on my side" in text and not expected
