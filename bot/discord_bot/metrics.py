"""What the bot counts for Prometheus: the calls the rest of the Discord adapter makes.

`Metrics` records nothing; the Prometheus-backed version replaces it when
``CELEBBOT_METRICS_PORT`` is set and prometheus-client is installed.
"""

from __future__ import annotations

__all__ = ["Metrics"]


class Metrics:
    """Counters and histograms of the bot; this base records nothing."""

    def question(self, *, answered: bool, seconds: float, via: str) -> None:
        """One question was answered (or declined) in ``seconds``; ``via`` is mention/prefix/slash/button."""

    def reload(self, *, ok: bool) -> None:
        """The knowledge was reloaded (``ok``) or a changed file failed validation."""

    def command_error(self, *, command: str) -> None:
        """A command failed with an unexpected error (not a cooldown or a refused check)."""
