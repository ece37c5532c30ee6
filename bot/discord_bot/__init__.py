"""The Discord adapter: a discord.py bot over `bot.core`.

- `settings`: every setting, from the environment (the token only from ``DISCORD_TOKEN``)
- `client`: the bot (`client.CelebBot`), its error handling, cooldown and heartbeat; the live
  reload of the knowledge (a `bot.core.reload.Reloader` watching the files, problems posted to
  the admin channel), the `KnowledgeStore` edits go through and the `Feedback` database
- `cogs.questions`: mentions, ``!ask``, ``/ask`` with autocomplete, "did you mean" buttons,
  thumbs-up/down vote buttons on answers, declined questions counted
- `cogs.lookup`: ``/quote``, ``/who``, ``/sources``, ``/help``
- `cogs.curation`: ``/kb`` for curators (Manage Server or the curator role): add, edit and
  remove through forms, history, undo, reload, check, gaps
- `embeds`: answers, profiles and sources as embeds within Discord's limits
- `text`: pure text helpers (no discord import)
- `runner`: ``celebbot run`` and ``celebbot sync``
- `metrics`: Prometheus metrics (optional, ``celebbot[metrics]``) and their ``/metrics`` server
- `logs`: one log line a record, with the guild, channel and command of the event being handled

How to set it up on Discord and operate it: README.md ("On Discord", "Operating it").
"""
