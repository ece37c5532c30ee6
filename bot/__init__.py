"""celebbot: answers questions about celebrities from a curated, cited knowledge base.

``bot.core`` is the platform-neutral engine; ``bot.cli`` and ``bot.discord_bot``
are thin adapters over it.
"""

__version__ = "0.1.0"
