"""What the bot counts for Prometheus: the calls the rest of the Discord adapter makes, and the server.

`Metrics` records nothing. `PrometheusMetrics` records into its own
`prometheus_client.CollectorRegistry` (never the global one), and `serve_metrics`
serves it at ``http://HOST:PORT/metrics`` from the bot's event loop with
prometheus-client's aiohttp handler. `metrics_from_settings` picks one of the two:
Prometheus when ``CELEBBOT_METRICS_PORT`` is set and prometheus-client (the
``celebbot[metrics]`` extra) is installed; otherwise the no-op, with one log line
saying why when the port was set.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from aiohttp import web

try:
    from prometheus_client import CollectorRegistry, Counter, Histogram
    from prometheus_client.aiohttp import make_aiohttp_handler
    from prometheus_client.core import GaugeMetricFamily, Metric
except ImportError:  # the optional extra celebbot[metrics] is not installed
    HAVE_PROMETHEUS = False
else:
    HAVE_PROMETHEUS = True

__all__ = [
    "HAVE_PROMETHEUS",
    "LATENCY_BUCKETS",
    "VIAS",
    "Metrics",
    "MetricsServer",
    "PrometheusMetrics",
    "metrics_from_settings",
    "serve_metrics",
]

log = logging.getLogger(__name__)

#: The ways a question reaches the bot (the ``via`` label).
VIAS = ("mention", "prefix", "slash", "button")
#: Answer latency buckets, in seconds: answers take milliseconds, a slow one up to a few seconds.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)

#: (shard id, gateway latency in seconds) of every shard this process runs.
Latencies = Callable[[], Iterable[tuple[int, float]]]


class Metrics:
    """Counters and histograms of the bot; this base records nothing."""

    def question(self, *, answered: bool, seconds: float, via: str) -> None:
        """One question was answered (or declined) in ``seconds``; ``via`` is mention/prefix/slash/button."""

    def reload(self, *, ok: bool) -> None:
        """The knowledge was reloaded (``ok``) or a changed file failed validation."""

    def command_error(self, *, command: str) -> None:
        """A command failed with an unexpected error (not a cooldown or a refused check)."""


def _no_latencies() -> Iterable[tuple[int, float]]:
    return ()


class _GatewayLatency:
    """A collector that reads each shard's gateway latency when Prometheus scrapes."""

    def __init__(self, latencies: Latencies) -> None:
        self.latencies = latencies

    def describe(self) -> Iterable[Metric]:
        # Describing without collecting: the bot may not be connected when this is registered.
        return [self._family()]

    def collect(self) -> Iterator[Metric]:
        family = self._family()
        for shard_id, seconds in self.latencies():
            if math.isfinite(seconds):  # inf until the first heartbeat is acknowledged
                family.add_metric([str(shard_id)], seconds)
        yield family

    @staticmethod
    def _family() -> GaugeMetricFamily:
        return GaugeMetricFamily(
            "celebbot_gateway_latency_seconds",
            "Time between a gateway heartbeat and its acknowledgement, per shard",
            labels=["shard"],
        )


class PrometheusMetrics(Metrics):
    """The bot's metrics in a registry of their own; ``latencies`` is read at every scrape."""

    def __init__(
        self, latencies: Latencies = _no_latencies, registry: CollectorRegistry | None = None
    ) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        r = self.registry
        self._answered = Counter(
            "celebbot_questions_answered", "Questions answered, by how they were asked", ["via"], registry=r
        )
        self._declined = Counter(
            "celebbot_questions_declined",
            'Questions declined ("I don\'t know that yet"), by how they were asked',
            ["via"],
            registry=r,
        )
        self._latency = Histogram(
            "celebbot_answer_seconds",
            "Time to find an answer (or decline), from question to reply ready",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self._reloads = Counter("celebbot_knowledge_reloads", "Knowledge reloads that loaded", registry=r)
        self._reload_failures = Counter(
            "celebbot_knowledge_reload_failures",
            "Changed knowledge files that failed validation (the last good knowledge stays)",
            registry=r,
        )
        self._command_errors = Counter(
            "celebbot_command_errors",
            "Commands that failed with an unexpected error",
            ["command"],
            registry=r,
        )
        for via in VIAS:  # every way of asking shows, at 0, before its first question
            self._answered.labels(via=via)
            self._declined.labels(via=via)
        self._gateway = _GatewayLatency(latencies)
        r.register(self._gateway)

    @property
    def latencies(self) -> Latencies:
        """Where the gateway latency gauge reads from."""
        return self._gateway.latencies

    @latencies.setter
    def latencies(self, latencies: Latencies) -> None:
        self._gateway.latencies = latencies

    def question(self, *, answered: bool, seconds: float, via: str) -> None:
        """Count the question as answered or declined, and its time."""
        (self._answered if answered else self._declined).labels(via=via).inc()
        self._latency.observe(seconds)

    def reload(self, *, ok: bool) -> None:
        """Count a reload, or a failed one."""
        (self._reloads if ok else self._reload_failures).inc()

    def command_error(self, *, command: str) -> None:
        """Count a failed command."""
        self._command_errors.labels(command=command).inc()


@dataclass
class MetricsServer:
    """The running ``/metrics`` server; `close` stops it."""

    runner: web.AppRunner
    host: str
    port: int  # the port bound (the one asked for, or the one chosen for port 0)

    @property
    def url(self) -> str:
        """Where Prometheus scrapes."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/metrics"

    async def close(self) -> None:
        """Stop serving."""
        await self.runner.cleanup()


async def serve_metrics(metrics: PrometheusMetrics, host: str, port: int) -> MetricsServer:
    """Serve ``metrics`` at ``http://host:port/metrics`` on the running event loop (port 0: any free port).

    Raises `OSError` when the port cannot be bound.
    """
    app = web.Application()
    app.router.add_get("/metrics", make_aiohttp_handler(metrics.registry))
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except BaseException:
        await runner.cleanup()
        raise
    bound = int(runner.addresses[0][1])
    return MetricsServer(runner, host, bound)


def metrics_from_settings(port: int | None) -> PrometheusMetrics | None:
    """Prometheus metrics when a port is set and prometheus-client is installed; else None (logged)."""
    if port is None:
        return None
    if not HAVE_PROMETHEUS:
        log.warning(
            "CELEBBOT_METRICS_PORT is set but prometheus-client is not installed "
            "(pip install 'celebbot[metrics]'); running without metrics"
        )
        return None
    return PrometheusMetrics()
