"""Lookups: ``/quote``, ``/who``, ``/sources`` and ``/help``."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.core import Engine, Person
from bot.core.text import normalize

from ..client import respond, run_blocking
from ..embeds import answer_embed, help_embed, profile_embed, sources_embed
from ..text import shorten
from .questions import vote_view

if TYPE_CHECKING:
    from ..client import CelebBot

__all__ = ["Lookup", "people_choices"]

log = logging.getLogger(__name__)

NAME_MAX = 100


def people_choices(engine: Engine, typed: str, limit: int = 25) -> list[app_commands.Choice[str]]:
    """People whose name or an alias starts with (first) or contains what has been typed."""
    want = normalize(typed).strip()
    starts: list[Person] = []
    contains: list[Person] = []
    for person in engine.kb.people.values():
        names = [normalize(n) for n in person.names]
        if not want or any(n.startswith(want) for n in names):
            starts.append(person)
        elif any(want in n for n in names):
            contains.append(person)
    chosen = [*sorted(starts, key=lambda p: p.name), *sorted(contains, key=lambda p: p.name)][:limit]
    return [
        app_commands.Choice(name=shorten(p.name, NAME_MAX), value=shorten(p.name, NAME_MAX)) for p in chosen
    ]


class Lookup(commands.Cog):
    """Quotes, profiles, sources and help."""

    def __init__(self, bot: CelebBot) -> None:
        self.bot = bot

    @property
    def engine(self) -> Engine:
        """The latest good engine (a reload may swap it between two commands)."""
        return self.bot.engine

    @app_commands.command(name="quote")
    @app_commands.describe(person="Whose words (leave empty for anyone)", search="Words the quote is about")
    async def quote(
        self,
        interaction: discord.Interaction[Any],
        person: app_commands.Range[str, 1, NAME_MAX] | None = None,
        search: app_commands.Range[str, 1, 200] | None = None,
    ) -> None:
        """A quote that matches, or a random one."""
        self.bot.question_cooldown.check_interaction(interaction.user.id)
        if person and self.engine.find_person(person) is None:
            await respond(interaction, content="I don't know who that is yet.", ephemeral=True)
            return
        found = await run_blocking(interaction, self.engine.find_quote, person, search)
        if found is None:
            text = "I have no quote like that yet." if search else "I have no quotes by them yet."
            await respond(interaction, content=text, ephemeral=True)
            return
        await respond(
            interaction, embed=answer_embed(self.engine.answer_for(found)), view=vote_view(found.id)
        )

    @quote.autocomplete("person")
    async def quote_person(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        """People whose names start with what has been typed."""
        return await run_blocking(None, people_choices, self.engine, current)

    @app_commands.command(name="who")
    @app_commands.describe(person="A name or nickname, like Ye")
    async def who(
        self, interaction: discord.Interaction[Any], person: app_commands.Range[str, 1, NAME_MAX]
    ) -> None:
        """What I know about someone, and my sources."""
        self.bot.question_cooldown.check_interaction(interaction.user.id)
        found = await run_blocking(interaction, self.engine.find_person, person)
        if found is None:
            await respond(interaction, content="I don't know who that is yet.", ephemeral=True)
            return
        embed = await run_blocking(interaction, profile_embed, self.engine, found)
        await respond(interaction, embed=embed)

    @who.autocomplete("person")
    async def who_person(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        """People whose names start with what has been typed."""
        return await run_blocking(None, people_choices, self.engine, current)

    @app_commands.command(name="sources")
    async def sources(self, interaction: discord.Interaction[Any]) -> None:
        """Every source my answers come from."""
        await respond(interaction, embed=await run_blocking(interaction, sources_embed, self.engine))

    @app_commands.command(name="help")
    async def help(self, interaction: discord.Interaction[Any]) -> None:
        """How to ask me things."""
        me = self.bot.user
        embed = help_embed(self.bot.settings.prefix, me.name if me else "celebbot")
        await respond(interaction, embed=embed, ephemeral=True)
