"""Live reload: a change is noticed, built off the event loop and swapped in; an invalid one never is."""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path

import pytest

from bot.core import Engine, KnowledgeError, Problem, load_knowledge
from bot.core.reload import Reloader, signature
from bot.core.store import KnowledgeStore

BASE = """\
sources: [{id: s, title: T, publisher: P}]
people: [{id: jane, name: Jane Doe, aliases: [Jane]}]
facts:
  - id: home
    about: [jane]
    questions: [Where does Jane live?]
    answer: In Paris.
    sources: [s]
"""
MORE = (
    BASE
    + """\
  - id: pet
    about: [jane]
    questions: [What pet does Jane have?]
    answer: A cat called Mo.
    sources: [s]
"""
)
BROKEN = BASE + "  - id: pet\n    questions: [What pet does Jane have?]\n    sources: [nope]\n"

_tick = [1_700_000_000_000_000_000]


def save(path: Path, text: str) -> None:
    """Write like an editor does, each save with a later modification time."""
    path.write_text(text, encoding="utf-8")
    _tick[0] += 1_000_000_000
    os.utime(path, ns=(_tick[0], _tick[0]))


@pytest.fixture
def kdir(tmp_path: Path) -> Path:
    folder = tmp_path / "knowledge"
    folder.mkdir()
    save(folder / "a.yaml", BASE)
    return folder


def test_nothing_changed_nothing_rebuilt(kdir: Path) -> None:
    builds: list[Path] = []

    def build(path: Path) -> Engine:
        builds.append(path)
        return Engine(load_knowledge(path))

    reloader = Reloader(kdir, build=build)
    first = reloader.engine
    assert reloader.check_now().status == "unchanged"
    assert reloader.engine is first and len(builds) == 1


def test_a_valid_change_is_swapped_in(kdir: Path) -> None:
    reloaded: list[Engine] = []
    reloader = Reloader(kdir, on_reload=reloaded.append)
    assert not reloader.engine.ask("What pet does Jane have?").answered
    save(kdir / "a.yaml", MORE)
    result = reloader.check_now()
    assert result.status == "reloaded" and reloaded == [reloader.engine] == [result.engine]
    assert reloader.engine.ask("What pet does Jane have?").entry_id == "pet"


def test_an_invalid_change_keeps_the_last_good_engine_and_reports_once(kdir: Path) -> None:
    errors: list[list[Problem]] = []
    reloader = Reloader(kdir, on_error=errors.append)
    good = reloader.engine
    save(kdir / "a.yaml", BROKEN)
    result = reloader.check_now()
    assert result.status == "invalid" and reloader.engine is good
    assert {str(p) for p in errors[0]} == {
        f"{kdir / 'a.yaml'}:9: 'answer' is required and must not be empty",
        f"{kdir / 'a.yaml'}:11: fact 'pet' refers to unknown source 'nope'",
    }
    assert reloader.check_now().status == "unchanged" and len(errors) == 1
    assert reloader.problems == result.problems
    assert reloader.check_now(force=True).status == "invalid" and len(errors) == 2
    save(kdir / "a.yaml", MORE)
    assert reloader.check_now().status == "reloaded" and reloader.problems == ()


def test_added_and_removed_files_are_changes(kdir: Path) -> None:
    reloader = Reloader(kdir)
    before = signature(kdir)
    save(kdir / "b.yaml", "people: [{id: joe, name: Joe Bloggs}]\n")
    assert signature(kdir) != before
    assert reloader.check_now().status == "reloaded" and "joe" in reloader.engine.kb.people
    (kdir / "b.yaml").unlink()
    assert reloader.check_now().status == "reloaded" and "joe" not in reloader.engine.kb.people
    (kdir / "notes.txt").write_text("not knowledge", encoding="utf-8")
    assert reloader.check_now().status == "unchanged"


def test_an_unexpected_build_error_keeps_the_last_good_engine(kdir: Path) -> None:
    calls = [0]

    def build(path: Path) -> Engine:
        calls[0] += 1
        if calls[0] > 1:
            raise MemoryError("out of memory")
        return Engine(load_knowledge(path))

    reloader = Reloader(kdir, build=build)
    good = reloader.engine
    save(kdir / "a.yaml", MORE)
    result = reloader.check_now()
    assert result.status == "invalid" and reloader.engine is good
    assert "could not build the knowledge: MemoryError" in result.problems[0].message


def test_invalid_knowledge_at_start_is_an_error(kdir: Path) -> None:
    save(kdir / "a.yaml", BROKEN)
    with pytest.raises(KnowledgeError):
        Reloader(kdir)


async def test_check_builds_in_a_worker_thread_and_calls_back_on_the_loop(kdir: Path) -> None:
    loop_thread = threading.get_ident()
    build_threads: list[int] = []
    callback_threads: list[int] = []

    def build(path: Path) -> Engine:
        build_threads.append(threading.get_ident())
        return Engine(load_knowledge(path))

    async def on_reload(engine: Engine) -> None:
        callback_threads.append(threading.get_ident())

    reloader = Reloader(kdir, build=build, on_reload=on_reload)
    assert (await reloader.check()).status == "unchanged"
    save(kdir / "a.yaml", MORE)
    assert (await reloader.check()).status == "reloaded"
    assert build_threads[-1] != loop_thread and callback_threads == [loop_thread]
    assert (await reloader.check(force=True)).status == "reloaded"


async def test_watch_notices_a_change_and_survives_a_failing_callback(kdir: Path) -> None:
    seen = asyncio.Event()
    calls: list[str] = []

    def on_reload(engine: Engine) -> None:
        calls.append("reload")
        seen.set()
        raise RuntimeError("the admin channel is gone")

    reloader = Reloader(kdir, on_reload=on_reload)
    task = asyncio.create_task(reloader.watch(interval=0.01))
    try:
        save(kdir / "a.yaml", MORE)
        await asyncio.wait_for(seen.wait(), timeout=10)
        seen.clear()
        save(kdir / "a.yaml", BASE)
        await asyncio.wait_for(seen.wait(), timeout=10)
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert calls == ["reload", "reload"]
    assert not reloader.engine.ask("What pet does Jane have?").answered


async def test_an_edit_through_the_store_answers_after_the_next_check(kdir: Path, tmp_path: Path) -> None:
    reloader = Reloader(kdir)
    store = KnowledgeStore(kdir, tmp_path / "data")
    fields = {"about": "jane", "questions": "What pet does Jane have?", "answer": "A cat.", "sources": "s"}
    await asyncio.to_thread(store.add_fact, fields, user="u")
    assert (await reloader.check()).status == "reloaded"
    assert reloader.engine.ask("What pet does Jane have?").text == "A cat."
