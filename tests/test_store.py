"""Edits through the store: validated first, written whole, curated files untouched, audited, undoable."""

from __future__ import annotations

import errno
import json
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core import Engine, load_knowledge
from bot.core.loader import OVERLAY_NAME, default_knowledge_path
from bot.core.store import (
    MAX_LONG_TEXT,
    EditError,
    InvalidEdit,
    KnowledgeStore,
    WriteFailed,
    _dump_overlay,
    clean_text,
)
from bot.core.yamlnodes import load_located

SOURCE = "intouch-2021-01-kim-kanye"
CURATED = "kim-kanye.yaml"


@pytest.fixture
def kdir(tmp_path: Path) -> Path:
    folder = tmp_path / "knowledge"
    folder.mkdir()
    for file in default_knowledge_path().glob("*.yaml"):
        if file.name != OVERLAY_NAME:
            shutil.copy(file, folder / file.name)
    return folder


@pytest.fixture
def store(kdir: Path, tmp_path: Path) -> KnowledgeStore:
    return KnowledgeStore(kdir, tmp_path / "data")


def fact(**extra: str) -> dict[str, str]:
    fields = {
        "about": "kanye-west",
        "questions": "What is Kanye's favourite colour?\nWhich colour does Kanye like best?",
        "answer": "Kanye's favourite colour is beige.",
        "sources": SOURCE,
    }
    fields.update(extra)
    return fields


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_an_added_fact_answers_at_once_and_curated_files_are_untouched(
    store: KnowledgeStore, kdir: Path
) -> None:
    curated = (kdir / CURATED).read_bytes()
    result = store.add_fact(fact(), user="discord:1 (alice)")
    assert result.entry_id == "what-is-kanye-s-favourite-colour"
    answer = Engine(result.kb).ask("What is Kanye's favourite colour?")
    assert answer.entry_id == result.entry_id and "beige" in (answer.text or "")
    assert (kdir / CURATED).read_bytes() == curated
    assert load_knowledge(kdir).facts[result.entry_id].questions == (
        "What is Kanye's favourite colour?",
        "Which colour does Kanye like best?",
    )
    assert not list(kdir.glob("*.tmp"))


@pytest.mark.parametrize(
    "text",
    [
        "answer: pwned\n- id: evil\n  sources: [x]",
        "!!python/object/apply:os.system ['echo pwned']",
        "{facts: [1, 2]}",
        "&anchor *alias",
        "yes",
        "null",
        "2021-01-07",
        "- a list item",
        "# not a comment",
        "'quoted' and \"double\" and: colons",
    ],
)
def test_yaml_looking_text_is_stored_as_plain_text(store: KnowledgeStore, kdir: Path, text: str) -> None:
    result = store.add_fact(fact(id="yamlish", answer=text, questions=f"What is {text}?"), user="u")
    loaded = load_knowledge(kdir).facts["yamlish"]
    assert loaded.answer == text
    # A phrasing is one line: a line break in the field starts the next one.
    assert loaded.questions == tuple(" ".join(line.split()) for line in f"What is {text}?".split("\n"))
    assert result.kb.facts["yamlish"] == loaded


def test_a_4000_character_answer_is_refused_with_the_limit(store: KnowledgeStore, kdir: Path) -> None:
    before = snapshot(kdir)
    with pytest.raises(InvalidEdit) as info:
        store.add_fact(fact(answer="x" * 4000), user="u")
    (message,) = info.value.messages
    assert f"4000 characters long; at most {MAX_LONG_TEXT}" in message
    assert snapshot(kdir) == before | {".zz-discord-edits.lock": b""}
    store.add_fact(fact(answer="y" * MAX_LONG_TEXT), user="u")


def test_control_characters_are_removed_and_lines_become_phrasings(store: KnowledgeStore, kdir: Path) -> None:
    result = store.add_fact(
        fact(
            id="ctl",
            questions="What\x00 is Kanye's\x07 colour?\r\n\u202eWhich colour\x1b[31m?\n\n",
            answer="Beige.\x00\x08\ufeff\nReally\tbeige.",
        ),
        user="u\x00ser",
    )
    loaded = load_knowledge(kdir).facts["ctl"]
    assert loaded.questions == ("What is Kanye's colour?", "Which colour[31m?")
    assert loaded.answer == "Beige.\nReally beige."
    assert result.record.user == "user"
    assert clean_text("a\u200db") == "a\u200db"  # a zero-width joiner in an emoji is not a control


def test_everyone_is_stored_as_text(store: KnowledgeStore, kdir: Path) -> None:
    store.add_fact(fact(id="ping", answer="@everyone @here <@123> look"), user="u")
    assert load_knowledge(kdir).facts["ping"].answer == "@everyone @here <@123> look"


@pytest.mark.parametrize("taken", ["children", "kim-kardashian", SOURCE])
def test_an_id_that_exists_is_refused(store: KnowledgeStore, taken: str) -> None:
    with pytest.raises(InvalidEdit, match=f"the id '{taken}' is already used"):
        store.add_fact(fact(id=taken), user="u")


def test_an_id_added_from_discord_is_taken_too_and_made_ids_never_collide(store: KnowledgeStore) -> None:
    first = store.add_fact(fact(), user="u").entry_id
    second = store.add_fact(fact(answer="Another."), user="u").entry_id
    assert second == f"{first}-2"
    with pytest.raises(InvalidEdit, match="already used"):
        store.add_fact(fact(id=first), user="u")


def test_unknown_source_person_field_and_bad_id_are_refused_with_clear_messages(
    store: KnowledgeStore, kdir: Path
) -> None:
    before = snapshot(kdir)
    with pytest.raises(InvalidEdit) as info:
        store.add_fact(fact(sources="nope", about="nobody", id="Bad Id"), user="u")
    text = "\n".join(info.value.messages)
    assert f"unknown source 'nope'; known sources: {SOURCE}" in text
    assert "unknown person 'nobody'; known people: kanye-west" in text
    assert "id 'Bad Id' must be lower-case" in text
    with pytest.raises(InvalidEdit, match="unknown field 'colour'"):
        store.add_fact(fact(colour="beige"), user="u")
    with pytest.raises(InvalidEdit, match="'answer' is required"):
        store.add_fact(fact(answer=" \x00 "), user="u")
    with pytest.raises(InvalidEdit, match="status 'maybe' must be one of"):
        store.add_fact(fact(status="maybe"), user="u")
    assert {k: v for k, v in snapshot(kdir).items() if not k.endswith(".lock")} == before


def test_a_new_source_is_added_in_the_same_write(store: KnowledgeStore) -> None:
    result = store.add_fact(
        fact(sources=""),
        user="u",
        new_source={"title": "Kanye on Colours", "publisher": "Example Weekly", "date": "2022-03"},
    )
    new = result.kb.facts[result.entry_id]
    assert new.sources == ("example-weekly-2022-03-kanye-on-colours",)
    assert result.kb.sources[new.sources[0]].publisher == "Example Weekly"
    assert [c["section"] for c in result.record.changes] == ["sources", "facts"]


def test_a_quote_person_and_source_can_be_added(store: KnowledgeStore) -> None:
    store.add_person({"name": "North West", "aliases": "North\nNori"}, user="u")
    result = store.add_quote(
        {"speaker": "north-west", "about": "kim-kardashian", "text": "Hi mom.", "sources": SOURCE}, user="u"
    )
    assert result.kb.quotes[result.entry_id].speaker == "north-west"
    assert result.kb.people["north-west"].aliases == ("North", "Nori")


def test_editing_a_curated_fact_replaces_it_in_the_overlay_only(store: KnowledgeStore, kdir: Path) -> None:
    curated = (kdir / CURATED).read_bytes()
    result = store.edit("children", {"answer": "Four kids: North, Saint, Chicago and Psalm."}, user="u")
    assert (kdir / CURATED).read_bytes() == curated
    kb = load_knowledge(kdir)
    assert kb.facts["children"].answer == "Four kids: North, Saint, Chicago and Psalm."
    assert kb.facts["children"].questions == result.kb.facts["children"].questions
    assert len(kb.facts["children"].questions) == 5
    assert result.record.summary == "edited fact 'children' (answer)"
    (change,) = result.record.changes
    assert change["before"]["answer"].startswith("Kim and Kanye share four kids")
    # Editing it again changes the overlay's copy, not a second one.
    store.edit("children", {"status": "reported"}, user="u")
    assert (kdir / OVERLAY_NAME).read_text(encoding="utf-8").count("id: children") == 1


def test_bad_edits_are_refused(store: KnowledgeStore) -> None:
    with pytest.raises(InvalidEdit, match="no entry with the id 'nope'"):
        store.edit("nope", {"answer": "x"}, user="u")
    with pytest.raises(InvalidEdit, match="an id cannot be changed"):
        store.edit("children", {"id": "kids"}, user="u")
    with pytest.raises(InvalidEdit, match="'answer' is required"):
        store.edit("children", {"answer": None}, user="u")
    with pytest.raises(InvalidEdit, match="nothing to change"):
        store.edit("grammys", {"answer": "Kanye West is a 21-time Grammy winner."}, user="u")
    with pytest.raises(InvalidEdit, match="nothing to change"):
        store.edit("grammys", {"status": "confirmed"}, user="u")  # the default status


def test_removing_curated_and_added_entries(store: KnowledgeStore, kdir: Path) -> None:
    store.remove("grammys", user="u")
    added = store.add_fact(fact(), user="u").entry_id
    store.remove(added, user="u")
    kb = load_knowledge(kdir)
    assert "grammys" not in kb.facts and added not in kb.facts
    assert Engine(kb).ask("How many Grammys has Kanye won?").entry_id != "grammys"
    overlay = (kdir / OVERLAY_NAME).read_text(encoding="utf-8")
    assert "removed:\n- grammys\n" in overlay and added not in overlay
    with pytest.raises(InvalidEdit, match="no entry with the id 'grammys'"):
        store.remove("grammys", user="u")


def test_removing_a_source_or_person_still_used_names_the_users(store: KnowledgeStore) -> None:
    with pytest.raises(InvalidEdit, match=f"source '{SOURCE}' is still used by fact 'divorce-rumors-began'"):
        store.remove(SOURCE, user="u")
    with pytest.raises(InvalidEdit, match="person 'kanye-west' is still used by"):
        store.remove("kanye-west", user="u")


def test_history_and_undo_of_each_kind_of_edit(store: KnowledgeStore, kdir: Path) -> None:
    original = load_knowledge(kdir)
    added = store.add_fact(fact(), user="alice").entry_id
    store.edit("children", {"answer": "Four."}, user="bob")
    store.remove("grammys", user="carol")
    history = store.history()
    assert [(r.seq, r.user, r.action) for r in history] == [
        (3, "carol", "remove"),
        (2, "bob", "edit"),
        (1, "alice", "add-fact"),
    ]
    assert history[0].time.endswith("Z")
    undone = store.undo(user="dave")
    assert undone.record.undoes == 3 and "grammys" in undone.kb.facts
    assert store.undo(user="dave").kb.facts["children"].answer == original.facts["children"].answer
    assert added not in store.undo(user="dave").kb.facts
    with pytest.raises(InvalidEdit, match="no edit to undo"):
        store.undo(user="dave")
    final = load_knowledge(kdir)
    assert final.facts == original.facts and final.sources == original.sources
    assert [r.action for r in store.history(limit=4)] == ["undo"] * 3 + ["remove"]


def test_undo_of_a_confirmed_edit_refuses_when_another_became_the_latest(store: KnowledgeStore) -> None:
    store.edit("children", {"answer": "Four."}, user="u")
    shown = store.undo_target()
    assert shown is not None and shown.seq == 1
    store.remove("grammys", user="v")  # made while the first curator was looking at edit #1
    with pytest.raises(InvalidEdit, match="the latest edit is now #2, not #1"):
        store.undo(user="u", expected=1)
    assert "grammys" not in store.knowledge().facts and [r.seq for r in store.history()] == [2, 1]
    assert store.undo(user="u", expected=2).record.undoes == 2


def test_undo_refuses_when_the_entry_changed_since(store: KnowledgeStore, kdir: Path) -> None:
    store.edit("children", {"answer": "Four."}, user="u")
    overlay = kdir / OVERLAY_NAME
    overlay.write_text(overlay.read_text(encoding="utf-8").replace("Four.", "Five."), encoding="utf-8")
    with pytest.raises(InvalidEdit, match="'children' has changed since edit #1"):
        store.undo(user="u")


def test_a_torn_last_audit_line_is_skipped(store: KnowledgeStore) -> None:
    store.add_fact(fact(), user="u")
    with open(store.audit_path, "a", encoding="utf-8") as log:
        log.write('{"seq": 2, "time": "2026-')
    assert [r.seq for r in store.history()] == [1]
    assert store.add_fact(fact(answer="Again."), user="u").record.seq == 2


def test_an_unreadable_audit_log_stops_the_edit_before_anything_is_written(
    kdir: Path, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    with pytest.raises(WriteFailed, match="cannot read the audit log"):
        KnowledgeStore(kdir, blocker).add_fact(fact(), user="u")
    assert not (kdir / OVERLAY_NAME).exists()


def test_a_failed_audit_append_keeps_the_edit_and_says_so(
    store: KnowledgeStore, kdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(record: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store, "_append_audit", full)
    result = store.add_fact(fact(), user="u")
    assert result.entry_id in load_knowledge(kdir).facts
    assert result.warnings == (
        "the edit was saved, but the audit log could not be written: the disk is full",
    )


def test_invalid_curated_knowledge_refuses_edits_with_file_and_line(
    store: KnowledgeStore, kdir: Path
) -> None:
    (kdir / "broken.yaml").write_text("facts:\n  - id: x\n    answer: y\n", encoding="utf-8")
    with pytest.raises(InvalidEdit) as info:
        store.add_fact(fact(), user="u")
    assert info.value.messages[0].startswith("the knowledge does not load now")
    assert any(m.startswith(f"{kdir / 'broken.yaml'}:2:") for m in info.value.messages)


def test_a_read_only_overlay_is_a_clear_error_and_nothing_is_lost(store: KnowledgeStore, kdir: Path) -> None:
    first = store.add_fact(fact(), user="u").entry_id
    overlay = kdir / OVERLAY_NAME
    overlay.chmod(0o444)
    before = overlay.read_bytes()
    try:
        with pytest.raises(WriteFailed, match="is read-only; nothing was changed"):
            store.add_fact(fact(answer="Second."), user="u")
    finally:
        overlay.chmod(0o644)
    assert overlay.read_bytes() == before
    assert first in load_knowledge(kdir).facts
    assert len(store.history()) == 1


def test_a_full_disk_mid_write_leaves_the_old_file_and_no_temporary(kdir: Path, tmp_path: Path) -> None:
    KnowledgeStore(kdir, tmp_path / "data").add_fact(fact(), user="u")
    before = snapshot(kdir)

    def disk_full(step: str) -> None:
        if step == "write":
            raise OSError(errno.ENOSPC, "No space left on device")

    store = KnowledgeStore(kdir, tmp_path / "data", fault=disk_full)
    with pytest.raises(WriteFailed) as info:
        store.add_fact(fact(answer="Second."), user="u")
    assert "the disk is full; nothing was changed" in str(info.value)
    assert snapshot(kdir) == before
    assert len(store.history()) == 1


def test_edit_errors_share_a_base_class() -> None:
    assert issubclass(InvalidEdit, EditError) and issubclass(WriteFailed, EditError)
    assert json.dumps(EditError(["a", "b"]).messages) == '["a", "b"]'


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200), st.booleans())
def test_any_cleaned_text_survives_the_overlay_round_trip(text: str, multiline: bool) -> None:
    cleaned = clean_text(text, multiline=multiline)
    doc = load_located(_dump_overlay({"facts": [{"id": "f", "answer": cleaned, "questions": [cleaned]}]}))
    assert isinstance(doc, dict)
    (entry,) = doc["facts"]
    assert entry["answer"] == cleaned and entry["questions"] == [cleaned]


def test_read_only_curated_files_do_not_matter_the_bot_never_writes_them(
    store: KnowledgeStore, kdir: Path
) -> None:
    curated = kdir / CURATED
    curated.chmod(0o444)
    try:
        result = store.edit("children", {"answer": "Four."}, user="u")
    finally:
        curated.chmod(0o644)
    assert result.kb.facts["children"].answer == "Four."


@pytest.mark.parametrize("code", [errno.EROFS, errno.EACCES])
def test_a_read_only_folder_or_file_system_is_a_clear_error(kdir: Path, tmp_path: Path, code: int) -> None:
    def refuse(step: str) -> None:
        if step == "create":
            raise OSError(code, os.strerror(code))

    before = snapshot(kdir)
    with pytest.raises(WriteFailed, match=f"could not write .*{OVERLAY_NAME}: .*; nothing was changed"):
        KnowledgeStore(kdir, tmp_path / "data", fault=refuse).add_fact(fact(), user="u")
    assert {k: v for k, v in snapshot(kdir).items() if not k.endswith(".lock")} == before
    assert not (tmp_path / "data" / "audit.jsonl").exists()
