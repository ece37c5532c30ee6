"""Log lines: one per record, the event's guild, channel and command on it, never the token or a question."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.core import Answer
from bot.discord_bot.logs import CONTINUATION, EventContext, EventFilter, LineFormatter
from tests.conftest import RunningBot
from tests.fake_discord import APP_ID, CHANNEL_ID, GUILD_ID, TOKEN, FakeDiscord

REPO = Path(__file__).resolve().parent.parent
MESSAGES = f"/channels/{CHANNEL_ID}/messages"
#: The start of every record: time, level, logger, maybe the event, then ": ".
LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR|CRITICAL) +[\w.]+( \[[^\]]*\])?: "
)


def record(msg: str, *args: object, level: int = logging.INFO, exc: BaseException | None = None) -> Any:
    exc_info = (type(exc), exc, exc.__traceback__) if exc is not None else None
    return logging.LogRecord("bot.test", level, __file__, 1, msg, args, exc_info)


@pytest.fixture
def events(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Captured records annotated by `EventFilter`, as the runner's handler annotates them."""
    event_filter = EventFilter()
    caplog.handler.addFilter(event_filter)
    with caplog.at_level(logging.DEBUG, logger="tests.asked"):
        yield caplog
    caplog.handler.removeFilter(event_filter)


def log_when_asked(running: RunningBot, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the engine log a line whenever it is asked (in the worker thread it runs in)."""
    ask = running.engine.ask

    def logged_ask(question: str, *args: Any, **kwargs: Any) -> Answer:
        logging.getLogger("tests.asked").info("asked")
        return ask(question, *args, **kwargs)

    monkeypatch.setattr(running.engine, "ask", logged_ask)


def asked(caplog: pytest.LogCaptureFixture) -> logging.LogRecord:
    (found,) = [r for r in caplog.records if r.name == "tests.asked"]
    return found


# -- the format ---------------------------------------------------------------------


def test_a_record_is_one_line_with_time_level_logger_and_message() -> None:
    rec = record("connected as %s", "celebbot")
    EventFilter().filter(rec)
    line = LineFormatter().format(rec)
    assert LINE.match(line)
    assert line.endswith(" INFO    bot.test: connected as celebbot")
    assert "\n" not in line


def test_the_event_comes_before_the_message() -> None:
    rec = record("failed")
    EventFilter().filter(rec)
    assert rec.guild is None and rec.channel is None and rec.command is None
    rec.event = EventContext(guild=1, channel=2, command="/ask").text()
    assert LineFormatter().format(rec).endswith("bot.test [guild=1 channel=2 command=/ask]: failed")
    assert EventContext(channel=5).text() == " [channel=5]"  # a DM: no guild, no command
    assert EventContext().text() == ""


def test_a_traceback_is_indented_under_its_record_and_the_secret_blanked_out() -> None:
    secret = "secret.token-value"
    try:
        raise RuntimeError(f"broke with {secret}\nover two lines")
    except RuntimeError as exc:
        rec = record("command %s failed", "ask", level=logging.ERROR, exc=exc)
    text = LineFormatter(secret).format(rec)
    first, *rest = text.split("\n")
    assert LINE.match(first) and first.endswith("command ask failed")
    assert rest and all(line.startswith(CONTINUATION) for line in rest)
    assert any("Traceback (most recent call last):" in line for line in rest)
    assert secret not in text
    assert "broke with [redacted]" in text


# -- the event context of a running bot ------------------------------------------------


async def test_a_prefix_command_logs_with_its_guild_channel_and_command(
    running: RunningBot, monkeypatch: pytest.MonkeyPatch, events: pytest.LogCaptureFixture
) -> None:
    log_when_asked(running, monkeypatch)
    fake = running.fake
    start = len(fake.calls)
    await fake.send_message("!ask When did Ada and Max meet?")
    await fake.wait_call(lambda c: c.method == "POST" and c.path == MESSAGES, start)
    rec: Any = asked(events)
    assert (rec.guild, rec.channel, rec.command) == (GUILD_ID, CHANNEL_ID, "!ask")
    assert rec.event == f" [guild={GUILD_ID} channel={CHANNEL_ID} command=!ask]"


async def test_a_slash_command_logs_with_its_guild_channel_and_command(
    running: RunningBot, monkeypatch: pytest.MonkeyPatch, events: pytest.LogCaptureFixture
) -> None:
    log_when_asked(running, monkeypatch)
    fake = running.fake
    start = len(fake.calls)
    interaction = await fake.slash("ask", question="When did Ada and Max meet?")
    await fake.reply_to(interaction, start)
    rec: Any = asked(events)
    assert (rec.guild, rec.channel, rec.command) == (GUILD_ID, CHANNEL_ID, "/ask")


async def test_a_mention_logs_with_its_guild_and_channel(
    running: RunningBot, monkeypatch: pytest.MonkeyPatch, events: pytest.LogCaptureFixture
) -> None:
    log_when_asked(running, monkeypatch)
    fake = running.fake
    start = len(fake.calls)
    await fake.send_message(f"<@{APP_ID}> When did Ada and Max meet?", mention_bot=True)
    await fake.wait_call(lambda c: c.method == "POST" and c.path == MESSAGES, start)
    rec: Any = asked(events)
    assert (rec.guild, rec.channel, rec.command) == (GUILD_ID, CHANNEL_ID, None)


async def test_a_failing_command_logs_its_traceback_with_the_event(
    running: RunningBot, monkeypatch: pytest.MonkeyPatch, events: pytest.LogCaptureFixture
) -> None:
    def broken(question: str, *args: Any, **kwargs: Any) -> Answer:
        raise RuntimeError("the engine broke")

    monkeypatch.setattr(running.engine, "ask", broken)
    fake = running.fake
    start = len(fake.calls)
    interaction = await fake.slash("ask", question="When did Ada and Max meet?")
    await fake.callback(interaction, start)
    (failure,) = [r for r in events.records if r.exc_info and "the engine broke" in str(r.exc_info[1])]
    rec: Any = failure
    assert (rec.levelno, rec.guild, rec.channel, rec.command) == (logging.ERROR, GUILD_ID, CHANNEL_ID, "/ask")


async def test_events_do_not_share_their_context(
    running: RunningBot, monkeypatch: pytest.MonkeyPatch, events: pytest.LogCaptureFixture
) -> None:
    log_when_asked(running, monkeypatch)
    fake = running.fake
    start = len(fake.calls)
    await fake.send_message("!ask When did Ada and Max meet?")
    await fake.wait_call(lambda c: c.method == "POST" and c.path == MESSAGES, start)
    start = len(fake.calls)
    await fake.send_message(f"<@{APP_ID}> When was Ada Star born?", mention_bot=True)
    await fake.wait_call(lambda c: c.method == "POST" and c.path == MESSAGES, start)
    commands = [getattr(r, "command", "?") for r in events.records if r.name == "tests.asked"]
    assert commands == ["!ask", None]  # the mention does not inherit the prefix command's name


async def test_what_the_gateway_reader_logs_after_an_event_carries_no_stale_context(
    running: RunningBot, events: pytest.LogCaptureFixture
) -> None:
    fake = running.fake
    start = len(fake.calls)
    await fake.send_message(f"<@{APP_ID}> When was Ada Star born?", mention_bot=True)
    await fake.wait_call(lambda c: c.method == "POST" and c.path == MESSAGES, start)
    with events.at_level(logging.DEBUG, logger="discord.gateway"):
        await fake.disconnect(code=4000)
        await fake.wait_for(lambda: fake.resumes == 1)
    closed = [r for r in events.records if r.name == "discord.gateway" and "closed with" in r.getMessage()]
    assert closed, [r.getMessage() for r in events.records if r.name == "discord.gateway"]
    assert all(getattr(r, "guild", "?") is None and getattr(r, "channel", "?") is None for r in closed)


# -- a whole run, as deployed ---------------------------------------------------------


async def test_a_run_logs_one_line_a_record_and_never_the_token_or_a_question(
    small_knowledge: Path, fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    question = "When did Ada and Max meet?"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CELEBBOT_")}
    env.update(
        DISCORD_TOKEN=TOKEN,
        CELEBBOT_KNOWLEDGE=str(small_knowledge),
        CELEBBOT_DATA=str(tmp_path / "data"),
        CELEBBOT_LOG_LEVEL="INFO",
        CELEBBOT_DISCORD_API_BASE=fake_discord.api_base,
        CELEBBOT_DISCORD_GATEWAY=fake_discord.gateway_url,
        PYTHONPATH=str(REPO),
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=tmp_path, env=env, stderr=asyncio.subprocess.PIPE
    )
    try:
        await fake_discord.wait_for(lambda: fake_discord.identifies == 1, timeout=30)
        for text in (
            f"<@{APP_ID}> {question}",
            f"!ask {question}",
            f"<@{APP_ID}> Who won the 1998 World Cup?",
        ):
            start = len(fake_discord.calls)
            await fake_discord.send_message(text, mention_bot=text.startswith("<@"))
            await fake_discord.wait_call(lambda c: c.method == "POST" and c.path == MESSAGES, start)
        proc.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(proc.communicate(), 30)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    log = stderr.decode()
    assert proc.returncode == 0, log
    lines = log.splitlines()
    assert any("celebbot ready to answer" in line for line in lines)
    for line in lines:
        assert LINE.match(line) or line.startswith(CONTINUATION), line
    assert TOKEN not in log
    assert question not in log and "World Cup" not in log  # no message text at INFO
