"""A cache of the compiled knowledge and index, so that an unchanged knowledge base starts fast.

The cache file is keyed by the knowledge files' content hash; its header also names the
cache format, celebbot's version and the Python version (`marshal`'s format depends on
it), and carries a SHA-256 of its payload. A missing, stale or corrupt cache is rebuilt and
replaced, never trusted. The payload is a run of `marshal` chunks (their sizes are in the
header): plain values only (strings, numbers, bytes, tuples, lists), so reading it can
create no objects of other kinds and runs no code, unlike `pickle`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
import marshal
import operator
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bot import __version__

from .engine import Engine
from .index import Index
from .lexicon import lexicon
from .loader import knowledge_digest, parse_files, read_knowledge_files
from .model import Fact, KnowledgeBase, Person, Quote, Source
from .text import paused_gc

__all__ = ["CACHE_FORMAT", "load_engine"]

log = logging.getLogger(__name__)

#: Bump when the index or the payload layout changes (or what it holds: stop words, tokens).
CACHE_FORMAT = 8
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
        "lexicon": lexicon().digest,
    }


def cache_path(cache_dir: Path, digest: str) -> Path:
    """Where the cache of knowledge with this content hash lives."""
    return cache_dir / f"index-{digest[:32]}.bin"


#: Rows of one kind of record per chunk: each chunk is read with one `marshal.loads` call, which
#: holds the GIL throughout, so chunks stay small enough not to stall a bot's event loop.
_CHUNK_ROWS = 4096


def _chunks(engine: Engine) -> Iterator[Any]:
    """The cache's payload as plain values, one `marshal` chunk each."""
    kb = engine.kb
    tables = (kb.sources.values(), kb.people.values(), kb.facts.values(), kb.quotes.values())
    for kind, (cls, rows) in enumerate(zip(_RECORDS, tables, strict=True)):
        fields = operator.attrgetter(*_fields(cls))
        batch: list[tuple[object, ...]] = []
        for row in rows:
            batch.append(fields(row))
            if len(batch) == _CHUNK_ROWS:
                yield (kind, batch)
                batch = []
        if batch:
            yield (kind, batch)
    yield ("kb", list(kb.synonyms), kb.digest, list(kb.files))
    for part in engine.index.dump():
        yield ("index", part)


def _restore(payload: memoryview, sizes: list[int]) -> Engine:
    records: list[list[Any]] = [[] for _ in _RECORDS]
    index: list[object] = []
    kb_parts: tuple[Any, ...] = ()
    at = 0
    for size in sizes:
        chunk = marshal.loads(payload[at : at + size])  # noqa: S302 - plain values only
        at += size
        if chunk[0] == "index":
            index.append(chunk[1])
        elif chunk[0] == "kb":
            kb_parts = chunk[1:]
        else:
            cls = _RECORDS[chunk[0]]
            records[chunk[0]].extend(cls(*row) for row in chunk[1])
    if at != len(payload) or len(kb_parts) != 3:
        raise ValueError("the chunks do not fill the cache")
    synonyms, digest, files = kb_parts
    sources, people, facts, quotes = records
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
        if {k: header.get(k) for k in _header(digest)} != _header(digest):
            log.info("the index cache %s is stale; rebuilding", path)
            return None
        payload = memoryview(data)[end + 1 :]  # a view: no second copy of a large file
        if header.get("sha256") != hashlib.sha256(payload).hexdigest():
            raise ValueError("checksum mismatch")
        sizes = header.get("chunks")
        if not (isinstance(sizes, list) and all(isinstance(n, int) and n > 0 for n in sizes)):
            raise ValueError("no chunk sizes")
        with paused_gc():
            return _restore(payload, sizes)
    except (ValueError, TypeError, KeyError, EOFError, IndexError) as exc:
        log.warning("the index cache %s is corrupt (%s); rebuilding", path, exc)
        return None


def _write(path: Path, engine: Engine) -> None:
    """Write the cache atomically; a failure is logged, never raised (the cache is optional)."""
    chunks = [marshal.dumps(chunk) for chunk in _chunks(engine)]
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    header = dict(_header(engine.kb.digest), sha256=digest.hexdigest(), chunks=[len(c) for c in chunks])
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".index-", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(_MAGIC + json.dumps(header).encode() + b"\n")
                for chunk in chunks:
                    out.write(chunk)
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
