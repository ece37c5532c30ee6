"""The /kb commands and live reload, end to end: the real discord.py client against the fake Discord."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import pytest

from bot.core.loader import OVERLAY_NAME
from bot.core.store import AUDIT_NAME
from tests.conftest import RunningBot, StartBot
from tests.fake_discord import (
    ADMIN_CHANNEL_ID,
    APP_ID,
    BOB,
    CHANNEL_ID,
    CURATOR_ROLE_ID,
    EVERYONE_PERMISSIONS,
    MANAGE_GUILD,
    Call,
    FakeDiscord,
    Who,
    text_inputs,
    user,
)

EPHEMERAL = 64
MENTION = f"<@{APP_ID}>"
#: A member with the curator role (and no Manage Server), and one with Manage Server (and no role).
CURATOR = Who(user(OTHER_ID := 140000000000000009, "carol"), roles=(CURATOR_ROLE_ID,))
ADMIN = Who(permissions=int(EVERYONE_PERMISSIONS) | MANAGE_GUILD)
NEW_FACT = {
    "questions": "What is Ada Star's favourite colour?\nWhich colour does Ada like best?",
    "answer": "Ada Star's favourite colour is teal.",
    "about": "Ada Star",
}


@pytest.fixture
async def curating(start_bot: StartBot, small_knowledge: Path) -> RunningBot:
    """The bot over a knowledge folder it may edit, with a curator role and an admin channel."""
    running: RunningBot = await start_bot(
        knowledge=small_knowledge, curator_role=CURATOR_ROLE_ID, admin_channel=ADMIN_CHANNEL_ID
    )
    return running


async def open_form(fake: FakeDiscord, command: str, who: Who = ADMIN, **options: str) -> dict[str, Any]:
    """Run a /kb command that opens a form; the form."""
    start = len(fake.calls)
    interaction = await fake.slash_by(who, command, **options)
    return await fake.modal(interaction, start)


async def submit(
    fake: FakeDiscord, form: dict[str, Any], values: dict[str, str], who: Who = ADMIN
) -> dict[str, Any]:
    """Fill in and submit a form; the bot's (private) answer."""
    start = len(fake.calls)
    interaction = await fake.submit_modal(form, values, who=who)
    return await fake.reply_to(interaction, start)


async def run(fake: FakeDiscord, command: str, who: Who = ADMIN, **options: Any) -> dict[str, Any]:
    """Run a slash command; the bot's answer (following a deferral)."""
    start = len(fake.calls)
    interaction = await fake.slash_by(who, command, **options)
    return await fake.reply_to(interaction, start)


async def ask(fake: FakeDiscord, question: str) -> dict[str, Any]:
    """Mention the bot with a question; its reply."""
    start = len(fake.calls)
    await fake.send_message(f"{MENTION} {question}", mention_bot=True)
    call = await fake.wait_call(
        lambda c: c.method == "POST" and c.path == f"/channels/{CHANNEL_ID}/messages", start
    )
    body: dict[str, Any] = call.body
    return body


def is_admin_post(call: Call) -> bool:
    return call.method == "POST" and call.path == f"/channels/{ADMIN_CHANNEL_ID}/messages"


def audit(running: RunningBot) -> list[dict[str, Any]]:
    path = running.bot.settings.data_dir / AUDIT_NAME
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# -- who may ------------------------------------------------------------------------------

KB_COMMANDS: list[tuple[str, dict[str, Any]]] = [
    ("kb add-fact", {"source": "planet-2024"}),
    ("kb add-quote", {"speaker": "ada-star", "source": "planet-2024"}),
    ("kb edit", {"id": "ada-born"}),
    ("kb remove", {"id": "ada-born"}),
    ("kb history", {}),
    ("kb undo", {}),
    ("kb reload", {}),
    ("kb check", {}),
    ("kb gaps", {}),
]


@pytest.mark.parametrize(("command", "options"), KB_COMMANDS, ids=[c for c, _ in KB_COMMANDS])
async def test_members_without_the_role_or_manage_server_are_refused_by_the_bot(
    curating: RunningBot, command: str, options: dict[str, Any]
) -> None:
    # Discord would hide /kb from them (default permissions); the bot refuses even when called directly.
    start = len(curating.fake.calls)
    interaction = await curating.fake.slash_by(BOB, command, **options)
    call = await curating.fake.callback(interaction, start)
    assert call.body["type"] == 4  # a message, not a form
    data = call.body["data"]
    assert data["content"] == (
        "Only members with the Manage Server permission or the curator role may use /kb."
    )
    assert data["flags"] & EPHEMERAL
    assert not (curating.bot.knowledge_path / OVERLAY_NAME).exists()
    assert audit(curating) == []


async def test_kb_in_a_direct_message_is_refused(curating: RunningBot) -> None:
    data = await run(curating.fake, "kb history", who=Who(dm=True, permissions=0))
    assert data["content"] == "The /kb commands work in a server, not in direct messages."
    assert data["flags"] & EPHEMERAL


async def test_kb_is_for_servers_and_hidden_from_members_without_manage_server(curating: RunningBot) -> None:
    payload = curating.bot.tree.get_command("kb").to_dict(curating.bot.tree)
    assert str(payload["default_member_permissions"]) == str(MANAGE_GUILD)
    assert payload["contexts"] == [0]  # servers only
    names = {o["name"] for o in payload["options"]}
    assert names == {c.removeprefix("kb ") for c, _ in KB_COMMANDS}


async def test_autocomplete_offers_sources_to_curators_only(curating: RunningBot) -> None:
    fake = curating.fake
    start = len(fake.calls)
    interaction = await fake.slash_by(CURATOR, "kb add-fact", autocomplete="source", source="goss")
    choices = (await fake.callback(interaction, start)).body["data"]["choices"]
    assert [c["value"] for c in choices] == ["whispers-2024"]
    assert "Gossip Weekly" in choices[0]["name"]
    start = len(fake.calls)
    interaction = await fake.slash_by(BOB, "kb add-fact", autocomplete="source", source="goss")
    assert (await fake.callback(interaction, start)).body["data"]["choices"] == []


async def test_a_form_submitted_by_someone_who_is_no_curator_is_refused(curating: RunningBot) -> None:
    fake = curating.fake
    form = await open_form(fake, "kb add-fact", source="planet-2024")
    data = await submit(fake, form, NEW_FACT, who=BOB)
    assert "may use /kb" in data["content"]
    assert not (curating.bot.knowledge_path / OVERLAY_NAME).exists()


# -- adding ---------------------------------------------------------------------------------


async def test_curator_adds_a_fact_through_the_form_and_it_answers_at_once(curating: RunningBot) -> None:
    fake = curating.fake
    before = await ask(fake, "What is Ada Star's favourite colour?")
    assert not before.get("embeds")
    form = await open_form(fake, "kb add-fact", who=CURATOR, source="planet-2024")
    assert form["title"] == "Add a fact"
    inputs = {i["custom_id"]: i for i in text_inputs(form)}
    assert list(inputs) == ["questions", "answer", "about", "status", "id"]
    assert inputs["questions"]["style"] == 2 and inputs["answer"]["style"] == 2  # multi-line
    labels = [c["label"] for c in form["components"]]
    assert labels[0] == "Questions it answers"

    data = await submit(fake, form, NEW_FACT, who=CURATOR)
    assert data["flags"] & EPHEMERAL
    assert data["content"].startswith("Added fact `what-is-ada-star-s-favourite-colour` (edit #1).")
    assert "teal" in data["embeds"][0]["description"]
    assert "⚠" not in data["content"]

    reply = await ask(fake, "Which colour does Ada like best?")
    assert "favourite colour is teal" in reply["embeds"][0]["description"]
    assert "The Daily Planet" in reply["embeds"][0]["fields"][-1]["value"]
    (record,) = audit(curating)
    assert record["user"] == f"discord:{OTHER_ID} (carol)"
    assert record["action"] == "add-fact"


async def test_a_fact_with_a_new_source(curating: RunningBot) -> None:
    fake = curating.fake
    form = await open_form(
        fake,
        "kb add-fact",
        source="Ada Talks Colours",
        publisher="Colour Monthly",
        url="https://example.com/c",
    )
    data = await submit(fake, form, NEW_FACT)
    assert data["content"].startswith("Added fact")
    reply = await ask(fake, "What is Ada Star's favourite colour?")
    source = reply["embeds"][0]["fields"][-1]["value"]
    assert "Colour Monthly" in source and "(https://example.com/c)" in source


async def test_a_hand_edit_of_the_yaml_is_live_within_2_seconds(curating: RunningBot) -> None:
    fake = curating.fake
    path = curating.bot.knowledge_path / "test.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("born in 1990 in Lyon", "born in 1991 in Nice"), encoding="utf-8")
    changed = time.monotonic()
    while "1991" not in (curating.bot.engine.ask("When was Ada Star born?").text or ""):
        assert time.monotonic() - changed < 2.0, "the change was not picked up within 2 seconds"
        await asyncio.sleep(0.05)
    reply = await ask(fake, "When was Ada Star born?")
    assert "born in 1991 in Nice" in reply["embeds"][0]["description"]


async def test_a_bad_hand_edit_keeps_the_old_knowledge_and_tells_the_admin_channel(
    curating: RunningBot,
) -> None:
    fake = curating.fake
    start = len(fake.calls)
    path = curating.bot.knowledge_path / "test.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    bad_line = next(i for i, line in enumerate(lines) if "sources: [whispers-2024]" in line)
    lines[bad_line] = lines[bad_line].replace("whispers-2024", "no-such-source")
    path.write_text("".join(lines), encoding="utf-8")
    post = (await fake.wait_call(is_admin_post, start, timeout=5.0)).body
    assert "do not load" in post["content"]
    assert f"test.yaml:{bad_line + 1}:" in post["content"]
    assert "no-such-source" in post["content"]
    assert post["allowed_mentions"]["parse"] == []
    reply = await ask(fake, "Are Ada and Max engaged?")  # the fact whose source broke still answers
    assert "engaged in the summer of 2023" in reply["embeds"][0]["description"]
