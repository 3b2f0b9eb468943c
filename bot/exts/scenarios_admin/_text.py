"""The `/scenario` error lists, split into Discord-sized messages."""

from __future__ import annotations

from collections.abc import Sequence

from bot.exts.shared.embeds import CONTENT_LIMIT, truncate
from bot.exts.shared.wording import scenario_admin_wording

MAX_ERROR_MESSAGES = 3  # an upload's refusal: at most this many messages of errors
ERROR_LINE_LIMIT = 400


def code_safe(text: str) -> str:
    """Text that cannot close a Markdown code block."""
    return text.replace("```", "`\u200b``")


def error_messages(
    lead: str, lines: Sequence[str], *, max_messages: int = MAX_ERROR_MESSAGES
) -> list[str]:
    """`lead` then the lines in code blocks, split into Discord-sized messages.

    Each line is cut to ERROR_LINE_LIMIT characters; what does not fit in
    `max_messages` messages is counted in a last "… and N more" line.
    """
    fence_cost = len("```\n") + len("\n```")
    budget = CONTENT_LIMIT - fence_cost
    messages: list[str] = []
    current: list[str] = []
    header = lead
    shown = 0
    for raw in lines:
        line = truncate(code_safe(raw.replace("\n", " ")), ERROR_LINE_LIMIT)
        head_cost = len(header) + 1 if header else 0
        size = head_cost + sum(len(x) + 1 for x in current) + len(line)
        if current and size > budget:
            messages.append(_block(header, current))
            header = ""
            current = []
            if len(messages) == max_messages:
                break
        current.append(line)
        shown += 1
    else:
        messages.append(_block(header, current) if current else header)
        return messages
    rest = len(lines) - shown
    more = scenario_admin_wording("more_errors", count=rest)
    last = messages[-1]
    if len(last) + 1 + len(more) <= CONTENT_LIMIT:
        messages[-1] = f"{last}\n{more}"
    else:
        messages[-1] = truncate(last, CONTENT_LIMIT - len(more) - 5) + "\n```\n" + more
    return messages


def _block(header: str, lines: list[str]) -> str:
    body = "```\n" + "\n".join(lines) + "\n```"
    return f"{header}\n{body}" if header else body
