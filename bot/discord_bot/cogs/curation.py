"""Curation: the ``/kb`` commands, for members with Manage Server or the curator role.

``/kb add-fact`` and ``/kb add-quote`` open a form (a modal), ``/kb edit`` opens it filled
with the entry, ``/kb remove`` asks for a confirmation; every edit goes through
`bot.core.store.KnowledgeStore` (validated, written atomically, audited) and is live at
once. ``/kb undo`` shows the edit it would undo and asks first too. ``/kb history``,
``/kb reload``, ``/kb check`` and ``/kb gaps`` report.

Who may: checked on the bot's side for every command, autocomplete, form and button
(`curator_refusal`), not only by hiding the commands from other members. An edit
refused for bad input says why, and gives the curator's text back: attached, and in a
form reopened by a button, so nothing typed is lost.
"""

from __future__ import annotations

import asyncio
import io
import itertools
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

import discord
from discord import app_commands
from discord.ext import commands
from discord.utils import escape_markdown

from bot.core import Engine, Fact, Person, Quote, Source
from bot.core.lint import check_knowledge
from bot.core.store import AuditRecord, EditError, EditResult, Fields

from ..client import FAILED_TEXT, MESSAGE_MAX, NO_MENTIONS, Refused, respond
from ..embeds import COLOURS, FIELD_VALUE_MAX, answer_embed, fit_embed
from ..text import shorten, take_lines

if TYPE_CHECKING:
    from ..client import CelebBot

__all__ = ["FORM_FIELDS", "Curation", "Draft", "FormField", "KnowledgeForm", "curator_refusal"]

log = logging.getLogger(__name__)

#: Discord's limits: a text input holds at most 4,000 characters, a choice's name 100.
INPUT_MAX = 4000
CHOICE_MAX = 100
#: Forms and "try again" buttons stay usable this long (seconds).
FORM_TIMEOUT = 3600.0
#: ``/kb check`` looks for phrasings the matcher confuses only in knowledge up to this many entries.
CHECK_COLLISIONS_MAX = 2000

Action = Literal["add-fact", "add-quote", "edit"]
Record = Source | Person | Fact | Quote


# -- who may ------------------------------------------------------------------------


def curator_refusal(interaction: discord.Interaction[Any], curator_role: int | None) -> str | None:
    """Why this user may not edit the knowledge here, or None when they may.

    Members with Manage Server (as Discord resolved it for this interaction) may,
    and members with the curator role; nobody may in direct messages.
    """
    if interaction.guild_id is None:
        return "The /kb commands work in a server, not in direct messages."
    if interaction.permissions.manage_guild:
        return None
    user = interaction.user
    if curator_role is not None and isinstance(user, discord.Member) and user.get_role(curator_role):
        return None
    if curator_role is not None:
        return "Only members with the Manage Server permission or the curator role may use /kb."
    return "Only members with the Manage Server permission may use /kb."


def _require_curator(interaction: discord.Interaction[Any]) -> bool:
    """An app command check: raises `Refused` (answered privately) for anyone but a curator."""
    why = curator_refusal(interaction, interaction.client.settings.curator_role)
    if why is not None:
        raise Refused(why)
    return True


async def _refuse_privately(interaction: discord.Interaction[Any]) -> bool:
    """For forms and buttons: False (and a private refusal) for anyone but a curator."""
    why = curator_refusal(interaction, interaction.client.settings.curator_role)
    if why is None:
        return True
    await respond(interaction, content=why, ephemeral=True)
    return False


def _who(user: discord.abc.User) -> str:
    return f"discord:{user.id} ({user.name})"


# -- forms ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FormField:
    """One text field of a form: the entry's key, its label and help, and how much it holds."""

    key: str
    label: str
    description: str
    long: bool = False
    required: bool = False


_QUESTIONS = FormField("questions", "Questions it answers", "One phrasing a line, as people ask it.", True)
_ABOUT = FormField("about", "About whom", "Names or ids, separated by commas.")
_SOURCES = FormField("sources", "Sources", "Source ids, separated by commas.", required=True)

#: The fields of each form, by action and section (at most five: Discord's limit).
FORM_FIELDS: dict[str, tuple[FormField, ...]] = {
    "facts": (
        replace(_QUESTIONS, required=True),
        FormField("answer", "Answer", "As the source says it; at most 1,500 characters.", True, True),
        _ABOUT,
        FormField("status", "Status", "confirmed (the default), reported or rumor."),
        FormField("id", "Id", "Optional: made from the first question when empty."),
    ),
    "quotes": (
        FormField("text", "The exact words", "Verbatim, as the source quotes them.", True, True),
        _QUESTIONS,
        FormField("when", "When", "Like 2016 or 2016-05."),
        FormField("where", "Where", "To whom or where, like: to Ryan Seacrest."),
        _ABOUT,
    ),
    "sources": (
        FormField("title", "Title", "The document's title.", required=True),
        FormField("publisher", "Publisher", "Who published it.", required=True),
        FormField("date", "Date", "Like 2021, 2021-01 or 2021-01-07."),
        FormField("url", "Link", "Only a real one: https://..."),
        FormField("via", "Via", "The primary source the whole document relays."),
    ),
    "people": (
        FormField("name", "Name", "The usual full name.", required=True),
        FormField("aliases", "Aliases", "Nicknames and other names, one a line.", True),
        FormField("description", "Description", "One line for profiles."),
    ),
}
_EDIT_FIELDS: dict[str, tuple[FormField, ...]] = {
    "facts": (*FORM_FIELDS["facts"][:4], _SOURCES),
    "quotes": (*FORM_FIELDS["quotes"][:4], _SOURCES),
    "sources": FORM_FIELDS["sources"],
    "people": FORM_FIELDS["people"],
}
_SINGULAR = {"facts": "fact", "quotes": "quote", "sources": "source", "people": "person"}


@dataclass
class Draft:
    """What a form is for, and what the curator typed in it (kept to give back if the edit is refused)."""

    action: Action
    section: str
    fields: tuple[FormField, ...]
    values: dict[str, str] = field(default_factory=dict)
    entry_id: str | None = None  # edit
    source: str | None = None  # add: a known source id
    new_source: dict[str, str] | None = None  # add: a source to add with the entry
    speaker: str | None = None  # add-quote: a person id

    @property
    def title(self) -> str:
        """The form's title (Discord allows 45 characters)."""
        if self.action == "edit":
            return shorten(f"Edit {_SINGULAR[self.section]} {self.entry_id}", 45)
        return "Add a fact" if self.action == "add-fact" else "Add a quote"

    def text(self) -> str:
        """What the curator typed, field by field, as plain text to give back."""
        parts = [f"{f.label}:\n{self.values.get(f.key, '')}" for f in self.fields]
        return "\n\n".join(parts) + "\n"


class KnowledgeForm(discord.ui.Modal):
    """The form of an edit; a submit saves it (for curators only)."""

    def __init__(self, cog: Curation, draft: Draft) -> None:
        super().__init__(title=draft.title, timeout=FORM_TIMEOUT)
        self.cog = cog
        self.draft = draft
        self.inputs: dict[str, discord.ui.TextInput[KnowledgeForm]] = {}
        for spec in draft.fields:
            default = draft.values.get(spec.key) or None
            text_input: discord.ui.TextInput[KnowledgeForm] = discord.ui.TextInput(
                style=discord.TextStyle.paragraph if spec.long else discord.TextStyle.short,
                custom_id=spec.key,
                required=spec.required,
                max_length=INPUT_MAX,  # longer than the store allows, so it can say by how much
                default=default[:INPUT_MAX] if default else None,
            )
            self.inputs[spec.key] = text_input
            self.add_item(
                discord.ui.Label(text=spec.label, description=spec.description, component=text_input)
            )

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        """Curators only, checked again at submit (roles may change while the form is open)."""
        return await _refuse_privately(interaction)

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        """Save the edit."""
        values = {key: text_input.value for key, text_input in self.inputs.items()}
        await self.cog.save(interaction, replace(self.draft, values=values))

    async def on_error(self, interaction: discord.Interaction[Any], error: Exception, /) -> None:  # type: ignore[override]
        """Log an unexpected failure and tell the curator briefly."""
        await self.cog.failed(interaction, f"/kb {self.draft.action}", error)


class RetryView(discord.ui.View):
    """A "try again" button under a refused edit: it reopens the form with what was typed."""

    def __init__(self, cog: Curation, draft: Draft) -> None:
        super().__init__(timeout=FORM_TIMEOUT)
        self.cog = cog
        self.draft = draft

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        """Curators only."""
        return await _refuse_privately(interaction)

    @discord.ui.button(label="Edit and try again", style=discord.ButtonStyle.primary)
    async def retry(
        self, interaction: discord.Interaction[Any], button: discord.ui.Button[RetryView]
    ) -> None:
        """Open the form again, filled with the curator's text."""
        await interaction.response.send_modal(KnowledgeForm(self.cog, self.draft))


class Confirm(discord.ui.View):
    """A button that makes an edit once the curator confirms it, and Cancel (``/kb remove``, ``/kb undo``)."""

    def __init__(
        self,
        cog: Curation,
        command: str,
        label: str,
        act: Callable[[str], EditResult],
        done: Callable[[EditResult], str],
        refused: str,
        kept: str,
    ) -> None:
        super().__init__(timeout=FORM_TIMEOUT)
        self.cog = cog
        self.command = command
        self.act = act  # makes the edit as the given user (blocking: runs on a worker thread)
        self.done = done
        self.refused = refused
        self.kept = kept
        self.confirm.label = label

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        """Curators only."""
        return await _refuse_privately(interaction)

    @discord.ui.button(label="Confirm", style=discord.ButtonStyle.danger)
    async def confirm(
        self, interaction: discord.Interaction[Any], button: discord.ui.Button[Confirm]
    ) -> None:
        """Make the edit."""
        self.stop()
        await interaction.response.defer()
        try:
            result = await asyncio.to_thread(self.act, _who(interaction.user))
        except EditError as exc:
            text = f"{self.refused}{_reasons(exc.messages)}"
        else:
            await self.cog.bot.reload_now()
            text = self.done(result) + _warning_lines(result)
        await interaction.edit_original_response(
            content=shorten(text, MESSAGE_MAX), view=None, allowed_mentions=NO_MENTIONS
        )

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Confirm]) -> None:
        """Change nothing."""
        self.stop()
        await interaction.response.edit_message(content=self.kept, view=None, allowed_mentions=NO_MENTIONS)

    async def on_error(
        self, interaction: discord.Interaction[Any], error: Exception, item: discord.ui.Item[Any], /
    ) -> None:
        """Log an unexpected failure and tell the curator briefly."""
        await self.cog.failed(interaction, self.command, error)


# -- text helpers ----------------------------------------------------------------------


def _reasons(messages: list[str]) -> str:
    lines = [f"• {escape_markdown(m)}" for m in messages]
    return "\n" + take_lines(lines, MESSAGE_MAX // 2)


def _warning_lines(result: EditResult) -> str:
    return "".join(f"\n⚠ {escape_markdown(w)}" for w in result.warnings)


def _label(record: Record) -> str:
    if isinstance(record, Fact):
        return record.questions[0] if record.questions else record.answer
    if isinstance(record, Quote):
        return f"“{record.text}”"
    if isinstance(record, Source):
        return f"{record.publisher}: {record.title}"
    return ", ".join(record.names)


def _find(engine: Engine, entry_id: str) -> Record:
    """The fact, quote, source or person with this id; `Refused` when there is none."""
    kb = engine.kb
    for records in (kb.facts, kb.quotes, kb.sources, kb.people):
        found: Record | None = records.get(entry_id.strip())
        if found is not None:
            return found
    raise Refused(f"There is no entry with the id {entry_id!r}.")


def _choices(
    typed: str, records: Iterable[Record], *, kinds: bool = False, limit: int = 25
) -> list[app_commands.Choice[str]]:
    """Choices of the records whose id starts with the typed text, then those whose id or label has it."""
    want = typed.strip().casefold()
    starts: list[Record] = []
    contains: list[Record] = []
    for record in records:
        if len(starts) >= limit:
            break
        if not want or record.id.startswith(want):
            starts.append(record)
        elif len(contains) < limit and (want in record.id or want in _label(record).casefold()):
            contains.append(record)
    out = []
    for record in [*starts, *contains][:limit]:
        label = f"{_SINGULAR[_section(record)]}: {_label(record)}" if kinds else _label(record)
        out.append(_choice(f"{record.id} — {label}", record.id))
    return out


def _entry_choices(engine: Engine, typed: str) -> list[app_commands.Choice[str]]:
    kb = engine.kb
    records: Iterable[Record] = itertools.chain[Record](
        kb.facts.values(), kb.quotes.values(), kb.sources.values(), kb.people.values()
    )
    return _choices(typed, records, kinds=True)


def _section(record: Record) -> str:
    if isinstance(record, Fact):
        return "facts"
    if isinstance(record, Quote):
        return "quotes"
    return "sources" if isinstance(record, Source) else "people"


def _prefill(record: Record, fields: tuple[FormField, ...]) -> dict[str, str]:
    """An entry's fields as the text a form shows: lists a line or a comma apart."""
    out: dict[str, str] = {}
    for spec in fields:
        value = getattr(record, spec.key, None)
        if isinstance(value, tuple):
            out[spec.key] = ("\n" if spec.key in ("questions", "aliases") else ", ").join(value)
        elif value is not None:
            out[spec.key] = str(value)
    return out


def _people_ids(engine: Engine, text: str) -> list[str]:
    """Comma-separated names, aliases or ids as person ids; unknown ones kept, for the store to name."""
    out = []
    for part in text.replace("\n", ",").split(","):
        name = part.strip()
        if not name:
            continue
        if name in engine.kb.people:
            out.append(name)
            continue
        person = engine.find_person(name)
        out.append(person.id if person is not None else name)
    return out


def store_fields(draft: Draft, engine: Engine) -> dict[str, str | list[str] | None]:
    """A draft's text as the fields `KnowledgeStore` takes; an emptied field is None (removed on edit)."""
    out: dict[str, str | list[str] | None] = {}
    for spec in draft.fields:
        raw = draft.values.get(spec.key, "")
        if not raw.strip():
            out[spec.key] = None
        elif spec.key == "about":
            out[spec.key] = _people_ids(engine, raw)
        elif spec.key == "status":
            out[spec.key] = raw.strip().lower()
        else:
            out[spec.key] = raw
    if draft.action == "add-quote" and draft.speaker:
        out["speaker"] = draft.speaker
    if draft.source:
        out["sources"] = [draft.source]
    return out


def _choice(name: str, value: str) -> app_commands.Choice[str]:
    return app_commands.Choice(name=shorten(name, CHOICE_MAX), value=value[:CHOICE_MAX])


# -- the commands ----------------------------------------------------------------------


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Curation(
    commands.GroupCog, group_name="kb", group_description="Edit and check the knowledge (curators)"
):
    """``/kb``: edit, undo, reload, check and report on the knowledge."""

    def __init__(self, bot: CelebBot) -> None:
        self.bot = bot

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        """Every ``/kb`` command: curators only (raises `Refused`, answered privately)."""
        return _require_curator(interaction)

    async def failed(self, interaction: discord.Interaction[Any], command: str, error: Exception) -> None:
        """An unexpected failure in a form or button: logged, counted, and told briefly."""
        log.error("%s failed", command, exc_info=error)
        self.bot.metrics.command_error(command=command)
        try:
            await respond(interaction, content=FAILED_TEXT, ephemeral=True)
        except discord.HTTPException:
            log.warning("could not tell the user about a failed command", exc_info=True)

    # -- autocomplete -------------------------------------------------------------------

    @app_commands.check(_require_curator)
    async def source_choices(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        """Known sources whose id or title contains what has been typed."""
        sources = self.bot.engine.kb.sources.values()
        return await asyncio.to_thread(_choices, current, sources)

    @app_commands.check(_require_curator)
    async def person_choices(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        """Known people whose id or name contains what has been typed."""
        people = self.bot.engine.kb.people.values()
        return await asyncio.to_thread(_choices, current, people)

    @app_commands.check(_require_curator)
    async def entry_choices(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        """Entries (facts and quotes first) whose id or label contains what has been typed."""
        return await asyncio.to_thread(_entry_choices, self.bot.engine, current)

    # -- adding -----------------------------------------------------------------------

    def _source_choice(
        self, source: str, publisher: str | None, url: str | None, date: str | None
    ) -> tuple[str | None, dict[str, str] | None]:
        """A known source's id, or a new source's fields; raises `Refused` when neither."""
        known = self.bot.engine.kb.sources
        if source in known:
            if publisher or url or date:
                raise Refused(
                    f"The source {source!r} exists already; "
                    "publisher, url and date are only for a new source."
                )
            return source, None
        if not publisher:
            raise Refused(
                f"Unknown source {source!r}: pick one of the known sources as you type, or give "
                "publisher (and url, date) to add it as a new source titled like that."
            )
        new = {"title": source, "publisher": publisher}
        if url:
            new["url"] = url
        if date:
            new["date"] = date
        return None, new

    @app_commands.command(name="add-fact")
    @app_commands.describe(
        source="A known source, or the title of a new one",
        publisher="For a new source: who published it",
        url="For a new source: its link",
        date="For a new source: like 2021-01",
    )
    async def add_fact(
        self,
        interaction: discord.Interaction[Any],
        source: app_commands.Range[str, 1, 300],
        publisher: app_commands.Range[str, 1, 300] | None = None,
        url: app_commands.Range[str, 1, 300] | None = None,
        date: app_commands.Range[str, 1, 20] | None = None,
    ) -> None:
        """Add a fact: a form asks for its questions and answer."""
        known, new = self._source_choice(source, publisher, url, date)
        draft = Draft("add-fact", "facts", FORM_FIELDS["facts"], source=known, new_source=new)
        await interaction.response.send_modal(KnowledgeForm(self, draft))

    add_fact.autocomplete("source")(source_choices)

    @app_commands.command(name="add-quote")
    @app_commands.describe(
        speaker="Who said it",
        source="A known source, or the title of a new one",
        publisher="For a new source: who published it",
        url="For a new source: its link",
        date="For a new source: like 2021-01",
    )
    async def add_quote(
        self,
        interaction: discord.Interaction[Any],
        speaker: app_commands.Range[str, 1, 100],
        source: app_commands.Range[str, 1, 300],
        publisher: app_commands.Range[str, 1, 300] | None = None,
        url: app_commands.Range[str, 1, 300] | None = None,
        date: app_commands.Range[str, 1, 20] | None = None,
    ) -> None:
        """Add a quote: a form asks for the exact words, when and where."""
        engine = self.bot.engine
        person = engine.kb.people.get(speaker) or engine.find_person(speaker)
        if person is None:
            raise Refused(f"I don't know who {speaker!r} is: pick a person as you type.")
        known, new = self._source_choice(source, publisher, url, date)
        draft = Draft(
            "add-quote", "quotes", FORM_FIELDS["quotes"], source=known, new_source=new, speaker=person.id
        )
        await interaction.response.send_modal(KnowledgeForm(self, draft))

    add_quote.autocomplete("speaker")(person_choices)
    add_quote.autocomplete("source")(source_choices)

    # -- editing and removing ------------------------------------------------------------

    @app_commands.command(name="edit")
    @app_commands.rename(entry="id")
    @app_commands.describe(entry="The id of the fact, quote, source or person")
    async def edit(
        self, interaction: discord.Interaction[Any], entry: app_commands.Range[str, 1, 100]
    ) -> None:
        """Edit an entry: a form shows it as it is now."""
        record = _find(self.bot.engine, entry)
        section = _section(record)
        fields = _EDIT_FIELDS[section]
        draft = Draft("edit", section, fields, _prefill(record, fields), entry_id=record.id)
        await interaction.response.send_modal(KnowledgeForm(self, draft))

    edit.autocomplete("entry")(entry_choices)

    @app_commands.command(name="remove")
    @app_commands.rename(entry="id")
    @app_commands.describe(entry="The id of the fact, quote, source or person")
    async def remove(
        self, interaction: discord.Interaction[Any], entry: app_commands.Range[str, 1, 100]
    ) -> None:
        """Remove an entry, after a confirmation."""
        record = _find(self.bot.engine, entry)
        what = f"{_SINGULAR[_section(record)]} `{record.id}`"
        text = f"Remove {what}?\n> {escape_markdown(shorten(_label(record), 300))}"
        store, entry_id = self.bot.store, record.id
        view = Confirm(
            self,
            "/kb remove",
            "Remove",
            lambda user: store.remove(entry_id, user=user),
            lambda result: f"Removed {what} (edit #{result.record.seq}); `/kb undo` puts it back.",
            "Not removed: ",
            f"Kept {what}.",
        )
        await respond(interaction, content=text, view=view, ephemeral=True)

    remove.autocomplete("entry")(entry_choices)

    # -- saving a form -------------------------------------------------------------------

    def _apply(self, draft: Draft, user: str) -> EditResult:
        """Make the edit (blocking: the store locks and writes files)."""
        store = self.bot.store
        fields: Fields = store_fields(draft, self.bot.engine)
        if draft.action == "add-fact":
            return store.add_fact(fields, user=user, new_source=draft.new_source)
        if draft.action == "add-quote":
            return store.add_quote(fields, user=user, new_source=draft.new_source)
        assert draft.entry_id is not None
        return store.edit(draft.entry_id, fields, user=user)

    async def save(self, interaction: discord.Interaction[Any], draft: Draft) -> None:
        """Validate and write a submitted form, reload, and say what was saved (or why not)."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            result = await asyncio.to_thread(self._apply, draft, _who(interaction.user))
        except EditError as exc:
            await self._refused_edit(interaction, draft, exc.messages)
            return
        await self.bot.reload_now()
        engine = self.bot.engine
        verb = "Edited" if draft.action == "edit" else "Added"
        text = f"{verb} {_SINGULAR[draft.section]} `{result.entry_id}` (edit #{result.record.seq})."
        text += _warning_lines(result)
        embed: discord.Embed | None = None
        entry = engine.kb.entry(result.entry_id)
        if entry is not None:
            embed = answer_embed(engine.answer_for(entry))
            if entry.questions:
                asked = entry.questions[0]
                answer = await asyncio.to_thread(engine.ask, asked)
                if answer.entry_id != entry.id:
                    other = f"`{answer.entry_id}`" if answer.entry_id else "nothing (I decline)"
                    text += (
                        f"\n⚠ Asked “{escape_markdown(shorten(asked, 200))}”, I answer with {other}: "
                        "reword the questions, or add people to “About whom”."
                    )
            text += "\nIt answers now:"
        await respond(interaction, content=shorten(text, MESSAGE_MAX), embed=embed, ephemeral=True)

    async def _refused_edit(
        self, interaction: discord.Interaction[Any], draft: Draft, reasons: list[str]
    ) -> None:
        """Why the edit was not saved, with the curator's text attached and a button to fix it."""
        text = (
            f"Not saved:{_reasons(reasons)}\n"
            "Nothing was changed. Your text is attached, and the button opens the form again with it."
        )
        file = discord.File(io.BytesIO(draft.text().encode("utf-8")), filename="your-text.txt")
        await interaction.followup.send(
            content=shorten(text, MESSAGE_MAX),
            file=file,
            view=RetryView(self, draft),
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )

    # -- reports ------------------------------------------------------------------------

    @app_commands.command(name="history")
    @app_commands.describe(count="How many edits (default 10)")
    async def history(
        self, interaction: discord.Interaction[Any], count: app_commands.Range[int, 1, 50] = 10
    ) -> None:
        """The latest edits made from Discord, newest first."""
        records: list[AuditRecord] = await asyncio.to_thread(self.bot.store.history, count)
        if not records:
            await respond(interaction, content="No edits yet.", ephemeral=True)
            return
        lines = [r.line().replace("`", "'") for r in records]
        text = "```\n" + take_lines(lines, MESSAGE_MAX - 8) + "\n```"
        await respond(interaction, content=text, ephemeral=True)

    @app_commands.command(name="undo")
    async def undo(self, interaction: discord.Interaction[Any]) -> None:
        """Undo the latest edit not undone yet (again goes further back), after a confirmation."""
        store = self.bot.store
        target = await asyncio.to_thread(store.undo_target)
        if target is None:
            await respond(interaction, content="Nothing undone:\n• there is no edit to undo", ephemeral=True)
            return
        seq = target.seq
        text = f"Undo edit #{seq}?\n> {escape_markdown(shorten(target.line(), 300))}"
        view = Confirm(
            self,
            "/kb undo",
            "Undo",
            # If another edit became the latest meanwhile, the store refuses: that one was not shown.
            lambda user: store.undo(user=user, expected=seq),
            lambda result: "Done: " + escape_markdown(result.record.line()),
            "Nothing undone:",
            f"Edit #{seq} stays.",
        )
        await respond(interaction, content=shorten(text, MESSAGE_MAX), view=view, ephemeral=True)

    @app_commands.command(name="reload")
    async def reload(self, interaction: discord.Interaction[Any]) -> None:
        """Reload the knowledge files now."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = await self.bot.reloader.check(force=True)
        kb = result.engine.kb
        counts = (
            f"{len(kb.facts)} facts, {len(kb.quotes)} quotes, "
            f"{len(kb.people)} people, {len(kb.sources)} sources"
        )
        if result.status == "invalid":
            lines = [f"• {escape_markdown(p)}" for p in self.bot.problem_lines(list(result.problems))]
            head = f"The knowledge does not load; still answering from the last good one ({counts}):"
            text = head + "\n" + take_lines(lines, MESSAGE_MAX - len(head) - 1)
        else:
            text = f"Reloaded: {counts}."
        await respond(interaction, content=text, ephemeral=True)

    @app_commands.command(name="check")
    @app_commands.checks.cooldown(3, 60.0)
    async def check(self, interaction: discord.Interaction[Any]) -> None:
        """Validate the knowledge files and list what to look at."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        # Asking the matcher every phrasing is slow for a large knowledge base: only for a small one.
        kb_now = self.bot.engine.kb
        collisions = len(kb_now.facts) + len(kb_now.quotes) <= CHECK_COLLISIONS_MAX
        report = await asyncio.to_thread(check_knowledge, self.bot.knowledge_path, collisions=collisions)
        if report.kb is None:
            head = (
                f"Not valid: {len(report.problems)} problems. Still answering from the last good knowledge."
            )
            lines = self.bot.problem_lines(list(report.problems))
        else:
            kb = report.kb
            head = (
                f"Valid: {len(kb.facts)} facts, {len(kb.quotes)} quotes, {len(kb.people)} people, "
                f"{len(kb.sources)} sources; {len(report.warnings)} warnings."
            )
            lines = self.bot.problem_lines(list(report.warnings))
        full = "\n".join([head, *lines]) + "\n"
        shown = head + ("\n" + take_lines([f"• {escape_markdown(x)}" for x in lines], 1500) if lines else "")
        kwargs: dict[str, Any] = {}
        if len(full) > 1500:
            kwargs["file"] = discord.File(io.BytesIO(full.encode("utf-8")), filename="kb-check.txt")
        await interaction.followup.send(
            content=shorten(shown, MESSAGE_MAX), ephemeral=True, allowed_mentions=NO_MENTIONS, **kwargs
        )

    @app_commands.command(name="gaps")
    @app_commands.describe(count="How many of each (default 10)")
    async def gaps(
        self, interaction: discord.Interaction[Any], count: app_commands.Range[int, 1, 25] = 10
    ) -> None:
        """The most-asked questions I could not answer, and the most down-voted answers."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        embed = await asyncio.to_thread(self._gaps_embed, count)
        await respond(interaction, embed=embed, ephemeral=True)

    def _gaps_embed(self, count: int) -> discord.Embed:
        engine = self.bot.engine
        feedback = self.bot.feedback

        def still_unanswered(question: str) -> bool:
            return not engine.ask(question).answered

        gaps = feedback.top_unanswered(count, still_unanswered=still_unanswered)
        tallies = feedback.most_downvoted(count)
        embed = discord.Embed(title="Gaps and feedback", colour=COLOURS["info"])
        asked = [f"**{g.count}×** {escape_markdown(shorten(g.question, 200))}" for g in gaps]
        embed.add_field(
            name="Most-asked unanswered questions",
            value=take_lines(asked, FIELD_VALUE_MAX) or "None recorded.",
            inline=False,
        )
        voted = []
        for t in tallies:
            entry = engine.kb.entry(t.entry_id)
            label = _label(entry) if entry is not None else "(no longer in the knowledge)"
            voted.append(f"👎 {t.down} 👍 {t.up} `{t.entry_id}` {escape_markdown(shorten(label, 150))}")
        embed.add_field(
            name="Most down-voted answers", value=take_lines(voted, FIELD_VALUE_MAX) or "None.", inline=False
        )
        return fit_embed(embed)
