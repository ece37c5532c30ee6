"""Questions: by mention, by prefix command, by ``/ask`` with autocomplete, and by "did you mean" buttons.

Answers carry thumbs-up and thumbs-down buttons (`VoteButton`); declined questions are
counted in the feedback database for ``/kb gaps``.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Self

import discord
from discord import app_commands
from discord.ext import commands

from bot.core import Answer, Engine, Fact, Quote
from bot.core.loader import ID_PATTERN

from ..client import FAILED_TEXT, NO_MENTIONS, respond, run_blocking
from ..embeds import answer_embed, decline_text, help_embed
from ..text import cooldown_text, question_from_mention, shorten, suggestion_key

if TYPE_CHECKING:
    from ..client import CelebBot

__all__ = ["Questions", "Reply", "SuggestionButton", "VoteButton", "build_reply", "vote_view"]

log = logging.getLogger(__name__)

#: Discord's limits on a button label, an autocomplete choice and a slash command string option.
BUTTON_LABEL_MAX = 80
CHOICE_MAX = 100
QUESTION_MAX = 300
#: How long "did you mean" buttons stay clickable is not limited: they are found by custom id.
SUGGESTION_ID = "celebbot:ask:{key}"
#: A vote button names the fact or quote it is about (ids are at most 64 characters, custom ids 100).
VOTE_ID = "celebbot:vote:{direction}:{entry_id}"
#: How a question was asked, as `Metrics.question` counts it.
Via = Literal["mention", "prefix", "slash", "button"]


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


class VoteButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"celebbot:vote:(?P<direction>up|down):(?P<entry_id>[a-z0-9][a-z0-9._-]{0,63})",
):
    """A thumbs-up or thumbs-down on an answer, recorded with the answer's fact id. Works after restarts."""

    def __init__(self, direction: str, entry_id: str) -> None:
        up = direction == "up"
        super().__init__(
            discord.ui.Button(
                emoji="\N{THUMBS UP SIGN}" if up else "\N{THUMBS DOWN SIGN}",
                style=discord.ButtonStyle.secondary,
                custom_id=VOTE_ID.format(direction=direction, entry_id=entry_id),
            )
        )
        self.up = up
        self.entry_id = entry_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> Self:
        """Rebuild the button from a click."""
        return cls(match["direction"], match["entry_id"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Record the vote (a person's second vote on an answer replaces the first); thank them privately."""
        feedback = interaction.client.feedback
        try:
            await asyncio.to_thread(
                feedback.record_vote, self.entry_id, self.up, user_id=str(interaction.user.id)
            )
        except Exception:
            log.exception("recording a vote on %s failed", self.entry_id)
            interaction.client.metrics.command_error(command="vote")
            await respond(interaction, content=FAILED_TEXT, ephemeral=True)
            return
        text = (
            "Thanks! Glad that helped." if self.up else "Thanks, noted: a curator will look at this answer."
        )
        await respond(interaction, content=text, ephemeral=True)


def vote_view(entry_id: str, view: discord.ui.View | None = None) -> discord.ui.View:
    """Thumbs-up and thumbs-down buttons for the answer from ``entry_id`` (added to ``view`` if given)."""
    view = view or discord.ui.View(timeout=None)
    if ID_PATTERN.match(entry_id) and len(entry_id) <= 64:
        view.add_item(VoteButton("up", entry_id))
        view.add_item(VoteButton("down", entry_id))
    return view


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
    """An answer as an embed with vote buttons, or a decline with up to three "did you mean" buttons."""
    if answer.answered:
        view = vote_view(answer.entry_id) if answer.entry_id else None
        return Reply(embed=answer_embed(answer), view=view)
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

    def __init__(self, bot: CelebBot) -> None:
        self.bot = bot
        self._suggestions: dict[str, str] = {}

    async def cog_load(self) -> None:
        """Index the questions "did you mean" buttons can stand for."""
        self._suggestions = await run_blocking(None, _suggestable, self.bot.engine)

    @commands.Cog.listener()
    async def on_knowledge_reload(self, engine: Engine) -> None:
        """Index the new knowledge's questions; buttons of questions it no longer has say so."""
        self._suggestions = await run_blocking(None, _suggestable, engine)

    async def _ask(
        self, question: str, via: Via, interaction: discord.Interaction[Any] | None = None
    ) -> Reply:
        engine = self.bot.engine  # the latest good one: it may be swapped by a reload at any time
        started = time.perf_counter()
        answer = await run_blocking(interaction, engine.ask, shorten(question, 1000))
        self.bot.metrics.question(answered=answer.answered, seconds=time.perf_counter() - started, via=via)
        log.debug("answered=%s entry=%s score=%.3f", answer.answered, answer.entry_id, answer.score)
        if not answer.answered:
            self.bot.record_declined(question)
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
                reply = await self._ask(question, "mention")
            await message.reply(mention_author=False, **reply.kwargs())
        except Exception:
            log.exception("answering a mention failed")
            self.bot.metrics.command_error(command="mention")
            try:
                await message.reply(FAILED_TEXT, allowed_mentions=NO_MENTIONS, mention_author=False)
            except discord.HTTPException:
                log.warning("could not tell the user about the failure", exc_info=True)

    # -- prefix command -------------------------------------------------------

    @commands.command(name="ask")
    async def ask_prefix(self, ctx: commands.Context[Any], *, question: str) -> None:
        """Ask a question: ``!ask When did Kim and Kanye meet?``."""
        self.bot.question_cooldown.check_command(ctx.author.id)
        reply = await self._ask(question, "prefix")
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
        reply = await self._ask(question, "slash", interaction)
        await respond(interaction, **reply.kwargs())

    @ask_slash.autocomplete("question")
    async def ask_autocomplete(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        """The questions the knowledge answers closest to what has been typed."""
        labels = await run_blocking(None, self.bot.engine.complete, shorten(current, QUESTION_MAX), 25)
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
            reply = await self._ask(question, "button", interaction)
            if reply.embed is not None:
                reply.content = shorten(f"**{discord.utils.escape_markdown(question)}**", 2000)
            await respond(interaction, **reply.kwargs())
        except Exception:
            log.exception("answering a suggestion failed")
            self.bot.metrics.command_error(command="suggestion")
            try:
                await respond(interaction, content=FAILED_TEXT, ephemeral=True)
            except discord.HTTPException:
                log.warning("could not tell the user about the failure", exc_info=True)
