"""Writes under failure: a crash at every step leaves the old or the new file whole; writers take turns."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bot.core import KnowledgeBase, load_knowledge
from bot.core.loader import OVERLAY_NAME, default_knowledge_path
from bot.core.store import WRITE_STEPS, KnowledgeStore

SOURCE = "intouch-2021-01-kim-kanye"
_fork = multiprocessing.get_context("fork")


@pytest.fixture
def kdir(tmp_path: Path) -> Path:
    folder = tmp_path / "knowledge"
    folder.mkdir()
    for file in default_knowledge_path().glob("*.yaml"):
        if file.name != OVERLAY_NAME:
            shutil.copy(file, folder / file.name)
    return folder


def fact(fid: str) -> dict[str, str]:
    return {
        "id": fid,
        "about": "kanye-west",
        "questions": f"What does Kanye think of {fid}?",
        "answer": f"Kanye likes {fid}. " * 20,
        "sources": SOURCE,
    }


def old_or_new(kdir: Path, before: bytes, new_id: str) -> KnowledgeBase:
    """The knowledge loads, and the overlay is byte for byte the old one or whole with the new fact."""
    kb = load_knowledge(kdir)
    after = (kdir / OVERLAY_NAME).read_bytes()
    if new_id in kb.facts:
        assert kb.facts[new_id].answer == fact(new_id)["answer"].strip()
    else:
        assert after == before
    assert "first" in kb.facts
    return kb


def test_the_fault_hook_sees_every_step_in_order(kdir: Path, tmp_path: Path) -> None:
    seen: list[str] = []
    KnowledgeStore(kdir, tmp_path / "data", fault=seen.append).add_fact(fact("first"), user="u")
    assert tuple(seen) == WRITE_STEPS


@pytest.mark.parametrize("step", WRITE_STEPS)
def test_an_exception_at_any_step_leaves_a_whole_file_and_no_temporary(
    kdir: Path, tmp_path: Path, step: str
) -> None:
    KnowledgeStore(kdir, tmp_path / "data").add_fact(fact("first"), user="u")
    before = (kdir / OVERLAY_NAME).read_bytes()

    def crash(at: str) -> None:
        if at == step:
            raise RuntimeError(f"crash at {at}")

    with pytest.raises(RuntimeError, match=f"crash at {step}"):
        KnowledgeStore(kdir, tmp_path / "data", fault=crash).add_fact(fact("second"), user="u")
    kb = old_or_new(kdir, before, "second")
    assert ("second" in kb.facts) == (step == "fsync-dir")
    assert not list(kdir.glob(".*.tmp"))


def _crash_in_child(kdir: str, data: str, step: str) -> None:
    def die(at: str) -> None:
        if at == step:
            os._exit(17)  # no clean-up, no finally blocks: like a power cut or kill -9

    KnowledgeStore(kdir, data, fault=die).add_fact(fact("second"), user="u")


@pytest.mark.parametrize("step", WRITE_STEPS)
def test_a_process_killed_at_any_step_leaves_a_whole_file(kdir: Path, tmp_path: Path, step: str) -> None:
    data = tmp_path / "data"
    store = KnowledgeStore(kdir, data)
    store.add_fact(fact("first"), user="u")
    before = (kdir / OVERLAY_NAME).read_bytes()
    child = _fork.Process(target=_crash_in_child, args=(str(kdir), str(data), step))
    child.start()
    child.join()
    assert child.exitcode == 17
    old_or_new(kdir, before, "second")
    # The dead writer's lock is gone with it, and its temporary file is cleaned by the next write.
    store.add_fact(fact("third"), user="u")
    assert "third" in load_knowledge(kdir).facts
    assert not list(kdir.glob(".*.tmp"))


def _add_many(kdir: str, data: str, worker: int, start: threading.Barrier | None, count: int) -> None:
    if start is not None:
        start.wait()
    store = KnowledgeStore(kdir, data)
    for n in range(count):
        store.add_fact(fact(f"w{worker}-{n}"), user=f"worker {worker}")


def test_processes_editing_at_once_all_land_and_readers_never_see_a_torn_file(
    kdir: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    KnowledgeStore(kdir, data).add_fact(fact("first"), user="u")
    workers, count = 4, 3
    barrier = _fork.Barrier(workers)
    procs = [
        _fork.Process(target=_add_many, args=(str(kdir), str(data), w, barrier, count))
        for w in range(workers)
    ]
    for proc in procs:
        proc.start()
    while any(proc.is_alive() for proc in procs):
        load_knowledge(kdir)  # raises if a reader ever sees a torn or half-written overlay
    for proc in procs:
        proc.join()
        assert proc.exitcode == 0
    kb = load_knowledge(kdir)
    assert {f"w{w}-{n}" for w in range(workers) for n in range(count)} <= set(kb.facts)
    records = KnowledgeStore(kdir, data).history(limit=100)
    assert sorted(r.seq for r in records) == list(range(1, workers * count + 2))


def test_threads_editing_at_once_all_land(kdir: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    with ThreadPoolExecutor(4) as pool:
        for future in [pool.submit(_add_many, str(kdir), str(data), w, None, 3) for w in range(4)]:
            future.result()
    kb = load_knowledge(kdir)
    assert {f"w{w}-{n}" for w in range(4) for n in range(3)} <= set(kb.facts)
    assert len(KnowledgeStore(kdir, data).history(limit=100)) == 12
