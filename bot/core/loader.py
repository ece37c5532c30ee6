"""Load and validate the knowledge YAML, reporting every problem with ``file:line``.

YAML is only ever read with PyYAML's safe loader (the C one where available); a
small subclass records the line of every mapping and key so that errors can
point at the right place.

A file named `OVERLAY_NAME` is the bot-owned overlay (edits made from Discord,
see `bot.core.store`): it is applied after every curated file, whatever its
position; an entry in it whose id a curated file defines replaces that entry, and
its ``removed`` section lists ids of curated entries to drop.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import yaml

from .model import STATUSES, Fact, KnowledgeBase, Person, Quote, Source
from .text import paused_gc
from .yamlnodes import LocatedMap, load_located

__all__ = [
    "OVERLAY_NAME",
    "KnowledgeError",
    "Problem",
    "default_knowledge_path",
    "knowledge_digest",
    "knowledge_files",
    "load_knowledge",
    "parse_files",
    "read_knowledge_files",
]


ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]*$")

_KEYS: dict[str, tuple[set[str], set[str]]] = {
    # section: (required keys, optional keys)
    "sources": ({"id", "title", "publisher"}, {"date", "url", "via"}),
    "people": ({"id", "name"}, {"aliases", "description"}),
    "facts": ({"id", "questions", "answer", "sources"}, {"about", "date", "status", "via"}),
    "quotes": ({"id", "speaker", "text", "sources"}, {"when", "where", "about", "questions", "via"}),
}
_SECTIONS = (*_KEYS, "synonyms")

#: The file name of the bot-owned overlay in a knowledge folder.
OVERLAY_NAME = "zz-discord-edits.yaml"
_REMOVED = "removed"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in a knowledge file."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class KnowledgeError(Exception):
    """The knowledge failed validation; ``problems`` lists every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


_Map = LocatedMap


def default_knowledge_path() -> Path:
    """The shipped knowledge folder: package data when installed, the repo's folder in a checkout."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "knowledge", here.parent / "knowledge"):
        if candidate.is_dir():
            return candidate
    return here / "knowledge"


def knowledge_files(path: Path) -> list[Path]:
    """The YAML files a knowledge path stands for: the file itself, or a folder's ``*.yaml``."""
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    return [path]


class _Collector:
    """Turns parsed documents into records, collecting problems instead of stopping."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.sources: list[Source] = []
        self.people: list[Person] = []
        self.facts: list[Fact] = []
        self.quotes: list[Quote] = []
        self.synonyms: list[tuple[str, ...]] = []
        self.ids: dict[str, tuple[str, str, int]] = {}  # id -> (section, file, line)
        # (kind, id, file, line, owner, owner's id line) references to check once everything is read
        self.refs: list[tuple[str, str, str, int, str, int]] = []
        # Overlay state: whether the file being read is the overlay, the overlay's file names,
        # curated ids it replaces (-> where), ids it removes, and the (file, id line) of every
        # curated entry so superseded (whose references no longer count).
        self.overlay = False
        self.overlay_files: set[str] = set()
        self.replaced: dict[str, tuple[str, int]] = {}
        self.removals: list[tuple[str, str, int]] = []
        self.removed: set[str] = set()
        self.dropped: set[tuple[str, int]] = set()

    def err(self, file: str, line: int, message: str) -> None:
        self.problems.append(Problem(file, line, message))

    # -- field readers ----------------------------------------------------

    def text(self, f: str, m: _Map, key: str, *, required: bool = False) -> str | None:
        value = m.get(key)
        if value is None:
            if required:
                self.err(f, m.line_of(key), f"'{key}' is required and must not be empty")
            return None
        if isinstance(value, dt.date | dt.datetime):
            value = value.isoformat()
        elif isinstance(value, bool) or not isinstance(value, str | int | float):
            self.err(f, m.line_of(key), f"'{key}' must be text, not {type(value).__name__}")
            return None
        value = str(value).strip()
        if not value:
            if required:
                self.err(f, m.line_of(key), f"'{key}' must not be empty")
            return None
        return value

    def text_list(self, f: str, m: _Map, key: str, *, required: bool = False) -> tuple[str, ...]:
        value = m.get(key)
        if value is None:
            if required:
                self.err(f, m.line_of(key), f"'{key}' is required: give at least one")
            return ()
        if isinstance(value, str | int):
            value = [value]
        if not isinstance(value, list):
            self.err(f, m.line_of(key), f"'{key}' must be a list of text")
            return ()
        out = []
        for item in value:
            if isinstance(item, bool) or not isinstance(item, str | int | float) or not str(item).strip():
                self.err(f, m.line_of(key), f"'{key}' has an empty or non-text item: {item!r}")
                continue
            out.append(str(item).strip())
        if required and not out:
            self.err(f, m.line_of(key), f"'{key}' is required: give at least one")
        return tuple(out)

    def ident(self, f: str, m: _Map, section: str) -> str | None:
        value = self.text(f, m, "id", required=True)
        if value is None:
            return None
        if not ID_PATTERN.match(value):
            self.err(
                f,
                m.line_of("id"),
                f"id {value!r} must be lower-case letters, digits, '.', '_' or '-', starting with a "
                "letter or digit",
            )
            return None
        if value in self.ids:
            osection, ofile, oline = self.ids[value]
            if self.overlay and ofile not in self.overlay_files and value not in self.replaced:
                if osection != section:
                    self.err(
                        f,
                        m.line_of("id"),
                        f"id {value!r} is one of the {osection} (at {ofile}:{oline}); the overlay can "
                        f"only replace it with an entry of the {osection}",
                    )
                    return None
                self.replaced[value] = (f, m.line_of("id"))
                self.dropped.add((ofile, oline))
                return value
            ofile, oline = self.replaced.get(value, (ofile, oline))
            self.err(f, m.line_of("id"), f"duplicate id {value!r} (first defined at {ofile}:{oline})")
            return None
        self.ids[value] = (section, f, m.line_of("id"))
        return value

    def check_keys(self, f: str, m: _Map, section: str) -> bool:
        required, optional = _KEYS[section]
        ok = True
        for key, line in m.dupes:
            self.err(f, line, f"key '{key}' appears twice in one entry")
        for key in m:
            if key not in required and key not in optional:
                allowed = ", ".join(sorted(required | optional))
                self.err(f, m.line_of(key), f"unknown key '{key}' in {section} entry (allowed: {allowed})")
                ok = False
        return ok

    # -- sections -----------------------------------------------------------

    def read(self, f: str, doc: object) -> None:
        if doc is None:
            return
        if not isinstance(doc, _Map):
            self.err(f, 1, "the file must be a mapping with keys: " + ", ".join(_SECTIONS))
            return
        for key, line in doc.dupes:
            self.err(f, line, f"section '{key}' appears twice in this file")
        readers = {
            "sources": self._sources,
            "people": self._people,
            "facts": self._facts,
            "quotes": self._quotes,
        }
        for section, items in doc.items():
            line = doc.line_of(section)
            if section == _REMOVED and self.overlay:
                self.removal(f, line, items)
                continue
            if section == _REMOVED:
                self.err(f, line, f"'{_REMOVED}' is only allowed in the overlay file {OVERLAY_NAME}")
                continue
            if section not in _SECTIONS:
                self.err(f, line, f"unknown section '{section}' (allowed: {', '.join(_SECTIONS)})")
                continue
            if items is None:
                continue
            if not isinstance(items, list):
                self.err(f, line, f"'{section}' must be a list")
                continue
            # Each entry is let go once read: freeing a large file's entries all at once holds
            # the GIL long enough to stall an event loop (a bot reloading on a worker thread).
            items.reverse()
            while items:
                item = items.pop()
                if section == "synonyms":
                    self.synonym(f, line, item)
                elif not isinstance(item, _Map):
                    self.err(f, line, f"each entry of '{section}' must be a mapping, not {item!r}")
                else:
                    readers[section](f, item)

    def removal(self, f: str, line: int, items: object) -> None:
        if items is None:
            return
        if isinstance(items, str):
            items = [items]
        if not isinstance(items, list):
            self.err(f, line, f"'{_REMOVED}' must be a list of ids")
            return
        for item in items:
            if not isinstance(item, str) or not ID_PATTERN.match(item):
                self.err(f, line, f"'{_REMOVED}' has an item that is not an id: {item!r}")
            else:
                self.removals.append((item, f, line))

    def apply_removals(self) -> None:
        """Check the overlay's removals against the curated ids and mark those entries dropped."""
        for rid, f, line in self.removals:
            if rid in self.removed:
                self.err(f, line, f"{rid!r} is removed twice")
            elif rid in self.replaced:
                rfile, rline = self.replaced[rid]
                self.err(f, line, f"{rid!r} is both removed and replaced (at {rfile}:{rline})")
            elif rid not in self.ids:
                self.err(f, line, f"cannot remove {rid!r}: no curated entry has this id")
            elif self.ids[rid][1] in self.overlay_files:
                self.err(f, line, f"cannot remove {rid!r}: the overlay itself adds it; delete that entry")
            else:
                _, ofile, oline = self.ids[rid]
                self.removed.add(rid)
                self.dropped.add((ofile, oline))

    def synonym(self, f: str, line: int, item: object) -> None:
        if not isinstance(item, list) or len(item) < 2:
            self.err(f, line, f"each synonym group must be a list of two or more words, not {item!r}")
            return
        words = [str(w).strip() for w in item if isinstance(w, str | int) and str(w).strip()]
        if len(words) != len(item):
            self.err(f, line, f"synonym group {item!r} has an empty or non-text word")
            return
        self.synonyms.append(tuple(words))

    def _sources(self, f: str, m: _Map) -> None:
        self.check_keys(f, m, "sources")
        sid = self.ident(f, m, "sources")
        title = self.text(f, m, "title", required=True)
        publisher = self.text(f, m, "publisher", required=True)
        url = self.text(f, m, "url")
        if url and not re.match(r"^https?://\S+$", url):
            self.err(f, m.line_of("url"), f"url {url!r} must start with http:// or https://")
        if sid and title and publisher:
            self.sources.append(
                Source(sid, title, publisher, self.text(f, m, "date"), url, self.text(f, m, "via"))
            )

    def _people(self, f: str, m: _Map) -> None:
        self.check_keys(f, m, "people")
        pid = self.ident(f, m, "people")
        name = self.text(f, m, "name", required=True)
        aliases = self.text_list(f, m, "aliases")
        if pid and name:
            self.people.append(Person(pid, name, aliases, self.text(f, m, "description")))

    def _refs(self, f: str, m: _Map, key: str, kind: str, ids: tuple[str, ...], owner: str) -> None:
        for ref in ids:
            self.refs.append((kind, ref, f, m.line_of(key), owner, m.line_of("id")))

    def _facts(self, f: str, m: _Map) -> None:
        self.check_keys(f, m, "facts")
        fid = self.ident(f, m, "facts")
        about = self.text_list(f, m, "about")
        questions = self.text_list(f, m, "questions", required=True)
        answer = self.text(f, m, "answer", required=True)
        sources = self.text_list(f, m, "sources", required=True)
        status = self.text(f, m, "status") or "confirmed"
        if status not in STATUSES:
            self.err(f, m.line_of("status"), f"status {status!r} must be one of: {', '.join(STATUSES)}")
        owner = f"fact {fid!r}"
        self._refs(f, m, "about", "person", about, owner)
        self._refs(f, m, "sources", "source", sources, owner)
        if fid and questions and answer and sources:
            self.facts.append(
                Fact(
                    fid,
                    about,
                    questions,
                    answer,
                    sources,
                    self.text(f, m, "date"),
                    status,
                    self.text(f, m, "via"),
                    f,
                    m.line,
                )
            )

    def _quotes(self, f: str, m: _Map) -> None:
        self.check_keys(f, m, "quotes")
        qid = self.ident(f, m, "quotes")
        speaker = self.text(f, m, "speaker", required=True)
        text = self.text(f, m, "text", required=True)
        sources = self.text_list(f, m, "sources", required=True)
        about = self.text_list(f, m, "about")
        owner = f"quote {qid!r}"
        if speaker:
            self._refs(f, m, "speaker", "person", (speaker,), owner)
        self._refs(f, m, "about", "person", about, owner)
        self._refs(f, m, "sources", "source", sources, owner)
        if qid and speaker and text and sources:
            self.quotes.append(
                Quote(
                    qid,
                    speaker,
                    text,
                    sources,
                    self.text(f, m, "when"),
                    self.text(f, m, "where"),
                    about,
                    self.text_list(f, m, "questions"),
                    self.text(f, m, "via"),
                    f,
                    m.line,
                )
            )

    def check_refs(self) -> None:
        known = {"person": {p.id for p in self.people}, "source": {s.id for s in self.sources}}
        refs = self.refs
        refs.reverse()
        while refs:  # one at a time, for the same reason as in `read`
            kind, ref, f, line, owner, id_line = refs.pop()
            if ref not in known[kind] and (f, id_line) not in self.dropped:
                self.err(f, line, f"{owner} refers to unknown {kind} {ref!r}")
        ids = self.ids
        while ids:
            ids.popitem()

    def settle(self) -> None:
        """Apply the overlay: drop removed entries, keep each replaced one's overlay version."""
        if not self.overlay_files:
            return
        self.apply_removals()
        self.sources = _settled(self.sources, self.removed)
        self.people = _settled(self.people, self.removed)
        self.facts = _settled(self.facts, self.removed)
        self.quotes = _settled(self.quotes, self.removed)


_R = TypeVar("_R", Source, Person, Fact, Quote)


def _settled(records: list[_R], removed: set[str]) -> list[_R]:
    """Records without the removed ids; a replaced record keeps its place and takes the later value."""
    by_id = {r.id: r for r in records}
    return [r for rid, r in by_id.items() if rid not in removed]


def _parse_one(name: str, text: str, col: _Collector) -> None:
    try:
        doc = load_located(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        col.err(name, line, f"malformed YAML: {exc.problem or exc.context or exc}")
        return
    except yaml.YAMLError as exc:
        col.err(name, 1, f"malformed YAML: {exc}")
        return
    col.read(name, doc)


_DIGEST_SLICE = 1 << 18


def knowledge_digest(named_texts: list[tuple[str, str]]) -> str:
    """The content hash of knowledge files: their names and texts, in order."""
    digest = hashlib.sha256()
    for name, text in named_texts:
        digest.update(name.encode("utf-8", "surrogatepass") + b"\0")
        # In slices: encoding a large file at once holds the GIL long enough to stall an event loop.
        for start in range(0, len(text), _DIGEST_SLICE):
            digest.update(text[start : start + _DIGEST_SLICE].encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return digest.hexdigest()


def parse_files(named_texts: list[tuple[str, str]], overlay: str | None = OVERLAY_NAME) -> KnowledgeBase:
    """Build a knowledge base from (file name, YAML text) pairs, or raise `KnowledgeError`.

    A file whose base name is ``overlay`` is applied last, as the overlay (None: no overlay).
    """
    col = _Collector()
    curated = [(n, t) for n, t in named_texts if Path(n).name != overlay]
    overlays = [(n, t) for n, t in named_texts if Path(n).name == overlay]
    with paused_gc():
        for name, text in curated:
            _parse_one(name, text, col)
        col.overlay = True
        col.overlay_files.update(n for n, _ in overlays)
        for name, text in overlays:
            _parse_one(name, text, col)
    col.settle()
    col.check_refs()
    if not col.sources and not col.problems:
        col.err(named_texts[0][0] if named_texts else "<knowledge>", 1, "no sources are defined")
    if col.problems:
        raise KnowledgeError(col.problems)
    return KnowledgeBase.build(
        col.sources,
        col.people,
        col.facts,
        col.quotes,
        col.synonyms,
        digest=knowledge_digest(named_texts),
        files=tuple(n for n, _ in named_texts),
    )


def load_knowledge(path: str | os.PathLike[str] | None = None) -> KnowledgeBase:
    """Load and validate the knowledge at ``path`` (a folder or one file); default: the shipped one.

    Raises `KnowledgeError` listing every problem, each with ``file:line``.
    """
    return parse_files(read_knowledge_files(path))


def read_knowledge_files(path: str | os.PathLike[str] | None = None) -> list[tuple[str, str]]:
    """The (file name, text) pairs of the knowledge at ``path``; raises `KnowledgeError` when unreadable."""
    root = Path(path) if path is not None else default_knowledge_path()
    if not root.exists():
        raise KnowledgeError([Problem(str(root), 0, "no such file or folder")])
    files = knowledge_files(root)
    if not files:
        raise KnowledgeError([Problem(str(root), 0, "no .yaml files in this folder")])
    named: list[tuple[str, str]] = []
    problems: list[Problem] = []
    for file in files:
        try:
            named.append((str(file), file.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(str(file), 0, f"cannot read: {exc}"))
    if problems:
        raise KnowledgeError(problems)
    return named
