"""The bot: a discord.py `commands.AutoShardedBot` over the knowledge, with its error handling.

The engine is not fixed: `CelebBot.engine` is the latest good one of a `Reloader` that
watches the knowledge files, so the cogs read it anew for every question. The bot also
holds the `KnowledgeStore` curators edit through and the `Feedback` database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import time
import weakref
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, ParamSpec, TypeVar

import discord
import yarl
from discord import app_commands
from discord.ext import commands
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.core import Engine, Problem, default_knowledge_path
from bot.core.feedback import Feedback
from bot.core.health import Heartbeat, heartbeat_path, write_heartbeat
from bot.core.reload import Reloader
from bot.core.store import KnowledgeStore

from .logs import begin_event, end_event, note_event
from .metrics import Metrics
from .settings import Settings
from .text import cooldown_text, take_lines

__all__ = [
    "NO_MENTIONS",
    "PERMISSIONS",
    "CelebBot",
    "CelebTree",
    "QuestionCooldown",
    "Refused",
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
#: Seconds between checks of the knowledge files for changes (a change is live well within 2 s).
RELOAD_EVERY = 0.5
#: Discord's limit on a message's text.
MESSAGE_MAX = 2000

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


class Refused(app_commands.CheckFailure):
    """A check that failed, with a message for the user (like "only curators may edit the knowledge")."""


class CelebTree(app_commands.CommandTree["CelebBot"]):
    """The slash command tree; a failing command gets a short ephemeral message and a logged traceback."""

    async def on_error(
        self, interaction: discord.Interaction[CelebBot], error: app_commands.AppCommandError
    ) -> None:
        """Tell the user briefly; log everything but cooldowns and failed checks."""
        if isinstance(error, app_commands.CommandOnCooldown):
            text = cooldown_text(error.retry_after)
        elif isinstance(error, Refused):
            text = str(error)
        elif isinstance(error, app_commands.CheckFailure):
            text = "You can't use that command here."
        else:
            name = interaction.command.qualified_name if interaction.command else "?"
            log.error("slash command /%s failed", name, exc_info=error)
            interaction.client.metrics.command_error(command=f"/{name}")
            text = FAILED_TEXT
        try:
            await respond(interaction, content=text, ephemeral=True)
        except discord.HTTPException:
            log.warning("could not tell the user about a failed command", exc_info=True)


class CelebBot(commands.AutoShardedBot):
    """celebbot on Discord: questions by mention, prefix command and slash commands; curation by ``/kb``."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        *,
        metrics: Metrics | None = None,
        **options: Any,  # noqa: ANN401
    ) -> None:
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
        self.settings = settings
        self.question_cooldown = QuestionCooldown(settings.cooldown_rate, settings.cooldown_per)
        self.metrics: Metrics = metrics if metrics is not None else Metrics()
        self.knowledge_path = settings.knowledge or default_knowledge_path()
        self.reloader = Reloader(
            self.knowledge_path,
            engine=engine,
            cache_dir=settings.data_dir / "cache",
            on_reload=self._knowledge_reloaded,
            on_error=self._knowledge_invalid,
        )
        self.store = KnowledgeStore(self.knowledge_path, settings.data_dir)
        self.feedback = Feedback(settings.data_dir)
        self._heartbeat_task: asyncio.Task[None] | None = None
        self._watch_task: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[Any]] = set()
        # The tasks that read a gateway connection (one a shard), seen dispatching its events.
        self._gateway_tasks: weakref.WeakSet[asyncio.Task[Any]] = weakref.WeakSet()
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

    @property
    def engine(self) -> Engine:
        """The engine of the latest knowledge that loaded (read it anew for every question)."""
        return self.reloader.engine

    async def setup_hook(self) -> None:
        """Load the features (cogs) and start watching the knowledge files."""
        from .cogs.curation import Curation
        from .cogs.lookup import Lookup
        from .cogs.questions import Questions, SuggestionButton, VoteButton

        await self.add_cog(Questions(self))
        await self.add_cog(Lookup(self))
        await self.add_cog(Curation(self))
        self.add_dynamic_items(SuggestionButton, VoteButton)
        self._watch_task = asyncio.create_task(self.reloader.watch(RELOAD_EVERY))
        log.info(
            "celebbot ready to answer from %d facts and %d quotes",
            len(self.engine.kb.facts),
            len(self.engine.kb.quotes),
        )

    def dispatch(self, event_name: str, /, *args: Any, **kwargs: Any) -> None:  # noqa: ANN401
        """Dispatch an event, keeping its guild, channel and command for the log lines it causes (logs.py)."""
        task = asyncio.current_task()
        if event_name == "socket_event_type":  # the first thing discord.py does with a gateway event
            begin_event()
            if task is not None:
                self._gateway_tasks.add(task)
            super().dispatch(event_name, *args, **kwargs)
            return
        if args:
            note_event(args[0])
        super().dispatch(event_name, *args, **kwargs)
        if task in self._gateway_tasks:
            end_event()  # the handlers' tasks keep the event; the gateway reader moves on

    # -- live reload and background work ------------------------------------------

    def in_background(self, coro: Coroutine[Any, Any, object]) -> None:
        """Run ``coro`` without waiting for it; a failure is logged, and `close` cancels it."""
        task = asyncio.create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background_done)

    def _background_done(self, task: asyncio.Task[Any]) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background work failed", exc_info=task.exception())

    def record_declined(self, question: str) -> None:
        """Count a declined question in the feedback database, off the event loop."""
        self.in_background(asyncio.to_thread(self.feedback.record_declined, question))

    async def reload_now(self) -> None:
        """Reload the knowledge at once (after an edit), so that the next question sees it."""
        await self.reloader.check(force=True)

    def _knowledge_reloaded(self, engine: Engine) -> None:
        self.metrics.reload(ok=True)
        self.dispatch("knowledge_reload", engine)

    def _knowledge_invalid(self, problems: list[Problem]) -> None:
        # The Reloader has logged every file:line problem; the admin channel is told too.
        self.metrics.reload(ok=False)
        if self.settings.admin_channel is not None:
            self.in_background(self.post_problems(self.settings.admin_channel, problems))

    def problem_lines(self, problems: Sequence[object]) -> list[str]:
        """Each problem (or warning) as ``file:line: message``, the file relative to the knowledge folder."""
        prefix = f"{self.knowledge_path}{os.sep}"
        return [str(p).removeprefix(prefix) for p in problems]

    async def post_problems(self, channel_id: int, problems: list[Problem]) -> None:
        """Tell the admin channel which knowledge files do not load, and where (never pinging anyone)."""
        await self.wait_until_ready()
        channel = self.get_channel(channel_id)
        if not isinstance(channel, discord.abc.Messageable):
            # With several processes (shards) only the one whose servers hold the channel posts.
            level = logging.WARNING if self.settings.shard_ids is None else logging.DEBUG
            log.log(level, "cannot post to the admin channel %s: the bot does not see it", channel_id)
            return
        head = (
            "**The knowledge files changed but do not load.** "
            "I am still answering from the last good knowledge. Problems:"
        )
        lines = [f"• {discord.utils.escape_markdown(line)}" for line in self.problem_lines(problems)]
        text = head + "\n" + take_lines(lines, MESSAGE_MAX - len(head) - 1)
        try:
            await channel.send(text, allowed_mentions=NO_MENTIONS)
        except discord.HTTPException as exc:
            log.warning("cannot post to the admin channel %s: %s", channel_id, exc)

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
        for pending in [self._watch_task, *self._background]:
            if pending is not None:
                pending.cancel()
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
            self.metrics.command_error(command=f"{context.prefix or ''}{name}")
            text = FAILED_TEXT
        try:
            await context.reply(text, allowed_mentions=NO_MENTIONS, mention_author=False)
        except discord.HTTPException:
            log.warning("could not tell the user about a failed command", exc_info=True)
