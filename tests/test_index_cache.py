"""The index and its cache: same answers as a full scan; a stale or corrupt cache is rebuilt."""

from __future__ import annotations

import logging
import random
from pathlib import Path

import pytest

from bot.core import Engine, default_knowledge_path, load_knowledge
from bot.core.cache import CACHE_FORMAT, cache_path, load_engine

FIRST = ["Ava", "Liam", "Mia", "Noah", "Zoe", "Eli", "Ivy", "Leo"]
LAST = ["Stone", "Vale", "Cross", "Frost", "Lark", "Moss"]
TOPICS = [
    ("When was {n} born?", "{n} was born in {y}."),
    ("Where did {n} grow up?", "{n} grew up in Town{k}."),
    ("What award did {n} win?", "{n} won the Prize{k} in {y}."),
    ("How many kids does {n} have?", "{n} has {c} kids."),
]


def synthetic(folder: Path, n: int, seed: int = 7) -> Path:
    rng = random.Random(seed)
    people = [(f"p{i}", f"{FIRST[i % 8]} {LAST[(i // 8) % 6]}{i}") for i in range(max(4, n // 8))]
    lines = ["sources:\n  - {id: s, title: T, publisher: P}\npeople:\n"]
    lines += [f"  - {{id: {pid}, name: {name}}}\n" for pid, name in people]
    lines.append("facts:\n")
    for i in range(n):
        pid, name = rng.choice(people)
        q, a = rng.choice(TOPICS)
        kw = {"n": name, "y": rng.randint(1950, 2020), "k": rng.randint(1, 999), "c": rng.randint(1, 9)}
        lines.append(
            f"  - {{id: f{i}, about: [{pid}], questions: ['{q.format(**kw)}'], answer: '{a.format(**kw)}',"
            " sources: [s]}\n"
        )
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "k.yaml").write_text("".join(lines), encoding="utf-8")
    (folder / "synonyms.yaml").write_text(
        (default_knowledge_path() / "synonyms.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    return folder


def questions_for(engine: Engine, rng: random.Random) -> list[str]:
    phrasings = [q for f in engine.kb.facts.values() for q in f.questions]
    picked = rng.sample(phrasings, min(40, len(phrasings)))
    typos = [p.replace("e", "", 1) for p in picked[:10]]
    odd = ["when was somebody born", "kids", "prize", "where did they grow up in 1990", "hello"]
    return picked + typos + odd


@pytest.mark.parametrize("kind", ["shipped", "synthetic"])
@pytest.mark.parametrize("pool", [300, 5])
def test_index_answers_like_a_full_scan(
    kind: str, pool: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A small pool makes the index prune even among one person's entries.
    monkeypatch.setattr("bot.core.engine.MAX_CANDIDATES", pool)
    kb = load_knowledge() if kind == "shipped" else load_knowledge(synthetic(tmp_path, 400))
    engine = Engine(kb)
    answered = 0
    for question in questions_for(engine, random.Random(3)):
        fast, slow = engine.ask(question), engine.ask(question, exhaustive=True)
        assert (fast.answered, fast.entry_id) == (slow.answered, slow.entry_id), question
        answered += fast.answered
    assert answered >= 20  # the comparison covered real answers, not only declines


def test_cache_is_written_then_used(tmp_path: Path) -> None:
    knowledge = synthetic(tmp_path / "k", 50)
    first = load_engine(knowledge, tmp_path / "cache")
    (cached,) = (tmp_path / "cache").glob("index-*.bin")
    second = load_engine(knowledge, tmp_path / "cache")
    assert second.kb == first.kb
    assert second.index.dump() == first.index.dump()
    for q in ["When was Ava Stone0 born?", "how many kids does liam stone1 have", "zzz"]:
        assert second.ask(q) == first.ask(q)
    assert cached.exists()


def test_a_changed_knowledge_file_is_not_answered_from_the_old_cache(tmp_path: Path) -> None:
    knowledge = synthetic(tmp_path / "k", 50)
    load_engine(knowledge, tmp_path / "cache")
    text = (knowledge / "k.yaml").read_text(encoding="utf-8").replace("was born in", "arrived in")
    (knowledge / "k.yaml").write_text(text, encoding="utf-8")
    engine = load_engine(knowledge, tmp_path / "cache")
    assert all("was born in" not in f.answer for f in engine.kb.facts.values())
    assert len(list((tmp_path / "cache").glob("index-*.bin"))) == 1  # the stale one is gone


@pytest.mark.parametrize(
    "damage",
    [
        lambda b: b[: len(b) // 2],  # torn
        lambda b: b[:-10] + b"0123456789",  # flipped bytes
        lambda b: b"garbage",  # not a cache at all
        lambda b: b.replace(f'"format": {CACHE_FORMAT}'.encode(), b'"format": 0'),  # another format
        lambda b: b"",
    ],
)
def test_a_corrupt_or_stale_cache_is_rebuilt(
    tmp_path: Path, damage: object, caplog: pytest.LogCaptureFixture
) -> None:
    knowledge = synthetic(tmp_path / "k", 30)
    good = load_engine(knowledge, tmp_path / "cache")
    path = cache_path(tmp_path / "cache", good.kb.digest)
    assert callable(damage)
    path.write_bytes(damage(path.read_bytes()))
    with caplog.at_level(logging.INFO, logger="bot.core.cache"):
        again = load_engine(knowledge, tmp_path / "cache")
    assert again.kb == good.kb and again.ask("When was Ava Stone0 born?") == good.ask(
        "When was Ava Stone0 born?"
    )
    assert path.read_bytes().startswith(b"celebbot-index\n") and len(path.read_bytes()) > 100
    assert caplog.records  # the rebuild was logged


def test_an_invalid_knowledge_file_is_never_served_from_cache(tmp_path: Path) -> None:
    knowledge = synthetic(tmp_path / "k", 20)
    load_engine(knowledge, tmp_path / "cache")
    (knowledge / "bad.yaml").write_text("facts: [{id: f0, questions: [x], answer: y, sources: [s]}]\n")
    from bot.core import KnowledgeError

    with pytest.raises(KnowledgeError, match="duplicate id 'f0'"):
        load_engine(knowledge, tmp_path / "cache")


def test_an_unwritable_cache_folder_still_answers(tmp_path: Path) -> None:
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the folder should be")
    engine = load_engine(synthetic(tmp_path / "k", 20), blocker)
    assert engine.ask("When was Ava Stone0 born?").answered or engine.kb.facts
