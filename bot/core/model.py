"""The knowledge base: immutable records loaded from the curated YAML files."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = [
    "STATUSES",
    "Citation",
    "Entry",
    "Fact",
    "KnowledgeBase",
    "Person",
    "Quote",
    "Source",
]

#: Allowed values of a fact's ``status``; anything but "confirmed" is said in the answer.
STATUSES = ("confirmed", "reported", "rumor")

_MONTHS = ("January February March April May June July August September October November December").split()


def human_date(value: str | None) -> str | None:
    """Render ``2021-01`` as ``January 2021`` and ``2021-01-07`` as ``7 January 2021``.

    >>> human_date("2021-01")
    'January 2021'
    """
    if not value:
        return None
    parts = value.split("-")
    try:
        if len(parts) == 2:
            return f"{_MONTHS[int(parts[1]) - 1]} {int(parts[0])}"
        if len(parts) == 3:
            return f"{int(parts[2])} {_MONTHS[int(parts[1]) - 1]} {int(parts[0])}"
    except (ValueError, IndexError):
        pass
    return value


@dataclass(frozen=True, slots=True)
class Source:
    """A published document the knowledge is taken from."""

    id: str
    title: str
    publisher: str
    date: str | None = None
    url: str | None = None
    #: The primary source this document itself cites, when all of it relays one.
    via: str | None = None


@dataclass(frozen=True, slots=True)
class Person:
    """Someone the knowledge base knows by name and aliases."""

    id: str
    name: str
    aliases: tuple[str, ...] = ()
    description: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        """The name followed by every alias."""
        return (self.name, *self.aliases)


@dataclass(frozen=True, slots=True)
class Citation:
    """Where an answer comes from, ready to show to a person or a program."""

    source_id: str
    title: str
    publisher: str
    date: str | None
    url: str | None
    via: str | None

    def to_json(self) -> dict[str, str | None]:
        """The citation as the CLI's JSON contract spells it."""
        return {
            "source_id": self.source_id,
            "title": self.title,
            "publisher": self.publisher,
            "date": self.date,
            "url": self.url,
            "via": self.via,
        }

    def text(self) -> str:
        """One readable line: publisher, "title", date, via, url."""
        parts = [self.publisher, f"“{self.title}”"]
        when = human_date(self.date)
        if when:
            parts.append(when)
        line = ", ".join(parts)
        if self.via:
            line += f", citing {self.via}"
        if self.url:
            line += f" <{self.url}>"
        return line


@dataclass(frozen=True, slots=True)
class Fact:
    """One answer with the questions it answers and the sources it rests on."""

    id: str
    about: tuple[str, ...]
    questions: tuple[str, ...]
    answer: str
    sources: tuple[str, ...]
    date: str | None = None
    status: str = "confirmed"
    via: str | None = None
    file: str = ""
    line: int = 0


@dataclass(frozen=True, slots=True)
class Quote:
    """Verbatim words of one person, with when and where they were said."""

    id: str
    speaker: str
    text: str
    sources: tuple[str, ...]
    when: str | None = None
    where: str | None = None
    about: tuple[str, ...] = ()
    questions: tuple[str, ...] = ()
    via: str | None = None
    file: str = ""
    line: int = 0


Entry = Fact | Quote


@dataclass(frozen=True, slots=True)
class KnowledgeBase:
    """Everything the bot knows, validated and read-only."""

    sources: Mapping[str, Source]
    people: Mapping[str, Person]
    facts: Mapping[str, Fact]
    quotes: Mapping[str, Quote]
    synonyms: tuple[tuple[str, ...], ...] = ()
    #: Content hash of the files this was loaded from ("" when built in memory).
    digest: str = ""
    files: tuple[str, ...] = field(default=())

    @classmethod
    def build(
        cls,
        sources: list[Source],
        people: list[Person],
        facts: list[Fact],
        quotes: list[Quote],
        synonyms: list[tuple[str, ...]] | None = None,
        digest: str = "",
        files: tuple[str, ...] = (),
    ) -> KnowledgeBase:
        """Make a knowledge base from lists of records (ids must already be unique)."""
        return cls(
            sources={s.id: s for s in sources},
            people={p.id: p for p in people},
            facts={f.id: f for f in facts},
            quotes={q.id: q for q in quotes},
            synonyms=tuple(synonyms or ()),
            digest=digest,
            files=files,
        )

    def entry(self, entry_id: str) -> Entry | None:
        """The fact or quote with this id, if any."""
        return self.facts.get(entry_id) or self.quotes.get(entry_id)

    def citations(self, entry: Entry) -> tuple[Citation, ...]:
        """The citations of a fact or quote, in the order the entry lists its sources."""
        out = []
        for sid in entry.sources:
            src = self.sources[sid]
            out.append(
                Citation(
                    source_id=src.id,
                    title=src.title,
                    publisher=src.publisher,
                    date=src.date,
                    url=src.url,
                    via=entry.via or src.via,
                )
            )
        return tuple(out)

    def facts_about(self, person_id: str) -> list[Fact]:
        """Facts whose subjects include this person."""
        return [f for f in self.facts.values() if person_id in f.about]

    def quotes_by(self, person_id: str) -> list[Quote]:
        """Quotes this person said."""
        return [q for q in self.quotes.values() if q.speaker == person_id]
