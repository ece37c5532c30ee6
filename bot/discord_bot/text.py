"""Pure text helpers for the Discord adapter: no discord import, tested with plain strings."""

from __future__ import annotations

import hashlib
import math
import re

__all__ = [
    "cooldown_text",
    "question_from_mention",
    "shorten",
    "suggestion_key",
    "take_lines",
]

_MENTION = re.compile(r"<@!?(\d+)>")
_SPACE = re.compile(r"\s+")
ELLIPSIS = "…"


def shorten(text: str, limit: int) -> str:
    """Cut ``text`` to at most ``limit`` characters, at a word boundary where one is near, marked by "…".

    >>> shorten("When did Kim and Kanye meet?", 16)
    'When did Kim…'
    >>> shorten("short", 10)
    'short'
    """
    if limit <= 0:
        return ""
    if len(text) <= limit:
        return text
    if limit == 1:
        return ELLIPSIS
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    # Only back off to a space when that keeps most of the text; one long word is cut mid-word.
    if space >= (limit - 1) * 2 // 3:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-—") + ELLIPSIS


def take_lines(lines: list[str], limit: int, more: str = "…and {n} more") -> str:
    """Join whole lines with newlines up to ``limit`` characters, saying how many were left out.

    >>> take_lines(["a", "b", "c"], 12)
    'a\\nb\\nc'
    >>> take_lines(["aaaa", "bbbb", "cccc", "dddd"], 17)
    'aaaa\\n…and 3 more'
    """
    whole = "\n".join(lines)
    if len(whole) <= limit:
        return whole
    out: list[str] = []
    for i, line in enumerate(lines):
        note = more.format(n=len(lines) - i - 1)
        if len("\n".join([*out, line, note])) > limit:
            break
        out.append(line)
    note = more.format(n=len(lines) - len(out))
    if not out:
        room = limit - len(note) - 1
        return (
            shorten(lines[0], room) + "\n" + more.format(n=len(lines) - 1)
            if room > 1
            else shorten(note, limit)
        )
    return "\n".join([*out, note])


def question_from_mention(content: str, bot_id: int, prefix: str = "!") -> str:
    """The question in a message that mentions the bot: its mentions removed, spaces tidied.

    A leading ``ask`` (or ``!ask``) is dropped, so "@celebbot ask who is Ye?" asks "who is Ye?".
    Mentions of other people stay as their raw ``<@id>`` text; they ping nobody.

    >>> question_from_mention("<@42> when did Kim and Kanye meet?", 42)
    'when did Kim and Kanye meet?'
    >>> question_from_mention("<@!42> !ask  Who is Ye?", 42)
    'Who is Ye?'
    """
    text = _MENTION.sub(lambda m: "" if int(m.group(1)) == bot_id else m.group(0), content)
    text = _SPACE.sub(" ", text).strip().lstrip(",:").strip()
    for lead in (f"{prefix}ask ", "ask "):
        if text.lower().startswith(lead):
            text = text[len(lead) :].strip()
            break
    return text


def suggestion_key(question: str) -> str:
    """A short stable key for a suggested question, to put in a button's custom id.

    >>> suggestion_key("Who is Kim Kardashian?") == suggestion_key("Who is Kim Kardashian?")
    True
    >>> len(suggestion_key("x"))
    16
    """
    return hashlib.sha256(question.encode("utf-8")).hexdigest()[:16]


def cooldown_text(retry_after: float) -> str:
    """The friendly message of a user who asks faster than the cooldown allows.

    >>> cooldown_text(0.2)
    'You are asking quickly! Try again in 1 second.'
    """
    seconds = max(1, math.ceil(retry_after))
    unit = "second" if seconds == 1 else "seconds"
    return f"You are asking quickly! Try again in {seconds} {unit}."
