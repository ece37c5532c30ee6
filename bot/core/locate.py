"""Where each id of the knowledge is written: section, file and line, read leniently.

The loader validates; this only finds. A file that is not valid YAML, or an entry
without an id, is skipped, so it can be used on knowledge that does not load.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from .yamlnodes import LocatedMap, load_located

__all__ = ["ENTRY_SECTIONS", "Location", "locate_ids"]

#: The sections whose items are entries with ids.
ENTRY_SECTIONS = ("sources", "people", "facts", "quotes")


@dataclass(frozen=True, slots=True)
class Location:
    """Where one id is defined."""

    section: str
    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


def locate_ids(named_texts: list[tuple[str, str]]) -> dict[str, list[Location]]:
    """Every definition of every id in (file name, YAML text) pairs, in file order."""
    found: dict[str, list[Location]] = {}
    for name, text in named_texts:
        try:
            doc = load_located(text)
        except yaml.YAMLError:
            continue
        if not isinstance(doc, LocatedMap):
            continue
        for section in ENTRY_SECTIONS:
            items = doc.get(section)
            if not isinstance(items, list):
                continue
            for item in items:
                if isinstance(item, LocatedMap) and isinstance(item.get("id"), str):
                    eid = str(item["id"]).strip()
                    found.setdefault(eid, []).append(Location(section, name, item.line_of("id")))
    return found
