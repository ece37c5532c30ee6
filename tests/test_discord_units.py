"""The Discord adapter's pure parts: settings, text helpers, embeds within Discord's limits."""

from __future__ import annotations

import re
from pathlib import Path

import discord
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core import Answer, Citation, Engine, Quote
from bot.discord_bot.client import PERMISSIONS, invite_url
from bot.discord_bot.cogs.lookup import people_choices
from bot.discord_bot.cogs.questions import SuggestionButton, build_reply
from bot.discord_bot.embeds import EMBED_TOTAL_MAX, answer_embed, profile_embed, sources_embed
from bot.discord_bot.settings import Secret, Settings, SettingsError
from bot.discord_bot.text import cooldown_text, question_from_mention, shorten, suggestion_key, take_lines

# -- settings ------------------------------------------------------------------------


def test_settings_defaults() -> None:
    s = Settings.from_env({})
    assert s.token is None
    assert s.prefix == "!"
    assert s.knowledge is None
    assert s.data_dir == Path("data")
    assert s.dev_guild is None
    assert s.log_level == "INFO"
    assert (s.cooldown_rate, s.cooldown_per) == (5, 60.0)
    assert s.message_content is False
    assert s.api_base is None and s.gateway is None
    assert s.shard_count is None and s.shard_ids is None


def test_settings_from_environment() -> None:
    s = Settings.from_env(
        {
            "DISCORD_TOKEN": " secret-token ",
            "CELEBBOT_PREFIX": "?",
            "CELEBBOT_KNOWLEDGE": "/k",
            "CELEBBOT_DATA": "/d",
            "CELEBBOT_DEV_GUILD": "123",
            "CELEBBOT_LOG_LEVEL": "debug",
            "CELEBBOT_COOLDOWN_RATE": "0",
            "CELEBBOT_COOLDOWN_PER": "2.5",
            "CELEBBOT_MESSAGE_CONTENT": "yes",
            "CELEBBOT_DISCORD_API_BASE": "http://127.0.0.1:8080/api/v10",
            "CELEBBOT_DISCORD_GATEWAY": "ws://127.0.0.1:8080/",
            "CELEBBOT_SHARD_COUNT": "4",
            "CELEBBOT_SHARD_IDS": "2, 3",
        }
    )
    assert s.token == Secret("secret-token")
    assert (s.prefix, s.knowledge, s.data_dir, s.dev_guild, s.log_level) == (
        "?",
        Path("/k"),
        Path("/d"),
        123,
        "DEBUG",
    )
    assert (s.cooldown_rate, s.cooldown_per, s.message_content) == (0, 2.5, True)
    assert s.api_base == "http://127.0.0.1:8080/api/v10"
    assert s.gateway == "ws://127.0.0.1:8080/"
    assert (s.shard_count, s.shard_ids) == (4, (2, 3))


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({"CELEBBOT_DEV_GUILD": "abc"}, "CELEBBOT_DEV_GUILD"),
        ({"CELEBBOT_COOLDOWN_PER": "0"}, "CELEBBOT_COOLDOWN_PER"),
        ({"CELEBBOT_COOLDOWN_RATE": "-1"}, "CELEBBOT_COOLDOWN_RATE"),
        ({"CELEBBOT_LOG_LEVEL": "LOUD"}, "CELEBBOT_LOG_LEVEL"),
        ({"CELEBBOT_MESSAGE_CONTENT": "maybe"}, "CELEBBOT_MESSAGE_CONTENT"),
        ({"CELEBBOT_DISCORD_API_BASE": "127.0.0.1"}, "CELEBBOT_DISCORD_API_BASE"),
        ({"CELEBBOT_DISCORD_GATEWAY": "http://x"}, "CELEBBOT_DISCORD_GATEWAY"),
        ({"CELEBBOT_SHARD_IDS": "0"}, "CELEBBOT_SHARD_COUNT"),
        ({"CELEBBOT_SHARD_COUNT": "2", "CELEBBOT_SHARD_IDS": "2"}, "CELEBBOT_SHARD_IDS"),
        ({"CELEBBOT_SHARD_COUNT": "0"}, "CELEBBOT_SHARD_COUNT"),
        ({"CELEBBOT_PREFIX": "a b"}, "CELEBBOT_PREFIX"),
    ],
)
def test_bad_settings_name_the_variable(env: dict[str, str], names: str) -> None:
    with pytest.raises(SettingsError, match=names):
        Settings.from_env(env)


def test_the_token_never_shows_in_repr() -> None:
    s = Settings.from_env({"DISCORD_TOKEN": "abc.def.ghi"})
    assert "abc.def.ghi" not in repr(s)
    assert "abc.def.ghi" not in repr(s.token) and "abc.def.ghi" not in str(s.token)
    assert s.token is not None and s.token.reveal() == "abc.def.ghi"


# -- text ------------------------------------------------------------------------------


@given(st.text(), st.integers(min_value=0, max_value=300))
def test_shorten_never_exceeds_the_limit(text: str, limit: int) -> None:
    out = shorten(text, limit)
    assert len(out) <= limit
    if len(text) <= limit:
        assert out == text
    elif limit > 0:
        assert out.endswith("…")


@given(st.lists(st.text(max_size=80), max_size=40), st.integers(min_value=20, max_value=2000))
def test_take_lines_never_exceeds_the_limit(lines: list[str], limit: int) -> None:
    assert len(take_lines(lines, limit)) <= limit


def test_question_from_mention_keeps_other_mentions_as_text() -> None:
    assert question_from_mention("<@1> is <@2> dating <@!1> Ye?", 1) == "is <@2> dating Ye?"
    assert question_from_mention("<@1>", 1) == ""
    assert question_from_mention("<@1> ask who is Ye", 1) == "who is Ye"
    assert question_from_mention("<@1>, who is Ye", 1) == "who is Ye"


def test_cooldown_text_rounds_up() -> None:
    assert cooldown_text(2.1) == "You are asking quickly! Try again in 3 seconds."


# -- embeds and replies -------------------------------------------------------------------


def citation(i: int, *, url: str | None = None) -> Citation:
    return Citation(f"s{i}", "A very long title " * 20, f"Publisher {i}", "2024-01", url, None)


def test_a_huge_answer_is_shortened_within_every_embed_limit() -> None:
    answer = Answer(
        question="q",
        answered=True,
        text="word " * 3000,
        entry_id="x" * 3000,
        kind="fact",
        score=1.0,
        citations=tuple(citation(i, url="https://example.com/" + "p" * 100) for i in range(60)),
        status="rumor",
    )
    embed = answer_embed(answer)
    assert len(embed) <= EMBED_TOTAL_MAX
    assert embed.description is not None and len(embed.description) <= 4096
    assert embed.description.endswith("…")
    assert all(len(f.value or "") <= 1024 for f in embed.fields)
    assert embed.fields[-1].value is not None and embed.fields[-1].value.endswith("more")
    assert embed.footer.text is not None and len(embed.footer.text) <= 2048


def test_a_huge_quote_keeps_its_attribution() -> None:
    quote = Quote("q", "ye", "la " * 3000, ("s",), when="2013-06", where="on stage")
    answer = Answer("q", True, "…", "q", "quote", 1.0, (citation(1),), quote=quote, speaker="Kanye West")
    embed = answer_embed(answer)
    assert embed.description is not None and len(embed.description) <= 4096
    assert embed.description.startswith("> la la")
    assert embed.description.endswith("— **Kanye West**, on stage (June 2013)")


def test_markdown_in_the_knowledge_is_shown_as_written() -> None:
    answer = Answer("q", True, "She said *hi* to __everyone__", "e", "fact", 1.0)
    assert answer_embed(answer).description == r"She said \*hi\* to \_\_everyone\_\_"


def test_declined_reply_has_at_most_three_short_buttons() -> None:
    long = "Who " + "really " * 30 + "is she?"
    answer = Answer("q", False, None, None, None, 0.5, suggestions=(long, "b", "c", "d"))
    reply = build_reply(answer)
    assert reply.view is not None and reply.embed is None
    buttons = reply.view.children
    assert len(buttons) == 3
    assert all(isinstance(b, SuggestionButton) for b in buttons)
    first = buttons[0]
    assert isinstance(first, SuggestionButton)
    assert isinstance(first.item, discord.ui.Button)
    assert first.item.label is not None and len(first.item.label) <= 80
    assert first.custom_id == f"celebbot:ask:{suggestion_key(long)}"
    mentions = reply.kwargs()["allowed_mentions"]
    assert mentions.to_dict()["parse"] == [] and mentions.replied_user is False


def test_profile_and_sources_embeds(small_engine: Engine) -> None:
    ada = small_engine.find_person("Ada")
    assert ada is not None
    profile = profile_embed(small_engine, ada)
    assert profile.title == "Ada Star"
    names = [f.name for f in profile.fields]
    assert names == ["Also known as", "Ask me (5)", "Sources"]
    max_power = small_engine.find_person("Max Power")
    assert max_power is not None
    assert "Quotes (1)" in [f.name for f in profile_embed(small_engine, max_power).fields]
    sources = sources_embed(small_engine)
    assert sources.description is not None
    assert "(5 answers)" in sources.description and "(2 answers)" in sources.description


def test_people_choices_prefer_names_that_start_with_the_text(small_engine: Engine) -> None:
    assert [c.value for c in people_choices(small_engine, "")] == ["Ada Star", "Max Power"]
    assert [c.value for c in people_choices(small_engine, "ma")] == ["Max Power"]
    assert [c.value for c in people_choices(small_engine, "power")] == ["Max Power"]
    assert people_choices(small_engine, "zzz") == []


# -- the documentation -------------------------------------------------------------------

DOCS = Path(__file__).resolve().parent.parent / "README.md"


def test_docs_list_every_setting_and_the_exact_invite() -> None:
    text = DOCS.read_text(encoding="utf-8")
    source = (Path(__file__).resolve().parent.parent / "bot" / "discord_bot" / "settings.py").read_text()
    names = set(re.findall(r'"(CELEBBOT_[A-Z_]+)"', source)) | {"DISCORD_TOKEN"}
    assert len(names) >= 12
    missing = [n for n in sorted(names) if f"`{n}`" not in text]
    assert not missing
    assert (
        invite_url(1)
        == f"https://discord.com/oauth2/authorize?client_id=1&scope=bot+applications.commands&permissions={PERMISSIONS.value}"
    )
    assert f"scope=bot+applications.commands&permissions={PERMISSIONS.value}" in text
    for command in ("/ask", "/quote", "/who", "/sources", "/help", "!ask", "@celebbot"):
        assert f"`{command}" in text
