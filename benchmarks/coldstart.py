"""Cold start in a fresh process: import, load the knowledge from disk, build the engine, answer once.

Run by the benchmark as ``python -m benchmarks.coldstart KNOWLEDGE QUESTION``, with
``CELEBBOT_DATA`` pointing at the benchmark's data folder so that a second start can use any
on-disk cache the engine keeps there. Prints one JSON object: the phases in seconds, the
answer, and the process's peak resident memory (`peak_rss_mb`), which is the real peak
including memory that `tracemalloc` does not see (C extensions, the interpreter itself).

If the engine gains another way to start, change `start_engine` only.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB.

    ``VmHWM`` from ``/proc/self/status`` where there is one: Linux carries ``ru_maxrss`` over
    ``exec``, so a child started by a big parent would report the parent's peak instead.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except (OSError, ValueError):
        pass
    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB on Linux
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 1024 / 1024, 1)


def start_engine(path: str) -> tuple[Any, dict[str, float]]:
    """Start the engine as ``celebbot run`` does: from the cache in ``$CELEBBOT_DATA/cache`` when current.

    Returns it with figures: ``load_s`` is everything up to a ready engine (reading the files,
    then either the cache or parsing, validating and building; ``build_s`` is inside it),
    whether a cache file was there at the start, and the cache file's size afterwards.
    """
    from bot.core.cache import load_engine

    cache_dir = Path(os.environ.get("CELEBBOT_DATA") or "data") / "cache"
    had_cache = any(cache_dir.glob("index-*.bin"))
    t0 = time.perf_counter()
    engine = load_engine(path, cache_dir)
    t1 = time.perf_counter()
    size = sum(p.stat().st_size for p in cache_dir.glob("index-*.bin"))
    return engine, {
        "load_s": t1 - t0,
        "build_s": 0.0,
        "cache_at_start": float(had_cache),
        "cache_file_mb": round(size / 1e6, 1),
    }


def main(argv: list[str] | None = None) -> int:
    """Measure one cold start and print it as JSON."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m benchmarks.coldstart KNOWLEDGE QUESTION", file=sys.stderr)
        return 2
    path, question = args
    t0 = time.perf_counter()
    import bot.core  # noqa: F401 - timed: the import is part of a start

    t1 = time.perf_counter()
    rss_imported = peak_rss_mb()
    engine, phases = start_engine(path)
    t2 = time.perf_counter()
    answer = engine.ask(question)
    t3 = time.perf_counter()
    result = {
        "import_s": round(t1 - t0, 4),
        **{k: round(v, 4) for k, v in phases.items()},
        "first_answer_s": round(t3 - t2, 4),
        # The cold start: from loading the knowledge from disk to the first answer.
        "start_to_first_answer_s": round(t3 - t1, 4),
        "answered": answer.answered,
        "entry_id": answer.entry_id,
        "rss_after_import_mb": rss_imported,
        "peak_rss_mb": peak_rss_mb(),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
