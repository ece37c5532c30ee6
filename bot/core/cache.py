"""A cache of the compiled knowledge and index, so that an unchanged knowledge base starts fast.

The cache file is keyed by the knowledge files' content hash; its header also names the
cache format, celebbot's version and the Python version (`marshal`'s format depends on
it), and carries a SHA-256 of its payload. A missing, stale or corrupt cache is rebuilt and
replaced, never trusted. The payload is `marshal` data: plain values only (strings,
numbers, bytes, tuples, lists), so reading it can create no objects of other kinds and
runs no code, unlike `pickle`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
import marshal
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from bot import __version__

from .engine import Engine
from .index import Index
from .loader import knowledge_digest, parse_files, read_knowledge_files
from .model import Fact, KnowledgeBase, Person, Quote, Source
from .text import paused_gc

__all__ = ["CACHE_FORMAT", "load_engine"]

log = logging.getLogger(__name__)

#: Bump when the index or the payload layout changes.
CACHE_FORMAT = 1
_MAGIC = b"celebbot-index\n"
_RECORDS: tuple[type[Any], ...] = (Source, Person, Fact, Quote)


def _fields(cls: type[Any]) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


def _header(digest: str) -> dict[str, object]:
    return {
        "format": CACHE_FORMAT,
        "celebbot": __version__,
        "python": f"{sys.implementation.name}-{sys.version_info[0]}.{sys.version_info[1]}",
        "digest": digest,
    }


def cache_path(cache_dir: Path, digest: str) -> Path:
    """Where the cache of knowledge with this content hash lives."""
    return cache_dir / f"index-{digest[:32]}.bin"


def _dump(engine: Engine) -> bytes:
    kb = engine.kb
    records = [
        [tuple(getattr(r, name) for name in _fields(cls)) for r in rows]
        for cls, rows in zip(
            _RECORDS,
            (kb.sources.values(), kb.people.values(), kb.facts.values(), kb.quotes.values()),
            strict=True,
        )
    ]
    payload = (records, list(kb.synonyms), kb.digest, list(kb.files), engine.index.dump())
    return marshal.dumps(payload)


def _restore(payload: bytes) -> Engine:
    records, synonyms, digest, files, index = marshal.loads(payload)  # noqa: S302 - plain values only
    sources, people, facts, quotes = (
        [cls(*row) for row in rows] for cls, rows in zip(_RECORDS, records, strict=True)
    )
    kb = KnowledgeBase.build(
        sources, people, facts, quotes, [tuple(g) for g in synonyms], digest=digest, files=tuple(files)
    )
    return Engine(kb, Index.load(index))


def _read(path: Path, digest: str) -> Engine | None:
    """The cached engine at ``path`` if it is whole and was made for this knowledge, else None."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.warning("cannot read the index cache %s: %s", path, exc)
        return None
    try:
        if not data.startswith(_MAGIC):
            raise ValueError("not a celebbot index cache")
        end = data.index(b"\n", len(_MAGIC))
        header = json.loads(data[len(_MAGIC) : end])
        payload = data[end + 1 :]
        if {k: header.get(k) for k in _header(digest)} != _header(digest):
            log.info("the index cache %s is stale; rebuilding", path)
            return None
        if header.get("sha256") != hashlib.sha256(payload).hexdigest():
            raise ValueError("checksum mismatch")
        with paused_gc():
            return _restore(payload)
    except (ValueError, TypeError, KeyError, EOFError, IndexError) as exc:
        log.warning("the index cache %s is corrupt (%s); rebuilding", path, exc)
        return None


def _write(path: Path, engine: Engine) -> None:
    """Write the cache atomically; a failure is logged, never raised (the cache is optional)."""
    payload = _dump(engine)
    header = dict(_header(engine.kb.digest), sha256=hashlib.sha256(payload).hexdigest())
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".index-", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(_MAGIC + json.dumps(header).encode() + b"\n" + payload)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        for old in path.parent.glob("index-*.bin"):
            if old != path:
                with contextlib.suppress(OSError):
                    old.unlink()
    except OSError as exc:
        log.warning("cannot write the index cache %s: %s", path, exc)


def load_engine(
    knowledge: str | os.PathLike[str] | None = None, cache_dir: str | os.PathLike[str] | None = None
) -> Engine:
    """An engine for the knowledge at ``knowledge``, from the cache in ``cache_dir`` when it is current.

    Without ``cache_dir`` this is ``Engine(load_knowledge(knowledge))``. Raises
    `bot.core.KnowledgeError` when the knowledge is invalid (a cache never hides that:
    it is only used for files whose exact content was valid when it was written).
    """
    named = read_knowledge_files(knowledge)
    if cache_dir is None:
        return Engine(parse_files(named))
    digest = knowledge_digest(named)
    path = cache_path(Path(cache_dir), digest)
    engine = _read(path, digest)
    if engine is not None:
        return engine
    engine = Engine(parse_files(named))
    _write(path, engine)
    return engine
