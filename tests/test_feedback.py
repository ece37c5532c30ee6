"""Gaps and feedback: declined questions counted under one form, votes tallied, safe across processes."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

import pytest

from bot.core import Engine, load_knowledge
from bot.core.feedback import FEEDBACK_NAME, MAX_QUESTION, Feedback, VoteTally, normalize_question


@pytest.fixture
def fb(tmp_path: Path) -> Feedback:
    return Feedback(tmp_path / "data")


def test_declined_questions_are_counted_whatever_their_case_and_spacing(fb: Feedback) -> None:
    assert fb.record_declined("Who is Kim's dog?") == 1
    assert fb.record_declined("  who is KIM’S   dog ") == 2
    assert fb.record_declined("WHO IS KIM'S DOG??") == 3
    assert fb.record_declined("Where does Kanye live?") == 1
    assert fb.record_declined(" \x00?! ") == 0
    gaps = fb.top_unanswered()
    assert [(g.question, g.count) for g in gaps] == [("Who is Kim's dog?", 3), ("Where does Kanye live?", 1)]
    assert gaps[0].first_seen <= gaps[0].last_seen


def test_normalisation_keeps_words_apart() -> None:
    assert normalize_question("When did KIM meet\tKanye?") == "when did kim meet kanye"
    assert normalize_question("Kim's kids?") != normalize_question("Kim kids?")
    assert len(normalize_question("x" * 5000)) == MAX_QUESTION


def test_the_database_is_in_wal_mode_in_the_data_folder(fb: Feedback, tmp_path: Path) -> None:
    fb.record_declined("anything")
    assert fb.path == tmp_path / "data" / FEEDBACK_NAME
    with sqlite3.connect(fb.path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_limit_and_the_still_unanswered_filter(fb: Feedback) -> None:
    engine = Engine(load_knowledge())
    for _ in range(3):
        fb.record_declined("How many kids do Kim and Kanye have?")  # answered now
    for n in range(12):
        fb.record_declined(f"What is Kanye's favourite number {n}?")
    fb.record_declined("What is Kanye's favourite number 0?")
    gaps = fb.top_unanswered(limit=2, still_unanswered=lambda q: not engine.ask(q).answered)
    assert gaps[0].question == "What is Kanye's favourite number 0?" and gaps[0].count == 2
    assert "favourite number" in gaps[1].question and gaps[1].count == 1
    assert len(fb.top_unanswered(limit=50)) == 13
    assert fb.forget_declined("what is kanye's favourite number 0") is True
    assert fb.forget_declined("never asked") is False
    assert all(g.count == 1 for g in fb.top_unanswered(limit=50) if "number" in g.question)


def test_votes_one_per_person_anonymous_ones_all_count(fb: Feedback) -> None:
    fb.record_vote("children", False, user_id="1", question="How many kids?")
    fb.record_vote("children", False, user_id="1")
    fb.record_vote("children", True, user_id="2")
    fb.record_vote("grammys", False)
    fb.record_vote("grammys", False)
    fb.record_vote("grammys", False, user_id="1")
    fb.record_vote("first-met", True)
    assert fb.tally("children") == VoteTally("children", 1, 1)
    fb.record_vote("children", True, user_id="1")  # changed their mind
    assert fb.tally("children") == VoteTally("children", 2, 0)
    assert fb.most_downvoted() == [VoteTally("grammys", 0, 3)]
    assert fb.tally("nothing") == VoteTally("nothing", 0, 0)


def test_most_downvoted_orders_by_down_votes_then_fewest_up_votes(fb: Feedback) -> None:
    for entry, ups, downs in [("a", 5, 2), ("b", 0, 2), ("c", 0, 4)]:
        for _ in range(ups):
            fb.record_vote(entry, True)
        for _ in range(downs):
            fb.record_vote(entry, False)
    assert [t.entry_id for t in fb.most_downvoted()] == ["c", "b", "a"]
    assert fb.most_downvoted(limit=1) == [VoteTally("c", 0, 4)]


def _ask_many(data: str, count: int) -> None:
    feedback = Feedback(data)
    for _ in range(count):
        feedback.record_declined("Who is Kim's dog?")
        feedback.record_vote("children", False)


def test_processes_recording_at_once_lose_no_count(tmp_path: Path) -> None:
    data = tmp_path / "data"
    Feedback(data).record_declined("warm up")
    fork = multiprocessing.get_context("fork")
    procs = [fork.Process(target=_ask_many, args=(str(data), 25)) for _ in range(3)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join()
        assert proc.exitcode == 0
    fb = Feedback(data)
    assert fb.top_unanswered(limit=1)[0].count == 75
    assert fb.tally("children").down == 75


def test_stored_questions_are_cleaned_and_bounded(fb: Feedback) -> None:
    fb.record_declined("Who\x00 is\n\nKim?\u202e" + "x" * 1000)
    (gap,) = fb.top_unanswered()
    assert gap.question.startswith("Who is Kim?") and len(gap.question) == MAX_QUESTION
