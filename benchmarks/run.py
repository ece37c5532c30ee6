"""``python -m benchmarks``: the engine against a naive fuzzy matcher at 1,000 to 100,000 facts.

For each size: generate the knowledge (cached in ``benchmarks/.cache/``), time two cold starts
in fresh processes (the first with an empty data folder, the second able to use whatever the
first left there), load and build in this process on a worker thread while an event-loop
ticker runs, ask the question mix one question at a time, then do the same with the
baseline. Prints Markdown tables and writes everything to JSON. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gc
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import rapidfuzz
import yaml

from bot.core import Engine, KnowledgeBase, load_knowledge
from bot.core.cache import load_engine

from .baseline import CUTOFF, Baseline
from .generate import (
    ABSTAIN,
    GENERATOR_VERSION,
    KINDS,
    Question,
    build_world,
    files_digest,
    question_mix,
    write_knowledge,
    write_questions,
)
from .measure import cold_start, latency_summary, score, time_answers, with_stall

__all__ = ["calibrate", "main", "render", "run", "run_size"]

HERE = Path(__file__).resolve().parent
DEFAULT_CACHE = HERE / ".cache"
DEFAULT_OUT = HERE / "results.json"
DEFAULT_SIZES = (1_000, 10_000, 100_000)
QUICK_SIZES = (1_000, 10_000)
DEFAULT_QUESTIONS = 400
QUICK_QUESTIONS = 100
SEED = 1234
#: Questions asked before timing starts (from another seed), so lazy set-up is not in p99.
WARM_UP = 5
#: Baseline questions timed under the event-loop ticker (each is a long scan at 100,000 facts).
BASELINE_STALL_QUESTIONS = 10

_started = time.perf_counter()


def log(message: str) -> None:
    """A progress line on stderr, with the seconds since start."""
    print(f"[{time.perf_counter() - _started:7.1f}s] {message}", file=sys.stderr, flush=True)


def _ask_engine(engine: Engine) -> Callable[[str], str | None]:
    def ask(question: str) -> str | None:
        answer = engine.ask(question)
        return answer.entry_id if answer.answered else None

    return ask


def _engine_figures(
    engine: Engine, questions: Sequence[Question], warm_up: Sequence[Question]
) -> tuple[dict[str, Any], list[str]]:
    ask = _ask_engine(engine)
    for q in warm_up:
        ask(q.text)
    latencies, answers = time_answers(ask, questions)
    figures: dict[str, Any] = {**latency_summary(latencies), **score(questions, answers)}
    _, stall = with_stall([functools.partial(engine.ask, q.text) for q in questions])
    figures["stall_answering_ms"] = round(stall, 2)
    return figures, answers


def _baseline_figures(
    kb: KnowledgeBase, questions: Sequence[Question], stall_questions: int
) -> dict[str, Any]:
    t0 = time.perf_counter()
    base = Baseline(kb)
    build = time.perf_counter() - t0
    latencies, answers = time_answers(base.ask, questions)
    figures: dict[str, Any] = {
        "cutoff": base.cutoff,
        "choices": len(base.choices),
        "build_s": round(build, 4),
        **latency_summary(latencies),
        **score(questions, answers),
    }
    if stall_questions:
        _, stall = with_stall([functools.partial(base.ask, q.text) for q in questions[:stall_questions]])
        figures["stall_answering_ms"] = round(stall, 2)
    return figures


def _shown(path: Path) -> str:
    """A path relative to the repository when inside it (results stay the same on every checkout)."""
    try:
        return str(path.resolve().relative_to(HERE.parent))
    except ValueError:
        return str(path)


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 2) if b else None


def _median_start(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median start time, with every run's time and the highest peak memory."""
    ordered = sorted(runs, key=lambda r: r["start_to_first_answer_s"])
    median = dict(ordered[(len(ordered) - 1) // 2])
    median["all_start_to_first_answer_s"] = [r["start_to_first_answer_s"] for r in runs]
    median["peak_rss_mb"] = max(r["peak_rss_mb"] for r in runs)
    return median


def run_size(
    facts: int,
    questions: int,
    cache: Path,
    seed: int = SEED,
    *,
    baseline: bool = True,
    cold: bool = True,
    cpu: int | None = None,
    repeat: int = 1,
) -> dict[str, Any]:
    """Benchmark one knowledge base size; returns its figures (see README.md for the keys).

    ``repeat`` cold starts of each kind are made; the median one is reported, with every time.
    """
    log(f"{facts:,} facts: generating")
    t0 = time.perf_counter()
    world = build_world(facts, seed)
    folder = cache / f"kb-{facts}-seed{seed}-v{GENERATOR_VERSION}"
    files = write_knowledge(world, folder / "knowledge")
    mix = question_mix(world, questions)
    warm_up = question_mix(world, WARM_UP, seed=seed + 1)
    write_questions(mix, folder / "questions.jsonl")
    generate_s = time.perf_counter() - t0
    result: dict[str, Any] = {
        "facts": len(world.facts),
        "quotes": len(world.quotes),
        "people": len(world.people),
        "files": len(files),
        "bytes": sum(f.stat().st_size for f in files),
        "digest": files_digest(files),
        "questions": len(mix),
        "generate_s": round(generate_s, 3),
        "knowledge": _shown(folder / "knowledge"),
    }
    knowledge = folder / "knowledge"
    first = mix[0].text
    if cold:
        data = folder / "data"
        starts: dict[str, list[dict[str, Any]]] = {"first": [], "second": []}
        for attempt in range(1, repeat + 1):
            # Each round: a start with an empty data folder, then one with what it left (the cache).
            shutil.rmtree(data, ignore_errors=True)
            data.mkdir(parents=True)
            for label, runs in starts.items():
                log(f"{facts:,} facts: cold start ({label}, {attempt} of {repeat}) in a fresh process")
                runs.append(cold_start(knowledge, first, data, cpu=cpu))
        result["cold_start"] = {label: _median_start(runs) for label, runs in starts.items()}

    # A reload in a running process, on a worker thread, with an empty data folder (files changed).
    reload_data = folder / "data-reload"
    shutil.rmtree(reload_data, ignore_errors=True)
    reload_data.mkdir(parents=True)
    os.environ["CELEBBOT_DATA"] = str(reload_data)
    log(f"{facts:,} facts: loading and building in this process, with the event-loop ticker")
    phases: dict[str, float] = {}

    def load() -> KnowledgeBase:
        t = time.perf_counter()
        kb = load_knowledge(knowledge)
        phases["load_s"] = round(time.perf_counter() - t, 4)
        return kb

    def build(kb: KnowledgeBase) -> Engine:
        t = time.perf_counter()
        engine = Engine(kb)
        phases["build_s"] = round(time.perf_counter() - t, 4)
        return engine

    kbs, stall_load = with_stall([load])
    kb = kbs[0]
    engines, stall_build = with_stall([functools.partial(build, kb)])
    engine = engines[0]
    # A reload whose cache is current (another shard process built it, or the files came back).
    load_engine(knowledge, reload_data / "cache")
    t = time.perf_counter()
    _, stall_cached = with_stall([functools.partial(load_engine, knowledge, reload_data / "cache")])
    phases["cached_reload_s"] = round(time.perf_counter() - t, 4)
    log(f"{facts:,} facts: asking {len(mix)} questions")
    figures, _ = _engine_figures(engine, mix, warm_up)
    result["engine"] = {
        **phases,
        **figures,
        "stall_reloading_ms": round(max(stall_load, stall_build, stall_cached), 2),
        "stall_cached_reload_ms": round(stall_cached, 2),
        "stall_loading_ms": round(stall_load, 2),
        "stall_building_ms": round(stall_build, 2),
    }
    del engine, engines
    gc.collect()
    if baseline:
        log(f"{facts:,} facts: naive baseline over every phrasing")
        b = _baseline_figures(kb, mix, BASELINE_STALL_QUESTIONS)
        result["baseline"] = b
        e = result["engine"]
        result["ratios"] = {
            "p50_speedup": _ratio(b["p50_ms"], e["p50_ms"]),
            "p99_speedup": _ratio(b["p99_ms"], e["p99_ms"]),
            "qps_ratio": _ratio(e["qps"], b["qps"]),
            "accuracy_diff": round(e["accuracy"] - b["accuracy"], 4),
        }
    del kb, kbs
    gc.collect()
    log(f"{facts:,} facts: done")
    return result


def _machine() -> dict[str, Any]:
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    commit = ""
    with contextlib.suppress(OSError):
        commit = subprocess.run(
            ["git", "describe", "--always", "--dirty"], capture_output=True, text=True, cwd=HERE, check=False
        ).stdout.strip()
    return {
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "rapidfuzz": rapidfuzz.__version__,
        "pyyaml": yaml.__version__,
        "libyaml": bool(getattr(yaml, "__with_libyaml__", False)),
        "commit": commit,
    }


def run(
    sizes: Sequence[int],
    questions: int,
    cache: Path = DEFAULT_CACHE,
    seed: int = SEED,
    *,
    baseline: bool = True,
    cold: bool = True,
    cpu: int | None = None,
    repeat: int = 1,
) -> dict[str, Any]:
    """Benchmark every size; the whole result as one JSON-ready dict."""
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    out: dict[str, Any] = {
        "started": started,
        "command": " ".join(["python -m benchmarks", *sys.argv[1:]]),
        "seed": seed,
        "generator_version": GENERATOR_VERSION,
        "machine": _machine(),
        "cpu_pinned": cpu,
        "cold_start_repeat": repeat,
        "sizes": [],
    }
    for facts in sizes:
        out["sizes"].append(
            run_size(facts, questions, cache, seed, baseline=baseline, cold=cold, cpu=cpu, repeat=repeat)
        )
    return out


# -- report ---------------------------------------------------------------------


def _f(value: object, digits: int = 2) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _pct(value: object) -> str:
    return "–" if not isinstance(value, int | float) else f"{100 * value:.1f}%"


def _table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(" ---: " for _ in head) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return lines


def render(result: dict[str, Any]) -> str:
    """The result as Markdown tables."""
    m = result["machine"]
    sizes = result["sizes"]
    lines = [
        f"Machine: {m['cpu']} ({m['cpus']} CPUs), {m['platform']}, Python {m['python']}, "
        f"rapidfuzz {m['rapidfuzz']}, PyYAML {m['pyyaml']} (libyaml: {m['libyaml']}); commit {m['commit']}.",
        f"Command: `{result['command']}`; seed {result['seed']}; "
        f"{sizes[0]['questions'] if sizes else 0} questions a size, one at a time.",
        "",
    ]
    has_base = any("baseline" in s for s in sizes)
    if has_base:
        cutoff = next(s["baseline"]["cutoff"] for s in sizes if "baseline" in s)
        lines.append(f"Answering: engine vs naive baseline (rapidfuzz extractOne, WRatio, cutoff {cutoff:g})")
    else:
        lines.append("Answering")
    lines.append("")
    head = ["facts", "engine p50 ms", "engine p99 ms", "engine max ms", "engine q/s", "engine accuracy"]
    if has_base:
        head += ["baseline p50 ms", "baseline p99 ms", "baseline q/s", "baseline accuracy"]
        head += ["p99 speed-up", "accuracy Δ"]
    rows = []
    for s in sizes:
        e = s["engine"]
        row = [_f(s["facts"]), _f(e["p50_ms"], 3), _f(e["p99_ms"], 3), _f(e["max_ms"], 1)]
        row += [_f(e["qps"], 0), _pct(e["accuracy"])]
        if has_base:
            b, r = s.get("baseline"), s.get("ratios")
            if b and r:
                diff = r["accuracy_diff"]
                row += [_f(b["p50_ms"], 3), _f(b["p99_ms"], 3), _f(b["qps"], 0), _pct(b["accuracy"])]
                row += [f"{_f(r['p99_speedup'], 1)}×", f"{100 * diff:+.1f} pts"]
            else:
                row += ["–"] * 6
        rows.append(row)
    lines += _table(head, rows)

    lines += [
        "",
        "Accuracy by kind of question (engine / baseline); wrong = answered with the wrong entry",
        "",
    ]
    head = ["facts", *[k.replace("_", " ") for k in KINDS], "wrong answers", "missed"]
    rows = []
    for s in sizes:
        e, b = s["engine"], s.get("baseline")
        row = [_f(s["facts"])]
        for k in KINDS:
            cell = _pct(e["by_kind"].get(k))
            if b:
                cell += " / " + _pct(b["by_kind"].get(k))
            row.append(cell)
        row.append(_f(e["wrong_answers"]) + (f" / {_f(b['wrong_answers'])}" if b else ""))
        row.append(_f(e["missed"]) + (f" / {_f(b['missed'])}" if b else ""))
        rows.append(row)
    lines += _table(head, rows)

    lines += ["", "Start-up, memory and event loop", ""]
    head = [
        "facts",
        "files (MB)",
        "load s",
        "Engine() s",
        "cold start s (1st)",
        "cold start s (2nd)",
        "reload from cache s",
        "peak RSS MB",
        "max stall answering ms",
        "max stall reloading ms",
    ]
    if has_base:
        head.append("baseline stall ms")
    rows = []
    for s in sizes:
        e = s["engine"]
        cs = s.get("cold_start")
        row = [
            _f(s["facts"]),
            f"{s['files']} ({s['bytes'] / 1e6:.1f})",
            _f(e["load_s"]),
            _f(e["build_s"]),
            _f(cs["first"]["start_to_first_answer_s"]) if cs else "–",
            _f(cs["second"]["start_to_first_answer_s"]) if cs else "–",
            _f(e.get("cached_reload_s")),
            _f(max(cs["first"]["peak_rss_mb"], cs["second"]["peak_rss_mb"]), 0) if cs else "–",
            _f(e["stall_answering_ms"], 1),
            _f(e["stall_reloading_ms"], 1),
        ]
        if has_base:
            b = s.get("baseline")
            row.append(_f(b.get("stall_answering_ms"), 1) if b else "–")
        rows.append(row)
    lines += _table(head, rows)
    lines += [
        "",
        "Cold start = load the knowledge from disk, build the engine, answer one question, in a fresh "
        "process (interpreter start and imports excluded), as celebbot run starts; the 1st with an empty "
        "CELEBBOT_DATA (it writes the index cache there), the 2nd with what the 1st left (the cache); "
        f"the median of {result.get('cold_start_repeat') or 1} rounds. Peak RSS = VmHWM, the highest of "
        "those processes. Load and Engine() = the "
        "same steps in the benchmark process, on a worker thread, as a reload after the files changed; "
        "reload from cache = the same with the cache current; stalls = worst lateness of a 10 ms "
        "asyncio sleep while the work ran in asyncio.to_thread (reloading: the worst of the three).",
    ]
    return "\n".join(lines)


# -- calibration ----------------------------------------------------------------


def calibrate(facts: int = 1_000, questions: int = 400, seed: int = SEED + 17) -> dict[int, float]:
    """Baseline accuracy for each cutoff 50-100 on a question mix from another seed."""
    world = build_world(facts, seed)
    folder = DEFAULT_CACHE / f"calibrate-{facts}-seed{seed}"
    write_knowledge(world, folder)
    base = Baseline(load_knowledge(folder))
    mix = question_mix(world, questions)
    best = [base.best(q.text) for q in mix]
    out: dict[int, float] = {}
    for cutoff in range(50, 101):
        right = sum(
            (b is not None and b[1] >= cutoff and b[0] == q.expect)
            or ((b is None or b[1] < cutoff) and q.expect == ABSTAIN)
            for q, b in zip(mix, best, strict=True)
        )
        out[cutoff] = right / len(mix)
    return out


# -- command line ---------------------------------------------------------------


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(s.replace("_", "").replace(",", "")) for s in text.split(",") if s.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"sizes must be numbers separated by commas: {text!r}") from exc
    if not sizes or any(s < 10 for s in sizes):
        raise argparse.ArgumentTypeError("each size must be at least 10 facts")
    return sizes


def main(argv: list[str] | None = None) -> int:
    """The command line; see ``--help``."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Benchmark the celebbot engine against a naive fuzzy matcher.",
    )
    parser.add_argument(
        "--sizes", type=_sizes, help="facts per knowledge base, comma-separated (default 1000,10000,100000)"
    )
    parser.add_argument(
        "--quick", action="store_true", help=f"sizes {QUICK_SIZES}, {QUICK_QUESTIONS} questions"
    )
    parser.add_argument("--questions", type=int, help=f"questions per size (default {DEFAULT_QUESTIONS})")
    parser.add_argument("--seed", type=int, default=SEED, help=f"generator seed (default {SEED})")
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="JSON results file (default %(default)s)"
    )
    parser.add_argument(
        "--cache", type=Path, default=DEFAULT_CACHE, help="generated data (default %(default)s)"
    )
    parser.add_argument("--no-baseline", action="store_true", help="skip the naive baseline")
    parser.add_argument(
        "--no-cold-start", action="store_true", help="skip the cold starts in fresh processes"
    )
    parser.add_argument("--cpu", type=int, help="pin this process and the cold starts to one CPU (taskset)")
    parser.add_argument(
        "--repeat",
        type=int,
        help="cold starts of each kind, the median reported (default 3; 1 with --quick)",
    )
    parser.add_argument(
        "--calibrate",
        action="store_true",
        help=f"print the baseline's accuracy by cutoff (now {CUTOFF:g}) and exit",
    )
    args = parser.parse_args(argv)

    if args.calibrate:
        sweep = calibrate()
        best = max(sweep, key=lambda c: (sweep[c], -abs(c - CUTOFF)))
        for cutoff, acc in sweep.items():
            mark = "  <- best" if cutoff == best else ""
            print(f"cutoff {cutoff:3d}: accuracy {100 * acc:5.1f}%{mark}")
        return 0

    sizes = args.sizes or (list(QUICK_SIZES) if args.quick else list(DEFAULT_SIZES))
    questions = args.questions or (QUICK_QUESTIONS if args.quick else DEFAULT_QUESTIONS)
    if args.cpu is not None:
        os.sched_setaffinity(0, {args.cpu})
    result = run(
        sizes,
        questions,
        args.cache,
        args.seed,
        baseline=not args.no_baseline,
        cold=not args.no_cold_start,
        cpu=args.cpu,
        repeat=max(1, args.repeat or (1 if args.quick else 3)),
    )
    text = render(result)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(text)
    log(f"results written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
