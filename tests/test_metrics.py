"""Prometheus metrics: what they count, and a scrape of the real bot's server after questions."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import math
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from bot.discord_bot import metrics as metrics_module
from bot.discord_bot.metrics import LATENCY_BUCKETS, PrometheusMetrics, serve_metrics
from bot.discord_bot.runner import start_metrics
from bot.discord_bot.settings import Settings
from tests.conftest import RunningBot, StartBot
from tests.fake_discord import APP_ID, CHANNEL_ID, FakeDiscord

MENTION = f"<@{APP_ID}>"
REPO = Path(__file__).resolve().parent.parent


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a scrape, by name and sorted labels (parsed by prometheus-client's own parser)."""
    out: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def value(text: str, name: str, **labels: str) -> float:
    return samples(text)[(name, tuple(sorted(labels.items())))]


async def scrape(url: str) -> str:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain")
        return await response.text()


@pytest.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    """The fake Discord with a fast heartbeat, so that the gateway latency is known within the test."""
    async with FakeDiscord(heartbeat_interval_ms=100) as fake:
        yield fake


def test_counts_by_outcome_and_way_of_asking() -> None:
    m = PrometheusMetrics(latencies=lambda: [(0, 0.042), (1, math.inf)])
    m.question(answered=True, seconds=0.003, via="mention")
    m.question(answered=True, seconds=0.004, via="slash")
    m.question(answered=False, seconds=0.2, via="slash")
    m.reload(ok=True)
    m.reload(ok=True)
    m.reload(ok=False)
    m.command_error(command="/ask")
    text = generate_latest(m.registry).decode()
    assert value(text, "celebbot_questions_answered_total", via="mention") == 1
    assert value(text, "celebbot_questions_answered_total", via="slash") == 1
    assert value(text, "celebbot_questions_answered_total", via="button") == 0  # shown before any
    assert value(text, "celebbot_questions_declined_total", via="slash") == 1
    assert value(text, "celebbot_answer_seconds_count") == 3
    assert value(text, "celebbot_answer_seconds_bucket", le="0.005") == 2
    assert value(text, "celebbot_answer_seconds_bucket", le="0.25") == 3
    assert value(text, "celebbot_knowledge_reloads_total") == 2
    assert value(text, "celebbot_knowledge_reload_failures_total") == 1
    assert value(text, "celebbot_command_errors_total", command="/ask") == 1
    assert value(text, "celebbot_gateway_latency_seconds", shard="0") == 0.042
    # A shard whose first heartbeat is not acknowledged yet has no sample, rather than +Inf.
    assert ("celebbot_gateway_latency_seconds", (("shard", "1"),)) not in samples(text)
    assert LATENCY_BUCKETS[0] <= 0.001  # millisecond answers land in distinct buckets


def test_each_instance_has_its_own_registry() -> None:
    # Two bots in one process (or a test after another) never clash in the global registry.
    first, second = PrometheusMetrics(), PrometheusMetrics()
    first.question(answered=True, seconds=0.01, via="prefix")
    assert (
        value(generate_latest(second.registry).decode(), "celebbot_questions_answered_total", via="prefix")
        == 0
    )


async def test_a_running_bot_serves_its_counters_after_questions(start_bot: StartBot) -> None:
    running: RunningBot = await start_bot()
    bot, fake = running.bot, running.fake
    settings = dataclasses.replace(bot.settings, metrics_port=0)  # 0: any free port
    server = await start_metrics(bot, settings)
    assert server is not None
    try:
        assert server.url.startswith("http://127.0.0.1:")
        before = await scrape(server.url)
        assert value(before, "celebbot_questions_answered_total", via="mention") == 0

        start = len(fake.calls)
        await fake.send_message(f"{MENTION} When did Ada and Max meet?", mention_bot=True)
        await fake.send_message(f"{MENTION} What is the capital of France?", mention_bot=True)
        await fake.wait_for(
            lambda: sum(c.path == f"/channels/{CHANNEL_ID}/messages" for c in fake.calls[start:]) == 2
        )
        interaction = await fake.slash("ask", question="When was Ada Star born?")
        await fake.reply_to(interaction, start)
        for _ in range(200):  # the heartbeat is acknowledged within a few hundred milliseconds
            if all(math.isfinite(latency) for _, latency in bot.latencies):
                break
            await asyncio.sleep(0.02)

        text = await scrape(server.url)
    finally:
        await server.close()
    assert value(text, "celebbot_questions_answered_total", via="mention") == 1
    assert value(text, "celebbot_questions_declined_total", via="mention") == 1
    assert value(text, "celebbot_questions_answered_total", via="slash") == 1
    assert value(text, "celebbot_answer_seconds_count") == 3
    assert 0 < value(text, "celebbot_answer_seconds_sum") < 5
    latency = value(text, "celebbot_gateway_latency_seconds", shard="0")
    assert 0 <= latency < 1


async def test_port_set_without_prometheus_client_is_one_log_line_and_no_metrics(
    running: RunningBot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(metrics_module, "HAVE_PROMETHEUS", False)
    settings = dataclasses.replace(running.bot.settings, metrics_port=9)
    with caplog.at_level(logging.INFO, logger="bot"):
        assert await start_metrics(running.bot, settings) is None
    (line,) = [r for r in caplog.records if r.name.startswith("bot.")]
    assert line.levelno == logging.WARNING
    assert "prometheus-client is not installed" in line.getMessage()
    assert "celebbot[metrics]" in line.getMessage()
    assert type(running.bot.metrics) is metrics_module.Metrics  # the no-op: the bot runs on


async def test_port_in_use_is_one_log_line_and_the_bot_runs_without_metrics(
    running: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        settings = dataclasses.replace(running.bot.settings, metrics_port=port)
        with caplog.at_level(logging.INFO, logger="bot"):
            assert await start_metrics(running.bot, settings) is None
    (line,) = [r for r in caplog.records if r.name.startswith("bot.")]
    assert line.levelno == logging.ERROR
    assert f"cannot serve metrics on 127.0.0.1 port {port}" in line.getMessage()
    assert type(running.bot.metrics) is metrics_module.Metrics


async def test_metrics_server_listens_where_asked_and_stops() -> None:
    m = PrometheusMetrics()
    server = await serve_metrics(m, "127.0.0.1", 0)
    url = server.url
    assert "celebbot_questions_answered_total" in await scrape(url)
    await server.close()
    with pytest.raises(aiohttp.ClientConnectionError):
        await scrape(url)


def test_the_host_defaults_to_loopback_and_is_configurable() -> None:
    assert Settings.from_env({"CELEBBOT_METRICS_PORT": "9108"}).metrics_host == "127.0.0.1"
    settings = Settings.from_env({"CELEBBOT_METRICS_PORT": "9108", "CELEBBOT_METRICS_HOST": "0.0.0.0"})
    assert (settings.metrics_host, settings.metrics_port) == ("0.0.0.0", 9108)


def test_operations_doc_names_every_metric() -> None:
    doc = (REPO / "README.md").read_text(encoding="utf-8")
    names = {
        s.name.removesuffix("_bucket").removesuffix("_count").removesuffix("_sum")
        for family in text_string_to_metric_families(
            generate_latest(PrometheusMetrics(latencies=lambda: [(0, 0.05)]).registry).decode()
        )
        for s in family.samples
        if not s.name.endswith("_created")
    }
    assert "celebbot_gateway_latency_seconds" in names
    missing = sorted(name for name in names if f"`{name}`" not in doc)
    assert not missing, f"README.md does not describe {missing}"
