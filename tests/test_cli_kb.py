"""The kb commands: check with warnings, history, undo, gaps; data from --data or $CELEBBOT_DATA."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bot.cli import main
from bot.core.feedback import Feedback
from bot.core.loader import OVERLAY_NAME, default_knowledge_path
from bot.core.store import KnowledgeStore

SOURCE = "intouch-2021-01-kim-kanye"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def kdir(tmp_path: Path) -> Path:
    folder = tmp_path / "knowledge"
    folder.mkdir()
    for file in default_knowledge_path().glob("*.yaml"):
        if file.name != OVERLAY_NAME:
            shutil.copy(file, folder / file.name)
    return folder


def test_check_prints_warnings_and_still_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "k.yaml").write_text(
        "sources: [{id: s, title: T, publisher: P}, {id: unused, title: U, publisher: P}]\n"
        "people: [{id: jane, name: Jane Doe}]\n"
        "facts: [{id: f, about: [jane], questions: [Where does Jane Doe live?],"
        " answer: In Paris., sources: [s]}]\n",
        encoding="utf-8",
    )
    code, out, err = run(["kb", "check", str(tmp_path)], capsys)
    assert code == 0 and err == ""
    assert f"{tmp_path / 'k.yaml'}:1: warning: source 'unused' is never cited" in out
    assert out.endswith("1 warning\n")


def test_check_of_the_shipped_knowledge_is_valid(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["kb", "check", "--quick"], capsys)
    assert code == 0 and ": valid: " in out
    assert "never cited" not in out and "has no facts" not in out


def test_history_and_undo(kdir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    base = ["--knowledge", str(kdir), "kb"]
    code, out, _ = run([*base, "history", "--data", str(data)], capsys)
    assert code == 0 and out.startswith("no edits recorded")
    store = KnowledgeStore(kdir, data)
    store.edit("grammys", {"answer": "Twenty-one."}, user="discord:1 (alice)")
    code, out, _ = run([*base, "history", "--data", str(data), "-v"], capsys)
    assert code == 0
    assert "#1 " in out and "discord:1 (alice): edited fact 'grammys' (answer)" in out
    assert "grammys.answer: 'Kanye West is a 21-time Grammy winner.' -> 'Twenty-one.'" in out
    code, out, _ = run([*base, "undo", "--data", str(data), "--user", "bob"], capsys)
    assert code == 0 and "bob: undid #1" in out
    assert store.knowledge().facts["grammys"].answer == "Kanye West is a 21-time Grammy winner."
    code, _, err = run([*base, "undo", "--data", str(data)], capsys)
    assert code == 1 and "there is no edit to undo" in err
    code, out, _ = run([*base, "history", "--data", str(data), "--json", "--limit", "1"], capsys)
    (row,) = [json.loads(line) for line in out.splitlines()]
    assert row["action"] == "undo" and row["undoes"] == 1 and row["user"] == "bob"


def test_data_folder_from_the_environment(
    kdir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "env-data"
    KnowledgeStore(kdir, data).remove("grammys", user="carol")
    monkeypatch.setenv("CELEBBOT_DATA", str(data))
    monkeypatch.setenv("CELEBBOT_KNOWLEDGE", str(kdir))
    code, out, _ = run(["kb", "history"], capsys)
    assert code == 0 and "carol: removed fact 'grammys'" in out


def test_gaps_lists_unanswered_questions_and_down_voted_answers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    code, out, _ = run(["kb", "gaps", "--data", str(data)], capsys)
    assert code == 0 and out.startswith("no feedback recorded yet")
    assert not data.exists()
    fb = Feedback(data)
    for _ in range(3):
        fb.record_declined("Who is Kim's dog?")
    fb.record_declined("where does kanye live")
    fb.record_declined("How many kids do Kim and Kanye have?")  # answered by the knowledge now
    fb.record_vote("grammys", False, user_id="1")
    fb.record_vote("grammys", False, user_id="2")
    fb.record_vote("gone-fact", False)
    code, out, _ = run(["kb", "gaps", "--data", str(data)], capsys)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Most-asked unanswered questions:"
    assert lines[1].split("  (")[0].split() == ["3", "Who", "is", "Kim's", "dog?"]
    assert "where does kanye live" in lines[2]
    assert "How many kids" not in out
    assert lines[3] == "Most down-voted answers:"
    assert lines[4].split() == [
        "2",
        "down",
        "0",
        "up",
        "grammys",
        "How",
        "many",
        "Grammys",
        "has",
        "Kanye",
        "won?",
    ]
    assert lines[5].endswith("gone-fact  (no longer in the knowledge)")
    code, out, _ = run(["kb", "gaps", "--data", str(data), "--all", "--limit", "5"], capsys)
    assert "How many kids" in out
