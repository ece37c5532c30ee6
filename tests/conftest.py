"""Shared fixtures: a small knowledge base of our own, a fake Discord, and the bot running against it."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.core import Engine, load_knowledge
from tests.fake_discord import TOKEN, FakeDiscord

# A knowledge base of invented people, so that the Discord tests do not depend on the shipped one.
TEST_KNOWLEDGE = """\
sources:
  - id: planet-2024
    title: "Everything We Know About Ada Star and Max Power"
    publisher: The Daily Planet
    date: 2024-03-05
    url: https://example.com/ada-max
  - id: whispers-2024
    title: "Whispers From the Studio"
    publisher: Gossip Weekly
    date: 2024-02

people:
  - id: ada-star
    name: Ada Star
    aliases: [Ada, Queen Ada]
    description: A pop singer from Lyon.
  - id: max-power
    name: Max Power
    aliases: [Max]

facts:
  - id: ada-max-met
    about: [ada-star, max-power]
    questions:
      - When did Ada and Max meet?
      - How did Ada Star meet Max Power?
    answer: Ada Star and Max Power met in 2015 at a recording studio in Paris.
    sources: [planet-2024]

  - id: ada-born
    about: [ada-star]
    questions:
      - When was Ada Star born?
      - Where was Ada born?
    answer: Ada Star was born in 1990 in Lyon.
    sources: [planet-2024]

  - id: ada-album
    about: [ada-star]
    questions:
      - What is Ada Star's latest album?
    answer: Ada Star's latest album is Northern Lights, released in 2023.
    sources: [planet-2024]

  - id: ada-max-engaged
    about: [ada-star, max-power]
    questions:
      - Are Ada and Max engaged?
    answer: Ada and Max got engaged in the summer of 2023.
    status: reported
    sources: [whispers-2024]

  - id: max-retiring
    about: [max-power]
    questions:
      - Is Max Power retiring?
    answer: Max Power is said to be retiring from music.
    status: rumor
    sources: [whispers-2024]

  - id: ada-everyone-post
    about: [ada-star]
    questions:
      - How did Ada announce her tour?
    answer: Ada announced her tour with a post that began "@everyone, I am going on tour!"
    sources: [planet-2024]

synonyms:
  - [say, said, says, told, quote, quoted, quotes, words]
  - [meet, met, first met]

quotes:
  - id: max-on-ada
    speaker: max-power
    text: She is the best thing that ever happened to me.
    when: 2016-05
    where: in an interview with Radio One
    about: [ada-star]
    sources: [planet-2024]
"""


@pytest.fixture
def small_knowledge(tmp_path: Path) -> Path:
    """A folder holding the test knowledge."""
    folder = tmp_path / "knowledge"
    folder.mkdir()
    (folder / "test.yaml").write_text(TEST_KNOWLEDGE, encoding="utf-8")
    return folder


@pytest.fixture
def small_engine(small_knowledge: Path) -> Engine:
    """An engine over the small test knowledge."""
    return Engine(load_knowledge(small_knowledge))


@pytest.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    """A fake Discord listening on a free port of 127.0.0.1."""
    async with FakeDiscord() as fake:
        yield fake


@dataclasses.dataclass
class RunningBot:
    """The bot connected to the fake Discord, with the engine it answers from."""

    bot: Any  # bot.discord_bot.client.CelebBot; imported lazily so that non-Discord tests never load it
    fake: FakeDiscord
    engine: Engine


StartBot = Callable[..., Any]
"""``await start_bot(**settings)`` starts the bot; the type of the ``start_bot`` fixture."""


@pytest.fixture
async def start_bot(
    fake_discord: FakeDiscord, small_engine: Engine, tmp_path: Path
) -> AsyncIterator[Callable[..., Any]]:
    """Start the real discord.py bot against the fake Discord; ``await start_bot(cooldown_rate=2)``."""
    from bot.discord_bot.client import CelebBot, configure_endpoints
    from bot.discord_bot.settings import Secret, Settings

    started: list[tuple[Any, asyncio.Task[None]]] = []
    restore = configure_endpoints(fake_discord.api_base, fake_discord.gateway_url)

    async def start(**overrides: Any) -> RunningBot:
        settings = Settings(
            token=Secret(TOKEN),
            data_dir=tmp_path / "data",
            cooldown_rate=0,
            message_content=True,
            api_base=fake_discord.api_base,
            gateway=fake_discord.gateway_url,
        )
        settings = dataclasses.replace(settings, **overrides)
        bot = CelebBot(small_engine, settings, guild_ready_timeout=0.05)
        task = asyncio.create_task(bot.start(TOKEN))
        started.append((bot, task))
        for _ in range(1000):  # wait_until_ready only works once login is done; poll instead
            if bot.is_ready() or task.done():
                break
            await asyncio.sleep(0.01)
        if task.done():
            task.result()  # raises what stopped the bot
        if not bot.is_ready():
            raise AssertionError("the bot did not become ready")
        return RunningBot(bot, fake_discord, small_engine)

    yield start
    for bot, task in started:
        await bot.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 5)
    restore()


@pytest.fixture
async def running(start_bot: Callable[..., Any]) -> RunningBot:
    """The bot running against the fake Discord with default test settings."""
    result: RunningBot = await start_bot()
    return result
