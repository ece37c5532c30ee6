"""Every setting of the Discord bot, read from the environment in one place.

The token is kept as a `Secret` until the moment of use, so that printing or
logging the settings never shows it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["ENV_TOKEN", "Secret", "Settings", "SettingsError"]

log = logging.getLogger(__name__)

#: The environment variable holding the bot token (the only place it is read from).
ENV_TOKEN = "DISCORD_TOKEN"  # noqa: S105 - the variable name, not a token

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")


class SettingsError(ValueError):
    """A setting in the environment has a value the bot cannot use."""


class Secret:
    """A string that does not show itself in ``repr``, ``str`` or logs."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The secret itself, for the one place that needs it."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def _int(env: Mapping[str, str], name: str, *, minimum: int = 0) -> int | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, not {value}")
    return value


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number of seconds, not {raw!r}") from None
    if not value > 0:
        raise SettingsError(f"{name} must be more than 0, not {raw}")
    return value


def _bool(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise SettingsError(f"{name} must be true or false, not {raw!r}")


def _url(env: Mapping[str, str], name: str, schemes: tuple[str, ...]) -> str | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    if not raw.startswith(schemes):
        raise SettingsError(f"{name} must start with {' or '.join(schemes)}, not {raw!r}")
    return raw


def _port(env: Mapping[str, str], name: str) -> int | None:
    port = _int(env, name, minimum=1)
    if port is not None and port > 65535:
        raise SettingsError(f"{name} must be a port number from 1 to 65535, not {port}")
    return port


def _shard_ids(env: Mapping[str, str], count: int | None) -> tuple[int, ...] | None:
    raw = env.get("CELEBBOT_SHARD_IDS", "").strip()
    if not raw:
        return None
    if count is None:
        raise SettingsError("CELEBBOT_SHARD_IDS needs CELEBBOT_SHARD_COUNT too")
    try:
        ids = tuple(int(part) for part in raw.replace(" ", "").split(",") if part)
    except ValueError:
        raise SettingsError(
            f"CELEBBOT_SHARD_IDS must be shard numbers separated by commas, not {raw!r}"
        ) from None
    bad = [i for i in ids if not 0 <= i < count]
    if bad or not ids:
        raise SettingsError(f"CELEBBOT_SHARD_IDS must be numbers from 0 to {count - 1}, not {raw!r}")
    return ids


@dataclass(frozen=True, slots=True)
class Settings:
    """The Discord bot's settings; `from_env` documents each variable and default."""

    token: Secret | None = field(default=None, repr=False)
    prefix: str = "!"
    knowledge: Path | None = None
    data_dir: Path = Path("data")
    dev_guild: int | None = None
    log_level: str = "INFO"
    cooldown_rate: int = 5
    cooldown_per: float = 60.0
    message_content: bool = False
    api_base: str | None = None
    gateway: str | None = None
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None
    curator_role: int | None = None
    admin_channel: int | None = None
    metrics_port: int | None = None
    metrics_host: str = "127.0.0.1"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read the settings from the environment; raises `SettingsError` naming a bad variable.

        >>> Settings.from_env({"CELEBBOT_PREFIX": "?"}).prefix
        '?'
        """
        env = os.environ if environ is None else environ
        token = env.get(ENV_TOKEN, "").strip()
        prefix = env.get("CELEBBOT_PREFIX", "!").strip() or "!"
        if any(c.isspace() for c in prefix):
            raise SettingsError(f"CELEBBOT_PREFIX must not contain spaces, not {prefix!r}")
        level = env.get("CELEBBOT_LOG_LEVEL", "INFO").strip().upper() or "INFO"
        if level not in _LEVELS:
            raise SettingsError(f"CELEBBOT_LOG_LEVEL must be one of {', '.join(_LEVELS)}, not {level!r}")
        knowledge = env.get("CELEBBOT_KNOWLEDGE", "").strip()
        rate = _int(env, "CELEBBOT_COOLDOWN_RATE")
        count = _int(env, "CELEBBOT_SHARD_COUNT", minimum=1)
        return cls(
            token=Secret(token) if token else None,
            prefix=prefix,
            knowledge=Path(knowledge) if knowledge else None,
            data_dir=Path(env.get("CELEBBOT_DATA", "").strip() or "data"),
            dev_guild=_int(env, "CELEBBOT_DEV_GUILD", minimum=1),
            log_level=level,
            cooldown_rate=5 if rate is None else rate,
            cooldown_per=_float(env, "CELEBBOT_COOLDOWN_PER", 60.0),
            message_content=_bool(env, "CELEBBOT_MESSAGE_CONTENT"),
            api_base=_url(env, "CELEBBOT_DISCORD_API_BASE", ("http://", "https://")),
            gateway=_url(env, "CELEBBOT_DISCORD_GATEWAY", ("ws://", "wss://")),
            shard_count=count,
            shard_ids=_shard_ids(env, count),
            curator_role=_int(env, "CELEBBOT_CURATOR_ROLE", minimum=1),
            admin_channel=_int(env, "CELEBBOT_ADMIN_CHANNEL", minimum=1),
            metrics_port=_port(env, "CELEBBOT_METRICS_PORT"),
            metrics_host=env.get("CELEBBOT_METRICS_HOST", "").strip() or "127.0.0.1",
        )
