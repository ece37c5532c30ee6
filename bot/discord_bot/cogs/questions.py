"""Questions: by mention, by prefix command, by ``/ask`` with autocomplete, and by "did you mean" buttons."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Self

import discord
from discord import app_commands
from discord.ext import commands

from bot.core import Answer, Engine, Fact, Quote

from ..client import FAILED_TEXT, NO_MENTIONS, respond, run_blocking
from ..embeds import answer_embed, decline_text, help_embed
from ..text import cooldown_text, question_from_mention, shorten, suggestion_key

if TYPE_CHECKING:
    from ..client import CelebBot

__all__ = ["Questions", "Reply", "SuggestionButton", "build_reply"]

log = logging.getLogger(__name__)

#: Discord's limits on a button label, an autocomplete choice and a slash command string option.
BUTTON_LABEL_MAX = 80
CHOICE_MAX = 100
QUESTION_MAX = 300
#: How long "did you mean" buttons stay clickable is not limited: they are found by custom id.
SUGGESTION_ID = "celebbot:ask:{key}"


class SuggestionButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"celebbot:ask:(?P<key>[0-9a-f]{16})",
):
    """A "did you mean" button; a click answers its question. Works after restarts too."""

    def __init__(self, key: str, label: str = "?") -> None:
        super().__init__(
            discord.ui.Button(
                label=shorten(label, BUTTON_LABEL_MAX),
                style=discord.ButtonStyle.secondary,
                custom_id=SUGGESTION_ID.format(key=key),
            )
        )
        self.key = key

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> Self:
        """Rebuild the button from a click."""
        label = item.label if isinstance(item, discord.ui.Button) else None
        return cls(match["key"], label or "?")

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Answer the suggested question."""
        cog = interaction.client.get_cog(Questions.__cog_name__)
        if not isinstance(cog, Questions):  # pragma: no cover - the cog is always loaded
            return
        await cog.answer_suggestion(interaction, self.key)


@dataclass
class Reply:
    """What the bot sends back for an answer: text, an embed, and maybe buttons."""

    content: str | None = None
    embed: discord.Embed | None = None
    view: discord.ui.View | None = field(default=None)

    def kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``send``/``reply``/``send_message``, leaving out what is unset."""
        out: dict[str, Any] = {"allowed_mentions": NO_MENTIONS}
        if self.content is not None:
            out["content"] = self.content
        if self.embed is not None:
            out["embed"] = self.embed
        if self.view is not None:
            out["view"] = self.view
        return out


def build_reply(answer: Answer) -> Reply:
    """An answer as an embed, or a decline with up to three "did you mean" buttons."""
    if answer.answered:
        return Reply(embed=answer_embed(answer))
    if not answer.suggestions:
        return Reply(content=decline_text(answer))
    view = discord.ui.View(timeout=None)
    for question in answer.suggestions[:3]:
        view.add_item(SuggestionButton(suggestion_key(question), question))
    return Reply(content=decline_text(answer), view=view)


def _suggestable(engine: Engine) -> dict[str, str]:
    """Every question the engine may suggest, by its button key."""
    labels: dict[str, str] = {}
    entries: list[Fact | Quote] = [*engine.kb.facts.values(), *engine.kb.quotes.values()]
    for entry in entries:
        questions = list(entry.questions)
        if isinstance(entry, Quote):
            questions.append(engine.quote_question(entry))
        for q in questions:
            labels.setdefault(suggestion_key(q), q)
    return labels


class Questions(commands.Cog):
    """Answers questions, however they are asked."""

    def __init__(self, bot: CelebBot, engine: Engine) -> None:
        self.bot = bot
        self.engine = engine
        self._suggestions: dict[str, str] = {}

    async def cog_load(self) -> None:
        """Index the questions "did you mean" buttons can stand for."""
        self._suggestions = await run_blocking(None, _suggestable, self.engine)

    async def _ask(self, question: str, interaction: discord.Interaction[Any] | None = None) -> Reply:
        answer = await run_blocking(interaction, self.engine.ask, shorten(question, 1000))
        log.debug("answered=%s entry=%s score=%.3f", answer.answered, answer.entry_id, answer.score)
        return build_reply(answer)

    # -- mentions -------------------------------------------------------------

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Answer a message that mentions the bot (or any message in a DM) as a reply."""
        me = self.bot.user
        if me is None or message.author.bot:
            return
        if message.guild is not None and not any(u.id == me.id for u in message.mentions):
            return
        ctx = await self.bot.get_context(message)
        if ctx.valid:
            return  # a prefix command in the same message answers it
        question = question_from_mention(message.content, me.id, self.bot.settings.prefix)
        try:
            if not question:
                reply = Reply(
                    content=f"Ask me about a celebrity, like: @{me.name} When did Kim and Kanye meet?"
                )
            elif (retry := self.bot.question_cooldown.hit(message.author.id)) is not None:
                reply = Reply(content=cooldown_text(retry))
            else:
                reply = await self._ask(question)
            await message.reply(mention_author=False, **reply.kwargs())
        except Exception:
            log.exception("answering a mention failed")
            try:
                await message.reply(FAILED_TEXT, allowed_mentions=NO_MENTIONS, mention_author=False)
            except discord.HTTPException:
                log.warning("could not tell the user about the failure", exc_info=True)

    # -- prefix command -------------------------------------------------------

    @commands.command(name="ask")
    async def ask_prefix(self, ctx: commands.Context[Any], *, question: str) -> None:
        """Ask a question: ``!ask When did Kim and Kanye meet?``."""
        self.bot.question_cooldown.check_command(ctx.author.id)
        reply = await self._ask(question)
        await ctx.reply(mention_author=False, **reply.kwargs())

    @commands.command(name="help")
    async def help_prefix(self, ctx: commands.Context[Any]) -> None:
        """How to use the bot."""
        me = self.bot.user
        embed = help_embed(self.bot.settings.prefix, me.name if me else "celebbot")
        await ctx.reply(embed=embed, allowed_mentions=NO_MENTIONS, mention_author=False)

    # -- slash command --------------------------------------------------------

    @app_commands.command(name="ask")
    @app_commands.describe(question="What you want to know, like: When did Kim and Kanye meet?")
    async def ask_slash(
        self, interaction: discord.Interaction[Any], question: app_commands.Range[str, 1, QUESTION_MAX]
    ) -> None:
        """Ask about a celebrity; the answer cites its source."""
        self.bot.question_cooldown.check_interaction(interaction.user.id)
        reply = await self._ask(question, interaction)
        await respond(interaction, **reply.kwargs())

    @ask_slash.autocomplete("question")
    async def ask_autocomplete(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        """The questions the knowledge answers closest to what has been typed."""
        labels = await run_blocking(None, self.engine.complete, shorten(current, QUESTION_MAX), 25)
        choices: list[app_commands.Choice[str]] = []
        for label in labels:
            text = shorten(label, CHOICE_MAX)
            if all(c.value != text for c in choices):
                choices.append(app_commands.Choice(name=text, value=text))
        return choices

    # -- "did you mean" buttons -----------------------------------------------

    async def answer_suggestion(self, interaction: discord.Interaction[Any], key: str) -> None:
        """Answer the question behind a clicked "did you mean" button."""
        try:
            question = self._suggestions.get(key)
            if question is None:
                await respond(
                    interaction, content="That suggestion has gone; please ask again.", ephemeral=True
                )
                return
            retry = self.bot.question_cooldown.hit(interaction.user.id)
            if retry is not None:
                await respond(interaction, content=cooldown_text(retry), ephemeral=True)
                return
            reply = await self._ask(question, interaction)
            if reply.embed is not None:
                reply.content = shorten(f"**{discord.utils.escape_markdown(question)}**", 2000)
            await respond(interaction, **reply.kwargs())
        except Exception:
            log.exception("answering a suggestion failed")
            try:
                await respond(interaction, content=FAILED_TEXT, ephemeral=True)
            except discord.HTTPException:
                log.warning("could not tell the user about the failure", exc_info=True)
