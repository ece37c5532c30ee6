"""Measurements: per-question latency, accuracy, event-loop stalls and cold starts in a child process."""

from __future__ import annotations

import asyncio
import json
import math
import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from .generate import ABSTAIN, KINDS, Question

__all__ = [
    "TICK_S",
    "cold_start",
    "latency_summary",
    "percentile",
    "score",
    "time_answers",
    "with_stall",
]

T = TypeVar("T")

#: The ticker's sleep: the event loop's lateness waking from it is the stall.
TICK_S = 0.010
_ROOT = Path(__file__).resolve().parent.parent


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """The nearest-rank ``p``-th percentile (0-100) of already sorted values; 0.0 when empty."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return float(sorted_values[min(rank, len(sorted_values)) - 1])


def time_answers(
    ask: Callable[[str], str | None], questions: Sequence[Question]
) -> tuple[list[int], list[str]]:
    """Ask every question once; return each one's latency (ns) and answer (entry id or `ABSTAIN`)."""
    latencies: list[int] = []
    answers: list[str] = []
    clock = time.perf_counter_ns
    for q in questions:
        t0 = clock()
        got = ask(q.text)
        latencies.append(clock() - t0)
        answers.append(got if got is not None else ABSTAIN)
    return latencies, answers


def latency_summary(latencies_ns: Sequence[int]) -> dict[str, float]:
    """p50, p90, p99, mean and max in milliseconds, and questions per second (one at a time)."""
    ms = sorted(v / 1e6 for v in latencies_ns)
    total_s = sum(latencies_ns) / 1e9
    return {
        "p50_ms": round(percentile(ms, 50), 3),
        "p90_ms": round(percentile(ms, 90), 3),
        "p99_ms": round(percentile(ms, 99), 3),
        "mean_ms": round(sum(ms) / len(ms), 3) if ms else 0.0,
        "max_ms": round(ms[-1], 3) if ms else 0.0,
        "qps": round(len(ms) / total_s, 1) if total_s else 0.0,
    }


def score(questions: Sequence[Question], answers: Sequence[str]) -> dict[str, Any]:
    """Accuracy overall and by kind; how many answers named the wrong entry; how many were missed.

    A question is right when the answer is its expected entry, or a decline when it expects one.
    ``wrong_answers`` counts answers given that are not the expected one (the worst outcome:
    a confident wrong fact); ``missed`` counts declines of answerable questions.
    """
    right = wrong = missed = 0
    by_kind: dict[str, list[int]] = {k: [0, 0] for k in KINDS}
    for q, got in zip(questions, answers, strict=True):
        ok = got == q.expect
        right += ok
        cell = by_kind.setdefault(q.kind, [0, 0])
        cell[0] += ok
        cell[1] += 1
        if not ok and got != ABSTAIN:
            wrong += 1
        elif not ok:
            missed += 1
    n = len(questions)
    return {
        "accuracy": round(right / n, 4) if n else 0.0,
        "right": right,
        "wrong_answers": wrong,
        "missed": missed,
        "by_kind": {k: round(r / t, 4) if t else None for k, (r, t) in by_kind.items()},
    }


async def _ticker(stop: asyncio.Event, worst: list[float]) -> None:
    clock = time.perf_counter
    while not stop.is_set():
        t0 = clock()
        await asyncio.sleep(TICK_S)
        worst[0] = max(worst[0], clock() - t0 - TICK_S)


async def _stalled(calls: Sequence[Callable[[], T]]) -> tuple[list[T], float]:
    stop = asyncio.Event()
    worst = [0.0]
    ticker = asyncio.create_task(_ticker(stop, worst))
    await asyncio.sleep(3 * TICK_S)  # let the ticker settle before the work starts
    out = [await asyncio.to_thread(call) for call in calls]
    stop.set()
    await ticker
    return out, worst[0] * 1000


def with_stall(calls: Sequence[Callable[[], T]]) -> tuple[list[T], float]:
    """Run each call in turn with `asyncio.to_thread` while a ticker sleeps 10 ms in a loop.

    Returns the calls' results and the ticker's worst lateness in milliseconds: how long the
    event loop (a bot's gateway heartbeat) could not run while the work went on.
    """
    return asyncio.run(_stalled(calls))


def cold_start(
    knowledge: Path,
    question: str,
    data_dir: Path,
    cpu: int | None = None,
    timeout_s: float = 900,
) -> dict[str, Any]:
    """Start the engine in a fresh Python process (see `benchmarks.coldstart`) and return its figures.

    ``CELEBBOT_DATA`` is set to ``data_dir``; ``wall_s`` is the whole process, interpreter
    start-up included, as seen from here.
    """
    env: Mapping[str, str] = {**os.environ, "CELEBBOT_DATA": str(data_dir)}
    cmd = [sys.executable, "-m", "benchmarks.coldstart", str(knowledge), question]
    if cpu is not None:
        cmd = ["taskset", "-c", str(cpu), *cmd]
    t0 = time.perf_counter()
    proc = subprocess.run(
        cmd, capture_output=True, text=True, env=env, cwd=_ROOT, timeout=timeout_s, check=False
    )
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"cold start failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    result["wall_s"] = round(wall, 4)
    return result
