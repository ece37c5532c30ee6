"""The engine's English: the words people ask about celebrities with, shipped with the code.

`lexicon.yaml` beside this module holds:

- ``cues``: named groups the matching rules look for (``say``: "said", "told", "quote"...;
  ``song``; ``write``; ``talk_to``; ``when``). A rule finds a cue by its name, never by how a
  curator ordered a group.
- ``groups``: everyday synonyms (husband = spouse = hubby; parents = mom and dad), phrases
  allowed, each group one match token.
- ``related``: [broader, narrower] pairs of groups: when the knowledge uses only the narrower, a
  question with the broader still finds it, with less credit ("girlfriend" for a fiancée).
- ``filler``: phrases that ask nothing ("for a living", "what's the deal with").
- ``actions``: groups whose doer matters: "What did Liam win?" is not answered by Harry's win.
- ``relations``: groups two people share: "Who was Kanye dating?" is not answered by whom Kim
  was dating.
- ``compounds``: phrases that mean several groups at once: "wedding date" is when they married.
- ``light``: groups that frame a question more than they ask ("What is the podcast called?"):
  they weigh little.
- ``opposites``: pairs of words that ask opposite questions: "When did they stop touring?" is
  not "When did they start touring?".

The curator's ``synonyms`` only add to this, in any order: `fold_table` merges every group that
shares a phrase with another into one token, named after the built-in group it joins (or its
alphabetically first phrase), so no answer depends on the order groups or words are written in.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from .text import normalize, stem, words

__all__ = ["COMPOUND", "FILLER", "Lexicon", "fold_table", "lexicon", "phrase_key"]

#: The token a filler phrase folds into: dropped from the question.
FILLER = ""
#: What joins the tokens of a compound ("wedding date" folds into "married" and "when").
COMPOUND = " "
_PATH = Path(__file__).with_name("lexicon.yaml")


@dataclass(frozen=True, slots=True)
class Lexicon:
    """The shipped language data, read once."""

    cues: dict[str, tuple[str, ...]]
    groups: tuple[tuple[str, ...], ...]
    related: tuple[tuple[str, str], ...]
    filler: tuple[str, ...]
    actions: tuple[str, ...]  # a word of each group whose doer a question may name ("win")
    relations: tuple[str, ...]  # a word of each group two people share ("date", "marry")
    opposites: tuple[tuple[str, str], ...]  # words that ask the opposite question ("before", "after")
    light: tuple[str, ...]  # a word of each group that frames a question more than it asks ("name")
    compounds: dict[str, tuple[str, ...]]  # a phrase that means several groups at once
    digest: str  # changes whenever the data does (the index cache is keyed by it)

    def words(self) -> set[str]:
        """Every word of every phrase: known English, never corrected into something else."""
        phrases = [*self.filler, *(p for g in (*self.cues.values(), *self.groups) for p in g)]
        return {w for p in phrases for w in words(normalize(p))}


_UNITS = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen \
sixteen seventeen eighteen nineteen".split()
_TENS = {20: "twenty", 30: "thirty", 40: "forty", 50: "fifty"}
_ORDINAL_WORDS = {1: "first", 2: "second", 3: "third", 5: "fifth", 8: "eighth", 9: "ninth", 12: "twelfth"}


def _cardinal(n: int) -> str:
    if n < 20:
        return _UNITS[n]
    tens, unit = divmod(n, 10)
    return _TENS[tens * 10] + (f" {_UNITS[unit]}" if unit else "")


def _ordinal(n: int) -> str:
    if n in _ORDINAL_WORDS:
        return _ORDINAL_WORDS[n]
    if n >= 20 and n % 10:
        return _TENS[n - n % 10] + " " + _ordinal(n % 10)
    word = _cardinal(n)
    return word[:-1] + "ieth" if word.endswith("y") else word + "th"


def _numbers() -> tuple[tuple[str, ...], ...]:
    """Number words and their digits, 2 to 59 ("four" = "4"), and ordinals 1st to 59th ("4th" =
    "fourth"): each group's token is its digits, so a number reads the same however written."""
    out: list[tuple[str, ...]] = []
    for n in range(1, 60):
        suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
        out.append((f"{n}{suffix}", _ordinal(n), *(("sophomore",) if n == 2 else ())))
        if n >= 2:  # "one" is a pronoun as often as a number
            out.append((str(n), _cardinal(n)))
    return tuple(out)


def phrase_key(phrase: str) -> tuple[str, ...]:
    """A phrase as the analyzer compares it: its words' stems."""
    return tuple(stem(w) for w in words(normalize(phrase)))


@cache
def lexicon() -> Lexicon:
    """The shipped lexicon (`lexicon.yaml` beside this module)."""
    raw = _PATH.read_bytes()
    # The C loader when PyYAML has it (a third of a second less at every start), else the Python one.
    data = yaml.load(raw, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - a safe loader
    cues = {str(k): tuple(str(p) for p in v) for k, v in data["cues"].items()}
    groups = tuple(tuple(str(p) for p in g) for g in data["groups"]) + _numbers()
    related = tuple((str(a), str(b)) for a, b in data.get("related") or ())
    filler = tuple(str(p) for p in data.get("filler") or ())
    actions = tuple(str(p) for p in data.get("actions") or ())
    relations = tuple(str(p) for p in data.get("relations") or ())
    opposites = tuple((str(a), str(b)) for a, b in data.get("opposites") or ())
    light = tuple(str(p) for p in data.get("light") or ())
    compounds = {str(k): tuple(str(p) for p in v) for k, v in (data.get("compounds") or {}).items()}
    digest = hashlib.sha256(raw).hexdigest()[:16]
    return Lexicon(cues, groups, related, filler, actions, relations, opposites, light, compounds, digest)


def fold_table(
    lex: Lexicon, curated: Iterable[Sequence[str]] = ()
) -> tuple[dict[tuple[str, ...], str], dict[str, tuple[str, ...]]]:
    """The token each phrase folds into, and the tokens related to each token.

    Groups that share a phrase become one (a union of the built-in and the curator's groups); a
    group holding a cue takes the cue's name, else its alphabetically first built-in phrase's
    stems (a curator's group never renames the engine's), else its first phrase's.
    Filler phrases fold into `FILLER` unless a group claims them.
    """
    parent: dict[tuple[str, ...], tuple[str, ...]] = {}

    def find(k: tuple[str, ...]) -> tuple[str, ...]:
        root = k
        while parent[root] != root:
            root = parent[root]
        while parent[k] != root:
            parent[k], k = root, parent[k]
        return root

    def union(keys: list[tuple[str, ...]]) -> None:
        for k in keys:
            parent.setdefault(k, k)
        for k in keys[1:]:
            a, b = find(keys[0]), find(k)
            if a != b:
                parent[max(a, b)] = min(a, b)

    named: dict[tuple[str, ...], str] = {}
    for name, phrases in lex.cues.items():
        keys = [k for k in map(phrase_key, phrases) if k]
        union(keys)
        named[keys[0]] = name
    builtin: set[tuple[str, ...]] = set(named)
    for group in lex.groups:
        keys = [k for k in map(phrase_key, group) if k]
        builtin.update(keys)
        if keys:
            union(keys)
    for own in curated:
        keys = [k for k in map(phrase_key, own) if k]
        if keys:
            union(keys)
    # A component's name: its cue's (the smallest, should a curator join two), else its smallest
    # built-in phrase (so that a curator's group never renames the engine's), else its root.
    names: dict[tuple[str, ...], str] = {}
    for key, name in sorted(named.items(), key=lambda kv: kv[1]):
        names.setdefault(find(key), name)
    for key in sorted(builtin):
        names.setdefault(find(key), "_".join(key))
    table = {k: names.get(find(k), "_".join(find(k))) for k in parent}
    for phrase in lex.filler:
        key = phrase_key(phrase)
        if key:
            table.setdefault(key, FILLER)
    for phrase, parts in lex.compounds.items():
        tokens = [table.get(phrase_key(p), "_".join(phrase_key(p))) for p in parts]
        table[phrase_key(phrase)] = COMPOUND.join(tokens)
    related: dict[str, set[str]] = {}
    for a, b in lex.related:
        ta, tb = table.get(phrase_key(a)), table.get(phrase_key(b))
        if ta and tb and ta != tb:
            related.setdefault(ta, set()).add(tb)
    return table, {k: tuple(sorted(v)) for k, v in related.items()}
