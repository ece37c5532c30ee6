"""The Discord adapter: a discord.py bot over `bot.core`."""
