"""The bot's features, one cog each; `bot.discord_bot.client.CelebBot.setup_hook` loads them."""
