"""The matching rules: each a named object that lowers a candidate's score or vetoes it.

The engine (`bot.core.engine`) scores a candidate entry by how much of the question it explains
(coverage) and how well it fits one of its texts (fit). Some questions fit an entry's words but
not what it is about; each rule below recognises one such case, and a match records the rules
that fired (``celebbot ask --explain`` prints them). A rule's factor multiplies the score; a
factor of 0 (`VETO`) means the entry may not answer at all.

Early rules read only the index; late ones read the entry's texts again, so they run only for an
entry whose score could answer or be offered ("did you mean"). Rules of one ``family`` exclude
each other: only the first that fires counts (someone named in place of a subject, or in
passing, is not also "not the first-named person").

Each rule is tested on an invented knowledge base in ``tests/test_rules.py``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .model import Entry, Quote
from .text import COUNT, LENGTH, QUESTION_TYPES

if TYPE_CHECKING:
    from .engine import Engine, _Query

__all__ = ["LATE", "RULES", "VETO", "Candidate", "Rule", "rule_named"]

#: The factor of a rule that forbids the entry to answer.
VETO = 0.0
#: A question whose best F-score against one phrasing or quote reaches this restates it.
RESTATED = 0.8
#: A question whose F-score against one of a quote's curated phrasings reaches this asks for it.
QUOTE_PHRASED = 0.6
#: Words of a quote's text a question must repeat to find it without naming its speaker or a cue.
QUOTE_WORDS = 3
_ORDINAL = re.compile(r"\d+(?:st|nd|rd|th)")


@dataclass(slots=True)
class Candidate:
    """What the rules read about one entry scored for one question."""

    engine: Engine
    query: _Query
    e: int  # the entry's number in the index
    entry: Entry
    subjects: frozenset[int]  # person tokens of whom the entry is about (a quote's speaker too)
    primary: set[int]  # query tokens found in a phrasing, a quote, among the subjects
    anywhere: set[int]  # query tokens found in any of its texts
    text_words: int  # a quote's words (other than names) the question repeats
    best_fit: float
    best_doc: int  # the document it fits best
    best_phrasing: float
    best_phrasing_doc: int  # the phrasing it fits best (-1: none)
    date: str  # the entry's date (a quote's when)
    mention_only: bool  # it names the question's people only in passing
    restated: bool = False  # the question nearly restates one of its texts, people included
    swapped: bool = False  # someone is named in place of a subject its best phrasing names
    passing: bool = False  # people asked about together, or named only in passing
    fired: list[Rule] = field(default_factory=list)

    @property
    def is_quote(self) -> bool:
        """Whether the entry is a quote."""
        return isinstance(self.entry, Quote)


@dataclass(frozen=True, slots=True)
class Rule:
    """A named test on a candidate, and the factor its score takes when the test holds."""

    name: str
    factor: float
    test: Callable[[Candidate], bool]
    late: bool = False  # reads the entry's texts: only for a score that could answer or be offered
    family: str = ""  # of the rules sharing one, only the first that fires counts
    #: Whether the rule can fire at all for a question (checked once, not for every candidate).
    asks: Callable[[_Query], bool] = lambda q: True

    @property
    def doc(self) -> str:
        """The rule's one-line description (its test's docstring, first line)."""
        return (self.test.__doc__ or "").strip().splitlines()[0]

    @property
    def veto(self) -> bool:
        """Whether the rule forbids the entry to answer."""
        return self.factor == VETO


RULES: list[Rule] = []


def _rule(
    name: str,
    factor: float,
    *,
    late: bool = False,
    family: str = "",
    asks: Callable[[_Query], bool] = lambda q: True,
) -> Callable[..., object]:
    def register(test: Callable[[Candidate], bool]) -> Callable[[Candidate], bool]:
        RULES.append(Rule(name, factor, test, late, family, asks))
        return test

    return register


def rule_named(name: str) -> Rule:
    """The rule of this name."""
    return next(r for r in RULES if r.name == name)


# -- what the question names that the knowledge does not know --------------------------------


@_rule("unknown-name", 0.5, asks=lambda q: q.unknown_name)
def _unknown_name(c: Candidate) -> bool:
    """The question names someone or something the knowledge does not know ("Taylor Swift").

    Two unknown words in a row, a capitalised unknown word, or a word the knowledge uses only
    inside a name ("How many Grammys did Kanye win for Stronger?").
    """
    return c.query.unknown_name


@_rule("unknown-word", 0.8, asks=lambda q: q.unknown_word)
def _unknown_word(c: Candidate) -> bool:
    """The question names nobody known and holds a word never seen (maybe a name)."""
    return c.query.unknown_word and not c.query.unknown_name


# -- whose words ---------------------------------------------------------------------------------


@_rule("reported-words", VETO, asks=lambda q: q.asks_words and bool(q.asked_speaker))
def _reported_words(c: Candidate) -> bool:
    """A fact does not give someone's words: "What did Paris Hilton say?" asks for hers.

    ("What did the source say?" names no speaker: a fact reporting what was said may answer.)
    """
    q = c.query
    return q.asks_words and not c.is_quote and c.engine._say_id not in c.primary and bool(q.asked_speaker)


@_rule("other-speaker", VETO, asks=lambda q: bool(q.asked_speaker))
def _other_speaker(c: Candidate) -> bool:
    """A quote by someone else: "What did Kim say about Kanye?" is not answered by Kanye's words."""
    return c.is_quote and bool(c.query.asked_speaker) and c.engine._speaker(c.e) not in c.query.asked_speaker


@_rule("other-listener", VETO, asks=lambda q: bool(q.listeners))
def _other_listener(c: Candidate) -> bool:
    """Words said to someone else: "What did Kanye say to Paris Hilton?" (he told Seacrest)."""
    q = c.query
    return c.is_quote and bool(q.listeners) and q.listeners.isdisjoint(c.engine._audience(c.e))


@_rule("words-not-asked", VETO)
def _words_not_asked(c: Candidate) -> bool:
    """A quote that the question neither asks for (words), repeats, nor fits by a phrasing naming its speaker.

    "Who is Kanye dating now?" shares "boyfriend now" with a lyric but asks for no words; "What
    did Kanye call Kim?" fits a curated phrasing of his quote and names him.
    """
    if not c.is_quote:
        return False
    q, engine = c.query, c.engine
    assert isinstance(c.entry, Quote)
    return not (
        q.cue
        or c.text_words >= QUOTE_WORDS
        or q.pairs & engine._quote_pairs(c.entry)
        or (c.best_phrasing >= QUOTE_PHRASED and engine._speaker(c.e) in q.named)
    )


# -- what the question asks for --------------------------------------------------------------


@_rule("other-number", 0.6, asks=lambda q: bool(q.numbers) or q.first is not None)
def _other_number(c: Candidate) -> bool:
    """The entry never names a number or year the question names.

    "What did Kanye win in 2005?" is not answered by his award of 2012, nor "their fourth child"
    by their four children; "first" counts only against an entry naming another ordinal ("his
    first gold" is not "his 23rd").
    """
    q, ix = c.query, c.engine.index
    if any(tid not in c.anywhere and number not in c.date for number, tid in q.numbers):
        return True
    return (
        q.first is not None
        and q.first not in c.anywhere
        and any(_ORDINAL.fullmatch(ix.tokens[t]) for t in ix.entry_tokens.row(c.e))
    )


def _lacks(c: Candidate, bit: int) -> bool:
    """Whether the question asks for this kind of answer (a `QUESTION_TYPES` bit, `COUNT` or
    `LENGTH`) and the entry's types say it gives none."""
    q = c.query
    return bool(bit) and bit in (q.kind, q.amount) and not c.engine.index.entry_types[c.e] & bit


@_rule("no-person", 0.6, family="kind", asks=lambda q: q.kind == QUESTION_TYPES["who"])
def _no_person(c: Candidate) -> bool:
    """A who-question of an entry that names no one it could be answering with.

    "Who is Kim's divorce lawyer?" of "Has Kim hired a divorce attorney?". (An entry about
    someone the question does not name may name its answer: "Who wants a divorce?")
    """
    return _lacks(c, QUESTION_TYPES["who"]) and c.subjects <= c.query.named


@_rule("no-place", 0.6, family="kind", asks=lambda q: q.kind == QUESTION_TYPES["where"])
def _no_place(c: Candidate) -> bool:
    """A where-question of an entry that gives no place ("Where did they marry?" of how long)."""
    return _lacks(c, QUESTION_TYPES["where"])


@_rule("no-reason", 0.6, family="kind", asks=lambda q: q.kind == QUESTION_TYPES["why"])
def _no_reason(c: Candidate) -> bool:
    """A why-question of an entry that gives no reason (none of its phrasings asks why)."""
    return _lacks(c, QUESTION_TYPES["why"])


@_rule("no-time", 0.6, family="kind", asks=lambda q: q.kind == QUESTION_TYPES["when"])
def _no_time(c: Candidate) -> bool:
    """A when-question of an entry that gives no time: no date, no year or month in its answer.

    "When did Kim found KKW Beauty?" is not answered by who the mogul behind it is.
    """
    return _lacks(c, QUESTION_TYPES["when"])


@_rule("no-number", 0.6, family="kind", asks=lambda q: q.amount == COUNT)
def _no_number(c: Candidate) -> bool:
    """A how-many question of an entry that gives no number.

    "How many goals did he score for Spurs?" is not answered by a sentence that merely mentions
    his goals.
    """
    return _lacks(c, COUNT)


@_rule("no-duration", 0.6, family="kind", asks=lambda q: q.amount == LENGTH)
def _no_duration(c: Candidate) -> bool:
    """A how-long question of an entry that gives no length of time ("How long were they friends?")."""
    return _lacks(c, LENGTH)


@_rule("other-kind", 0.85, family="kind", asks=lambda q: bool(q.kind))
def _other_kind(c: Candidate) -> bool:
    """A how- or who-question of an entry none of whose texts answers that kind of question."""
    return _lacks(c, c.query.kind)


@_rule("opposite-question", 0.6, asks=lambda q: bool(q.opposites))
def _opposite_question(c: Candidate) -> bool:
    """The entry's phrasings ask the opposite of what the question asks, never what it asks.

    "When did One Direction stop touring?" is not "When did One Direction start touring?".
    """
    q = c.query
    return bool(q.opposites) and c.engine._asks_opposite(c.e, q.opposites)


# -- who the question is about ---------------------------------------------------------------


@_rule("swapped-person", 0.7, family="people")
def _swapped_person(c: Candidate) -> bool:
    """Someone named in place of a subject the best-fitting phrasing names.

    "When did Kim meet Ray J?" fits "When did Kim and Kanye first meet?" with Ray J in Kanye's
    place; "Who was Kanye dating in 2003?" fits "Who was Kim's boyfriend in 2003?".
    """
    return c.swapped


@_rule("named-in-passing", 0.7, family="people", asks=lambda q: bool(q.named))
def _named_in_passing(c: Candidate) -> bool:
    """People asked about together, or named by the entry only in passing.

    "When did Kim and Ray J meet?" asks about both; a fact about Kim and Kanye that mentions
    Ray J does not answer it. A question of nothing but names ("kimye?") asks how they relate.
    """
    return c.passing


@_rule(
    "first-not-subject",
    0.85,
    family="people",
    asks=lambda q: bool(q.kind and q.first_named) or bool(q.roles[0]),
)
def _first_not_subject(c: Candidate) -> bool:
    """A who/where/when/why question, or one naming people before "about", of an entry not about them.

    "Who did Kanye date before Kim?" is not asked of a fact about Kim's husbands; "What song
    did Kanye rap about Kim in 2009?" not of whom Kim dated then.
    """
    q = c.query
    if c.restated:
        return False
    return bool(q.kind and q.first_named and q.first_named.isdisjoint(c.subjects)) or bool(
        q.roles[0] and c.engine._person_tokens(q.roles[0]).isdisjoint(c.subjects)
    )


@_rule("stray-person", 0.9, family="people", asks=lambda q: bool(q.named - q.context_people))
def _stray_person(c: Candidate) -> bool:
    """Someone the question names is neither what the entry is about nor in the text it fits.

    "Kanye's nickname for Kim?" fits "What is the name of the Stronger rapper?" all but for Kim.
    """
    q, ix = c.query, c.engine.index
    return bool((q.named - q.context_people) - c.subjects - set(ix.doc_tokens.row(c.best_doc)))


@_rule("other-name", 0.7, asks=lambda q: bool(q.names))
def _other_name(c: Candidate) -> bool:
    """The question names something the entry never names, in place of a name its best text holds.

    A club, a show, a place: "How many goals did he score for Spurs?" is not asked of his goals
    for Bayern.
    """
    q, ix = c.query, c.engine.index
    if not q.names - c.anywhere:
        return False
    doc = c.best_phrasing_doc if c.best_phrasing_doc >= 0 else c.best_doc
    return any(ix.tokens[t] in c.engine._names and t not in q.weights for t in ix.doc_tokens.row(doc))


# -- late: these read the entry's texts again ------------------------------------------------


@_rule("reversed-roles", VETO, late=True, asks=lambda q: bool(q.roles[0]))
def _reversed_roles(c: Candidate) -> bool:
    """The entry names the question's people the other way round around "about".

    "What song did Kim write about Kanye?" asks the reverse of "Kanye wrote about Kim".
    """
    q = c.query
    return not c.is_quote and bool(q.roles[0]) and c.engine._reversed(c.entry, q.roles)


def _texts_say_otherwise(c: Candidate) -> bool:
    """Whether a fact's texts may be read for who did what: not when the question restates one."""
    return not c.is_quote and c.best_phrasing < RESTATED


@_rule("other-actor", VETO, late=True, asks=lambda q: bool(q.actors))
def _other_actor(c: Candidate) -> bool:
    """The entry says someone else did what the question says its person did.

    "What did Liam Payne win at the Grammys?" is not answered by Liam Payne's reaction to Harry
    Styles's win (unless the question restates one of its phrasings).
    """
    return _texts_say_otherwise(c) and c.engine._other_actor(c.e, c.query.actors)


@_rule("other-partner", VETO, late=True, asks=lambda q: bool(q.partners))
def _other_partner(c: Candidate) -> bool:
    """The entry names who took part in a relation the question asks about, never its person.

    "Who was Kanye dating in 2003?" is not answered by "Kim was dating Ray J" (unless the
    question restates one of its phrasings).
    """
    return _texts_say_otherwise(c) and c.engine._other_partner(c.e, c.query.partners)


@_rule("other-author", VETO, late=True, asks=lambda q: bool(q.authors))
def _other_author(c: Candidate) -> bool:
    """The entry credits the words asked about to someone else.

    "What did Kim write about Kanye?" is not answered by what Kanye wrote, nor "Did Kim say she
    is divorcing?" by what people started saying.
    """
    q, engine = c.query, c.engine
    if not q.authors:
        return False
    authored = engine._authored_ids.intersection(engine.index.entry_tokens.row(c.e))
    return bool(authored) and q.authors.isdisjoint(engine._entry_authors(c.entry))


#: The rules that read the entry's texts again.
LATE = [r for r in RULES if r.late]
