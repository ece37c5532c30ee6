"""The Discord adapter: a discord.py bot over `bot.core`.

- `settings`: every setting, from the environment (the token only from ``DISCORD_TOKEN``)
- `client`: the bot (`client.CelebBot`), its error handling, cooldown and heartbeat
- `cogs.questions`: mentions, ``!ask``, ``/ask`` with autocomplete, "did you mean" buttons
- `cogs.lookup`: ``/quote``, ``/who``, ``/sources``, ``/help``
- `embeds`: answers, profiles and sources as embeds within Discord's limits
- `text`: pure text helpers (no discord import)
- `runner`: ``celebbot run`` and ``celebbot sync``

How to set it up on Discord: docs/discord.md.
"""
