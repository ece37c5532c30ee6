"""A heartbeat file the running bot keeps fresh, and the check that reads it.

The bot process writes ``heartbeat-<shards>.json`` in the data folder every few seconds
(atomically); ``celebbot health`` (the container's HEALTHCHECK) reads the one for its own
shards. Nothing here knows about Discord: the adapter says whether it is connected.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

__all__ = ["DEFAULT_MAX_AGE", "Heartbeat", "check_health", "heartbeat_path", "write_heartbeat"]

#: A heartbeat older than this many seconds means the bot is stuck or gone.
DEFAULT_MAX_AGE = 90.0


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """What the running bot says about itself."""

    pid: int
    time: float  # seconds since the epoch
    connected: bool  # the gateway is connected and ready
    knowledge_loaded: bool
    facts: int = 0
    guilds: int = 0
    latency_ms: float | None = None


def heartbeat_path(data_dir: str | os.PathLike[str], shard_ids: str | None = None) -> Path:
    """The heartbeat file of the process running these shards (``None``: all of them)."""
    label = "all" if not shard_ids else "shards-" + "-".join(re.findall(r"\d+", shard_ids))
    return Path(data_dir) / f"heartbeat-{label}.json"


def write_heartbeat(path: Path, beat: Heartbeat) -> None:
    """Replace the heartbeat file atomically (a reader never sees half of it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".heartbeat-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(asdict(beat), out)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def check_health(path: Path, max_age: float = DEFAULT_MAX_AGE, now: float | None = None) -> tuple[bool, str]:
    """(healthy, one line saying why) for the heartbeat at ``path``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        beat = Heartbeat(**data)
    except FileNotFoundError:
        return False, f"no heartbeat at {path}: the bot is not running (or uses another data folder)"
    except (OSError, ValueError, TypeError) as exc:
        return False, f"unreadable heartbeat at {path}: {exc}"
    age = (time.time() if now is None else now) - beat.time
    if age > max_age:
        return False, f"stale heartbeat: last written {age:.0f} s ago (limit {max_age:.0f} s)"
    if not beat.knowledge_loaded:
        return False, "the knowledge is not loaded"
    if not beat.connected:
        return False, "not connected to Discord"
    latency = "" if beat.latency_ms is None else f", gateway latency {beat.latency_ms:.0f} ms"
    return True, f"healthy: {beat.facts} facts, {beat.guilds} servers{latency}, heartbeat {age:.0f} s old"
