"""The answering engine: find the fact or quote a question asks for, or decline.

How a question is matched:

1. The people it names are resolved first (`bot.core.analyzer`). An entry can
   only answer if every person named appears in it, and at least one of them
   is what the entry is *about* (its subjects; a quote's speaker). A question
   about someone the knowledge base only mentions in passing ("Who is Ray J
   dating now?") is therefore not answered from a fact about somebody else.
2. Each remaining entry is scored with term weights (BM25's inverse document
   frequency, so a word found in few entries counts for more, and an unknown
   word costs as much as the rarest known one):
   *coverage* is the share of the question's weight the entry explains
   anywhere (phrasings, answer, quote text); *fit* is the best F-score of the
   question against one of its phrasings (or the quote's text).
   The score is their mean, so 1.0 is a question that is exactly a phrasing.
3. Answer when the score and the coverage clear their thresholds; else decline
   and offer up to three close questions.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .analyzer import Analysis, Analyzer, person_token
from .answer import Answer, quote_sentence
from .model import Entry, Fact, KnowledgeBase, Person, Quote
from .text import normalize

__all__ = ["ANSWER_AT", "COVERAGE_AT", "SUGGEST_AT", "Engine", "Match"]

#: Scores at or above this are answered (when coverage agrees).
ANSWER_AT = 0.70
#: The share of the question's weight an answering entry must explain.
COVERAGE_AT = 0.70
#: Declined questions offer entries scoring at least this as "did you mean".
SUGGEST_AT = 0.40
#: Score factor for an entry that names the asked-about people only in passing.
MENTION_ONLY = 0.7
#: A question whose best F-score against one phrasing or quote reaches this restates it.
RESTATED = 0.8
#: Score factor when the question seems to name someone the knowledge base does not know.
UNKNOWN_NAME = 0.5
#: Score factor when the question names nobody known but has a word never seen (maybe a name).
UNKNOWN_WORD_NO_PERSON = 0.8
_SAY = "say"  # the synonym group token that stands for "said" in quote texts

_ATTRIBUTION = ("reportedly", "according to", "source", "rumor", "rumour", "report")


@dataclass(frozen=True, slots=True)
class _Doc:
    """One phrasing, answer or quote text of an entry, as tokens.

    ``beta`` is the F-score's weight of recall: 1 for a phrasing, which a
    question should match whole; 2 for an answer or quote text, of which a
    question usually names a part.
    """

    label: str
    tokens: frozenset[str]
    beta: float = 1.0


@dataclass(frozen=True, slots=True)
class _Indexed:
    entry: Entry
    subjects: frozenset[str]
    people: frozenset[str]
    union: frozenset[str]
    docs: tuple[_Doc, ...]


@dataclass(frozen=True, slots=True)
class Match:
    """One scored entry for a question."""

    entry: Entry
    score: float
    coverage: float
    label: str


def _entry_texts(entry: Entry) -> tuple[list[str], list[str]]:
    """(phrasings, other texts) of an entry, as written in the knowledge."""
    if isinstance(entry, Fact):
        return list(entry.questions), [entry.answer]
    extra = [entry.text, entry.where or "", entry.when or ""]
    return list(entry.questions), extra


class Engine:
    """Answers questions from one immutable knowledge base; safe to share between threads."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        entries: list[Entry] = [*kb.facts.values(), *kb.quotes.values()]
        self.analyzer = Analyzer(kb)
        vocabulary: set[str] = set()
        self._entries: list[_Indexed] = [self._index(e, vocabulary) for e in entries]
        self.analyzer.learn(vocabulary)
        df: dict[str, int] = {}
        self._postings: dict[str, list[int]] = {}
        for i, ix in enumerate(self._entries):
            for token in ix.union:
                df[token] = df.get(token, 0) + 1
                self._postings.setdefault(token, []).append(i)
        n = len(self._entries)
        self._idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
        # An unknown word weighs as much as the rarest known one.
        self._unknown_idf = math.log(1 + (n - 1 + 0.5) / 1.5) if n > 1 else 1.0

    def _index(self, entry: Entry, vocabulary: set[str]) -> _Indexed:
        phrasings, others = _entry_texts(entry)
        a = self.analyzer
        subjects = set(entry.about)
        if isinstance(entry, Quote):
            subjects.add(entry.speaker)
        docs: list[_Doc] = []
        union: set[str] = {person_token(p) for p in subjects}
        people = set(subjects)
        for text in phrasings:
            an = a.analyze(text, query=False, seen=vocabulary)
            docs.append(_Doc(text, frozenset(an.tokens)))
            union.update(an.tokens)
            people.update(p for group in an.people for p in group)
        an = a.analyze(" ".join(others), query=False, seen=vocabulary)
        people.update(p for group in an.people for p in group)
        tokens = set(an.tokens)
        if isinstance(entry, Quote):
            tokens |= {person_token(entry.speaker), _SAY}
            label = self.quote_question(entry)
        else:
            label = phrasings[0]
        docs.append(_Doc(label, frozenset(tokens), beta=3.0))
        union.update(tokens)
        return _Indexed(entry, frozenset(subjects), frozenset(people), frozenset(union), tuple(docs))

    def quote_question(self, quote: Quote) -> str:
        """A question that finds this quote, for suggestions of quotes with no phrasings."""
        text = quote.text if len(quote.text) <= 80 else quote.text[:77].rsplit(" ", 1)[0] + "…"
        return f"Who said “{text}”?"

    # -- matching -------------------------------------------------------------

    def _weight(self, token: str) -> float:
        return self._idf.get(token, self._unknown_idf)

    def _candidates(self, an: Analysis) -> Iterable[tuple[_Indexed, bool]]:
        """Entries allowed to answer, each with whether it names the question's people only in passing."""
        if an.people:
            pool: Iterable[int] = range(len(self._entries))
            ids = set.intersection(
                *(
                    {i for pid in group for i in self._postings.get(person_token(pid), ())}
                    for group in an.people
                )
            )
            pool = sorted(ids)
        else:
            pool = sorted({i for t in an.tokens for i in self._postings.get(t, ())})
        for i in pool:
            ix = self._entries[i]
            if not all(group & ix.people for group in an.people):
                continue
            yield ix, bool(an.people) and not any(group & ix.subjects for group in an.people)

    def _score(self, an: Analysis, ix: _Indexed, mention_only: bool, penalty: float) -> Match:
        q = an.tokens
        total = sum(self._weight(t) for t in q)
        covered = sum(self._weight(t) * c for t, c in q.items() if t in ix.union)
        coverage = covered / total if total else 0.0
        best_fit, label = 0.0, ix.docs[0].label if ix.docs else ""
        for doc in ix.docs:
            hit = sum(self._weight(t) * c for t, c in q.items() if t in doc.tokens)
            if not hit:
                continue
            recall = hit / total
            precision = hit / sum(self._weight(t) for t in doc.tokens)
            b2 = doc.beta * doc.beta
            fit = (1 + b2) * precision * recall / (b2 * precision + recall)
            if fit > best_fit:
                best_fit, label = fit, doc.label
        factor = penalty
        # A question that nearly restates a phrasing or the quote itself names its people as
        # part of that text ("a picture of her and Paris Hilton"), not as its topic.
        if mention_only and best_fit < RESTATED:
            factor *= MENTION_ONLY
        return Match(ix.entry, factor * (coverage + best_fit) / 2, coverage, label)

    def matches(self, question: str, limit: int = 5) -> list[Match]:
        """The best-scoring entries for a question, best first."""
        an = self.analyzer.analyze(question)
        if not an.tokens:
            return []
        penalty = 1.0
        if an.unknown_names:
            penalty = UNKNOWN_NAME
        elif an.unknown and not an.people:
            penalty = UNKNOWN_WORD_NO_PERSON
        scored = [self._score(an, ix, mention_only, penalty) for ix, mention_only in self._candidates(an)]
        scored.sort(key=lambda m: (-m.score, -m.coverage, m.entry.id))
        return scored[:limit]

    def ask(self, question: str) -> Answer:
        """Answer one question, or decline with up to three suggestions."""
        top = self.matches(question, limit=4)
        if top and top[0].score >= ANSWER_AT and top[0].coverage >= COVERAGE_AT:
            return self.answer_for(top[0].entry, question, top[0].score)
        suggestions = tuple(m.label for m in top if m.score >= SUGGEST_AT)[:3]
        return Answer(
            question=question,
            answered=False,
            text=None,
            entry_id=None,
            kind=None,
            score=top[0].score if top else 0.0,
            suggestions=suggestions,
        )

    def answer_for(self, entry: Entry, question: str = "", score: float = 1.0) -> Answer:
        """The answer an entry gives, with its citations."""
        citations = self.kb.citations(entry)
        if isinstance(entry, Quote):
            speaker = self.kb.people[entry.speaker].name
            return Answer(
                question=question,
                answered=True,
                text=quote_sentence(entry, speaker),
                entry_id=entry.id,
                kind="quote",
                score=score,
                citations=citations,
                quote=entry,
                speaker=speaker,
            )
        text = entry.answer
        if entry.status != "confirmed" and not any(w in text.lower() for w in _ATTRIBUTION):
            text = ("Reportedly: " if entry.status == "reported" else "Rumor: ") + text
        return Answer(
            question=question,
            answered=True,
            text=text,
            entry_id=entry.id,
            kind="fact",
            score=score,
            citations=citations,
            status=entry.status,
        )

    # -- lookups for the adapters -------------------------------------------

    def complete(self, typed: str, limit: int = 25) -> list[str]:
        """Questions the knowledge base answers that are closest to what has been typed."""
        limit = max(0, min(limit, 25))
        seen: list[str] = []
        if typed.strip():
            for m in self.matches(typed, limit=limit * 2):
                if m.label not in seen:
                    seen.append(m.label)
        if len(seen) < limit:
            prefix = normalize(typed).strip()
            for ix in self._entries:
                for doc in ix.docs:
                    if doc.label not in seen and normalize(doc.label).startswith(prefix):
                        seen.append(doc.label)
                    if len(seen) >= limit:
                        return seen
        return seen[:limit]

    def find_person(self, text: str) -> Person | None:
        """The person a name, alias or misspelling stands for, if exactly one."""
        for group in self.analyzer.people_in(text):
            if len(group) == 1:
                return self.kb.people[next(iter(group))]
        return None

    def find_quote(
        self, person: str | None = None, search: str | None = None, rng: random.Random | None = None
    ) -> Quote | None:
        """A quote by a person (if given) that matches a search (if given), else a random one."""
        quotes: Sequence[Quote] = list(self.kb.quotes.values())
        if person:
            who = self.find_person(person)
            if who is None:
                return None
            quotes = [q for q in quotes if q.speaker == who.id]
        if not quotes:
            return None
        if search and search.strip():
            allowed = {q.id for q in quotes}
            for m in self.matches(search, limit=50):
                if m.entry.id in allowed and m.score >= SUGGEST_AT:
                    return self.kb.quotes[m.entry.id]
            return None
        return (rng or random).choice(list(quotes))

    def entries_about(self, person_id: str) -> list[Entry]:
        """Facts about a person and quotes they said, for a profile."""
        return [ix.entry for ix in self._entries if person_id in ix.subjects]
