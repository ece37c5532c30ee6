"""Answers, profiles, sources and help as Discord embeds, within Discord's length limits."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

import discord
from discord.utils import escape_markdown

from bot.core import DECLINE_TEXT, Answer, Citation, Engine, Fact, Person, Quote
from bot.core.model import human_date

from .text import shorten, take_lines

__all__ = [
    "CONTENT_MAX",
    "answer_embed",
    "citation_line",
    "decline_text",
    "fit_embed",
    "help_embed",
    "profile_embed",
    "sources_embed",
]

log = logging.getLogger(__name__)

# Discord's limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits).
CONTENT_MAX = 2000
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
EMBED_TOTAL_MAX = 6000

COLOURS = {
    "confirmed": discord.Colour(0x2ECC71),
    "reported": discord.Colour(0xE67E22),
    "rumor": discord.Colour(0xE74C3C),
    "quote": discord.Colour(0x5865F2),
    "info": discord.Colour(0x95A5A6),
}
STATUS_LABELS = {
    "reported": "Reported: not confirmed",
    "rumor": "Rumor: unconfirmed",
}


def _md(text: str) -> str:
    return escape_markdown(text, as_needed=False)


def citation_line(citation: Citation) -> str:
    """One citation as Markdown: publisher, title (a link when there is a url), date, what it cites."""
    title = f"“{_md(shorten(citation.title, 200))}”"
    if citation.url:
        # Angle brackets would break the link; a url with spaces or parentheses is shown bare.
        url = citation.url
        title = f"[{title}]({url})" if not any(c in url for c in " ()<>") else f"{title} <{url}>"
    parts = [_md(citation.publisher), title]
    when = human_date(citation.date)
    if when:
        parts.append(when)
    line = ", ".join(parts)
    if citation.via:
        line += f", citing {_md(citation.via)}"
    return line


def _add_sources(embed: discord.Embed, citations: Sequence[Citation]) -> None:
    if not citations:
        return
    name = "Source" if len(citations) == 1 else "Sources"
    lines = [f"• {citation_line(c)}" for c in citations]
    embed.add_field(name=name, value=take_lines(lines, FIELD_VALUE_MAX), inline=False)


def fit_embed(embed: discord.Embed) -> discord.Embed:
    """Shorten an embed's description until the whole embed is within Discord's total limit."""
    over = len(embed) - EMBED_TOTAL_MAX
    if over > 0 and embed.description:
        embed.description = shorten(embed.description, max(0, len(embed.description) - over))
    return embed


def _quote_block(quote: Quote, speaker: str) -> str:
    attribution = f"— **{_md(speaker)}**"
    if quote.where:
        attribution += f", {_md(quote.where)}"
    when = human_date(quote.when)
    if when:
        attribution += f" ({when})"
    attribution = shorten(attribution, 600)
    room = DESCRIPTION_MAX - len(attribution) - 1
    text = shorten(quote.text, room // 2)  # a quote line may nearly double with "> " on every line
    block = "\n".join(f"> {line}" if line.strip() else ">" for line in _md(text).splitlines())
    return shorten(block, room) + "\n" + attribution


def answer_embed(answer: Answer) -> discord.Embed:
    """The embed of an answered question: the answer or quote, its status, its sources."""
    if answer.quote is not None:
        speaker = answer.speaker or answer.quote.speaker
        embed = discord.Embed(
            description=_quote_block(answer.quote, speaker),
            colour=COLOURS["quote"],
        )
    else:
        status = answer.status or "confirmed"
        embed = discord.Embed(
            description=shorten(_md(answer.text or ""), DESCRIPTION_MAX),
            colour=COLOURS.get(status, COLOURS["confirmed"]),
        )
        if status in STATUS_LABELS:
            embed.add_field(name="Status", value=STATUS_LABELS[status], inline=False)
    _add_sources(embed, answer.citations)
    if answer.entry_id:
        embed.set_footer(text=shorten(f"celebbot · {answer.entry_id}", FOOTER_MAX))
    return fit_embed(embed)


def decline_text(answer: Answer) -> str:
    """The short message of a declined question (the suggestions go on buttons)."""
    if answer.suggestions:
        return f"{DECLINE_TEXT} Did you mean:"
    return DECLINE_TEXT


def _entry_label(engine: Engine, entry: Fact | Quote) -> str:
    if entry.questions:
        return entry.questions[0]
    return engine.quote_question(entry) if isinstance(entry, Quote) else entry.id


def profile_embed(engine: Engine, person: Person) -> discord.Embed:
    """A profile for ``/who``: name, aliases, what the bot knows about them, their sources."""
    kb = engine.kb
    embed = discord.Embed(
        title=shorten(person.name, TITLE_MAX),
        description=shorten(_md(person.description), DESCRIPTION_MAX) if person.description else None,
        colour=COLOURS["info"],
    )
    if person.aliases:
        embed.add_field(
            name="Also known as",
            value=shorten(", ".join(_md(a) for a in person.aliases), FIELD_VALUE_MAX),
            inline=False,
        )
    entries = engine.entries_about(person.id)
    facts = [e for e in entries if not isinstance(e, Quote)]
    quotes = [e for e in entries if isinstance(e, Quote)]
    if facts:
        lines = [f"• {_md(shorten(_entry_label(engine, e), 200))}" for e in facts]
        embed.add_field(name=f"Ask me ({len(facts)})", value=take_lines(lines, FIELD_VALUE_MAX), inline=False)
    said = [q for q in quotes if q.speaker == person.id]
    if said:
        lines = [f"• “{_md(shorten(q.text, 150))}”" for q in said]
        embed.add_field(name=f"Quotes ({len(said)})", value=take_lines(lines, FIELD_VALUE_MAX), inline=False)
    if not entries:
        embed.add_field(name="Ask me", value="I know their name but nothing about them yet.", inline=False)
    citations: dict[str, Citation] = {}
    for entry in entries:
        for c in kb.citations(entry):
            citations.setdefault(c.source_id, c)
    _add_sources(embed, list(citations.values()))
    return fit_embed(embed)


def sources_embed(engine: Engine) -> discord.Embed:
    """Every source the knowledge base cites, for ``/sources``."""
    kb = engine.kb
    counts: dict[str, int] = {}
    entries: list[Fact | Quote] = [*kb.facts.values(), *kb.quotes.values()]
    for entry in entries:
        for sid in entry.sources:
            counts[sid] = counts.get(sid, 0) + 1
    lines = []
    for source in kb.sources.values():
        c = Citation(source.id, source.title, source.publisher, source.date, source.url, source.via)
        n = counts.get(source.id, 0)
        lines.append(f"• {citation_line(c)} ({n} {'answer' if n == 1 else 'answers'})")
    embed = discord.Embed(
        title="Where my answers come from",
        description=take_lines(lines, DESCRIPTION_MAX) or "No sources yet.",
        colour=COLOURS["info"],
    )
    embed.set_footer(
        text=f"{len(kb.facts)} facts and {len(kb.quotes)} quotes about {len(kb.people)} people, "
        f"from {len(kb.sources)} sources."
    )
    return fit_embed(embed)


HELP_LINES: tuple[tuple[str, str], ...] = (
    (
        "/ask question",
        "Ask about a celebrity; suggestions appear as you type. `/ask When did Kim and Kanye meet?`",
    ),
    (
        "/quote [person] [search]",
        "A quote that matches, or a random one. `/quote person:Kanye search:boyfriend`",
    ),
    ("/who person", "What I know about someone, and my sources. `/who person:Kim Kardashian`"),
    ("/sources", "Every source my answers come from."),
    ("/help", "This message."),
    ("/kb", "For curators (Manage Server or the curator role): add, edit and check what I know."),
)


def help_embed(prefix: str, bot_name: str = "celebbot") -> discord.Embed:
    """How to use the bot, for ``/help`` and the ``help`` prefix command."""
    embed = discord.Embed(
        title="Ask me about celebrities",
        description=(
            "I answer from a curated set of facts and quotes and cite the source of every answer. "
            "When I don't know, I say so and suggest questions I can answer."
        ),
        colour=COLOURS["info"],
    )
    for name, value in _help_fields(prefix, bot_name):
        embed.add_field(name=name, value=value, inline=False)
    return fit_embed(embed)


def _help_fields(prefix: str, bot_name: str) -> Iterable[tuple[str, str]]:
    yield from HELP_LINES
    yield (
        f"@{bot_name} question  or  {prefix}ask question",
        f"Ask in a channel; I reply to your message. `@{bot_name} Who is Ye?`",
    )
