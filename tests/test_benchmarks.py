"""The benchmark harness: deterministic data in the real format, labelled questions, a complete report.

Correctness only; timings belong in the benchmark itself, never in assertions.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from benchmarks.baseline import Baseline
from benchmarks.generate import (
    ABSTAIN,
    KINDS,
    MIX,
    build_world,
    files_digest,
    question_mix,
    write_knowledge,
)
from benchmarks.measure import percentile, score
from benchmarks.run import main, render, run_size
from bot.core import Engine, load_knowledge
from bot.core.loader import parse_files

ROOT = Path(__file__).resolve().parent.parent
FACTS = 200


@pytest.fixture(scope="module")
def kb_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("kb")
    write_knowledge(build_world(FACTS, seed=7), folder, facts_per_file=80)
    return folder


def test_the_same_seed_gives_the_same_files(tmp_path: Path, kb_folder: Path) -> None:
    again = write_knowledge(build_world(FACTS, seed=7), tmp_path / "again", facts_per_file=80)
    other = write_knowledge(build_world(FACTS, seed=8), tmp_path / "other", facts_per_file=80)
    first = sorted(kb_folder.glob("*.yaml"))
    assert [p.name for p in first] == [p.name for p in again]
    assert files_digest(first) == files_digest(again)
    assert files_digest(first) != files_digest(other)


def test_the_same_seed_gives_the_same_files_in_another_process(tmp_path: Path, kb_folder: Path) -> None:
    # String hashing is salted per process: generation must never depend on set order.
    code = (
        "import sys; from pathlib import Path; from benchmarks.generate import build_world, write_knowledge;"
        f"write_knowledge(build_world({FACTS}, seed=7), Path(sys.argv[1]), facts_per_file=80)"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=True, cwd=ROOT, env=env)
    assert files_digest(sorted(tmp_path.glob("*.yaml"))) == files_digest(sorted(kb_folder.glob("*.yaml")))


def test_the_generated_knowledge_loads_and_validates(kb_folder: Path) -> None:
    world = build_world(FACTS, seed=7)
    files = sorted(p.name for p in kb_folder.glob("*.yaml"))
    assert len(files) >= 3 and "synonyms.yaml" in files  # several parts plus the shipped synonyms
    kb = load_knowledge(kb_folder)
    assert len(kb.facts) == FACTS
    assert list(kb.facts) == [f.id for f in world.facts]
    assert len(kb.quotes) == len(world.quotes) > 0
    assert len(kb.people) == len(world.people)
    assert any(p.aliases for p in kb.people.values())
    assert any(len(f.about) == 2 for f in kb.facts.values())
    assert all(f.questions and f.answer and f.sources for f in kb.facts.values())


def test_the_question_mix_is_fixed_labelled_and_mixed(kb_folder: Path) -> None:
    world = build_world(FACTS, seed=7)
    mix = question_mix(world, 60)
    assert mix == question_mix(world, 60)
    assert len(mix) == 60
    kinds = Counter(q.kind for q in mix)
    assert set(kinds) == set(KINDS)
    for kind, share in MIX.items():
        assert abs(kinds[kind] - share * 60) <= 1
    kb = load_knowledge(kb_folder)
    stored = {q for f in kb.facts.values() for q in f.questions}
    for q in mix:
        if q.kind.startswith("unknown"):
            assert q.expect == ABSTAIN
        else:
            assert kb.entry(q.expect) is not None, q
            assert q.text not in stored, q  # never a stored phrasing word for word


def test_the_shipped_engine_answers_most_of_a_small_mix(kb_folder: Path) -> None:
    # Not a quality bar (that is the benchmark's table): a guard against mislabelled questions.
    world = build_world(FACTS, seed=7)
    mix = question_mix(world, 60)
    engine = Engine(load_knowledge(kb_folder))
    answers = [engine.ask(q.text) for q in mix]
    result = score(mix, [a.entry_id if a.answered and a.entry_id else ABSTAIN for a in answers])
    assert result["accuracy"] >= 0.5


def test_the_baseline_finds_an_exact_phrasing_and_declines_nonsense() -> None:
    text = (
        "sources: [{id: s, title: T, publisher: P}]\n"
        "people: [{id: jane, name: Jane Doe}, {id: max, name: Max Roe}]\n"
        "facts:\n"
        "  - {id: born, about: [jane], questions: [When was Jane Doe born?], answer: 1990., sources: [s]}\n"
        "  - {id: pet, about: [max], questions: [Does Max Roe have a dog?], answer: Yes., sources: [s]}\n"
        "quotes:\n"
        "  - {id: q, speaker: max, text: I love the road., sources: [s]}\n"
    )
    base = Baseline(parse_files([("k.yaml", text)]))
    assert base.ask("When was Jane Doe born?") == "born"
    assert base.ask("does max roe have a dog") == "pet"
    assert base.ask("I love the road") == "q"
    assert base.ask("xylophone quantum spreadsheet") is None


def test_the_baseline_scores_every_exact_generated_phrasing_100(kb_folder: Path) -> None:
    kb = load_knowledge(kb_folder)
    base = Baseline(kb)
    for fact in list(kb.facts.values())[:20]:
        best = base.best(fact.questions[0])
        assert best is not None and best[1] == 100


def test_percentile_and_score() -> None:
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 99) == 4.0
    assert percentile([], 99) == 0.0
    world = build_world(FACTS, seed=7)
    mix = question_mix(world, 20)
    perfect = score(mix, [q.expect for q in mix])
    assert perfect["accuracy"] == 1.0 and perfect["wrong_answers"] == perfect["missed"] == 0
    silent = score(mix, [ABSTAIN for _ in mix])
    assert silent["wrong_answers"] == 0
    assert silent["missed"] == sum(q.expect != ABSTAIN for q in mix)


def test_a_tiny_run_reports_every_figure(tmp_path: Path) -> None:
    result = run_size(FACTS, 20, tmp_path / "cache", seed=7)
    assert {"facts", "quotes", "people", "files", "digest", "questions", "generate_s"} <= set(result)
    assert result["facts"] == FACTS and result["questions"] == 20
    latency = {"p50_ms", "p99_ms", "qps", "accuracy", "by_kind", "wrong_answers", "missed"}
    assert latency | {"load_s", "build_s", "stall_answering_ms", "stall_reloading_ms"} <= set(
        result["engine"]
    )
    assert latency | {"cutoff", "stall_answering_ms"} <= set(result["baseline"])
    assert {"p50_speedup", "p99_speedup", "qps_ratio", "accuracy_diff"} <= set(result["ratios"])
    for start in ("first", "second"):
        figures = result["cold_start"][start]
        assert {"load_s", "build_s", "first_answer_s", "start_to_first_answer_s", "peak_rss_mb"} <= set(
            figures
        )
        assert figures["peak_rss_mb"] > 0
    table = render({"command": "test", "seed": 7, "machine": {k: "?" for k in _MACHINE}, "sizes": [result]})
    assert "| 200 |" in table and "baseline" in table


_MACHINE = ("cpu", "cpus", "platform", "python", "rapidfuzz", "pyyaml", "libyaml", "commit")


def test_the_command_writes_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "results.json"
    code = main(
        [
            "--sizes",
            "100",
            "--questions",
            "10",
            "--no-cold-start",
            "--out",
            str(out),
            "--cache",
            str(tmp_path / "cache"),
        ]
    )
    assert code == 0
    result = json.loads(out.read_text(encoding="utf-8"))
    assert [s["facts"] for s in result["sizes"]] == [100]
    assert set(result["machine"]) == set(_MACHINE)
    assert "| 100 |" in capsys.readouterr().out
