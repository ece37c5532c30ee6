"""The command line: readable answers, the JSON contract, batches in order, kb check, chat."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main

FIELDS = {"question", "answered", "answer", "citations", "fact_id", "score", "suggestions"}


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_ask_prints_the_answer_and_its_source(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["ask", "When did Kim and Kanye meet?"], capsys)
    assert code == 0
    assert "2003" in out and "Source:" in out and "In Touch Weekly" in out


def test_ask_json_contract(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["ask", "--json", "How many Grammys has Kanye won?"], capsys)
    data = json.loads(out)
    assert code == 0 and set(data) >= FIELDS
    assert data["answered"] is True and "21" in data["answer"]
    assert data["citations"][0]["publisher"] == "In Touch Weekly"


def test_batch_from_a_file_keeps_order_and_count(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    questions = ["hello", "How many kids do Kim and Kanye have?", "", "Who is the Stronger rapper?"]
    batch = tmp_path / "q.txt"
    batch.write_text("\n".join(questions) + "\n", encoding="utf-8")
    code, out, _ = run(["ask", "--json", "--batch", str(batch)], capsys)
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert [r["question"] for r in rows] == questions
    assert [r["answered"] for r in rows] == [False, True, False, True]


def test_batch_from_stdin_through_the_console_script() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--json", "--batch", "-"],
        input="when did kim meet kanye\nzzzz\n",
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=True,
    )
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["answered"] for r in rows] == [True, False]


def test_ask_without_a_question_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["ask"], capsys)
    assert code == 2 and "give a QUESTION" in err
    code, _, err = run(["ask", "--batch", "/nonexistent/file"], capsys)
    assert code == 2 and "no such file" in err


def test_kb_check_valid_and_invalid(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["kb", "check"], capsys)
    assert code == 0 and "valid" in out
    bad = tmp_path / "bad.yaml"
    bad.write_text("sources:\n  - id: s\n    title: T\nfacts:\n  - id: f\n    answer: x\n", encoding="utf-8")
    code, _, err = run(["kb", "check", str(bad)], capsys)
    assert code == 1
    assert f"{bad}:3: 'publisher' is required" in err or f"{bad}:2: 'publisher' is required" in err
    assert f"{bad}:5:" in err


def test_knowledge_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "k.yaml").write_text(
        "sources: [{id: s, title: T, publisher: P}]\n"
        "people: [{id: jane, name: Jane Doe}]\n"
        "facts: [{id: f, about: [jane], questions: [Where does Jane Doe live?],"
        " answer: In Paris., sources: [s]}]\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("CELEBBOT_KNOWLEDGE", str(tmp_path))
    code, out, _ = run(["ask", "where does jane doe live"], capsys)
    assert code == 0 and "In Paris." in out
    code, out, _ = run(["--knowledge", str(tmp_path / "missing"), "ask", "x"], capsys)
    assert code == 1


def test_chat_answers_and_follows_a_suggestion_by_number() -> None:
    from bot.cli import build_parser, cmd_chat

    lines = iter(["When did Kanye West win his first Grammy?", "1", "quit"])
    out = io.StringIO()
    code = cmd_chat(build_parser().parse_args(["chat"]), out, io.StringIO(), read=lambda _: next(lines))
    text = out.getvalue()
    assert code == 0
    assert "I don't know that yet." in text and "1. " in text
    assert text.count("Source:") == 1  # the suggestion picked by number was answered, with its source
