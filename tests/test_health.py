"""The heartbeat and `celebbot health`: fresh and connected is healthy, anything else is not."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bot.cli import main
from bot.core.health import Heartbeat, check_health, heartbeat_path, write_heartbeat


def beat(**changes: object) -> Heartbeat:
    values: dict[str, object] = {
        "pid": 1, "time": time.time(), "connected": True, "knowledge_loaded": True, "facts": 3, "guilds": 2,
    }  # fmt: skip
    values.update(changes)
    return Heartbeat(**values)  # type: ignore[arg-type]


def test_paths_are_per_shard_group(tmp_path: Path) -> None:
    assert heartbeat_path(tmp_path).name == "heartbeat-all.json"
    assert heartbeat_path(tmp_path, "0,1").name == "heartbeat-shards-0-1.json"
    assert heartbeat_path(tmp_path, "[2, 3]").name == "heartbeat-shards-2-3.json"


@pytest.mark.parametrize(
    ("changes", "healthy", "words"),
    [
        ({}, True, "healthy: 3 facts, 2 servers"),
        ({"time": time.time() - 500}, False, "stale heartbeat"),
        ({"connected": False}, False, "not connected"),
        ({"knowledge_loaded": False}, False, "knowledge is not loaded"),
    ],
)
def test_check_health(tmp_path: Path, changes: dict[str, object], healthy: bool, words: str) -> None:
    path = heartbeat_path(tmp_path)
    write_heartbeat(path, beat(**changes))
    ok, why = check_health(path)
    assert ok is healthy and words in why


def test_missing_and_corrupt_heartbeats(tmp_path: Path) -> None:
    path = heartbeat_path(tmp_path)
    assert check_health(path) == (
        False,
        f"no heartbeat at {path}: the bot is not running (or uses another data folder)",
    )
    path.write_text("{not json", encoding="utf-8")
    ok, why = check_health(path)
    assert not ok and "unreadable" in why


def test_health_command_exit_codes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CELEBBOT_SHARD_IDS", "1")
    assert main(["health", "--data", str(tmp_path)]) == 1
    write_heartbeat(heartbeat_path(tmp_path, "1"), beat())
    assert main(["health", "--data", str(tmp_path)]) == 0
    monkeypatch.setenv("CELEBBOT_DATA", str(tmp_path))
    assert main(["health", "--max-age", "0.000001"]) == 1
    assert "stale" in capsys.readouterr().err
