"""Shards across processes: two ``celebbot run`` processes, one shard each, share the knowledge and data.

The fake Discord here is shard-aware: a gateway connection that identifies as shard
``[id, 2]`` gets READY and GUILD_CREATE only for the guild of that shard (Discord's
rule: ``(guild_id >> 22) % shard_count``), and events for a guild go to its shard's
connection only. So an answer in a guild can only come from the process running
that guild's shard; each process's own metrics say which one answered.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from prometheus_client.parser import text_string_to_metric_families

from bot.core import default_knowledge_path
from bot.core.feedback import FEEDBACK_NAME, Feedback
from bot.core.health import check_health, heartbeat_path
from tests.fake_discord import (
    APP_ID,
    CHANNEL_ID,
    EVERYONE_PERMISSIONS,
    GUILD_ID,
    MANAGE_GUILD,
    TOKEN,
    FakeDiscord,
    Who,
    user,
)

REPO = Path(__file__).resolve().parent.parent
SHARDS = 2
MENTION = f"<@{APP_ID}>"
#: A member allowed to edit the knowledge (Manage Server).
ADMIN = Who(user(140000000000000011, "dana"), permissions=int(EVERYONE_PERMISSIONS) | MANAGE_GUILD)
NEW_FACT = {
    "questions": "What is Kim Kardashian's favourite colour?",
    "answer": "Kim Kardashian's favourite colour is beige (a test fact).",
    "about": "Kim Kardashian",
}


def shard_of(guild_id: int, count: int = SHARDS) -> int:
    """The shard Discord sends a guild's events to."""
    return (guild_id >> 22) % count


def guild_of(shard: int) -> tuple[int, int]:
    """(guild id, channel id) of the one guild the fake puts on ``shard``."""
    guild = next(g for g in (GUILD_ID + (k << 22) for k in range(SHARDS)) if shard_of(g) == shard)
    return guild, CHANNEL_ID + (guild - GUILD_ID)


class ShardedFake(FakeDiscord):
    """The fake Discord with one guild per shard, each shard on its own gateway connection.

    The base fake's single guild is rewritten, ids and all, into the guild of the shard
    an event is for (`target`): GUILD_CREATE, messages and interactions alike.
    """

    def __init__(self) -> None:
        super().__init__()
        self.connections: dict[int, web.WebSocketResponse] = {}
        self.target = 0

    async def _identify(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> None:
        shard, count = data.get("shard") or (0, 1)
        assert count == SHARDS, f"a process identified with {count} shards, not {SHARDS}"
        self.connections[shard] = ws
        self.target = shard
        await super()._identify(ws, data)

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send an event to the connection of the `target` shard, in that shard's guild."""
        guild, channel = guild_of(self.target)
        text = (
            json.dumps(data).replace(f'"{GUILD_ID}"', f'"{guild}"').replace(f'"{CHANNEL_ID}"', f'"{channel}"')
        )
        ws = self.connections[self.target]
        self.seq += 1
        await self._send(ws, {"op": 0, "t": event, "s": self.seq, "d": json.loads(text)})

    def replies_in(self, shard: int, start: int) -> list[dict[str, Any]]:
        """The messages the bot posted in the channel of ``shard``'s guild since call ``start``."""
        path = f"/channels/{guild_of(shard)[1]}/messages"
        return [
            c.body for c in self.calls[start:] if c.method == "POST" and c.path == path and c.status < 300
        ]

    async def ask(self, shard: int, question: str) -> dict[str, Any]:
        """Mention the bot with a question in ``shard``'s guild; the reply posted there."""
        self.target = shard
        start = len(self.calls)
        await self.send_message(f"{MENTION} {question}", mention_bot=True)
        await self.wait_for(lambda: bool(self.replies_in(shard, start)), timeout=15)
        return self.replies_in(shard, start)[0]

    async def add_fact(self, shard: int, fact: dict[str, str], source: str) -> dict[str, Any]:
        """Add a fact with ``/kb add-fact`` and its form in ``shard``'s guild; the bot's answer."""
        self.target = shard
        start = len(self.calls)
        form = await self.modal(await self.slash("kb add-fact", who=ADMIN, source=source), start)
        start = len(self.calls)
        return await self.reply_to(await self.submit_modal(form, fact, who=ADMIN), start)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def metric(text: str, name: str, **labels: str) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return sample.value
    raise AssertionError(f"no sample {name}{labels}")


async def scrape(port: int) -> str:
    async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{port}/metrics") as r:
        return await r.text()


async def stop(proc: asyncio.subprocess.Process) -> str:
    """Stop a ``celebbot run`` the way a container runtime does (SIGTERM, then a kill); its log."""
    if proc.returncode is None:
        proc.send_signal(signal.SIGTERM)
    try:
        _, stderr = await asyncio.wait_for(proc.communicate(), 30)
    except TimeoutError:
        proc.kill()
        _, stderr = await proc.communicate()
    return stderr.decode()


@pytest.fixture
async def sharded() -> AsyncIterator[ShardedFake]:
    fake = ShardedFake()
    async with fake:
        yield fake


async def test_two_processes_split_the_shards_and_share_knowledge_and_data(
    sharded: ShardedFake, tmp_path: Path
) -> None:
    fake = sharded
    assert [shard_of(guild_of(s)[0]) for s in range(SHARDS)] == [0, 1]
    knowledge, data = tmp_path / "knowledge", tmp_path / "data"
    knowledge.mkdir()
    for file in default_knowledge_path().glob("*.yaml"):
        shutil.copy(file, knowledge)
    ports = [free_port() for _ in range(SHARDS)]
    base = {k: v for k, v in os.environ.items() if not k.startswith("CELEBBOT_")}
    base.update(
        DISCORD_TOKEN=TOKEN,
        CELEBBOT_KNOWLEDGE=str(knowledge),
        CELEBBOT_DATA=str(data),
        CELEBBOT_LOG_LEVEL="INFO",
        CELEBBOT_DISCORD_API_BASE=fake.api_base,
        CELEBBOT_DISCORD_GATEWAY=fake.gateway_url,
        CELEBBOT_SHARD_COUNT=str(SHARDS),
        CELEBBOT_COOLDOWN_RATE="0",
        PYTHONPATH=str(REPO),
    )
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            cwd=tmp_path,
            env={**base, "CELEBBOT_SHARD_IDS": str(shard), "CELEBBOT_METRICS_PORT": str(ports[shard])},
            stderr=asyncio.subprocess.PIPE,
        )
        for shard in range(SHARDS)
    ]
    try:
        # Both connected and ready: each process's own heartbeat file says so.
        beats = [heartbeat_path(data, str(shard)) for shard in range(SHARDS)]
        for _ in range(300):
            if all(check_health(beat)[0] for beat in beats):
                break
            await asyncio.sleep(0.1)
        assert [check_health(beat)[0] for beat in beats] == [True, True], [check_health(b) for b in beats]
        assert sorted(fake.connections) == [0, 1]

        # Each process answers in its own shard's guild.
        for shard in range(SHARDS):
            reply = await fake.ask(shard, "When did Kim and Kanye meet?")
            assert "2003" in reply["embeds"][0]["description"]
        declined = [
            await fake.ask(shard, "What is Kim Kardashian's favourite colour?") for shard in range(SHARDS)
        ]
        assert all(not d.get("embeds") for d in declined)

        # A curator adds a fact through process 0; process 1 answers it once its watcher reloads.
        added = await fake.add_fact(0, NEW_FACT, source="intouch-2021-01-kim-kanye")
        assert added["content"].startswith("Added fact"), added
        edited = time.monotonic()
        while metric(await scrape(ports[1]), "celebbot_knowledge_reloads_total") < 1:
            assert time.monotonic() - edited < 10, "process 1 did not reload the knowledge"
            await asyncio.sleep(0.05)
        picked_up = time.monotonic() - edited
        answer = await fake.ask(1, "What is Kim Kardashian's favourite colour?")
        assert "beige" in answer["embeds"][0]["description"], answer
        print(f"process 1 reloaded the edit made through process 0 after {picked_up:.2f} s")  # noqa: T201

        metrics = [await scrape(port) for port in ports]
    finally:
        logs = [await stop(proc) for proc in procs]

    for proc, log in zip(procs, logs, strict=True):
        assert proc.returncode == 0, log
        assert "Traceback" not in log
        assert TOKEN not in log
    # Each answered in its own guild only: 1 and 1 answers, then process 1 also the new fact.
    assert metric(metrics[0], "celebbot_questions_answered_total", via="mention") == 1
    assert metric(metrics[1], "celebbot_questions_answered_total", via="mention") == 2
    assert metric(metrics[0], "celebbot_knowledge_reloads_total") >= 1  # its own edit, at once
    assert metric(metrics[1], "celebbot_knowledge_reloads_total") >= 1
    assert metric(metrics[1], "celebbot_knowledge_reload_failures_total") == 0
    # Both wrote the one feedback database (WAL): the question both declined counts twice.
    with contextlib.closing(sqlite3.connect(data / FEEDBACK_NAME)) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    gaps = Feedback(data).top_unanswered()
    assert [(g.question, g.count) for g in gaps] == [("What is Kim Kardashian's favourite colour?", 2)]
