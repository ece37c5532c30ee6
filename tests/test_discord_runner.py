"""``celebbot run`` and ``celebbot sync``: start-up failures, command sync, a whole run in a subprocess."""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import signal
import sys
from pathlib import Path

import pytest

from bot.core import Engine
from bot.core.health import check_health, heartbeat_path
from bot.discord_bot.runner import run_from_cli, sync_commands
from bot.discord_bot.settings import Secret, Settings
from tests.fake_discord import APP_ID, CHANNEL_ID, GUILD_ID, TOKEN, FakeDiscord

REPO = Path(__file__).resolve().parent.parent
COMMANDS = {"ask", "quote", "who", "sources", "help", "kb"}


def run_args(knowledge: Path | None = None) -> argparse.Namespace:
    return argparse.Namespace(discord_action="run", knowledge=str(knowledge) if knowledge else None)


def sync_args(guild: int | None = None, sync_global: bool = False) -> argparse.Namespace:
    return argparse.Namespace(discord_action="sync", knowledge=None, guild=guild, sync_global=sync_global)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """No celebbot or Discord settings from the environment the tests run in."""
    for name in list(os.environ):
        if name.startswith("CELEBBOT_") or name == "DISCORD_TOKEN":
            monkeypatch.delenv(name)
    monkeypatch.setenv("CELEBBOT_DATA", str(tmp_path / "data"))
    return monkeypatch


def test_missing_token_is_one_line_and_status_2(clean_env: pytest.MonkeyPatch, small_knowledge: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert run_from_cli(run_args(small_knowledge), out, err) == 2
    assert err.getvalue().splitlines() == [
        "celebbot: set DISCORD_TOKEN to the bot's token (see README.md, On Discord)"
    ]
    assert out.getvalue() == ""


def test_bad_setting_is_one_line_and_status_2(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("DISCORD_TOKEN", TOKEN)
    clean_env.setenv("CELEBBOT_SHARD_IDS", "0,1")
    err = io.StringIO()
    assert run_from_cli(run_args(), io.StringIO(), err) == 2
    assert err.getvalue().splitlines() == ["celebbot: CELEBBOT_SHARD_IDS needs CELEBBOT_SHARD_COUNT too"]


def test_sync_with_guild_and_global_is_a_usage_error(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("DISCORD_TOKEN", TOKEN)
    err = io.StringIO()
    assert run_from_cli(sync_args(guild=1, sync_global=True), io.StringIO(), err) == 2
    assert "not both" in err.getvalue()


def test_invalid_knowledge_lists_its_problems(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clean_env.setenv("DISCORD_TOKEN", TOKEN)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "x.yaml").write_text("facts:\n  - id: no-answer\n    questions: [Why?]\n", encoding="utf-8")
    err = io.StringIO()
    assert run_from_cli(run_args(broken), io.StringIO(), err) == 1
    assert "is not valid" in err.getvalue()
    assert "x.yaml:" in err.getvalue()
    assert "Traceback" not in err.getvalue()


async def test_rejected_token_is_one_clear_line_status_2_and_never_logged(
    clean_env: pytest.MonkeyPatch, small_knowledge: Path, fake_discord: FakeDiscord
) -> None:
    wrong = "wrong.token-abcdefghijklmnop"
    clean_env.setenv("DISCORD_TOKEN", wrong)
    clean_env.setenv("CELEBBOT_LOG_LEVEL", "DEBUG")
    clean_env.setenv("CELEBBOT_DISCORD_API_BASE", fake_discord.api_base)
    clean_env.setenv("CELEBBOT_DISCORD_GATEWAY", fake_discord.gateway_url)
    out, err = io.StringIO(), io.StringIO()
    code = await asyncio.to_thread(run_from_cli, run_args(small_knowledge), out, err)
    assert code == 2
    # The fake Discord runs in this process, so its access log shows up too; leave it out.
    lines = [line for line in err.getvalue().splitlines() if "aiohttp.access" not in line]
    assert (
        lines[-1]
        == "celebbot: Discord rejected the token in DISCORD_TOKEN; copy it again from the developer portal"
    )
    assert "Traceback" not in err.getvalue()
    assert wrong not in err.getvalue()
    assert [c.path for c in fake_discord.calls] == ["/users/@me"]
    assert fake_discord.calls[0].status == 401


async def test_token_rejected_by_the_gateway_is_the_same_clear_line(
    clean_env: pytest.MonkeyPatch, small_knowledge: Path, fake_discord: FakeDiscord
) -> None:
    fake_discord.gateway_token = "another.token"
    clean_env.setenv("DISCORD_TOKEN", TOKEN)
    clean_env.setenv("CELEBBOT_DISCORD_API_BASE", fake_discord.api_base)
    clean_env.setenv("CELEBBOT_DISCORD_GATEWAY", fake_discord.gateway_url)
    err = io.StringIO()
    code = await asyncio.to_thread(run_from_cli, run_args(small_knowledge), io.StringIO(), err)
    assert code == 2
    assert err.getvalue().splitlines()[-1].startswith("celebbot: Discord rejected the token in DISCORD_TOKEN")
    assert "Traceback" not in err.getvalue()
    assert "voice will NOT be supported" not in err.getvalue()  # noise celebbot filters out
    assert [f["op"] for f in fake_discord.frames if f["op"] != 1] == [2]  # one IDENTIFY, then it gave up


async def test_sync_to_a_guild_registers_every_command(
    fake_discord: FakeDiscord, small_engine: Engine, tmp_path: Path
) -> None:
    settings = Settings(
        token=Secret(TOKEN),
        data_dir=tmp_path,
        api_base=fake_discord.api_base,
        gateway=fake_discord.gateway_url,
    )
    out, err = io.StringIO(), io.StringIO()
    assert await sync_commands(settings, small_engine, GUILD_ID, out, err) == 0
    (put,) = [c for c in fake_discord.calls if c.method == "PUT"]
    assert put.path == f"/applications/{APP_ID}/guilds/{GUILD_ID}/commands"
    assert {c["name"] for c in put.body} == COMMANDS
    ask = next(c for c in put.body if c["name"] == "ask")
    assert ask["options"][0]["name"] == "question"
    assert ask["options"][0]["autocomplete"] is True
    assert out.getvalue().startswith(f"Synced 6 slash commands to guild {GUILD_ID}: ")
    assert fake_discord.frames == []  # syncing never connects to the gateway
    assert not heartbeat_path(settings.data_dir).exists()  # nor says anything about a running bot


async def test_sync_globally(fake_discord: FakeDiscord, small_engine: Engine) -> None:
    settings = Settings(token=Secret(TOKEN), api_base=fake_discord.api_base)
    out = io.StringIO()
    assert await sync_commands(settings, small_engine, None, out, io.StringIO()) == 0
    (put,) = [c for c in fake_discord.calls if c.method == "PUT"]
    assert put.path == f"/applications/{APP_ID}/commands"
    assert {c["name"] for c in put.body} == COMMANDS
    assert "globally" in out.getvalue()


async def test_sync_refused_by_discord_says_why(fake_discord: FakeDiscord, small_engine: Engine) -> None:
    fake_discord.fail_next(
        "PUT", rf"/applications/{APP_ID}/guilds/\d+/commands", 403, {"message": "Missing Access"}
    )
    settings = Settings(token=Secret(TOKEN), api_base=fake_discord.api_base)
    err = io.StringIO()
    assert await sync_commands(settings, small_engine, GUILD_ID, io.StringIO(), err) == 1
    assert "applications.commands" in err.getvalue()


async def test_celebbot_run_answers_and_stops_cleanly_on_sigterm(
    small_knowledge: Path, fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    """The whole program, as deployed: ``python -m bot run`` in its own process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CELEBBOT_")}
    env.update(
        DISCORD_TOKEN=TOKEN,
        CELEBBOT_KNOWLEDGE=str(small_knowledge),
        CELEBBOT_DATA=str(tmp_path / "data"),
        CELEBBOT_LOG_LEVEL="DEBUG",
        CELEBBOT_DISCORD_API_BASE=fake_discord.api_base,
        CELEBBOT_DISCORD_GATEWAY=fake_discord.gateway_url,
        PYTHONPATH=str(REPO),
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await fake_discord.wait_for(lambda: fake_discord.identifies == 1, timeout=30)
        start = len(fake_discord.calls)
        await fake_discord.send_message(f"<@{APP_ID}> When did Ada and Max meet?", mention_bot=True)
        reply = await fake_discord.wait_call(
            lambda c: c.method == "POST" and c.path == f"/channels/{CHANNEL_ID}/messages", start
        )
        assert "met in 2015" in reply.body["embeds"][0]["description"]
        proc.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(proc.communicate(), 30)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    log = stderr.decode()
    assert proc.returncode == 0, log
    assert "Traceback" not in log
    assert TOKEN not in log
    assert "celebbot ready to answer from 6 facts and 1 quotes" in log
    assert (tmp_path / "data" / "cache").is_dir()  # the index cache lives in the data folder
    assert check_health(heartbeat_path(tmp_path / "data")) == (False, "not connected to Discord")
