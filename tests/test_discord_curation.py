"""The /kb commands and live reload, end to end: the real discord.py client against the fake Discord."""

from __future__ import annotations

import asyncio
import json
import time
import unicodedata
from pathlib import Path
from typing import Any

import pytest
import yaml

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


async def test_add_quote_with_the_speaker_picked_by_name(curating: RunningBot) -> None:
    fake = curating.fake
    start = len(fake.calls)
    interaction = await fake.slash_by(ADMIN, "kb add-quote", autocomplete="speaker", speaker="max")
    choices = (await fake.callback(interaction, start)).body["data"]["choices"]
    assert [c["value"] for c in choices] == ["max-power"]
    form = await open_form(fake, "kb add-quote", speaker="Max", source="whispers-2024")
    assert [i["custom_id"] for i in text_inputs(form)] == ["text", "questions", "when", "where", "about"]
    values = {
        "text": "Ada sings like nobody else.",
        "questions": "What did Max say about Ada's singing?",
        "when": "2023",
        "where": "to Gossip Weekly",
        "about": "Ada",
    }
    data = await submit(fake, form, values)
    assert data["content"].startswith("Added quote `max-power-ada-sings-like-nobody-else` (edit #1).")
    quote = curating.bot.engine.kb.quotes["max-power-ada-sings-like-nobody-else"]
    assert (quote.speaker, quote.about, quote.sources) == ("max-power", ("ada-star",), ("whispers-2024",))
    reply = await ask(fake, "What did Max say about Ada's singing?")
    assert reply["embeds"][0]["description"].startswith("> Ada sings like nobody else.")


async def test_edit_opens_the_entry_in_the_form_and_the_change_answers_at_once(curating: RunningBot) -> None:
    fake = curating.fake
    start = len(fake.calls)
    interaction = await fake.slash_by(ADMIN, "kb edit", autocomplete="id", id="born")
    choices = (await fake.callback(interaction, start)).body["data"]["choices"]
    assert [c["value"] for c in choices] == ["ada-born"]
    form = await open_form(fake, "kb edit", id="ada-born")
    assert form["title"] == "Edit fact ada-born"
    shown = {i["custom_id"]: i.get("value") for i in text_inputs(form)}
    assert shown == {
        "questions": "When was Ada Star born?\nWhere was Ada born?",
        "answer": "Ada Star was born in 1990 in Lyon.",
        "about": "ada-star",
        "status": "confirmed",
        "sources": "planet-2024",
    }
    data = await submit(
        fake, form, {"answer": "Ada Star was born in 1990 in Lyon, France.", "status": "reported"}
    )
    assert data["content"].startswith("Edited fact `ada-born` (edit #1).")
    reply = await ask(fake, "When was Ada Star born?")
    assert "Reportedly" in reply["embeds"][0]["description"] or any(
        f["name"] == "Status" for f in reply["embeds"][0]["fields"]
    )
    assert "Lyon, France" in reply["embeds"][0]["description"]
    (record,) = audit(curating)
    (change,) = record["changes"]
    assert change["before"]["answer"] == "Ada Star was born in 1990 in Lyon."
    assert change["after"]["status"] == "reported"


async def test_edit_of_an_unknown_id_is_refused(curating: RunningBot) -> None:
    data = await run(curating.fake, "kb edit", id="no-such-fact")
    assert data["content"] == "There is no entry with the id 'no-such-fact'."
    assert data["flags"] & EPHEMERAL


async def test_remove_asks_first_then_history_and_undo_put_it_back(curating: RunningBot) -> None:
    fake = curating.fake
    data = await run(fake, "kb remove", id="max-retiring")
    assert data["content"].startswith("Remove fact `max-retiring`?")
    assert data["flags"] & EPHEMERAL
    buttons = {b["label"]: b["custom_id"] for row in data["components"] for b in row["components"]}
    assert set(buttons) == {"Remove", "Cancel"}
    message = fake.sent[-1]

    start = len(fake.calls)
    refused = await fake.click(message, buttons["Remove"], who=BOB)  # the buttons check too
    assert "may use /kb" in (await fake.reply_to(refused, start))["content"]

    start = len(fake.calls)
    await fake.click(message, buttons["Remove"], who=ADMIN)
    edited = await fake.wait_call(lambda c: c.method == "PATCH", start)
    assert edited.body["content"].startswith("Removed fact `max-retiring` (edit #1)")
    assert edited.body["components"] == []
    declined = await ask(fake, "Is Max Power retiring?")
    assert not declined.get("embeds")

    history = await run(fake, "kb history")
    assert "removed fact 'max-retiring'" in history["content"]
    assert f"discord:{ADMIN.user['id']} (alice)" in history["content"]

    asked = await run(fake, "kb undo")
    shown = asked["content"].replace("\\", "")  # Discord shows escaped Markdown as typed
    assert shown.startswith("Undo edit #1?") and "removed fact 'max-retiring'" in shown
    assert asked["flags"] & EPHEMERAL
    buttons = {b["label"]: b["custom_id"] for row in asked["components"] for b in row["components"]}
    assert set(buttons) == {"Undo", "Cancel"}
    start = len(fake.calls)
    await fake.click(fake.sent[-1], buttons["Undo"], who=ADMIN)
    edited = await fake.wait_call(lambda c: c.method == "PATCH", start)
    shown = edited.body["content"].replace("\\", "")
    assert shown.startswith("Done: #2 ")
    assert "undid #1 (removed fact 'max-retiring')" in shown
    reply = await ask(fake, "Is Max Power retiring?")
    assert "retiring from music" in reply["embeds"][0]["description"]
    history = await run(fake, "kb history")
    assert history["content"].index("#2 ") < history["content"].index("#1 ")  # newest first


async def test_cancel_keeps_the_entry(curating: RunningBot) -> None:
    fake = curating.fake
    data = await run(fake, "kb remove", id="max-retiring")
    cancel = next(b for row in data["components"] for b in row["components"] if b["label"] == "Cancel")
    start = len(fake.calls)
    clicked = await fake.click(fake.sent[-1], cancel["custom_id"], who=ADMIN)
    call = await fake.callback(clicked, start)
    assert call.body["type"] == 7 and call.body["data"]["content"] == "Kept fact `max-retiring`."
    assert "max-retiring" in curating.bot.engine.kb.facts
    assert audit(curating) == []


async def test_removing_a_source_still_cited_says_by_what(curating: RunningBot) -> None:
    fake = curating.fake
    data = await run(fake, "kb remove", id="whispers-2024")
    remove = next(b for row in data["components"] for b in row["components"] if b["label"] == "Remove")
    start = len(fake.calls)
    await fake.click(fake.sent[-1], remove["custom_id"], who=ADMIN)
    edited = await fake.wait_call(lambda c: c.method == "PATCH", start)
    assert edited.body["content"].startswith("Not removed:")
    assert "still used by fact 'ada-max-engaged', fact 'max-retiring'" in edited.body["content"]


async def test_undo_asks_first_and_undoes_only_the_edit_it_showed(curating: RunningBot) -> None:
    fake = curating.fake
    store = curating.bot.store
    store.remove("max-retiring", user="alice")
    asked = await run(fake, "kb undo")
    message = fake.sent[-1]
    buttons = {b["label"]: b["custom_id"] for row in asked["components"] for b in row["components"]}

    start = len(fake.calls)
    call = await fake.callback(await fake.click(message, buttons["Cancel"], who=ADMIN), start)
    assert call.body["type"] == 7 and call.body["data"]["content"] == "Edit #1 stays."
    assert [r["action"] for r in audit(curating)] == ["remove"]

    asked = await run(fake, "kb undo")
    message = fake.sent[-1]
    buttons = {b["label"]: b["custom_id"] for row in asked["components"] for b in row["components"]}
    store.remove("ada-born", user="bob")  # another curator's edit, after the question was shown
    start = len(fake.calls)
    await fake.click(message, buttons["Undo"], who=ADMIN)
    edited = await fake.wait_call(lambda c: c.method == "PATCH", start)
    assert edited.body["content"].startswith("Nothing undone:")
    assert "the latest edit is now #2, not #1" in edited.body["content"]
    assert [r["action"] for r in audit(curating)] == ["remove", "remove"]


async def test_undo_with_nothing_to_undo(curating: RunningBot) -> None:
    data = await run(curating.fake, "kb undo")
    assert data["content"] == "Nothing undone:\n• there is no edit to undo"


async def test_reload_and_check_report_good_and_bad_knowledge(curating: RunningBot) -> None:
    fake = curating.fake
    data = await run(fake, "kb reload")
    assert data["content"] == "Reloaded: 6 facts, 1 quotes, 2 people, 2 sources."
    data = await run(fake, "kb check")
    assert data["content"].startswith("Valid: 6 facts, 1 quotes, 2 people, 2 sources;")

    path = curating.bot.knowledge_path / "test.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("  - id: ada-born\n", "  - id: Ada Born\n"))
    start = len(fake.calls)
    data = await run(fake, "kb reload")
    assert data["content"].startswith("The knowledge does not load; still answering from the last good one")
    assert "test.yaml:" in data["content"]
    assert (await fake.wait_call(is_admin_post, start)).body["content"].count("test.yaml:") >= 1
    data = await run(fake, "kb check")
    assert data["content"].startswith("Not valid:")
    assert "test.yaml:" in data["content"]
    reply = await ask(fake, "When was Ada Star born?")
    assert "born in 1990" in reply["embeds"][0]["description"]


# -- votes and gaps --------------------------------------------------------------------------


async def test_answers_carry_vote_buttons_that_record_the_fact_id_even_after_a_restart(
    start_bot: StartBot, small_knowledge: Path
) -> None:
    first: RunningBot = await start_bot(knowledge=small_knowledge)
    fake = first.fake
    reply = await ask(fake, "When did Ada and Max meet?")
    ids = [b["custom_id"] for row in reply["components"] for b in row["components"]]
    assert ids == ["celebbot:vote:up:ada-max-met", "celebbot:vote:down:ada-max-met"]
    message = fake.sent[-1]
    start = len(fake.calls)
    data = await fake.reply_to(await fake.click(message, ids[0]), start)
    assert data["flags"] & EPHEMERAL and data["content"].startswith("Thanks")
    feedback = first.bot.feedback
    assert (feedback.tally("ada-max-met").up, feedback.tally("ada-max-met").down) == (1, 0)
    await first.bot.close()

    await start_bot(knowledge=small_knowledge)
    start = len(fake.calls)
    await fake.reply_to(await fake.click(message, ids[1]), start)  # the same person changes their mind
    assert (feedback.tally("ada-max-met").up, feedback.tally("ada-max-met").down) == (0, 1)
    start = len(fake.calls)
    await fake.reply_to(await fake.click(message, ids[1], who=BOB), start)
    assert feedback.tally("ada-max-met").down == 2


async def wait_gaps(running: RunningBot, count: int) -> None:
    deadline = time.monotonic() + 10.0  # recorded in the background; a busy machine may be slow
    while time.monotonic() < deadline:
        gaps = await asyncio.to_thread(running.bot.feedback.top_unanswered, 5)
        if gaps and gaps[0].count >= count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the declined questions were not recorded")


async def test_declined_questions_are_counted_however_asked_and_gaps_lists_them(curating: RunningBot) -> None:
    fake = curating.fake
    await ask(fake, "What is the capital of France?")
    await wait_gaps(curating, 1)  # recorded in the background: wait, so the first wording is kept
    start = len(fake.calls)
    await fake.send_message("!ask what is the capital of france")
    await fake.wait_call(lambda c: c.path == f"/channels/{CHANNEL_ID}/messages", start)
    await run(fake, "ask", question="What is the capital of FRANCE??")
    await ask(fake, "When did Ada and Max meet?")  # answered: not a gap
    await wait_gaps(curating, 3)
    (gap,) = curating.bot.feedback.top_unanswered(5)
    assert (gap.question, gap.count) == ("What is the capital of France?", 3)

    answered = await ask(fake, "Is Max Power retiring?")
    down = answered["components"][0]["components"][1]["custom_id"]
    start = len(fake.calls)
    await fake.reply_to(await fake.click(fake.sent[-1], down), start)

    data = await run(fake, "kb gaps")
    assert data["flags"] & EPHEMERAL
    fields = {f["name"]: f["value"] for f in data["embeds"][0]["fields"]}
    assert fields["Most-asked unanswered questions"] == "**3×** What is the capital of France?"
    assert fields["Most down-voted answers"] == "👎 1 👍 0 `max-retiring` Is Max Power retiring?"


async def test_metrics_count_questions_reloads_and_failures(curating: RunningBot) -> None:
    from bot.discord_bot.metrics import Metrics

    class Recorder(Metrics):
        def __init__(self) -> None:
            self.calls: list[tuple[str, dict[str, Any]]] = []

        def question(self, *, answered: bool, seconds: float, via: str) -> None:
            assert seconds >= 0
            self.calls.append(("question", {"answered": answered, "via": via}))

        def reload(self, *, ok: bool) -> None:
            self.calls.append(("reload", {"ok": ok}))

        def command_error(self, *, command: str) -> None:
            self.calls.append(("error", {"command": command}))

    recorder = Recorder()
    curating.bot.metrics = recorder
    fake = curating.fake
    await ask(fake, "When did Ada and Max meet?")
    await run(fake, "ask", question="What is the capital of France?")
    await run(fake, "kb reload")
    assert recorder.calls == [
        ("question", {"answered": True, "via": "mention"}),
        ("question", {"answered": False, "via": "slash"}),
        ("reload", {"ok": True}),
    ]


# -- bad input: a clear error, nothing lost ------------------------------------------------


def overlay_text(running: RunningBot) -> str | None:
    path = running.bot.knowledge_path / OVERLAY_NAME
    return path.read_text(encoding="utf-8") if path.exists() else None


async def test_yaml_looking_text_is_kept_as_text(curating: RunningBot) -> None:
    fake = curating.fake
    answer = "answer: hacked\n- !!python/object/apply:os.system ['echo owned']\n{sources: [x]} &anchor *ref"
    form = await open_form(fake, "kb add-fact", source="planet-2024")
    data = await submit(fake, form, {**NEW_FACT, "answer": answer, "id": "yaml-ish"})
    assert data["content"].startswith("Added fact `yaml-ish`")
    assert curating.bot.engine.kb.facts["yaml-ish"].answer == answer
    overlay = yaml.safe_load(overlay_text(curating) or "")
    assert overlay["facts"][0]["answer"] == answer
    assert overlay["facts"][0]["sources"] == ["planet-2024"]  # the text did not become keys or lists


async def test_an_answer_of_4000_characters_is_refused_with_the_limit_and_given_back(
    curating: RunningBot,
) -> None:
    fake = curating.fake
    long_answer = ("Ada Star's favourite colour is teal. " * 120)[:3999] + "!"
    form = await open_form(fake, "kb add-fact", source="planet-2024")
    data = await submit(fake, form, {**NEW_FACT, "answer": long_answer})
    assert data["flags"] & EPHEMERAL
    assert data["content"].startswith("Not saved:")
    assert "'answer' is 4000 characters long; at most 1500 are allowed" in data["content"]
    assert long_answer in data["_files"]["your-text.txt"]  # the whole text, attached
    assert NEW_FACT["questions"] in data["_files"]["your-text.txt"]
    assert overlay_text(curating) is None and audit(curating) == []

    (retry,) = [b for row in data["components"] for b in row["components"]]
    assert retry["label"] == "Edit and try again"
    start = len(fake.calls)
    again = await fake.modal(await fake.click(fake.sent[-1], retry["custom_id"], who=ADMIN), start)
    typed = {i["custom_id"]: i.get("value") for i in text_inputs(again)}
    assert typed["answer"] == long_answer and typed["questions"] == NEW_FACT["questions"]

    data = await submit(fake, again, {"answer": long_answer[:200].rsplit(".", 1)[0] + "."})
    assert data["content"].startswith("Added fact")
    reply = await ask(fake, "What is Ada Star's favourite colour?")
    assert "favourite colour is teal" in reply["embeds"][0]["description"]


async def test_control_characters_are_removed(curating: RunningBot) -> None:
    fake = curating.fake
    form = await open_form(fake, "kb add-fact", source="planet-2024")
    answer = "Ada's\x00 favourite\x1b[31m colour\u202e is teal.\r\nShe says so\x07 often."
    data = await submit(fake, form, {**NEW_FACT, "answer": answer, "id": "colour"})
    assert data["content"].startswith("Added fact `colour`")
    saved = curating.bot.engine.kb.facts["colour"].answer
    assert saved == "Ada's favourite[31m colour is teal.\nShe says so often."
    assert not any(unicodedata.category(c) in ("Cc", "Cf") for c in saved.replace("\n", ""))


async def test_everyone_in_a_field_pings_nobody(curating: RunningBot) -> None:
    fake = curating.fake
    form = await open_form(fake, "kb add-fact", source="planet-2024")
    answer = "@everyone Ada Star's favourite colour is teal, says <@&160000000000000007>."
    data = await submit(fake, form, {**NEW_FACT, "answer": answer})
    assert "@everyone" in data["embeds"][0]["description"]
    assert data["allowed_mentions"] == {"parse": []}
    reply = await ask(fake, "What is Ada Star's favourite colour?")
    assert "@everyone" in reply["embeds"][0]["description"]
    assert reply["allowed_mentions"]["parse"] == [] and not reply["allowed_mentions"].get("roles")


async def test_an_id_that_already_exists_is_refused(curating: RunningBot) -> None:
    fake = curating.fake
    form = await open_form(fake, "kb add-fact", source="planet-2024")
    data = await submit(fake, form, {**NEW_FACT, "id": "ada-born"})
    assert "the id 'ada-born' is already used" in data["content"].replace("\\", "")
    assert "ada-born" in data["_files"]["your-text.txt"]
    assert overlay_text(curating) is None
    assert curating.bot.engine.kb.facts["ada-born"].answer == "Ada Star was born in 1990 in Lyon."


async def test_an_unknown_source_is_refused_before_the_form_and_in_an_edit(curating: RunningBot) -> None:
    fake = curating.fake
    data = await run(fake, "kb add-fact", source="no-such-source")
    assert data["content"].startswith("Unknown source 'no-such-source': pick one of the known sources")
    assert data["flags"] & EPHEMERAL
    form = await open_form(fake, "kb edit", id="ada-born")
    data = await submit(fake, form, {"sources": "planet-2024, no-such-source"})
    assert "unknown source 'no-such-source'" in data["content"].replace("\\", "")
    assert "planet-2024, no-such-source" in data["_files"]["your-text.txt"]
    assert overlay_text(curating) is None


async def test_an_unknown_person_in_about_is_named(curating: RunningBot) -> None:
    fake = curating.fake
    form = await open_form(fake, "kb add-fact", source="planet-2024")
    data = await submit(fake, form, {**NEW_FACT, "about": "Ada, Nobody Atall"})
    assert "unknown person 'Nobody Atall'" in data["content"]
    assert overlay_text(curating) is None
