"""Warnings about knowledge that loads but will not work well: colliding phrasings, unused records.

Unlike validation problems, warnings never stop the knowledge from being used.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .engine import Engine
from .feedback import normalize_question
from .loader import OVERLAY_NAME, KnowledgeError, Problem, parse_files, read_knowledge_files
from .locate import Location, locate_ids
from .model import Entry, Fact, KnowledgeBase

__all__ = ["TIE_MARGIN", "CheckReport", "LintWarning", "check_knowledge", "lint"]

#: Two entries whose scores for a phrasing are this close are a tie the matcher cannot be trusted to break.
TIE_MARGIN = 0.02


@dataclass(frozen=True, slots=True)
class LintWarning:
    """One thing a curator should look at, with where it is."""

    #: same-phrasing, collision, unanswered-phrasing, uncited-source, person-without-facts,
    #: or overridden (a curated entry replaced or removed by an edit from Discord)
    kind: str
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}: " if self.file else ""
        return f"{where}warning: {self.message}"


@dataclass(frozen=True, slots=True)
class CheckReport:
    """What `check_knowledge` found: the knowledge if it loads, else its problems; warnings either way."""

    kb: KnowledgeBase | None
    problems: tuple[Problem, ...] = ()
    warnings: tuple[LintWarning, ...] = ()

    @property
    def valid(self) -> bool:
        """Whether the knowledge loads (warnings do not count)."""
        return self.kb is not None


def check_knowledge(path: str | os.PathLike[str] | None = None, *, collisions: bool = True) -> CheckReport:
    """Validate and lint the knowledge at ``path`` (default: the shipped one), as ``kb check`` does.

    ``collisions=False`` skips asking the matcher every phrasing (slow for a large knowledge base).
    """
    try:
        named = read_knowledge_files(path)
        kb = parse_files(named)
    except KnowledgeError as exc:
        return CheckReport(None, tuple(exc.problems))
    warnings = lint(kb, Engine(kb) if collisions else None, locations=locate_ids(named))
    return CheckReport(kb, (), tuple(warnings))


def _kind(entry: Entry) -> str:
    return "fact" if isinstance(entry, Fact) else "quote"


def _where(
    eid: str, locations: Mapping[str, Location | list[Location]], entry: Entry | None = None
) -> tuple[str, int]:
    found = locations.get(eid)
    if isinstance(found, list):
        found = found[-1] if found else None
    if found is not None:
        return found.file, found.line
    if entry is not None:
        return entry.file, entry.line
    return "", 0


def lint(
    kb: KnowledgeBase,
    engine: Engine | None = None,
    *,
    locations: Mapping[str, Location | list[Location]] | None = None,
) -> list[LintWarning]:
    """Every warning about ``kb``: collisions need an ``engine`` (skipped without one).

    ``locations`` (from `bot.core.locate.locate_ids`) gives sources and people a file:line.
    """
    locations = locations or {}
    entries: list[Entry] = [*kb.facts.values(), *kb.quotes.values()]
    pairs: set[tuple[str, str]] = set()
    out = _same_phrasings(entries, locations, pairs)
    if engine is not None:
        out += _collisions(entries, engine, locations, pairs)
    out += _uncited_sources(kb, entries, locations)
    out += _people_without_facts(kb, entries, locations)
    out += _overridden(kb, locations)
    return out


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


def _same_phrasings(
    entries: Iterable[Entry],
    locations: Mapping[str, Location | list[Location]],
    pairs: set[tuple[str, str]],
) -> list[LintWarning]:
    seen: dict[str, Entry] = {}
    out = []
    for entry in entries:
        for phrasing in entry.questions:
            key = normalize_question(phrasing)
            first = seen.setdefault(key, entry)
            if first is not entry and _pair(first.id, entry.id) not in pairs:
                pairs.add(_pair(first.id, entry.id))
                file, line = _where(entry.id, locations, entry)
                ofile, oline = _where(first.id, locations, first)
                out.append(
                    LintWarning(
                        "same-phrasing",
                        file,
                        line,
                        f"{_kind(entry)} {entry.id!r} and {_kind(first)} {first.id!r} ({ofile}:{oline}) "
                        f"share the phrasing {phrasing!r}",
                    )
                )
    return out


def _collisions(
    entries: Iterable[Entry],
    engine: Engine,
    locations: Mapping[str, Location | list[Location]],
    pairs: set[tuple[str, str]],
) -> list[LintWarning]:
    """Phrasings the engine answers with another entry, scores another as high for, or declines."""
    out = []
    for entry in entries:
        for phrasing in entry.questions:
            answer = engine.ask(phrasing)
            if not answer.answered:
                file, line = _where(entry.id, locations, entry)
                out.append(
                    LintWarning(
                        "unanswered-phrasing",
                        file,
                        line,
                        f"the phrasing {phrasing!r} of {_kind(entry)} {entry.id!r} is not answered "
                        f"(best score {answer.score:.2f}); reword it",
                    )
                )
                continue
            top = engine.matches(phrasing, limit=2)
            other: Entry | None = None
            if answer.entry_id != entry.id:
                other = top[0].entry
                how = "is answered by"
            elif len(top) == 2 and top[0].entry.id == entry.id and top[0].score - top[1].score < TIE_MARGIN:
                other = top[1].entry
                how = "scores as high for"
            if other is None or _pair(entry.id, other.id) in pairs:
                continue
            pairs.add(_pair(entry.id, other.id))
            file, line = _where(entry.id, locations, entry)
            ofile, oline = _where(other.id, locations, other)
            out.append(
                LintWarning(
                    "collision",
                    file,
                    line,
                    f"the phrasing {phrasing!r} of {_kind(entry)} {entry.id!r} {how} {_kind(other)} "
                    f"{other.id!r} ({ofile}:{oline}): the matcher cannot tell them apart; reword one",
                )
            )
    return out


def _uncited_sources(
    kb: KnowledgeBase, entries: Iterable[Entry], locations: Mapping[str, Location | list[Location]]
) -> list[LintWarning]:
    cited = {sid for entry in entries for sid in entry.sources}
    out = []
    for sid in kb.sources:
        if sid not in cited:
            file, line = _where(sid, locations)
            out.append(LintWarning("uncited-source", file, line, f"source {sid!r} is never cited"))
    return out


def _people_without_facts(
    kb: KnowledgeBase, entries: list[Entry], locations: Mapping[str, Location | list[Location]]
) -> list[LintWarning]:
    involved: set[str] = set()
    texts: list[str] = []
    for entry in entries:
        involved.update(entry.about)
        texts.extend(entry.questions)
        if isinstance(entry, Fact):
            texts.append(entry.answer)
        else:
            involved.add(entry.speaker)
            texts.extend((entry.text, entry.where or ""))
    blob = "\n".join(texts).casefold()
    out = []
    for person in kb.people.values():
        if person.id in involved:
            continue
        if any(re.search(rf"(?<!\w){re.escape(name.casefold())}(?!\w)", blob) for name in person.names):
            continue
        file, line = _where(person.id, locations)
        out.append(
            LintWarning(
                "person-without-facts",
                file,
                line,
                f"person {person.id!r} ({person.name}) has no facts or quotes and is not mentioned in any",
            )
        )
    return out


def _overridden(kb: KnowledgeBase, locations: Mapping[str, Location | list[Location]]) -> list[LintWarning]:
    """Curated entries the overlay replaces or removes: hand edits to them do not show."""
    out = []
    for eid, found in locations.items():
        if not isinstance(found, list):
            continue
        curated = [loc for loc in found if os.path.basename(loc.file) != OVERLAY_NAME]
        if not curated or (len(curated) == len(found) and _known(kb, eid)):
            continue
        first = curated[0]
        what = {"sources": "source", "people": "person", "facts": "fact", "quotes": "quote"}[first.section]
        if _known(kb, eid):
            done = f"is replaced by an edit from Discord ({found[-1]})"
        else:
            done = f"is removed by an edit from Discord ({OVERLAY_NAME})"
        out.append(
            LintWarning(
                "overridden",
                first.file,
                first.line,
                f"{what} {eid!r} {done}; changes made here do not show until that edit is taken out",
            )
        )
    return out


def _known(kb: KnowledgeBase, eid: str) -> bool:
    return eid in kb.facts or eid in kb.quotes or eid in kb.sources or eid in kb.people
