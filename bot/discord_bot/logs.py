"""Log lines: one per record, with the guild, channel and command of the event being handled.

Every gateway event starts a fresh `EventContext` in a context variable (`CelebBot.dispatch`
calls `begin_event` on discord.py's ``socket_event_type``), and `note_event` fills it in
from the message, interaction or command context that event carries. The tasks discord.py
starts for the event (listeners, commands, the slash command tree, buttons) copy the
context when they are created, so they share that one object, and so do the worker
threads they hand work to (``asyncio.to_thread`` copies it too). Once the event is dispatched,
the task reading the gateway leaves it (`end_event`), so what that task logs next (a closed
socket, a reconnect) carries no stale guild or channel. `EventFilter` reads it
into every record; `LineFormatter` writes it as ``[guild=… channel=… command=…]``.

Message text is never put in the context: only ids and command names.
"""

from __future__ import annotations

import contextvars
import logging
from dataclasses import dataclass
from typing import Any

import discord
from discord.ext import commands

__all__ = [
    "LOG_FORMAT",
    "EventContext",
    "EventFilter",
    "LineFormatter",
    "begin_event",
    "current_event",
    "end_event",
    "note_event",
]

#: Time, level, logger, the event's context (when there is one), then the message.
LOG_FORMAT = "%(asctime)s %(levelname)-7s %(name)s%(event)s: %(message)s"
#: Lines after the first (a traceback, a message with newlines) start with this, so that
#: every line that does not start with it begins a new record.
CONTINUATION = "    "


@dataclass
class EventContext:
    """Where the event being handled comes from; None where there is no such thing."""

    guild: int | None = None
    channel: int | None = None
    command: str | None = None

    def text(self) -> str:
        """`` [guild=1 channel=2 command=/ask]``, or "" when nothing is known."""
        parts = [f"{k}={v}" for k, v in (("guild", self.guild), ("channel", self.channel)) if v is not None]
        if self.command:
            parts.append(f"command={self.command}")
        return f" [{' '.join(parts)}]" if parts else ""


_EVENT: contextvars.ContextVar[EventContext | None] = contextvars.ContextVar("celebbot_event", default=None)


def current_event() -> EventContext | None:
    """The context of the event being handled here, if any."""
    return _EVENT.get()


def begin_event() -> EventContext:
    """Start a new, empty event context here (and in the tasks started from here from now on)."""
    event = EventContext()
    _EVENT.set(event)
    return event


def end_event() -> None:
    """Leave the event here: what is logged next in this task belongs to no event.

    The tasks already started for the event keep it (they copied the context).
    """
    _EVENT.set(None)


def _interaction_command(interaction: discord.Interaction[Any]) -> str | None:
    command = interaction.command
    if command is not None:
        return f"/{command.qualified_name}"
    data: Any = interaction.data or {}
    custom_id = data.get("custom_id") if isinstance(data, dict) else None
    return str(custom_id) if custom_id else None  # a button or a modal


def note_event(item: object) -> None:
    """Fill the current event context from a message, an interaction or a prefix command's context."""
    if isinstance(item, commands.Context | discord.Message):
        guild = item.guild.id if item.guild is not None else None
        channel: int | None = item.channel.id
        command = None
        if isinstance(item, commands.Context) and item.command is not None:
            command = f"{item.prefix or ''}{item.command.qualified_name}"
    elif isinstance(item, discord.Interaction):
        guild, channel, command = item.guild_id, item.channel_id, _interaction_command(item)
    else:
        return
    event = _EVENT.get()
    if event is None:
        event = begin_event()
    event.guild = guild
    event.channel = channel
    if command is not None:
        event.command = command


class EventFilter(logging.Filter):
    """Adds ``guild``, ``channel``, ``command`` and ``event`` (their text) to every record; drops none."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Annotate the record with the event being handled where it was logged."""
        event = _EVENT.get() or EventContext()
        record.guild = event.guild
        record.channel = event.channel
        record.command = event.command
        record.event = event.text()
        return True


class LineFormatter(logging.Formatter):
    """`LOG_FORMAT`, with further lines indented and a secret (the token) blanked out everywhere."""

    def __init__(self, secret: str | None = None, fmt: str = LOG_FORMAT) -> None:
        super().__init__(fmt)
        self._secret = secret or ""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line (and its indented continuation lines), the secret removed."""
        if not hasattr(record, "event"):  # a handler without EventFilter
            record.event = ""
        text = super().format(record)
        if self._secret:
            text = text.replace(self._secret, "[redacted]")
        lines = text.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n").split("\n")
        return f"\n{CONTINUATION}".join(lines)
