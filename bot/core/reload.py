"""Live reload: notice changed knowledge files cheaply, rebuild off the event loop, swap in only what loads.

A poll compares each knowledge file's name, size, modification time and inode (one
``stat`` a file: no reading); a change rebuilds the knowledge base and engine in a
worker thread. A build that loads replaces the engine in one assignment; one that
does not keeps the last good engine and reports its ``file:line`` problems once,
until the files change again.

    reloader = Reloader(path, on_error=post_to_admin_channel)
    asyncio.create_task(reloader.watch(interval=1.0))
    answer = reloader.engine.ask(question)   # always the latest good engine
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .cache import load_engine
from .engine import Engine
from .loader import KnowledgeError, Problem, default_knowledge_path, knowledge_files

__all__ = ["ReloadResult", "Reloader", "Signature", "signature"]

log = logging.getLogger(__name__)

#: (file name, size, modification time in ns, inode) of every knowledge file, in name order.
Signature = tuple[tuple[str, int, int, int], ...]


def signature(path: Path) -> Signature:
    """What the knowledge at ``path`` looks like on disk, from ``stat`` alone."""
    out = []
    try:
        files = knowledge_files(path)
    except OSError:
        return ()
    for file in files:
        try:
            st = file.stat()
        except OSError:
            continue
        out.append((str(file), st.st_size, st.st_mtime_ns, st.st_ino))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class ReloadResult:
    """What one check did, and the engine in use after it."""

    status: Literal["unchanged", "reloaded", "invalid"]
    engine: Engine
    problems: tuple[Problem, ...] = ()


class Reloader:
    """Holds the current engine and replaces it when the knowledge files change and still load.

    ``on_reload(engine)`` and ``on_error(problems)`` are called after a check that
    reloaded or found the new files invalid: in the calling thread by `check_now`,
    on the event loop by `check` and `watch` (and awaited if they return an awaitable).
    """

    def __init__(
        self,
        knowledge: str | os.PathLike[str] | None = None,
        *,
        engine: Engine | None = None,
        cache_dir: str | os.PathLike[str] | None = None,
        build: Callable[[Path], Engine] | None = None,
        on_reload: Callable[[Engine], object] | None = None,
        on_error: Callable[[list[Problem]], object] | None = None,
    ) -> None:
        self.path = Path(knowledge) if knowledge is not None else default_knowledge_path()
        self._build = build or (lambda path: load_engine(path, cache_dir))
        self.on_reload = on_reload
        self.on_error = on_error
        self._lock = threading.Lock()
        self._seen = signature(self.path)
        #: The problems of the latest files that did not load; empty once good files load.
        self.problems: tuple[Problem, ...] = ()
        self._engine = engine if engine is not None else self._build(self.path)

    @property
    def engine(self) -> Engine:
        """The engine of the latest knowledge that loaded."""
        return self._engine

    def changed(self) -> bool:
        """Whether the files differ from those last built (or tried)."""
        return signature(self.path) != self._seen

    def _rebuild(self, force: bool) -> ReloadResult:
        with self._lock:
            seen = signature(self.path)
            if not force and seen == self._seen:
                return ReloadResult("unchanged", self._engine)
            # Remembered before reading: a change made during the build is seen by the next check.
            self._seen = seen
            try:
                engine = self._build(self.path)
            except KnowledgeError as exc:
                self.problems = tuple(exc.problems)
            except Exception as exc:
                log.exception("rebuilding the knowledge at %s failed", self.path)
                self.problems = (Problem(str(self.path), 0, f"could not build the knowledge: {exc!r}"),)
            else:
                self._engine = engine
                self.problems = ()
                log.info(
                    "reloaded the knowledge: %d facts, %d quotes", len(engine.kb.facts), len(engine.kb.quotes)
                )
                return ReloadResult("reloaded", engine)
            log.warning(
                "the changed knowledge does not load; still answering from the last good one:\n%s",
                "\n".join(f"  {p}" for p in self.problems),
            )
            return ReloadResult("invalid", self._engine, self.problems)

    def _callback(self, result: ReloadResult) -> object:
        if result.status == "reloaded" and self.on_reload is not None:
            return self.on_reload(result.engine)
        if result.status == "invalid" and self.on_error is not None:
            return self.on_error(list(result.problems))
        return None

    def check_now(self, *, force: bool = False) -> ReloadResult:
        """Rebuild in this thread if the files changed (or ``force``); for tests and scripts."""
        result = self._rebuild(force)
        self._callback(result)
        return result

    async def check(self, *, force: bool = False) -> ReloadResult:
        """Rebuild in a worker thread if the files changed (or ``force``: e.g. ``/kb reload``)."""
        if not force and not self.changed():
            return ReloadResult("unchanged", self._engine)
        result = await asyncio.to_thread(self._rebuild, force)
        outcome = self._callback(result)
        if inspect.isawaitable(outcome):
            await outcome
        return result

    async def watch(self, interval: float = 1.0) -> None:
        """Check every ``interval`` seconds until cancelled; a failing callback is logged, not fatal."""
        while True:
            try:
                await self.check()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("checking the knowledge for changes failed")
            await asyncio.sleep(interval)
