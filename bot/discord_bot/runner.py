"""``celebbot run`` and ``celebbot sync``: start the bot, or register its slash commands with Discord.

Every failure a person can fix (no token, a rejected token, a bad setting, invalid
knowledge) ends with one line on standard error and a non-zero status, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import logging
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

import aiohttp
import discord

from bot.core import Engine, KnowledgeError, default_knowledge_path
from bot.core.cache import load_engine

from .client import CelebBot, configure_endpoints
from .logs import EventFilter, LineFormatter
from .metrics import MetricsServer, metrics_from_settings, serve_metrics
from .settings import ENV_TOKEN, Settings, SettingsError

__all__ = [
    "EXIT_INVALID",
    "EXIT_OK",
    "EXIT_USAGE",
    "run_bot",
    "run_from_cli",
    "start_metrics",
    "sync_commands",
]

log = logging.getLogger(__name__)

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


def _not_voice_warning(record: logging.LogRecord) -> bool:
    # discord.py warns on every start that voice libraries are missing; celebbot has no voice.
    return not (record.name == "discord.client" and "voice will NOT be supported" in str(record.msg))


@contextlib.contextmanager
def logging_to(stream: TextIO, settings: Settings) -> Iterator[None]:
    """Log to ``stream`` at the configured level while the bot runs, one line a record (logs.py).

    The token never appears: it is blanked out of every line, tracebacks included.
    """
    handler = logging.StreamHandler(stream)
    handler.setFormatter(LineFormatter(settings.token.reveal() if settings.token else None))
    handler.addFilter(_not_voice_warning)
    handler.addFilter(EventFilter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


def _load_engine(settings: Settings, err: TextIO) -> Engine | None:
    path = settings.knowledge or default_knowledge_path()
    try:
        return load_engine(path, cache_dir=settings.data_dir / "cache")
    except KnowledgeError as exc:
        print(f"celebbot: the knowledge at {path} is not valid:", file=err)
        for problem in exc.problems:
            print(f"  {problem}", file=err)
    except OSError as exc:
        print(f"celebbot: cannot read the knowledge at {path}: {exc.strerror or exc}", file=err)
    return None


def _token(settings: Settings) -> str:
    assert settings.token is not None  # checked by run_from_cli
    return settings.token.reveal()


def _connection_failure(exc: BaseException, err: TextIO) -> int:
    """One line for a failure to start; the status to exit with."""
    if isinstance(exc, discord.LoginFailure) or (
        isinstance(exc, discord.ConnectionClosed) and exc.code == 4004
    ):
        print(
            f"celebbot: Discord rejected the token in {ENV_TOKEN}; copy it again from the developer portal",
            file=err,
        )
        return EXIT_USAGE
    if isinstance(exc, discord.PrivilegedIntentsRequired):
        print(
            "celebbot: CELEBBOT_MESSAGE_CONTENT is on but the Message Content intent is off in the "
            "developer portal; switch it on there, or unset CELEBBOT_MESSAGE_CONTENT",
            file=err,
        )
        return EXIT_USAGE
    reason = str(exc) or type(exc).__name__
    print(f"celebbot: cannot connect to Discord: {reason}", file=err)
    return EXIT_INVALID


_START_ERRORS = (discord.DiscordException, aiohttp.ClientError, OSError, asyncio.TimeoutError)


async def start_metrics(bot: CelebBot, settings: Settings) -> MetricsServer | None:
    """Serve the bot's Prometheus metrics when ``CELEBBOT_METRICS_PORT`` is set; None when off or failed."""
    metrics = metrics_from_settings(settings.metrics_port)
    if metrics is None or settings.metrics_port is None:
        return None
    metrics.latencies = lambda: bot.latencies
    try:
        server = await serve_metrics(metrics, settings.metrics_host, settings.metrics_port)
    except OSError as exc:
        log.error(
            "cannot serve metrics on %s port %d: %s; running without metrics",
            settings.metrics_host,
            settings.metrics_port,
            exc.strerror or exc,
        )
        return None
    bot.metrics = metrics
    log.info("serving Prometheus metrics at %s", server.url)
    return server


async def run_bot(settings: Settings, engine: Engine, err: TextIO) -> int:
    """Connect and answer until stopped (SIGINT or SIGTERM); the exit status."""
    restore = configure_endpoints(settings.api_base, settings.gateway)
    bot = CelebBot(engine, settings)
    metrics_server = await start_metrics(bot, settings)
    loop = asyncio.get_running_loop()
    stopping: list[asyncio.Task[None]] = []

    def stop() -> None:
        log.info("stopping")
        stopping.append(loop.create_task(bot.close()))

    handled = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop)
            handled.append(sig)
    try:
        async with bot:
            await bot.start(_token(settings))
    except _START_ERRORS as exc:
        return _connection_failure(exc, err)
    finally:
        for sig in handled:
            loop.remove_signal_handler(sig)
        if metrics_server is not None:
            await metrics_server.close()
        restore()
    return EXIT_OK


async def sync_commands(
    settings: Settings, engine: Engine, guild_id: int | None, out: TextIO, err: TextIO
) -> int:
    """Register the slash commands globally, or to one guild (where they show at once)."""
    restore = configure_endpoints(settings.api_base, settings.gateway)
    bot = CelebBot(engine, settings)
    try:
        async with bot:
            await bot.login(_token(settings))  # runs setup_hook, which adds the commands
            if guild_id is not None:
                guild = discord.Object(guild_id)
                bot.tree.copy_global_to(guild=guild)
                synced = await bot.tree.sync(guild=guild)
                where = f"to guild {guild_id}"
            else:
                synced = await bot.tree.sync()
                where = "globally (Discord may take up to an hour to show them everywhere)"
    except discord.Forbidden:
        print(
            f"celebbot: Discord refused to sync to guild {guild_id}: invite the bot there with the "
            "applications.commands scope first",
            file=err,
        )
        return EXIT_INVALID
    except _START_ERRORS as exc:
        return _connection_failure(exc, err)
    finally:
        restore()
    names = ", ".join(f"/{c.name}" for c in synced)
    print(f"Synced {len(synced)} slash commands {where}: {names}", file=out)
    return EXIT_OK


def run_from_cli(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run (``args.discord_action == "run"``) or sync the Discord bot; the exit status."""
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"celebbot: {exc}", file=err)
        return EXIT_USAGE
    if getattr(args, "knowledge", None):
        settings = dataclasses.replace(settings, knowledge=Path(args.knowledge))
    guild_id: int | None = None
    if args.discord_action == "sync":
        if args.guild is not None and args.sync_global:
            print("celebbot sync: give --guild or --global, not both", file=err)
            return EXIT_USAGE
        guild_id = None if args.sync_global else (args.guild or settings.dev_guild)
    if settings.token is None:
        print(f"celebbot: set {ENV_TOKEN} to the bot's token (see README.md, On Discord)", file=err)
        return EXIT_USAGE
    with logging_to(err, settings):
        engine = _load_engine(settings, err)
        if engine is None:
            return EXIT_INVALID
        try:
            if args.discord_action == "sync":
                return asyncio.run(sync_commands(settings, engine, guild_id, out, err))
            return asyncio.run(run_bot(settings, engine, err))
        except KeyboardInterrupt:
            return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit("use: celebbot run | celebbot sync")
