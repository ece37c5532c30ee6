"""Edits to the knowledge that never lose data: checked, validated, atomic, one writer at a time, audited.

The design (knowledge/README.md, "Edits from Discord"):

* Curated files are never rewritten. Every edit goes to the bot-owned overlay file
  (`bot.core.loader.OVERLAY_NAME`) in the knowledge folder: added entries, replacements
  of curated entries by id, and a ``removed`` list of curated ids. The loader applies it
  on top of the curated files, so their comments and layout survive.
* An edit first takes an exclusive ``fcntl.flock`` on ``.zz-discord-edits.lock`` in the
  knowledge folder (one writer at a time, across threads and processes), re-reads the
  overlay, builds the would-be knowledge with `bot.core.loader.parse_files` and refuses
  the edit with every problem if it does not load. Only then is the overlay written:
  a temporary file in the same folder, fsync, ``os.replace``, fsync of the folder. A
  crash at any step leaves the old or the new file whole.
* Every edit is appended to the audit log (``audit.jsonl`` in the data folder): who,
  when, what changed, and enough to undo it.

Every method blocks (on the lock and on disk); call it from a worker thread in an event loop.
Text fields are stored as plain strings (the overlay is written with ``yaml.safe_dump``,
so text that looks like YAML stays text); control characters are removed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import json
import logging
import os
import re
import stat
import tempfile
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .loader import ID_PATTERN, OVERLAY_NAME, KnowledgeError, Problem, parse_files, read_knowledge_files
from .locate import ENTRY_SECTIONS, locate_ids
from .model import Fact, KnowledgeBase, Person, Quote, Source

__all__ = [
    "AUDIT_NAME",
    "LOCK_NAME",
    "MAX_ITEMS",
    "MAX_LONG_TEXT",
    "MAX_SHORT_TEXT",
    "WRITE_STEPS",
    "AuditRecord",
    "EditError",
    "EditResult",
    "Fields",
    "InvalidEdit",
    "KnowledgeStore",
    "WriteFailed",
    "atomic_write",
    "clean_text",
]

log = logging.getLogger(__name__)

#: The steps of `atomic_write`, in order, as its ``fault`` hook names them.
WRITE_STEPS = ("create", "write", "flush", "fsync", "chmod", "replace", "fsync-dir")
#: The audit log's file name in the data folder.
AUDIT_NAME = "audit.jsonl"
#: The lock file's name in the knowledge folder (not ``*.yaml``, so never loaded).
LOCK_NAME = ".zz-discord-edits.lock"
#: The longest answer or quote text, in characters: one Discord message must hold it with its sources.
MAX_LONG_TEXT = 1500
#: The longest phrasing, name, title or other one-line field.
MAX_SHORT_TEXT = 300
#: The most items in a list field (phrasings, aliases, sources, people).
MAX_ITEMS = 25
_MAX_ID = 64

#: What callers pass: a field's text, a list of texts, or None to leave an optional field out.
Fields = Mapping[str, str | Sequence[str] | None]

_OVERLAY_HEADER = (
    "# Edits made from Discord, written by celebbot (bot/core/store.py): every write replaces\n"
    "# this whole file, so comments here are not kept. Curated files are never rewritten.\n"
    '# Format: knowledge/README.md, section "Edits from Discord".\n'
)

# Field kinds and their canonical order in a written entry.
_ORDER: dict[str, tuple[str, ...]] = {
    "sources": ("id", "title", "publisher", "date", "url", "via"),
    "people": ("id", "name", "aliases", "description"),
    "facts": ("id", "about", "questions", "answer", "date", "status", "via", "sources"),
    "quotes": ("id", "speaker", "about", "text", "questions", "when", "where", "via", "sources"),
}
_REQUIRED: dict[str, frozenset[str]] = {
    "sources": frozenset({"id", "title", "publisher"}),
    "people": frozenset({"id", "name"}),
    "facts": frozenset({"id", "questions", "answer", "sources"}),
    "quotes": frozenset({"id", "speaker", "text", "sources"}),
}
_LISTS = frozenset({"about", "questions", "sources", "aliases"})
_LONG = frozenset({"answer", "text"})
_SINGULAR = {"sources": "source", "people": "person", "facts": "fact", "quotes": "quote"}
# Control characters (but tab and newline), bidi overrides and isolates, byte-order marks, lone
# surrogates: invisible, never meant, and some would corrupt the file or the display.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]")


class EditError(Exception):
    """An edit was not made; ``messages`` says why, one reason a line, ready to show to a curator."""

    def __init__(self, messages: Sequence[str]) -> None:
        self.messages = list(messages)
        super().__init__("\n".join(self.messages))


class InvalidEdit(EditError):
    """The edit was refused: bad input, or it would make the knowledge invalid. Nothing was written."""


class WriteFailed(EditError):
    """The disk refused the write (read-only, full, ...). The knowledge files are as they were."""


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One line of the audit log: who changed what, when, and how to undo it."""

    seq: int
    time: str
    user: str
    action: str
    entry_id: str
    summary: str
    #: Per id touched: section, the entry before and after (as curators see it), and the
    #: overlay's state for that id before and after (what undo restores).
    changes: tuple[dict[str, Any], ...] = ()
    undoes: int | None = None

    def to_json(self) -> dict[str, Any]:
        """The record as one JSON object of the log."""
        return {
            "seq": self.seq,
            "time": self.time,
            "user": self.user,
            "action": self.action,
            "entry_id": self.entry_id,
            "summary": self.summary,
            "changes": list(self.changes),
            "undoes": self.undoes,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AuditRecord:
        """Read a record back from its JSON object."""
        undoes = data.get("undoes")
        return cls(
            seq=int(data["seq"]),
            time=str(data["time"]),
            user=str(data["user"]),
            action=str(data["action"]),
            entry_id=str(data["entry_id"]),
            summary=str(data["summary"]),
            changes=tuple(data.get("changes") or ()),
            undoes=int(undoes) if undoes is not None else None,
        )

    def line(self) -> str:
        """One readable line: number, time, who, what."""
        return f"#{self.seq} {self.time} {self.user}: {self.summary}"


@dataclass(frozen=True, slots=True)
class EditResult:
    """A successful edit: its audit record, the knowledge now on disk (validated), and any warning."""

    record: AuditRecord
    kb: KnowledgeBase
    warnings: tuple[str, ...] = field(default=())

    @property
    def entry_id(self) -> str:
        """The id of the entry the edit was about."""
        return self.record.entry_id


def clean_text(value: str, *, multiline: bool = False) -> str:
    """Remove control characters and stray spaces; one line unless ``multiline``.

    >>> clean_text("  Hi\\x00 there\\n  you ")
    'Hi there you'
    """
    value = unicodedata.normalize("NFC", _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n")))
    value = value.replace("\t", " ")
    if not multiline:
        return " ".join(value.split())
    lines = [line.rstrip() for line in value.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _no_fault(step: str) -> None:
    """The default fault hook: no fault."""


def atomic_write(path: Path, text: str, *, fault: Callable[[str], None] = _no_fault) -> None:
    """Replace ``path`` with ``text`` so that a reader or a crash sees the old file or the new, whole.

    A temporary file in the same folder is written, flushed, fsynced and renamed over
    ``path``; then the folder is fsynced so the rename itself survives a power cut.
    ``fault(step)`` is called before each step (tests raise there to simulate failures).
    Raises `OSError` with the temporary file removed and ``path`` untouched if any
    step up to the rename fails (a failed fsync of the folder is only logged).
    """
    directory = path.parent
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        mode = 0o644
    fault("create")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            fault("write")
            out.write(text)
            fault("flush")
            out.flush()
            fault("fsync")
            os.fsync(out.fileno())
        fault("chmod")
        os.chmod(tmp, mode)
        fault("replace")
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    try:
        fault("fsync-dir")
        _fsync_dir(directory)
    except OSError as exc:
        # The new file is in place and whole; only its survival of a power cut is in doubt.
        log.warning("wrote %s but could not fsync its folder: %s", path, exc)


class _Dumper(yaml.SafeDumper):
    """The safe dumper, writing text with line breaks as a literal block for readable diffs."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def _dump_overlay(doc: Mapping[str, Any]) -> str:
    # safe_dump's dumper, with one representer more: strings are never emitted as anything but strings.
    body = yaml.dump(dict(doc), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    return _OVERLAY_HEADER + body


def _record_fields(record: Source | Person | Fact | Quote) -> dict[str, Any]:
    """A loaded record as the fields of an entry (omitting empty optional ones and the default status)."""
    section = _section_of(record)
    out: dict[str, Any] = {}
    for key in _ORDER[section]:
        value = getattr(record, key)
        if isinstance(value, tuple):
            value = list(value)
        if value in (None, [], "") or (key == "status" and value == "confirmed"):
            continue
        out[key] = value
    return out


def _section_of(record: Source | Person | Fact | Quote) -> str:
    if isinstance(record, Source):
        return "sources"
    if isinstance(record, Person):
        return "people"
    return "facts" if isinstance(record, Fact) else "quotes"


def _slug(text: str, limit: int = 48) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    words = re.findall(r"[a-z0-9]+", ascii_text)
    out = ""
    for word in words:
        if len(out) + len(word) + 1 > limit:
            break
        out = f"{out}-{word}" if out else word
    return out


class _Overlay:
    """The overlay file's content as plain data, with the per-id state undo works with."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc

    @classmethod
    def parse(cls, text: str) -> _Overlay:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - safe
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise ValueError("it is not a mapping")
        return cls(data)

    def entries(self, section: str) -> list[dict[str, Any]]:
        items = self.doc.get(section)
        if items is None:
            items = self.doc[section] = []
        if not isinstance(items, list):
            raise ValueError(f"'{section}' is not a list")
        return items

    def removed(self) -> list[str]:
        items = self.doc.get("removed")
        if items is None:
            items = self.doc["removed"] = []
        if not isinstance(items, list):
            raise ValueError("'removed' is not a list")
        return items

    def find(self, section: str, eid: str) -> dict[str, Any] | None:
        for item in self.entries(section):
            if isinstance(item, dict) and str(item.get("id")) == eid:
                return item
        return None

    def state(self, section: str, eid: str) -> dict[str, Any]:
        entry = self.find(section, eid)
        return {"entry": dict(entry) if entry is not None else None, "removed": eid in self.removed()}

    def set_state(self, section: str, eid: str, state: Mapping[str, Any]) -> None:
        items = self.entries(section)
        index = next(
            (i for i, it in enumerate(items) if isinstance(it, dict) and str(it.get("id")) == eid), None
        )
        entry = state.get("entry")
        if entry is None:
            if index is not None:
                del items[index]
        elif index is None:
            items.append(dict(entry))
        else:
            items[index] = dict(entry)
        removed = self.removed()
        if state.get("removed") and eid not in removed:
            removed.append(eid)
        elif not state.get("removed") and eid in removed:
            removed.remove(eid)

    def text(self) -> str:
        # Sections in the loader's order, empty ones left out; anything else a person added is kept.
        doc: dict[str, Any] = {}
        for key in (*ENTRY_SECTIONS, "synonyms", "removed"):
            if self.doc.get(key):
                doc[key] = self.doc[key]
        for key, value in self.doc.items():
            if key not in doc and value:
                doc[key] = value
        return _dump_overlay(doc) if doc else _OVERLAY_HEADER


@dataclass
class _Draft:
    """One edit being prepared: what it is, the changes made to the overlay, and the audit summary."""

    action: str
    entry_id: str
    summary: str
    changes: list[dict[str, Any]] = field(default_factory=list)
    undoes: int | None = None


class KnowledgeStore:
    """Edits a knowledge folder through its overlay file, and keeps the audit log in a data folder.

    ``user`` in every method is free text naming who asked, for the audit log
    (the Discord adapter passes e.g. ``"discord:1234 (alice)"``).
    """

    def __init__(
        self,
        knowledge_dir: str | os.PathLike[str],
        data_dir: str | os.PathLike[str],
        *,
        clock: Callable[[], dt.datetime] | None = None,
        fault: Callable[[str], None] = _no_fault,
    ) -> None:
        self.knowledge_dir = Path(knowledge_dir)
        self.data_dir = Path(data_dir)
        self.overlay_path = self.knowledge_dir / OVERLAY_NAME
        self.lock_path = self.knowledge_dir / LOCK_NAME
        self.audit_path = self.data_dir / AUDIT_NAME
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self._fault = fault

    # -- public API -------------------------------------------------------------

    def knowledge(self) -> KnowledgeBase:
        """The knowledge as it is on disk now; raises `bot.core.KnowledgeError` when it does not load."""
        return parse_files(read_knowledge_files(self.knowledge_dir))

    def add_fact(self, fields: Fields, *, user: str, new_source: Fields | None = None) -> EditResult:
        """Add a fact (``questions`` may be one text with a phrasing a line); ``id`` is made if absent.

        ``new_source``, if given, is added in the same write (the fact may cite it).
        """
        return self._add("facts", fields, user=user, new_source=new_source)

    def add_quote(self, fields: Fields, *, user: str, new_source: Fields | None = None) -> EditResult:
        """Add a quote (``speaker`` a person id); ``id`` is made if absent."""
        return self._add("quotes", fields, user=user, new_source=new_source)

    def add_source(self, fields: Fields, *, user: str) -> EditResult:
        """Add a source (``title``, ``publisher``, optional ``date``, ``url``, ``via``)."""
        return self._add("sources", fields, user=user, new_source=None)

    def add_person(self, fields: Fields, *, user: str) -> EditResult:
        """Add a person (``name``, optional ``aliases``, ``description``)."""
        return self._add("people", fields, user=user, new_source=None)

    def edit(self, entry_id: str, changes: Fields, *, user: str) -> EditResult:
        """Change fields of any entry by id; a field set to None or "" is removed (if optional)."""
        entry_id = clean_text(entry_id)

        def plan(kb: KnowledgeBase, overlay: _Overlay, curated: set[str]) -> _Draft:
            record = _lookup(kb, entry_id)
            if record is None:
                raise InvalidEdit([f"there is no entry with the id {entry_id!r}"])
            section = _section_of(record)
            before = _record_fields(record)
            merged = dict(before)
            for key, value in _clean_fields(section, changes, partial=True).items():
                if key == "id" and value != entry_id:
                    raise InvalidEdit(["an id cannot be changed: remove the entry and add it anew"])
                if value is None:
                    merged.pop(key, None)
                else:
                    merged[key] = value
            if merged.get("status") == "confirmed":
                del merged["status"]  # the default, which loaded records leave out too
            merged = {k: merged[k] for k in _ORDER[section] if k in merged}
            _check_fields(section, merged, kb)
            if merged == before:
                raise InvalidEdit([f"nothing to change: {entry_id!r} already says that"])
            changed = sorted(k for k in set(before) | set(merged) if before.get(k) != merged.get(k))
            draft = _Draft(
                "edit", entry_id, f"edited {_SINGULAR[section]} {entry_id!r} ({', '.join(changed)})"
            )
            _change(draft, overlay, section, entry_id, before, merged, {"entry": merged, "removed": False})
            return draft

        return self._commit(plan, user)

    def remove(self, entry_id: str, *, user: str) -> EditResult:
        """Remove any entry by id (curated ones are listed as removed in the overlay, never deleted)."""
        entry_id = clean_text(entry_id)

        def plan(kb: KnowledgeBase, overlay: _Overlay, curated: set[str]) -> _Draft:
            record = _lookup(kb, entry_id)
            if record is None:
                raise InvalidEdit([f"there is no entry with the id {entry_id!r}"])
            section = _section_of(record)
            users = _users_of(kb, entry_id) if section in ("sources", "people") else []
            if users:
                shown = ", ".join(users[:10]) + (", ..." if len(users) > 10 else "")
                what = f"{_SINGULAR[section]} {entry_id!r}"
                raise InvalidEdit([f"{what} is still used by {shown}: edit or remove those first"])
            draft = _Draft("remove", entry_id, f"removed {_SINGULAR[section]} {entry_id!r}")
            after = {"entry": None, "removed": entry_id in curated}
            _change(draft, overlay, section, entry_id, _record_fields(record), None, after)
            return draft

        return self._commit(plan, user)

    def undo_target(self) -> AuditRecord | None:
        """The edit `undo` would revert now, if any (to show before asking to confirm)."""
        return _undo_target(self._read_audit())

    def undo(self, *, user: str, expected: int | None = None) -> EditResult:
        """Undo the latest edit not undone yet (undoing again goes further back).

        ``expected``: the number of the edit the user agreed to undo; if another edit has
        become the latest since, nothing is undone.
        """

        def plan(kb: KnowledgeBase, overlay: _Overlay, curated: set[str]) -> _Draft:
            target = _undo_target(self._read_audit())
            if target is None:
                raise InvalidEdit(["there is no edit to undo"])
            if expected is not None and target.seq != expected:
                raise InvalidEdit([f"the latest edit is now #{target.seq}, not #{expected}: look again"])
            draft = _Draft("undo", target.entry_id, f"undid #{target.seq} ({target.summary})")
            draft.undoes = target.seq
            for change in reversed(target.changes):
                section, eid = str(change["section"]), str(change["id"])
                if overlay.state(section, eid) != change["overlay_after"]:
                    raise InvalidEdit(
                        [
                            f"{eid!r} has changed since edit #{target.seq}, so it cannot be undone "
                            f"automatically; look at {self.overlay_path.name} or use edit"
                        ]
                    )
                _change(
                    draft, overlay, section, eid, change["after"], change["before"], change["overlay_before"]
                )
            return draft

        return self._commit(plan, user)

    def history(self, limit: int = 20) -> list[AuditRecord]:
        """The latest audit records, newest first."""
        records = self._read_audit()
        return records[::-1][: max(0, limit)]

    # -- the edit cycle ---------------------------------------------------------

    def _add(self, section: str, fields: Fields, *, user: str, new_source: Fields | None) -> EditResult:
        entry = _clean_fields(section, fields, partial=False)
        source = _clean_fields("sources", new_source, partial=False) if new_source is not None else None

        def plan(kb: KnowledgeBase, overlay: _Overlay, curated: set[str]) -> _Draft:
            taken = _all_ids(kb) | curated | set(overlay.removed())
            draft = _Draft(f"add-{_SINGULAR[section]}", "", "")
            if source is not None:
                sid = _claim_id("sources", source, taken)
                source["id"] = sid
                _check_fields("sources", source, kb)
                known = {*kb.sources, sid}
                cited = entry.get("sources")
                if not cited:
                    entry["sources"] = [sid]
                elif sid not in cited:
                    raise InvalidEdit([f"the new source {sid!r} is not among the entry's sources"])
                _change(draft, overlay, "sources", sid, None, *_added("sources", source))
            else:
                known = set(kb.sources)
            eid = _claim_id(section, entry, taken)
            entry["id"] = eid
            _check_fields(section, entry, kb, sources=known)
            draft.entry_id = eid
            draft.summary = f"added {_SINGULAR[section]} {eid!r}"
            if source is not None:
                draft.summary += f" with new source {source['id']!r}"
            _change(draft, overlay, section, eid, None, *_added(section, entry))
            return draft

        return self._commit(plan, user)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold the knowledge folder's edit lock (blocks until other writers are done)."""
        if not self.knowledge_dir.is_dir():
            raise WriteFailed([f"edits need a knowledge folder; {self.knowledge_dir} is not one"])
        try:
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise WriteFailed([f"cannot open the lock file {self.lock_path}: {_reason(exc)}"]) from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def _commit(self, plan: Callable[[KnowledgeBase, _Overlay, set[str]], _Draft], user: str) -> EditResult:
        user = clean_text(user)[:MAX_SHORT_TEXT] or "unknown"
        with self._locked():
            named = self._read_named()
            overlay_name = str(self.overlay_path)
            curated_named = [(n, t) for n, t in named if n != overlay_name]
            overlay_text = next((t for n, t in named if n == overlay_name), "")
            try:
                kb = parse_files(named)
            except KnowledgeError as exc:
                raise InvalidEdit(
                    ["the knowledge does not load now, so no edit can be checked; fix it first:"]
                    + [str(p) for p in exc.problems]
                ) from exc
            try:
                overlay = _Overlay.parse(overlay_text)
            except (yaml.YAMLError, ValueError) as exc:
                raise InvalidEdit([f"the overlay file {self.overlay_path} cannot be edited: {exc}"]) from exc
            curated = set(locate_ids(curated_named))
            draft = plan(kb, overlay, curated)
            seq = self._next_seq()  # before writing: an unreadable log stops the edit while nothing changed
            new_text = overlay.text()
            try:
                new_kb = parse_files([*curated_named, (overlay_name, new_text)])
            except KnowledgeError as exc:
                raise InvalidEdit([_problem_text(p, overlay_name) for p in exc.problems]) from exc
            self._write_overlay(new_text)
            record = AuditRecord(
                seq=seq,
                time=self._clock().astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                user=user,
                action=draft.action,
                entry_id=draft.entry_id,
                summary=draft.summary,
                changes=tuple(draft.changes),
                undoes=draft.undoes,
            )
            warnings: tuple[str, ...] = ()
            try:
                self._append_audit(record)
            except OSError as exc:
                # The knowledge is written; say so rather than report a failure that did not happen.
                log.error("the edit was saved but the audit log %s was not: %s", self.audit_path, exc)
                warnings = (f"the edit was saved, but the audit log could not be written: {_reason(exc)}",)
            log.info("knowledge edit %s", record.line())
            return EditResult(record, new_kb, warnings)

    def _read_named(self) -> list[tuple[str, str]]:
        try:
            return read_knowledge_files(self.knowledge_dir)
        except KnowledgeError as exc:
            if all(p.message == "no .yaml files in this folder" for p in exc.problems):
                return []
            raise InvalidEdit([str(p) for p in exc.problems]) from exc

    def _write_overlay(self, text: str) -> None:
        path = self.overlay_path
        try:
            mode = path.stat().st_mode
        except FileNotFoundError:
            mode = None
        except OSError as exc:
            raise WriteFailed([f"cannot read {path}: {_reason(exc)}; nothing was changed"]) from exc
        # Checked by mode bits, not os.access, so a read-only file is respected even by root.
        if mode is not None and not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
            raise WriteFailed([f"{path} is read-only; nothing was changed"])
        for stale in self.knowledge_dir.glob(f".{path.name}.*.tmp"):
            # Left by a crash in a write: we hold the lock, so no writer is using it now.
            with contextlib.suppress(OSError):
                stale.unlink()
        try:
            atomic_write(path, text, fault=self._fault)
        except OSError as exc:
            raise WriteFailed([f"could not write {path}: {_reason(exc)}; nothing was changed"]) from exc

    # -- the audit log ---------------------------------------------------------

    def _read_audit(self) -> list[AuditRecord]:
        try:
            lines = self.audit_path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise WriteFailed([f"cannot read the audit log {self.audit_path}: {_reason(exc)}"]) from exc
        out = []
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                out.append(AuditRecord.from_json(json.loads(line)))
            except (ValueError, KeyError, TypeError) as exc:
                # A torn last line (a crash while appending) must not stop history or undo.
                log.warning("skipping line %d of %s: %s", number, self.audit_path, exc)
        return out

    def _next_seq(self) -> int:
        records = self._read_audit()
        return max((r.seq for r in records), default=0) + 1

    def _append_audit(self, record: AuditRecord) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        line = json.dumps(record.to_json(), ensure_ascii=False, sort_keys=True) + "\n"
        with open(self.audit_path, "a", encoding="utf-8") as out:
            out.write(line)
            out.flush()
            os.fsync(out.fileno())


# -- helpers -------------------------------------------------------------------


def _reason(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "the disk is full"
    return exc.strerror or str(exc)


def _problem_text(problem: Problem, overlay_name: str) -> str:
    """A validation problem for a curator: the overlay's file:line means nothing to them."""
    return problem.message if problem.file == overlay_name else str(problem)


def _lookup(kb: KnowledgeBase, eid: str) -> Source | Person | Fact | Quote | None:
    for records in (kb.facts, kb.quotes, kb.sources, kb.people):
        found = records.get(eid)
        if found is not None:
            return found
    return None


def _all_ids(kb: KnowledgeBase) -> set[str]:
    return {*kb.sources, *kb.people, *kb.facts, *kb.quotes}


def _users_of(kb: KnowledgeBase, eid: str) -> list[str]:
    """The facts and quotes that cite this source or name this person."""
    out = []
    for fact in kb.facts.values():
        if eid in fact.sources or eid in fact.about:
            out.append(f"fact {fact.id!r}")
    for quote in kb.quotes.values():
        if eid in quote.sources or eid in quote.about or eid == quote.speaker:
            out.append(f"quote {quote.id!r}")
    return out


def _ordered(section: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    return {k: fields[k] for k in _ORDER[section] if fields.get(k) not in (None, [])}


def _added(section: str, fields: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A new entry's fields and the overlay state that adds it."""
    entry = _ordered(section, fields)
    return entry, {"entry": entry, "removed": False}


def _change(
    draft: _Draft,
    overlay: _Overlay,
    section: str,
    eid: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    overlay_after: Mapping[str, Any],
) -> None:
    """Set one id's overlay state and note the change for the audit log."""
    overlay_before = overlay.state(section, eid)
    entry = overlay_after.get("entry")
    state = {"entry": dict(entry) if entry else None, "removed": bool(overlay_after.get("removed"))}
    overlay.set_state(section, eid, state)
    draft.changes.append(
        {
            "id": eid,
            "section": section,
            "before": dict(before) if before is not None else None,
            "after": dict(after) if after is not None else None,
            "overlay_before": overlay_before,
            "overlay_after": overlay.state(section, eid),
        }
    )


def _clean_fields(section: str, fields: Fields, *, partial: bool) -> dict[str, Any]:
    """Known keys only, text cleaned, list fields as lists (a text splits on lines, or commas for ids)."""
    allowed = _ORDER[section]
    problems = []
    out: dict[str, Any] = {}
    for key, value in fields.items():
        if key not in allowed:
            problems.append(
                f"unknown field {key!r} for a {_SINGULAR[section]} (allowed: {', '.join(allowed)})"
            )
            continue
        if value is None:
            if partial:
                out[key] = None
            continue
        if key in _LISTS:
            if isinstance(value, str):
                sep = "\n" if key in ("questions", "aliases") else r"[\n,]"
                value = re.split(sep, value)
            items = [clean_text(str(v)) for v in value]
            unique = list(dict.fromkeys(v for v in items if v))
            out[key] = unique or None
        elif isinstance(value, str):
            out[key] = clean_text(value, multiline=key in _LONG) or None
        else:
            problems.append(f"{key!r} must be text")
        if key == "id" and out.get(key):
            out[key] = str(out[key])
    if problems:
        raise InvalidEdit(problems)
    if not partial:
        out = {k: v for k, v in out.items() if v is not None}
    return out


def _check_fields(
    section: str,
    fields: Mapping[str, Any],
    kb: KnowledgeBase,
    *,
    sources: set[str] | None = None,
) -> None:
    """Required fields, lengths and references, with messages a curator understands."""
    what = _SINGULAR[section]
    problems = []
    for key in _ORDER[section]:
        if key in _REQUIRED[section] and not fields.get(key):
            problems.append(f"{key!r} is required for a {what}")
    for key, value in fields.items():
        texts = value if isinstance(value, list) else [value]
        if key in _LISTS and len(texts) > MAX_ITEMS:
            problems.append(f"{key!r} has {len(texts)} items; at most {MAX_ITEMS} are allowed")
        limit = _MAX_ID if key == "id" else MAX_LONG_TEXT if key in _LONG else MAX_SHORT_TEXT
        for text in texts:
            if len(str(text)) > limit:
                problems.append(
                    f"{key!r} is {len(str(text))} characters long; at most {limit} are allowed"
                    + (" (an answer must fit in one message with its sources)" if key in _LONG else "")
                )
    eid = fields.get("id")
    if eid and not ID_PATTERN.match(str(eid)):
        problems.append(
            f"id {eid!r} must be lower-case letters, digits, '.', '_' or '-', starting with a letter or digit"
        )
    known_sources = sources if sources is not None else set(kb.sources)
    cited = fields.get("sources") or [] if section in ("facts", "quotes") else []
    for sid in cited:
        if sid not in known_sources:
            problems.append(f"unknown source {sid!r}; known sources: {_some(known_sources)}")
    people = [*(fields.get("about") or ())]
    if section == "quotes" and fields.get("speaker"):
        people.append(fields["speaker"])
    for pid in people:
        if pid not in kb.people:
            problems.append(f"unknown person {pid!r}; known people: {_some(set(kb.people))}")
    if problems:
        raise InvalidEdit(problems)


def _some(ids: set[str], limit: int = 10) -> str:
    shown = sorted(ids)
    return ", ".join(shown[:limit]) + (f" and {len(shown) - limit} more" if len(shown) > limit else "")


def _claim_id(section: str, fields: dict[str, Any], taken: set[str]) -> str:
    """The entry's own id if free (else refuse), or a fresh one made from its text."""
    given = fields.get("id")
    if given:
        if given in taken:
            raise InvalidEdit(
                [f"the id {given!r} is already used (or was removed); choose another, or edit that entry"]
            )
        taken.add(given)
        return str(given)
    if section == "facts":
        base = _slug(str((fields.get("questions") or [""])[0]))
    elif section == "quotes":
        base = _slug(f"{fields.get('speaker', '')} {fields.get('text', '')}")
    elif section == "sources":
        base = _slug(f"{fields.get('publisher', '')} {fields.get('date', '')} {fields.get('title', '')}")
    else:
        base = _slug(str(fields.get("name", "")))
    base = base or _SINGULAR[section]
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    taken.add(candidate)
    return candidate


def _undo_target(records: list[AuditRecord]) -> AuditRecord | None:
    """The latest edit not yet undone: undos pop edits off a stack."""
    stack: list[AuditRecord] = []
    for record in records:
        if record.action == "undo":
            stack = [r for r in stack if r.seq != record.undoes]
        else:
            stack.append(record)
    return stack[-1] if stack else None
