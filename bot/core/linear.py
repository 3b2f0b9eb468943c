"""Linear-time matching (RE2) for patterns a backtracking engine may take forever on.

Python's `re` backtracks: a pattern whose parts can split the same text in many
ways (`x(a+)+b`, `(a|aa)+$`, a `..` gap over a long run of hyphens) takes time
exponential in the text on an answer that almost matches, and it holds the
interpreter lock all that time. RE2 (the `google-re2` package) runs in time
linear in the text and releases the lock while it matches. It has no
look-arounds and no back-references, which is what makes it linear.

`LinearPattern` wraps an RE2 regex in the few `re.Pattern` calls the lexicon
makes (`match(text, pos)`, `finditer(text)`, with `start()`, `end()`, `span()`
on the result), with Python's own semantics where they matter here: positions
are character offsets into a `str`, a match is leftmost-first (RE2 keeps Perl's
preference order, so the span found is the one `re` would find), and a phrase's
word boundaries use Python's notion of a word character. It serves

- raw phrases of uploaded scenarios (`re2:`; an upload's `re:` phrases become
  `re2:`, see `bot.core.untrusted`), and
- the generated patterns of plain phrases whose parts could split a text in
  many ways (`..` gaps, a `word*` followed by more words, a word starting with
  a hyphen after the first): see `text.needs_linear_engine`.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from itertools import accumulate

import re2
from re2 import _re2  # the compiled engine itself: one call a match, no wrapper generators

# Python's `\w` (str.isalnum() or "_") and `\s` (str.isspace()) as RE2 classes.
WORD_CLASS = r"\p{L}\p{N}_"
SPACE_CLASS = r"\s\x{0b}\x{1c}-\x{1f}\x{85}\p{Z}"

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # errors are reported to the author, not to stderr
_OPTIONS.never_capture = True  # only whole-match spans are read (submatches cost far more)
_OPTIONS.case_sensitive = False
_OPTIONS_CASED = re2.Options()
_OPTIONS_CASED.log_errors = False
_OPTIONS_CASED.never_capture = True
_ANCHOR_START = _re2.RE2.Anchor.ANCHOR_START
_UNANCHORED = _re2.RE2.Anchor.UNANCHORED


class LinearMatch:
    """A match's character span (what the lexicon reads of an `re.Match`)."""

    __slots__ = ("_end", "_start")

    def __init__(self, start: int, end: int) -> None:
        self._start = start
        self._end = end

    def start(self) -> int:
        return self._start

    def end(self) -> int:
        return self._end

    def span(self) -> tuple[int, int]:
        return self._start, self._end

    def __repr__(self) -> str:
        return f"<LinearMatch span={self.span()}>"


# The text last matched, UTF-8 encoded, with its offset maps (None on ASCII
# text, where byte and character offsets agree). One slot per thread: the
# lexicon matches many patterns against one text in a row, and two threads
# scoring two answers at once must not take turns rebuilding it.
_Encoded = tuple[bytes, list[int] | None, dict[int, int] | None]
_local = threading.local()


def _encoded(text: str) -> _Encoded:
    known: tuple[str, _Encoded] | None = getattr(_local, "last", None)
    if known is not None and known[0] is text:
        return known[1]
    if text.isascii():
        found: _Encoded = (text.encode("ascii"), None, None)
    else:
        widths = (
            1 if o < 0x80 else 2 if o < 0x800 else 3 if o < 0x10000 else 4 for o in map(ord, text)
        )
        to_byte = list(accumulate(widths, initial=0))
        to_char = {b: c for c, b in enumerate(to_byte)}
        found = (text.encode("utf-8", "surrogatepass"), to_byte, to_char)
    _local.last = (text, found)
    return found


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


class LinearPattern:
    """An RE2 regex answering `match(text, pos)` and `finditer(text)` like `re`.

    `lead`: the match must not start right after a word character (the
    `(?<![\\w])` of a plain phrase, checked before matching). `tail`: it must
    not end right before one (the `(?![\\w])` of a plain phrase, which must end
    with a word character: RE2 takes the following character or the end of the
    text, and the span stops before a character so taken).
    """

    __slots__ = ("_lead", "_regex", "_tail", "flags", "pattern")

    def __init__(
        self, regex: str, *, ignore_case: bool = True, lead: bool = False, tail: bool = False
    ) -> None:
        self.pattern = regex
        self.flags = re.IGNORECASE if ignore_case else 0
        self._lead = lead
        self._tail = tail
        source = f"(?:{regex})(?:[^{WORD_CLASS}]|\\z)" if tail else regex
        self._regex = _compile(source, _OPTIONS if ignore_case else _OPTIONS_CASED)

    @property
    def program_size(self) -> int:
        """RE2's measure of the compiled program (a bound on the work per character)."""
        return int(self._regex.ProgramSize())

    def match(self, text: str, pos: int = 0) -> LinearMatch | None:
        """A match starting exactly at `pos` (characters), like `re.Pattern.match`."""
        if self._lead and 0 < pos <= len(text) and _is_word(text[pos - 1]):
            return None
        data, to_byte, to_char = _encoded(text)
        at = pos if to_byte is None else to_byte[pos]
        start, end = self._regex.Match(_ANCHOR_START, data, at, len(data))[0]
        if start < 0:
            return None
        if to_char is not None:
            start, end = to_char[start], to_char[end]
        if self._tail and end > start and not _is_word(text[end - 1]):
            end -= 1  # the character after the phrase, taken to check it is no word's
        return LinearMatch(start, end)

    def finditer(self, text: str) -> Iterator[LinearMatch]:
        """Non-overlapping matches, leftmost first, like `re.Pattern.finditer`."""
        data, to_byte, to_char = _encoded(text)
        size = len(data)
        at = 0
        search = self._regex.Match
        while at <= size:
            start, end = search(_UNANCHORED, data, at, size)[0]
            if start < 0:
                return
            char_start = start if to_char is None else to_char[start]
            if self._lead and char_start and _is_word(text[char_start - 1]):
                at = _next_char(start, size, to_char)  # `re` would try the next start
                continue
            char_end = end if to_char is None else to_char[end]
            if self._tail and char_end > char_start and not _is_word(text[char_end - 1]):
                char_end -= 1  # the character after the phrase: not part of the match
                end = char_end if to_byte is None else to_byte[char_end]
            at = end if end > start else _next_char(end, size, to_char)
            yield LinearMatch(char_start, char_end)

    def __repr__(self) -> str:
        return f"LinearPattern({self.pattern!r})"


def _next_char(at: int, size: int, to_char: dict[int, int] | None) -> int:
    """The byte offset of the character after the one at byte `at`."""
    at += 1
    while to_char is not None and at < size and at not in to_char:
        at += 1
    return at


def _compile(regex: str, options: re2.Options) -> _re2.RE2:
    compiled = _re2.RE2(regex.encode("utf-8", "surrogatepass"), options)
    if not compiled.ok():
        raise re2.error(compiled.error().decode("utf-8", "replace"))
    return compiled


def refusal(regex: str) -> str | None:
    """Why RE2 cannot take `regex` (its own message), or None when it can."""
    try:
        _compile(regex, _OPTIONS)
    except re2.error as exc:
        return str(exc.args[0]) if exc.args else str(exc)
    return None
