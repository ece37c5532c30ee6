"""The bot: a discord.py `commands.AutoShardedBot` over one `Engine`, with its error handling.

The engine is built once at start and handed to the cogs through their constructors.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import time
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import discord
import yarl
from discord import app_commands
from discord.ext import commands
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.core import Engine
from bot.core.health import Heartbeat, heartbeat_path, write_heartbeat

from .settings import Settings
from .text import cooldown_text

__all__ = [
    "NO_MENTIONS",
    "PERMISSIONS",
    "CelebBot",
    "CelebTree",
    "QuestionCooldown",
    "bot_intents",
    "configure_endpoints",
    "invite_url",
    "respond",
    "run_blocking",
]

log = logging.getLogger(__name__)

#: Nobody is ever pinged: not @everyone, not roles, not users, not the author of a replied-to message.
NO_MENTIONS = discord.AllowedMentions.none()
#: An interaction must be answered within 3 seconds; work taking longer than this is deferred first.
DEFER_AFTER = 1.5
#: Seconds between heartbeat files (``celebbot health`` calls one older than 90 s stale).
HEARTBEAT_EVERY = 15.0
FAILED_TEXT = "Sorry, something went wrong on my side. It has been logged; please try again later."

T = TypeVar("T")
P = ParamSpec("P")


def configure_endpoints(api_base: str | None, gateway: str | None) -> Callable[[], None]:
    """Point discord.py at a REST base URL and a gateway URL (a proxy, or a test server).

    discord.py keeps both in class attributes, so this applies to the whole process.
    Returns a function that puts the previous values back.
    """
    old_base, old_gateway = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    if api_base:
        Route.BASE = api_base.rstrip("/")
    if gateway:
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)

    def restore() -> None:
        Route.BASE = old_base
        DiscordWebSocket.DEFAULT_GATEWAY = old_gateway

    return restore


#: What the bot needs in a channel: see it, answer (also in threads), as an embed, as a reply.
PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    embed_links=True,
    read_message_history=True,  # a reply quotes the asking message
)
SCOPES = ("bot", "applications.commands")


def invite_url(application_id: int) -> str:
    """The link that adds the bot to a server with the scopes and permissions it needs."""
    return discord.utils.oauth_url(application_id, permissions=PERMISSIONS, scopes=SCOPES)


def bot_intents(message_content: bool = False) -> discord.Intents:
    """Only the gateway events the bot uses: guilds, messages in guilds and DMs (which carry mentions).

    Message content is privileged and needed only for ``!ask`` in servers: Discord sends the
    content of messages that mention the bot, and of DMs, without it.
    """
    return discord.Intents(
        guilds=True, guild_messages=True, dm_messages=True, message_content=message_content
    )


class QuestionCooldown:
    """A per-user cooldown on questions, shared by every way of asking (discord.py's `CooldownMapping`)."""

    def __init__(self, rate: int, per: float) -> None:
        self.cooldown: commands.Cooldown | None = commands.Cooldown(rate, per) if rate > 0 else None
        self._mapping: commands.CooldownMapping[int] = commands.CooldownMapping(self.cooldown, _user_key)

    def hit(self, user_id: int) -> float | None:
        """Count one question by this user: None when allowed, else the seconds until the next is."""
        if self.cooldown is None:
            return None
        return self._mapping.update_rate_limit(user_id)

    def check_command(self, user_id: int) -> None:
        """Count a prefix command; raise discord.py's `commands.CommandOnCooldown` when too fast."""
        retry = self.hit(user_id)
        if retry is not None and self.cooldown is not None:
            raise commands.CommandOnCooldown(self.cooldown, retry, commands.BucketType.user)

    def check_interaction(self, user_id: int) -> None:
        """Count a slash command; raise discord.py's `app_commands.CommandOnCooldown` when too fast."""
        retry = self.hit(user_id)
        if retry is not None and self.cooldown is not None:
            raise app_commands.CommandOnCooldown(self.cooldown, retry)


def _user_key(user_id: int) -> int:
    return user_id


async def respond(interaction: discord.Interaction[Any], **kwargs: Any) -> None:  # noqa: ANN401
    """Answer an interaction, by a follow-up when it was deferred; never pings anyone."""
    kwargs["allowed_mentions"] = NO_MENTIONS
    if interaction.response.is_done():
        await interaction.followup.send(**kwargs)
    else:
        await interaction.response.send_message(**kwargs)


async def run_blocking(
    interaction: discord.Interaction[Any] | None, func: Callable[P, T], *args: P.args, **kwargs: P.kwargs
) -> T:
    """Run matching off the event loop (heartbeats never wait for it).

    When it takes long, the interaction is deferred first, so it cannot expire.
    """
    task = asyncio.ensure_future(asyncio.to_thread(func, *args, **kwargs))
    if interaction is None:
        return await task
    done, _ = await asyncio.wait({task}, timeout=DEFER_AFTER)
    if not done and not interaction.response.is_done():
        await interaction.response.defer(thinking=True)
    return await task


class CelebTree(app_commands.CommandTree["CelebBot"]):
    """The slash command tree; a failing command gets a short ephemeral message and a logged traceback."""

    async def on_error(
        self, interaction: discord.Interaction[CelebBot], error: app_commands.AppCommandError
    ) -> None:
        """Tell the user briefly; log everything but cooldowns and failed checks."""
        if isinstance(error, app_commands.CommandOnCooldown):
            text = cooldown_text(error.retry_after)
        elif isinstance(error, app_commands.CheckFailure):
            text = "You can't use that command here."
        else:
            name = interaction.command.qualified_name if interaction.command else "?"
            log.error("slash command /%s failed", name, exc_info=error)
            text = FAILED_TEXT
        try:
            await respond(interaction, content=text, ephemeral=True)
        except discord.HTTPException:
            log.warning("could not tell the user about a failed command", exc_info=True)


class CelebBot(commands.AutoShardedBot):
    """celebbot on Discord: questions by mention, prefix command and slash commands."""

    def __init__(self, engine: Engine, settings: Settings, **options: Any) -> None:  # noqa: ANN401
        intents = bot_intents(settings.message_content)
        options.setdefault("shard_count", settings.shard_count)
        if settings.shard_ids is not None:
            options.setdefault("shard_ids", list(settings.shard_ids))
        super().__init__(
            command_prefix=settings.prefix,
            intents=intents,
            allowed_mentions=NO_MENTIONS,
            help_command=None,
            tree_cls=CelebTree,
            **options,
        )
        self.engine = engine
        self.settings = settings
        self.question_cooldown = QuestionCooldown(settings.cooldown_rate, settings.cooldown_per)
        self._heartbeat_task: asyncio.Task[None] | None = None
        if settings.gateway:
            self._use_gateway(settings.gateway)

    def _use_gateway(self, url: str) -> None:
        # Without a shard count discord.py connects to the URL /gateway/bot returns; through a
        # gateway proxy it must be the proxy's instead (configure_endpoints covers the other case).
        fetch = self.http.get_bot_gateway

        async def get_bot_gateway() -> tuple[int, str, Any]:
            shards, _url, limits = await fetch()
            return shards, url, limits

        self.http.get_bot_gateway = get_bot_gateway  # type: ignore[method-assign]

    async def setup_hook(self) -> None:
        """Load the features (cogs) with the engine."""
        from .cogs.lookup import Lookup
        from .cogs.questions import Questions, SuggestionButton

        await self.add_cog(Questions(self, self.engine))
        await self.add_cog(Lookup(self, self.engine))
        self.add_dynamic_items(SuggestionButton)
        log.info(
            "celebbot ready to answer from %d facts and %d quotes",
            len(self.engine.kb.facts),
            len(self.engine.kb.quotes),
        )

    # -- the heartbeat file `celebbot health` reads -------------------------------

    def connected(self) -> bool:
        """Whether every shard this process runs is connected and the bot is ready."""
        return (
            self.is_ready() and not self.is_closed() and all(not s.is_closed() for s in self.shards.values())
        )

    def heartbeat(self) -> Heartbeat:
        """What the bot says about itself in its heartbeat file."""
        latency = self.latency
        return Heartbeat(
            pid=os.getpid(),
            time=time.time(),
            connected=self.connected(),
            knowledge_loaded=True,
            facts=len(self.engine.kb.facts),
            guilds=len(self.guilds),
            latency_ms=round(latency * 1000, 1) if math.isfinite(latency) else None,
        )

    async def write_heartbeat(self) -> None:
        """Write the heartbeat file now (off the event loop); a failure is logged, never raised."""
        ids = self.settings.shard_ids
        path = heartbeat_path(self.settings.data_dir, ",".join(map(str, ids)) if ids else None)
        try:
            await asyncio.to_thread(write_heartbeat, path, self.heartbeat())
        except OSError as exc:
            log.warning("cannot write the heartbeat file %s: %s", path, exc)
        except Exception:
            log.exception("writing the heartbeat file %s failed", path)

    async def _heartbeats(self) -> None:
        while not self.is_closed():
            await self.write_heartbeat()
            await asyncio.sleep(HEARTBEAT_EVERY)

    async def connect(self, *, reconnect: bool = True) -> None:
        """Connect to the gateway, keeping the heartbeat file fresh meanwhile (not when only syncing)."""
        self._heartbeat_task = asyncio.create_task(self._heartbeats())
        await super().connect(reconnect=reconnect)

    async def close(self) -> None:
        """Disconnect, and leave a heartbeat that says so."""
        task = self._heartbeat_task
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await super().close()
        if task is not None:
            await self.write_heartbeat()

    async def on_ready(self) -> None:
        """Log who we are and where."""
        user = self.user
        log.info("connected as %s (id %s) to %d guilds", user, user.id if user else "?", len(self.guilds))
        if self.application_id is not None:
            log.info("invite link: %s", invite_url(self.application_id))
        await self.write_heartbeat()

    async def on_command_error(
        self, context: commands.Context[Any], exception: commands.CommandError, /
    ) -> None:
        """Prefix commands: a short reply for the user, a logged traceback for real failures."""
        if isinstance(exception, commands.CommandNotFound):
            return
        if isinstance(exception, commands.CommandOnCooldown):
            text = cooldown_text(exception.retry_after)
        elif isinstance(exception, commands.UserInputError):
            text = f"Ask a question after the command, like `{self.settings.prefix}ask Who is Ye?`"
        elif isinstance(exception, commands.CheckFailure):
            text = "You can't use that command here."
        else:
            name = context.command.qualified_name if context.command else "?"
            log.error("prefix command %s failed", name, exc_info=exception)
            text = FAILED_TEXT
        try:
            await context.reply(text, allowed_mentions=NO_MENTIONS, mention_author=False)
        except discord.HTTPException:
            log.warning("could not tell the user about a failed command", exc_info=True)
