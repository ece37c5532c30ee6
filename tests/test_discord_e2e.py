"""End to end: celebbot's real discord.py client against the fake Discord in tests/fake_discord.py."""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

import discord
import pytest

from bot.core import DECLINE_TEXT, Answer
from bot.core.health import check_health, heartbeat_path
from bot.discord_bot.client import FAILED_TEXT
from tests.conftest import RunningBot, StartBot
from tests.fake_discord import APP_ID, CHANNEL_ID, Call, FakeDiscord

MESSAGES = f"/channels/{CHANNEL_ID}/messages"
MENTION = f"<@{APP_ID}>"
EPHEMERAL = 64


def is_reply(call: Call) -> bool:
    return call.method == "POST" and call.path == MESSAGES


async def ask_by_mention(fake: FakeDiscord, question: str, **kwargs: Any) -> tuple[int, dict[str, Any]]:
    """Mention the bot with a question; the asking message's id and the bot's reply."""
    start = len(fake.calls)
    asked = await fake.send_message(f"{MENTION} {question}", mention_bot=True, **kwargs)
    call = await fake.wait_call(is_reply, start)
    body: dict[str, Any] = call.body
    return asked, body


def assert_pings_nobody(body: dict[str, Any]) -> None:
    assert body["allowed_mentions"]["parse"] == []
    assert body["allowed_mentions"].get("replied_user", False) is False
    assert "users" not in body["allowed_mentions"] or body["allowed_mentions"]["users"] == []
    assert "roles" not in body["allowed_mentions"] or body["allowed_mentions"]["roles"] == []


# -- questions in channels ------------------------------------------------------


async def test_mention_is_answered_with_a_cited_embed_as_a_reply(running: RunningBot) -> None:
    asked, body = await ask_by_mention(running.fake, "When did Ada and Max meet?")
    assert int(body["message_reference"]["message_id"]) == asked
    (embed,) = body["embeds"]
    assert "met in 2015" in embed["description"]
    source = embed["fields"][-1]
    assert source["name"] == "Source"
    assert "The Daily Planet" in source["value"]
    assert "(https://example.com/ada-max)" in source["value"]  # a link, since the source has a url
    assert "5 March 2024" in source["value"]
    assert_pings_nobody(body)


async def test_mention_works_without_the_message_content_intent(start_bot: StartBot) -> None:
    running: RunningBot = await start_bot(message_content=False)
    (identify,) = [f for f in running.fake.frames if f["op"] == 2]
    intents = discord.Intents._from_value(identify["d"]["intents"])
    assert not intents.message_content
    assert intents == discord.Intents(guilds=True, guild_messages=True, dm_messages=True)
    _, body = await ask_by_mention(running.fake, "When was Ada Star born?")
    assert "born in 1990" in body["embeds"][0]["description"]


async def test_message_without_mention_is_ignored(running: RunningBot) -> None:
    fake = running.fake
    start = len(fake.calls)
    await fake.send_message("When did Ada and Max meet?")
    # The next mention is answered, and it is the only reply: the plain message got none.
    await fake.send_message(f"{MENTION} When was Ada Star born?", mention_bot=True)
    await fake.wait_call(is_reply, start)
    replies = [c for c in fake.calls[start:] if is_reply(c)]
    assert len(replies) == 1
    assert "born in 1990" in replies[0].body["embeds"][0]["description"]


async def test_prefix_command_answers_as_a_reply_with_the_reported_status(running: RunningBot) -> None:
    fake = running.fake
    start = len(fake.calls)
    asked = await fake.send_message("!ask Are Ada and Max engaged?")
    body = (await fake.wait_call(is_reply, start)).body
    assert int(body["message_reference"]["message_id"]) == asked
    (embed,) = body["embeds"]
    assert "engaged in the summer of 2023" in embed["description"]
    assert {"name": "Status", "value": "Reported: not confirmed", "inline": False} in embed["fields"]
    assert "Gossip Weekly" in embed["fields"][-1]["value"]
    assert_pings_nobody(body)


async def test_prefix_command_without_a_question_explains_itself(running: RunningBot) -> None:
    fake = running.fake
    start = len(fake.calls)
    await fake.send_message("!ask")
    body = (await fake.wait_call(is_reply, start)).body
    assert "!ask Who is Ye?" in body["content"]
    assert_pings_nobody(body)


async def test_declined_question_says_so_and_offers_did_you_mean_buttons(running: RunningBot) -> None:
    question = "When did Ada Star get married?"
    expected = running.engine.ask(question)
    assert not expected.answered and expected.suggestions  # what this test is about
    _, body = await ask_by_mention(running.fake, question)
    assert body["content"] == f"{DECLINE_TEXT} Did you mean:"
    buttons = [c for row in body["components"] for c in row["components"]]
    assert [b["label"] for b in buttons] == list(expected.suggestions)
    assert all(b["custom_id"].startswith("celebbot:ask:") for b in buttons)
    assert "embeds" not in body or not body["embeds"]


async def test_declined_question_with_nothing_close_just_says_so(running: RunningBot) -> None:
    _, body = await ask_by_mention(running.fake, "What is the capital of France?")
    assert body["content"] == DECLINE_TEXT
    assert not body.get("components")


async def test_clicking_did_you_mean_answers_that_question(running: RunningBot) -> None:
    fake = running.fake
    _, body = await ask_by_mention(fake, "When did Ada Star get married?")
    buttons = [c for row in body["components"] for c in row["components"]]
    chosen = next(b for b in buttons if b["label"] == "When did Ada and Max meet?")
    message = fake.sent[-1]
    assert message["components"] == body["components"]
    start = len(fake.calls)
    clicked = await fake.click(message, chosen["custom_id"])
    reply = await fake.reply_to(clicked, start)
    assert "When did Ada and Max meet?" in reply["content"]
    assert "met in 2015" in reply["embeds"][0]["description"]
    assert_pings_nobody(reply)


async def test_everyone_in_a_question_pings_nobody(running: RunningBot) -> None:
    # The answer itself quotes "@everyone" from the knowledge: it must not ping either.
    _, body = await ask_by_mention(
        running.fake, "@everyone How did Ada announce her tour?", mention_everyone=True
    )
    assert "@everyone" in body["embeds"][0]["description"]
    assert body["allowed_mentions"] == {"parse": [], "replied_user": False}


# -- slash commands ---------------------------------------------------------------


async def test_slash_ask_answers_with_the_rumor_status_visible(running: RunningBot) -> None:
    fake = running.fake
    start = len(fake.calls)
    interaction = await fake.slash("ask", question="Is Max Power retiring?")
    call = await fake.callback(interaction, start)
    assert call.body["type"] == 4
    data = call.body["data"]
    (embed,) = data["embeds"]
    assert "retiring from music" in embed["description"]
    assert {"name": "Status", "value": "Rumor: unconfirmed", "inline": False} in embed["fields"]
    assert not data.get("flags", 0) & EPHEMERAL
    assert_pings_nobody(data)


async def test_slash_ask_autocomplete_offers_known_questions(running: RunningBot) -> None:
    fake = running.fake
    start = len(fake.calls)
    interaction = await fake.slash("ask", autocomplete="question", question="when")
    call = await fake.callback(interaction, start)
    assert call.body["type"] == 8
    choices = call.body["data"]["choices"]
    names = [c["name"] for c in choices]
    assert names == running.engine.complete("when", 25)
    assert "When did Ada and Max meet?" in names
    assert all(c["value"] == c["name"] and len(c["name"]) <= 100 for c in choices)


async def test_slash_quote_sets_the_quote_with_speaker_when_and_where(running: RunningBot) -> None:
    fake = running.fake
    start = len(fake.calls)
    interaction = await fake.slash("quote", person="Max", search="best thing that ever happened")
    data = (await fake.callback(interaction, start)).body["data"]
    description = data["embeds"][0]["description"]
    assert description.startswith("> She is the best thing that ever happened to me.")
    assert "**Max Power**" in description
    assert "in an interview with Radio One" in description
    assert "May 2016" in description
    assert "The Daily Planet" in data["embeds"][0]["fields"][-1]["value"]


async def test_slash_quote_for_someone_unknown_answers_privately(running: RunningBot) -> None:
    fake = running.fake
    start = len(fake.calls)
    interaction = await fake.slash("quote", person="Nobody Atall")
    data = (await fake.callback(interaction, start)).body["data"]
    assert data["content"] == "I don't know who that is yet."
    assert data["flags"] & EPHEMERAL


async def test_slash_quote_person_autocomplete_offers_names(running: RunningBot) -> None:
    fake = running.fake
    start = len(fake.calls)
    interaction = await fake.slash("quote", autocomplete="person", person="que")
    choices = (await fake.callback(interaction, start)).body["data"]["choices"]
    assert [c["value"] for c in choices] == ["Ada Star"]  # found by the alias "Queen Ada"


async def test_slash_who_shows_a_profile_with_sources(running: RunningBot) -> None:
    fake = running.fake
    start = len(fake.calls)
    interaction = await fake.slash("who", person="Queen Ada")
    embed = (await fake.callback(interaction, start)).body["data"]["embeds"][0]
    assert embed["title"] == "Ada Star"
    assert embed["description"] == "A pop singer from Lyon."
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Also known as"] == "Ada, Queen Ada"
    assert "When was Ada Star born?" in fields["Ask me (5)"]
    assert "The Daily Planet" in fields["Sources"] and "Gossip Weekly" in fields["Sources"]


async def test_slash_sources_lists_every_source(running: RunningBot) -> None:
    fake = running.fake
    start = len(fake.calls)
    interaction = await fake.slash("sources")
    embed = (await fake.callback(interaction, start)).body["data"]["embeds"][0]
    assert (
        "[“Everything We Know About Ada Star and Max Power”](https://example.com/ada-max)"
        in embed["description"]
    )
    assert "Gossip Weekly" in embed["description"]
    assert "6 facts and 1 quotes" in embed["footer"]["text"]


async def test_slash_help_answers_privately_with_every_command(running: RunningBot) -> None:
    fake = running.fake
    start = len(fake.calls)
    interaction = await fake.slash("help")
    data = (await fake.callback(interaction, start)).body["data"]
    assert data["flags"] & EPHEMERAL
    names = " ".join(f["name"] for f in data["embeds"][0]["fields"])
    for command in ("/ask", "/quote", "/who", "/sources", "/help", "!ask"):
        assert command in names


# -- errors and load --------------------------------------------------------------


async def test_failing_command_gets_an_ephemeral_message_and_a_logged_traceback(
    running: RunningBot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(question: str) -> None:
        raise RuntimeError("the engine broke")

    monkeypatch.setattr(running.engine, "ask", broken)
    fake = running.fake
    start = len(fake.calls)
    with caplog.at_level(logging.ERROR):
        interaction = await fake.slash("ask", question="When did Ada and Max meet?")
        data = (await fake.callback(interaction, start)).body["data"]
    assert data["content"] == FAILED_TEXT
    assert data["flags"] & EPHEMERAL
    failures = [r for r in caplog.records if r.exc_info and "the engine broke" in str(r.exc_info[1])]
    assert failures and "/ask" in failures[0].getMessage()

    monkeypatch.undo()
    _, body = await ask_by_mention(fake, "When did Ada and Max meet?")  # still answering
    assert "met in 2015" in body["embeds"][0]["description"]


async def test_per_user_cooldown_answers_with_a_friendly_message(start_bot: StartBot) -> None:
    running: RunningBot = await start_bot(cooldown_rate=2, cooldown_per=600.0)
    fake = running.fake
    for _ in range(2):
        _, body = await ask_by_mention(fake, "When did Ada and Max meet?")
        assert body.get("embeds")
    _, body = await ask_by_mention(fake, "When did Ada and Max meet?")
    assert body["content"].startswith("You are asking quickly! Try again in ")
    assert not body.get("embeds")
    start = len(fake.calls)
    interaction = await fake.slash("ask", question="When did Ada and Max meet?")
    data = (await fake.callback(interaction, start)).body["data"]
    assert data["content"].startswith("You are asking quickly!")
    assert data["flags"] & EPHEMERAL
    start = len(fake.calls)
    await fake.send_message("!ask When did Ada and Max meet?")
    body = (await fake.wait_call(is_reply, start)).body
    assert body["content"].startswith("You are asking quickly!")


# -- the connection -----------------------------------------------------------------


async def test_gateway_disconnect_then_resume_keeps_answering(running: RunningBot) -> None:
    fake = running.fake
    assert any(f["op"] == 1 for f in fake.frames)  # heartbeats are sent (and acknowledged)
    seq_before = fake.seq
    await fake.disconnect(code=4000)
    await fake.wait_for(lambda: fake.resumes == 1)
    (resume,) = [f for f in fake.frames if f["op"] == 6]
    assert resume["_path"] == "/resume"  # READY's resume_gateway_url
    assert resume["d"]["session_id"] == fake.session_id
    assert resume["d"]["seq"] == seq_before
    assert fake.identifies == 1  # resumed, not identified again
    _, body = await ask_by_mention(fake, "When did Ada and Max meet?")
    assert "met in 2015" in body["embeds"][0]["description"]


@pytest.mark.parametrize(
    ("status", "error", "headers"),
    [
        (
            429,
            {"message": "You are being rate limited.", "retry_after": 0.05, "global": False},
            {"Via": "1.1 google"},
        ),
        (500, {"message": "500: Internal Server Error", "code": 0}, {}),
    ],
    ids=["429", "500"],
)
async def test_rest_error_is_retried_and_the_bot_keeps_working(
    running: RunningBot, status: int, error: dict[str, Any], headers: dict[str, str]
) -> None:
    fake = running.fake
    fake.fail_next("POST", MESSAGES, status, error, headers)
    start = len(fake.calls)
    _, body = await ask_by_mention(fake, "When did Ada and Max meet?")
    assert "met in 2015" in body["embeds"][0]["description"]
    tries = [c.status for c in fake.calls[start:] if is_reply(c)]
    assert tries == [status, 200]
    _, body = await ask_by_mention(fake, "When was Ada Star born?")
    assert "born in 1990" in body["embeds"][0]["description"]


async def test_matching_runs_off_the_event_loop_and_slow_answers_are_deferred(
    running: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.discord_bot import client

    monkeypatch.setattr(client, "DEFER_AFTER", 0.0)
    loop_thread = threading.get_ident()
    release = threading.Event()
    threads: list[int] = []
    ask = running.engine.ask

    def slow_ask(question: str) -> Answer:
        threads.append(threading.get_ident())
        release.wait(10)  # until the test has seen the deferral
        return ask(question)

    monkeypatch.setattr(running.engine, "ask", slow_ask)
    fake = running.fake
    start = len(fake.calls)
    interaction = await fake.slash("ask", question="When did Ada and Max meet?")
    deferral = await fake.callback(interaction, start)
    assert deferral.body["type"] == 5  # "thinking…", so the interaction cannot expire
    release.set()
    reply = await fake.reply_to(interaction, start)
    assert "met in 2015" in reply["embeds"][0]["description"]
    assert_pings_nobody(reply)
    assert threads and loop_thread not in threads


async def test_shard_settings_identify_as_that_shard(start_bot: StartBot) -> None:
    running: RunningBot = await start_bot(shard_count=2, shard_ids=(1,))
    (identify,) = [f for f in running.fake.frames if f["op"] == 2]
    assert identify["d"]["shard"] == [1, 2]
    assert identify["_path"] == "/gateway"  # CELEBBOT_DISCORD_GATEWAY, not Discord's
    assert not [c for c in running.fake.calls if c.path == "/gateway/bot"]  # the count was given


async def test_direct_message_needs_no_mention(running: RunningBot) -> None:
    fake = running.fake
    dm_channel = fake.next_id()
    data = fake.message("When was Ada Star born?")
    data["channel_id"] = str(dm_channel)
    del data["guild_id"], data["member"]
    start = len(fake.calls)
    await fake.dispatch("MESSAGE_CREATE", data)
    call = await fake.wait_call(
        lambda c: c.method == "POST" and c.path == f"/channels/{dm_channel}/messages", start
    )
    assert "born in 1990" in call.body["embeds"][0]["description"]


async def test_prefix_help(running: RunningBot) -> None:
    fake = running.fake
    start = len(fake.calls)
    await fake.send_message("!help")
    body = (await fake.wait_call(is_reply, start)).body
    assert body["embeds"][0]["title"] == "Ask me about celebrities"
    assert_pings_nobody(body)


async def test_heartbeat_file_tells_celebbot_health_the_bot_is_connected(running: RunningBot) -> None:
    bot = running.bot
    path = heartbeat_path(bot.settings.data_dir)
    for _ in range(500):  # written on ready, from a worker thread
        if check_health(path)[0]:
            break
        await asyncio.sleep(0.01)
    healthy, why = check_health(path)
    assert healthy, why
    assert "6 facts, 1 servers" in why
    await bot.close()
    healthy, why = check_health(path)
    assert not healthy
    assert why == "not connected to Discord"


@pytest.mark.parametrize(
    ("command", "options", "text"),
    [
        ("quote", {"search": "pizza toppings"}, "I have no quote like that yet."),
        ("who", {"person": "Nobody Atall"}, "I don't know who that is yet."),
    ],
)
async def test_lookups_that_find_nothing_answer_privately(
    running: RunningBot, command: str, options: dict[str, str], text: str
) -> None:
    fake = running.fake
    start = len(fake.calls)
    interaction = await fake.slash(command, **options)
    data = (await fake.callback(interaction, start)).body["data"]
    assert data["content"] == text
    assert data["flags"] & EPHEMERAL


async def test_did_you_mean_buttons_still_work_after_a_restart(start_bot: StartBot) -> None:
    first: RunningBot = await start_bot()
    fake = first.fake
    _, body = await ask_by_mention(fake, "When did Ada Star get married?")
    message = fake.sent[-1]
    button = body["components"][0]["components"][0]
    await first.bot.close()

    await start_bot()  # a new process would start the same way: nothing remembered
    start = len(fake.calls)
    clicked = await fake.click(message, button["custom_id"])
    reply = await fake.reply_to(clicked, start)
    assert button["label"] in reply["content"]
    assert reply["embeds"][0]["description"]
