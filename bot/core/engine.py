"""The answering engine: find the fact or quote a question asks for, or decline.

How a question is matched (README's "How a question is answered" tells it for users):

1. The analyzer (`bot.core.analyzer`) finds the people it names, then its words: stemmed,
   folded into the groups of the engine's lexicon (`bot.core.lexicon`) and the curator's
   synonyms, filler dropped, other forms and typos read as known words.
2. Only entries about the people named (or quotes they said) are candidates; the index
   (`bot.core.index`) picks those holding the question's rarest words. Each word weighs by its
   inverse document frequency (BM25's); a word the knowledge never uses weighs as much as the
   rarest one if it may be a name, `UNKNOWN_PLAIN` of that otherwise; a lexicon word the
   knowledge lacks stands in for its narrower kin (`RELATED` credit); in a long question the
   preamble's words weigh `CONTEXT`.
3. Each candidate gets *coverage* (the share of the question's weight its texts explain; a word
   only its answer holds explains `ANSWER_ONLY` of itself) and *fit* (the best F-score of the
   question against one of its phrasings, its answer, its quote or the quote's setting); the
   score is their weighted mean (`COVERAGE_WEIGHT`), so 1.0 is a question that is exactly a
   phrasing.
4. The rules of `bot.core.rules` lower the score or veto the entry where the words fit but the
   meaning does not (who is asked about, whose words, what kind of answer); each match keeps the
   names of the rules that fired (`Engine.explain` shows them).
5. Answer when score, coverage and the coverage of the words other than names clear
   `ANSWER_AT`, `COVERAGE_AT` and `CONTENT_AT`, and the answer is not one of many people's alike
   ("When was he born?"); else decline and offer up to three close questions.
"""

from __future__ import annotations

import dataclasses
import heapq
import random
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from .analyzer import SETTING_NOUNS, Analysis, Analyzer, person_token
from .answer import Answer, quote_sentence
from .explain import CandidateReport, Explanation, WordWeight
from .index import QUOTE_SETTING, QUOTE_WORDS, TEXT_DOC, Index, IndexBuilder
from .model import Entry, Fact, KnowledgeBase, Person, Quote
from .rules import LATE, RESTATED, RULES, Candidate, Rule
from .text import (
    COUNT,
    LENGTH,
    QUESTION_TYPES,
    STOPWORDS,
    amount_of,
    content_pairs,
    normalize,
    paused_gc,
    question_type_of,
    stem,
    words,
)

__all__ = ["ANSWER_AT", "CONTENT_AT", "COVERAGE_AT", "SUGGEST_AT", "Engine", "Match", "clears"]

#: Scores at or above this are answered (when coverage agrees).
ANSWER_AT = 0.70
#: The share of the question's weight an answering entry must explain.
COVERAGE_AT = 0.675
#: The share of the question's words other than names an answering entry must explain: in
#: knowledge where each person has few facts, a name weighs so much that "What did X win in
#: 2005?" covers most of an entry about X's album of 2005.
CONTENT_AT = 0.50
#: A question naming nobody is ambiguous when an entry about other people scores this share of
#: the best one's score, or more (`Engine._ambiguous`).
ALIKE = 0.9
#: Declined questions offer entries scoring at least this as "did you mean".
SUGGEST_AT = 0.40
_SAY = "say"  # the synonym group token that stands for "said" in quote texts
_TALK = "talk_to"  # the synonym group token of "talking to", "speaking to"
_WHEN = "when"  # the synonym group token of "when", "what year"
_SONG = "song"  # the synonym group token of "song", "lyrics", "rapped"
_WRITE = "write"  # the synonym group token of "write", "wrote"
#: Words that ask for someone's words (synonym group tokens of "said", "song", "speak to").
QUOTE_CUES = frozenset({_SAY, _SONG, _TALK})
#: Words whose author is the person named just before them ("Kim wrote", "Kanye said", "Kim
#: sang"; see `Analyzer.authors` for the nouns among them, which have none).
AUTHORED = frozenset({_SAY, _SONG, _WRITE})
#: A number or a year as the analyzer gives it ("4", "4th", "2003").
_NUMBER = re.compile(r"\d+(?:st|nd|rd|th)?")
_FIRST = "1st"
_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December|"
    "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
_DAYS = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
#: A time an answer gives: a year, a month, a weekday, a season, a while ago.
_TIME = re.compile(
    rf"\b(?:1[5-9]\d\d|2[01]\d\d|(?:{_MONTHS}|{_DAYS})\b|(?:[Ss]pring|[Ss]ummer|[Aa]utumn|[Ww]inter)\b"
    r"|\w+ (?:days?|weeks?|months?|years?) (?:ago|later|after|before)\b|(?:last|next) (?:week|month|year)\b)"
)
#: A place an answer gives: "in Los Angeles", "at Arrowhead Stadium" (not "in January").
_PLACE = re.compile(rf"\b(?:in|at|near)\s+(?:the\s+)?(?!(?:{_MONTHS}|{_DAYS})\b)[A-Z][a-z]")
_NUMBER_WORDS = (
    "two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|dozen|"
    "dozens|hundred|hundreds|thousand|thousands|million|millions|billion|billions|several|both"
)
#: A number an answer gives ("28 medals", "four children"): it may answer "how many". (Both
#: of these read the answer in lower case.)
_COUNT = re.compile(rf"\d|\b(?:{_NUMBER_WORDS})\b")
#: A length of time an answer gives ("six weeks", "since 2015"): it may answer "how long".
_LENGTH = re.compile(
    rf"\b(?:\d+|a|an|one|{_NUMBER_WORDS}|few|many)\s+(?:more\s+)?(?:years?|months?|weeks?|days?|decades?|hours?)\b"
    r"|\bsince\b|\bfor (?:years|months|decades|weeks)\b"
)
_DURATIONS = ("year", "month", "week", "day", "decade", "hour", "since")
#: A word inside a sentence (not its first), with its case as written.
_CAPITAL = re.compile(r"(?<![.!?:;]\s)(?<![“\"(\[])(?<!^)\b[A-Z][^\W\d_']+")
#: A name after "with", "by" or "against": whom something was done with ("won with the Patriots").
_PARTNER = re.compile(rf"\b(?:with|by|against)\s+(?:the\s+)?(?!(?:{_MONTHS}|{_DAYS})\b)[A-Z][a-z]")
#: The weight of a word only the preamble of a long question holds ("I read that ..., is it true
#: that ...?"), against a word of the clause it asks in.
CONTEXT = 0.35
#: The weight, against the rarest known word, of an unknown word in a question that names no
#: unknown name (no capitalised or two unknown words in a row).
UNKNOWN_PLAIN = 0.35
#: The weight of a word that frames a question more than it asks ("called"), against its own.
LIGHT = 0.3
#: The credit of a related word standing in for one the knowledge never uses (`bot.core.lexicon`).
RELATED = 0.9
#: The share of the score that coverage makes up; the rest is the best fit.
COVERAGE_WEIGHT = 0.6
#: How much a word found only in a fact's answer explains of the question.
ANSWER_ONLY = 0.68
EARLY = [r for r in RULES if not r.late]
#: Entries fully scored for one question: those explaining most of its weight.
MAX_CANDIDATES = 100
#: The F-score's weight of recall for an answer or quote text, of which a question names a part
#: (a phrasing, which a question should match whole, has 1).
LONG_BETA = 3.0
#: Entries whose phrasings autocomplete looks through for a prefix.
PREFIX_SCAN = 2000

_ATTRIBUTION = ("reportedly", "according to", "source", "rumor", "rumour", "report")


@dataclass(frozen=True, slots=True)
class _Query:
    """One analysed question, as the scorer needs it."""

    weights: dict[int | None, tuple[float, float]]  # token id (None: all unknown words) -> (weight, credit)
    read: dict[str, tuple[float, float, str]]  # each token -> (weight, credit, note), as `explain` shows
    known: list[tuple[int, float, float]]  # (token id, weight, credit) of the tokens the knowledge holds
    persons: frozenset[int]  # the person tokens among them
    person_weight: float  # their weight
    total: float  # the sum of the weights
    unknown_name: bool  # it names someone or something the knowledge does not know
    unknown_word: bool  # it names nobody known and holds a word never seen
    cue: bool  # it holds a word that asks for someone's words ("said", "lyrics", "talking to")
    asked_speaker: frozenset[int]  # person tokens named just before "said"
    first_named: frozenset[int]  # person tokens of the first name in the question
    named: frozenset[int]  # person tokens of everyone the question names
    context_people: frozenset[int]  # person tokens of those only its preamble names
    together: tuple[frozenset[int], ...]  # person tokens named side by side ("Kim and Kanye")
    names_only: bool  # it names several people and nothing else the knowledge knows
    pairs: frozenset[tuple[str, str]]  # neighbouring content words, as written
    asks_words: bool  # the question says "said", "quote", "interview"...
    listeners: frozenset[int]  # person tokens of those it says were spoken to ("tell Seacrest")
    roles: tuple[frozenset[str], frozenset[str]]  # people named before and after "about"
    authors: frozenset[str]  # ids of the people named just before "wrote", "said"
    kind: int  # what the question asks for: text.QUESTION_TYPES bits (0: not told)
    amount: int  # text.COUNT for "how many", text.LENGTH for "how long", else 0
    names: frozenset[int]  # ids of the tokens it names that the knowledge writes as names ("spurs")
    asks: bool  # it opens as a question does (not a list of keywords)
    numbers: tuple[tuple[str, int | None], ...]  # the numbers and years it names, with their token ids
    first: int | None  # the token id of "first", when it names it (-1: the knowledge never does)
    kin: dict[int, frozenset[int]]  # token id -> ids of its narrower kin (`bot.core.lexicon`)
    kin_ids: frozenset[int]  # all those kin
    early: list[Rule]  # the rules that can fire for this question, read the index only
    late: list[Rule]  # ... and those that read the entry's texts
    actors: dict[str, frozenset[str]]  # act (group token) -> ids of who the question says did it
    partners: dict[str, frozenset[str]]  # relation (group token) -> ids of who it says took part
    opposites: dict[int, frozenset[int]]  # token id -> ids of its opposites the knowledge holds


def clears(m: Match, answer_at: float = ANSWER_AT, coverage_at: float = COVERAGE_AT) -> bool:
    """Whether a match's score and coverages are high enough to answer with it (`Engine.ask`; the
    thresholds are parameters for `benchmarks.generality`, which chooses them)."""
    return m.score >= answer_at and m.coverage >= coverage_at and m.content >= CONTENT_AT


@dataclass(frozen=True, slots=True)
class Match:
    """One scored entry for a question."""

    entry: Entry
    score: float
    coverage: float
    label: str
    content: float = 1.0  # the coverage of the question's words other than names
    rules: tuple[str, ...] = ()  # the names of the rules that fired (`bot.core.rules`), a veto last
    fit: float = 0.0  # the best F-score of the question against one of the entry's texts


def _entry_texts(entry: Entry) -> tuple[list[str], list[str]]:
    """(phrasings, other texts) of an entry, as written in the knowledge."""
    if isinstance(entry, Fact):
        return list(entry.questions), [entry.answer]
    extra = [entry.text, entry.where or "", entry.when or ""]
    return list(entry.questions), extra


class Engine:
    """Answers questions from one immutable knowledge base; safe to share between threads.

    Building the index takes a while for a large knowledge base; `bot.core.cache` saves it.
    """

    def __init__(self, kb: KnowledgeBase, index: Index | None = None) -> None:
        self.kb = kb
        self._entries: list[Entry] = [*kb.facts.values(), *kb.quotes.values()]
        if index is None:
            with paused_gc():
                self.analyzer = Analyzer(kb)
                index = self._build_index()
        else:
            if index.entry_ids != [e.id for e in self._entries]:
                raise ValueError("the index was built from other knowledge")
            self.analyzer = Analyzer(kb, index.vocabulary, index.known_stems)
        self.index = index
        self._pairs_cache: dict[str, frozenset[tuple[str, str]]] = {}
        self._roles_cache: dict[str, list[tuple[frozenset[str], frozenset[str]]]] = {}
        self._authors_cache: dict[str, frozenset[str]] = {}
        self._actors_cache: dict[str, dict[str, frozenset[str]]] = {}
        self._partners_cache: dict[str, dict[str, frozenset[str]]] = {}
        self._name_words = self.analyzer.name_words
        self._position = {entry_id: e for e, entry_id in enumerate(index.entry_ids)}
        self._say_id = index.token_id(_SAY)
        # A quote is what its speaker told someone ("When did Kanye speak to Seacrest?"); one that
        # gives its year answers "what year", and a song's lines were written ("What lyrics did
        # Kanye write in Cold?"): its text and setting hold these words too (added when scoring,
        # so that they weigh as much as in the facts that hold them).
        self._talk_id, self._when_id = index.token_id(_TALK), index.token_id(_WHEN)
        self._song_id, self._write_id = index.token_id(_SONG), index.token_id(_WRITE)
        self._authored_ids = {t for t in map(index.token_id, AUTHORED) if t is not None}
        # The tokens a quote holds by being one (see `_score`'s implied).
        self._implied_ids = {t for t in (self._talk_id, self._when_id, self._write_id) if t is not None}
        self._names = frozenset(index.names)

    def _build_index(self) -> Index:
        builder = IndexBuilder()
        vocabulary: set[str] = set()
        capital: set[str] = set()  # words written capitalised inside a sentence
        tokens_of = self.analyzer.knowledge_tokens
        for entry in self._entries:
            phrasings, others = _entry_texts(entry)
            subjects = set(entry.about)
            if isinstance(entry, Quote):
                subjects.add(entry.speaker)
            docs: list[tuple[int, Iterable[str]]] = []
            types = 0
            for text in others:  # (the names phrasings use, answers use too)
                capital.update(_CAPITAL.findall(text))
            for i, text in enumerate(phrasings):
                ws = words(normalize(text, None))
                vocabulary.update(ws)
                docs.append((i, tokens_of(ws)))
                types |= question_type_of(ws) | amount_of(ws)
            if isinstance(entry, Fact):
                # An answer that gives a time, a place, a number or a length of time answers when,
                # where, how many or how long, asked or not.
                types |= QUESTION_TYPES["when"] if entry.date or _TIME.search(entry.answer) else 0
                types |= QUESTION_TYPES["where"] if _PLACE.search(entry.answer) else 0
                low = entry.answer.lower()
                types |= COUNT if _COUNT.search(low) else 0
                if any(unit in low for unit in _DURATIONS) and _LENGTH.search(low):
                    types |= LENGTH
                ws = words(normalize(entry.answer, None))
                vocabulary.update(ws)
                tokens = tokens_of(ws)
                types |= QUESTION_TYPES["who"] if self._names_someone(entry, tokens) else 0
            else:
                # A quote's own words, where and when, each read once: its text document is all of
                # them, its setting documents the speaker with where (and when).
                own, where, when = (
                    words(normalize(t or "", None)) for t in (entry.text, entry.where, entry.when)
                )
                vocabulary.update(own, where, when)
                said, there, then = tokens_of(own), tokens_of(where), tokens_of(when)
                speaker = {person_token(entry.speaker), _SAY}
                tokens = said | there | then | speaker
                types |= QUESTION_TYPES["who"]  # "Who said ...?"
                types |= QUESTION_TYPES["where"] if entry.where else 0  # "Where did Kanye say ...?"
                types |= QUESTION_TYPES["when"] if entry.when else 0
                # Its setting with and without the year, so that neither question lacks a word.
                setting = speaker | there
                docs.append((QUOTE_SETTING, setting))
                if entry.when:
                    docs.append((QUOTE_SETTING, setting | then))
                # What anyone asking for a quote of theirs says: "Travis Kelce quote about Taylor".
                docs.append((QUOTE_SETTING, speaker | {person_token(p) for p in entry.about}))
                # Its own words apart, which a question may repeat to ask for it.
                docs.append((QUOTE_WORDS, said))
            docs.append((TEXT_DOC, tokens))
            builder.add(entry.id, [person_token(p) for p in subjects], docs, types)
        self.analyzer.learn(vocabulary)
        self.analyzer.forget_runs()
        light = dict.fromkeys(self.analyzer.light, LIGHT)
        # Capitalised words that are no English the engine knows: names of clubs, shows, places.
        words_of_names = {w.casefold() for w in capital} - STOPWORDS - self.analyzer.english
        names = {t for w in words_of_names for t in tokens_of([w]) if not t.startswith("@")}
        return builder.build(vocabulary, self.analyzer.known_stems, light, names)

    @staticmethod
    def _names_someone(fact: Fact, tokens: set[str]) -> bool:
        """Whether a fact's answer (its ``tokens``) names someone besides its subjects: a person the
        knowledge knows, or a name that follows "with", "by" or "against" ("with the Patriots")."""
        subjects = {person_token(p) for p in fact.about}
        return any(t.startswith("@") and t not in subjects for t in tokens) or bool(
            _PARTNER.search(fact.answer)
        )

    def quote_question(self, quote: Quote) -> str:
        """A question that finds this quote, for suggestions of quotes with no phrasings."""
        text = quote.text if len(quote.text) <= 80 else quote.text[:77].rsplit(" ", 1)[0] + "…"
        return f"Who said “{text}”?"

    def _label(self, doc: int, entry: Entry) -> str:
        """The question a document stands for: its phrasing, or the entry's first one."""
        phrasing = self.index.doc_phrasing[doc]
        if phrasing >= 0:
            return entry.questions[phrasing]
        if entry.questions:
            return entry.questions[0]
        return self.quote_question(entry) if isinstance(entry, Quote) else entry.id

    # -- matching -------------------------------------------------------------

    def _candidates(
        self,
        q: dict[int | None, tuple[float, float]],
        an: Analysis,
        exhaustive: bool = False,
        kin: dict[int, frozenset[int]] | None = None,
    ) -> list[tuple[int, bool]]:
        """Entries allowed to answer, each with whether it names the question's people only in passing.

        Only the `MAX_CANDIDATES` entries explaining most of the question's weight are kept.
        """
        ix = self.index
        kin = kin or {}
        allowed: set[int] | None = None
        groups: list[set[int]] = []
        for group in an.people:
            groups.append(set(self._person_tokens(group)))
            holders = {e for t in groups[-1] for e in ix.postings.row(t)}
            allowed = holders if allowed is None else allowed & holders
        if exhaustive:
            pool: Iterable[int] = range(len(self._entries)) if allowed is None else allowed
        elif allowed is not None and len(allowed) <= MAX_CANDIDATES:
            pool = allowed
        else:
            # Candidates hold at least one of the rarest tokens that together outweigh what an
            # answerable entry may lack (an entry with none of them could not reach
            # COVERAGE_AT); every token then adds its weight to the candidates holding it,
            # and the best few by that weight are scored in full.
            gained: dict[int, float] = {}
            total = sum(w for w, _ in q.values())
            seen = 0.0
            for tid, (w, c) in sorted(q.items(), key=lambda kv: -kv[1][0]):
                if tid is None:
                    seen += w
                    continue
                rows: Sequence[int] = ix.postings.row(tid)
                if tid in kin and sum(ix.postings.row_len(k) for k in kin[tid]) <= MAX_CANDIDATES:
                    # Entries holding its narrower kin are candidates too, when they are few (a
                    # kin word common in a large knowledge base would make every entry one).
                    rows = list({*rows, *(e for k in kin[tid] for e in ix.postings.row(k))})
                if seen <= total * (1 - COVERAGE_AT) or not gained:
                    for e in rows:
                        if allowed is None or e in allowed:
                            gained[e] = gained.get(e, 0.0) + w * c
                elif len(rows) < len(gained):
                    for e in rows:
                        if e in gained:
                            gained[e] += w * c
                else:
                    for e in gained:
                        held = ix.entry_tokens.row(e)
                        if tid in held or any(k in held for k in kin.get(tid, ())):
                            gained[e] += w * c
                seen += w
            # Ties (a person's many facts for "Who is X?") go to the entry with the
            # lightest document, which fits a short question best.
            least = ix.entry_min_weight
            pool = heapq.nlargest(MAX_CANDIDATES, gained, key=lambda e: gained[e] - least[e] * 1e-6)
        out = []
        for e in pool:
            subjects = ix.entry_subjects.row(e)
            out.append((e, bool(groups) and not any(t in subjects for g in groups for t in g)))
        return out

    def _score(
        self, query: _Query, e: int, mention_only: bool, explain: bool = False, floor: float = 0.0
    ) -> Match | None:
        """Score one entry for a question; None when a rule vetoes it (``explain``: score 0).

        None too when its score before the rules, which only lower it, is below ``floor``.
        """
        ix = self.index
        entry = self._entries[e]
        is_quote = isinstance(entry, Quote)
        total = query.total
        known = query.known
        persons = query.persons
        kin = query.kin
        kin_only: set[int] = set()  # question tokens only the narrower kin of explains
        subjects = ix.entry_subjects.row(e)
        # Tokens found in a phrasing, a quote's text, among the subjects or people named explain
        # the question fully; a word found only in a fact's answer, in passing, explains it less.
        primary = {t for t, _, _ in known if t in subjects}
        anywhere: set[int] = set(primary)
        text_words = 0
        best_fit, best_doc = 0.0, ix.entry_docs[e]
        best_phrasing, best_phrasing_doc = 0.0, -1
        implied: set[int | None] = set()
        if isinstance(entry, Quote):
            implied = {self._talk_id, self._when_id if entry.when else None}
            if self._song_id in ix.entry_tokens.row(e):
                implied.add(self._write_id)
        for d in range(ix.entry_docs[e], ix.entry_docs[e + 1]):
            tokens = ix.doc_tokens.row(d)
            kind = ix.doc_phrasing[d]
            is_phrasing = kind >= 0
            if kind == QUOTE_WORDS:
                # The quote's own words the question repeats (not its setting's: "in the Grammys
                # winners' room"); they only tell whether it asks for this quote.
                text_words = sum(1 for t, _, _ in known if t in tokens and t not in persons)
                continue
            if implied and not is_phrasing:
                found = [(t, w, c) for t, w, c in known if t in tokens or t in implied]
            else:
                found = [(t, w, c) for t, w, c in known if t in tokens]
            if kin and not query.kin_ids.isdisjoint(tokens):
                # A word this text lacks, whose narrower kin it holds ("act" of a movie).
                held = {t for t, _, _ in found}
                by_kin = [
                    (t, w, c * RELATED)
                    for t, w, c in known
                    if t not in held and t in kin and any(k in tokens for k in kin[t])
                ]
                found += by_kin
                kin_only.update(t for t, _, _ in by_kin)
            if not found:
                continue
            anywhere.update(t for t, _, _ in found)
            if is_phrasing or is_quote:
                primary.update(t for t, _, _ in found)
            else:
                # People named in an answer are what it is about, not words in passing.
                primary.update(t for t, _, _ in found if t in persons)
            hit = sum(w * c for _, w, c in found)
            recall = hit / total
            precision = min(1.0, hit / ix.doc_weight[d])
            b2 = 1.0 if is_phrasing or kind == QUOTE_SETTING else LONG_BETA**2
            fit = (1 + b2) * precision * recall / (b2 * precision + recall)
            if fit > best_fit:
                best_fit, best_doc = fit, d
            if is_phrasing and fit > best_phrasing:
                best_phrasing, best_phrasing_doc = fit, d
        date = getattr(entry, "date", None) or getattr(entry, "when", None) or ""
        # The year an entry is dated is what it is about, as much as a phrasing's words.
        primary.update(
            tid for year, tid in query.numbers if tid is not None and tid in anywhere and year in date
        )
        if kin_only:
            kin_only.difference_update(ix.entry_tokens.row(e))  # held by another of its texts
        explained = {
            t: w * c * (1.0 if t in primary else ANSWER_ONLY) * (RELATED if t in kin_only else 1.0)
            for t, w, c in known
            if t in anywhere
        }
        coverage = sum(explained.values()) / total
        # The same share of the words other than names: "When did Zayn win a Grammy?" is mostly
        # Zayn by weight, and a fact about Zayn explains him, not the Grammy.
        names = query.person_weight
        rest = total - names
        content_hit = sum(v for t, v in explained.items() if t not in persons)
        content = content_hit / rest if rest > 0 else 1.0
        if COVERAGE_WEIGHT * coverage + (1 - COVERAGE_WEIGHT) * best_fit < floor:
            return None
        cand = Candidate(
            self, query, e, entry, frozenset(subjects), primary, anywhere, text_words, best_fit, best_doc,
            best_phrasing, best_phrasing_doc, date, mention_only,
        )  # fmt: skip
        self._roles_of(cand)
        factor = 1.0
        families: set[str] = set()
        for rule in query.early:
            if (rule.family and rule.family in families) or not rule.test(cand):
                continue
            cand.fired.append(rule)
            if rule.veto:
                return self._vetoed(cand, coverage, content) if explain else None
            factor *= rule.factor
            if rule.family:
                families.add(rule.family)
        score = factor * (COVERAGE_WEIGHT * coverage + (1 - COVERAGE_WEIGHT) * best_fit)
        # These read the entry's texts again, so only for an entry that could be answered or offered.
        if score >= SUGGEST_AT:
            for rule in query.late:
                if rule.test(cand):
                    cand.fired.append(rule)
                    return self._vetoed(cand, coverage, content) if explain else None
        rules = tuple(r.name for r in cand.fired)
        return Match(entry, score, coverage, self._label(best_doc, entry), content, rules, best_fit)

    def _roles_of(self, c: Candidate) -> None:
        """Set what a candidate's people rules read: restated, swapped, in passing."""
        ix, query, subjects = self.index, c.query, c.subjects
        # A question that nearly restates a phrasing or the quote itself, people included,
        # names them as part of that text ("a picture of her and Paris Hilton"), not as its topic.
        c.restated = (
            c.best_fit >= RESTATED
            and (c.is_quote or ix.doc_phrasing[c.best_doc] >= 0)
            and (query.named - subjects) <= set(ix.doc_tokens.row(c.best_doc))
        )
        together_apart = any(not group <= subjects for group in query.together)
        if query.names_only and len(query.named & subjects) < 2:
            # A question of nothing but names ("kimye?", "how did Kanye know Kim", its verb a
            # stop word) asks how they relate: a profile of one of them does not answer it.
            together_apart = True
        if query.asks and c.best_phrasing_doc >= 0 and not (c.restated and ix.doc_phrasing[c.best_doc] < 0):
            # The phrasing names a subject the question does not, and the question someone the
            # phrasing does not (so it restates no phrasing, however well its other words fit).
            # As with the first-named rule, a bare list of names tells no roles; and a question
            # that restates a quote names whom it names. Only the people the clause asked in
            # names count ("I read that Kanye fell for Kim after seeing a photo of her, who was
            # in it with her?" asks about the photo).
            in_doc = set(ix.doc_tokens.row(c.best_phrasing_doc))
            asked = query.named - query.context_people
            c.swapped = bool((in_doc & subjects) - query.named and asked - in_doc)
        c.passing = not c.swapped and (c.mention_only or together_apart) and not c.restated

    def _vetoed(self, c: Candidate, coverage: float, content: float) -> Match:
        """A match that may not answer, kept (score 0) so that `explain` can show why."""
        label = self._label(c.best_doc, c.entry)
        return Match(c.entry, 0.0, coverage, label, content, tuple(r.name for r in c.fired), c.best_fit)

    def _speaker(self, e: int) -> int | None:
        """The token id of a quote's speaker."""
        entry = self._entries[e]
        return self.index.token_id(person_token(entry.speaker)) if isinstance(entry, Quote) else None

    def _person_tokens(self, people: Iterable[str]) -> frozenset[int]:
        """The token ids of people, by person id (those the index does not hold left out)."""
        ids = (self.index.token_id(person_token(p)) for p in people)
        return frozenset(t for t in ids if t is not None)

    def _audience(self, e: int) -> set[int]:
        """Person tokens of whom a quote was said to or about (its setting's people, its subjects)."""
        ix = self.index
        docs = [
            d for d in range(ix.entry_docs[e], ix.entry_docs[e + 1]) if ix.doc_phrasing[d] == QUOTE_SETTING
        ]
        people = {t for d in docs for t in ix.doc_tokens.row(d) if ix.tokens[t].startswith("@")}
        return people | set(ix.entry_subjects.row(e))

    def _reversed(self, entry: Entry, roles: tuple[frozenset[str], frozenset[str]]) -> bool:
        """Whether an entry's texts name the question's people the other way round around "about".

        Only when none of its texts names them the question's way ("Kanye wrote about Kim").
        """
        texts = self._roles_cache.get(entry.id)
        if texts is None:
            phrasings, others = _entry_texts(entry)
            found = [self.analyzer.roles(t, fuzzy=False) for t in [*phrasings, *others]]
            texts = self._roles_cache[entry.id] = [r for r in found if r[0] or r[1]]
        asker, topic = roles
        same = any(asker & before and topic & after for before, after in texts)
        other = any(topic & before and asker & after for before, after in texts)
        return other and not same

    def _held(self, e: int, tokens: Iterable[str]) -> bool:
        """Whether an entry holds any of these tokens (before reading its texts for them)."""
        ids = [t for t in map(self.index.token_id, tokens) if t is not None]
        return bool(ids) and not set(self.index.entry_tokens.row(e)).isdisjoint(ids)

    def _other_actor(self, e: int, asked: dict[str, frozenset[str]]) -> bool:
        """Whether an entry's texts name someone else, never the asked one, doing an act asked about."""
        return self._other_people(e, asked, self._actors_cache, self._read_actors)

    def _read_actors(self, text: str) -> dict[str, frozenset[str]]:
        return self.analyzer.actors(text, self.analyzer.actions, fuzzy=False)

    def _read_partners(self, text: str) -> dict[str, frozenset[str]]:
        return self.analyzer.partners(text, self.analyzer.relations, question=False)

    def _other_people(
        self,
        e: int,
        asked: dict[str, frozenset[str]],
        cache: dict[str, dict[str, frozenset[str]]],
        read: Callable[[str], dict[str, frozenset[str]]],
    ) -> bool:
        """Whether an entry's texts name people for a group asked about (an act, a relation), never
        those the question names; ``read`` finds them in one text, ``cache`` keeps them by entry."""
        if not self._held(e, asked):
            return False
        entry = self._entries[e]
        found = cache.get(entry.id)
        if found is None:
            found = {}
            phrasings, others = _entry_texts(entry)
            for text in [*phrasings, *others]:
                for group, people in read(text).items():
                    found[group] = found.get(group, frozenset()) | people
            cache[entry.id] = found
        return any(group in found and people.isdisjoint(found[group]) for group, people in asked.items())

    def _opposites(self, weights: dict[int | None, tuple[float, float]]) -> dict[int, frozenset[int]]:
        """The opposites the knowledge holds of each question token (those the question lacks)."""
        ix, out = self.index, {}
        for tid in weights:
            if tid is None:
                continue
            other = self.analyzer.opposites.get(ix.tokens[tid], frozenset())
            ids = frozenset(t for t in map(ix.token_id, other) if t is not None and t not in weights)
            if ids:
                out[tid] = ids
        return out

    def _asks_opposite(self, e: int, opposites: dict[int, frozenset[int]]) -> bool:
        """Whether an entry's phrasings hold the opposite of a question word, and never the word."""
        ix = self.index
        phrasings = [
            set(ix.doc_tokens.row(d))
            for d in range(ix.entry_docs[e], ix.entry_docs[e + 1])
            if ix.doc_phrasing[d] >= 0
        ]
        return any(
            any(other & p for p in phrasings) and not any(t in p for p in phrasings)
            for t, other in opposites.items()
        )

    def _other_partner(self, e: int, asked: dict[str, frozenset[str]]) -> bool:
        """Whether an entry's texts name who took part in a relation asked about, never the asked one."""
        return self._other_people(e, asked, self._partners_cache, self._read_partners)

    def _entry_authors(self, entry: Entry) -> frozenset[str]:
        """The people a fact's texts say wrote or said something (see `_authors`); a quote's speaker."""
        if isinstance(entry, Quote):
            return frozenset({entry.speaker})
        authors = self._authors_cache.get(entry.id)
        if authors is None:
            phrasings, others = _entry_texts(entry)
            found = (self.analyzer.authors(t, AUTHORED, fuzzy=False) for t in [*phrasings, *others])
            authors = self._authors_cache[entry.id] = frozenset().union(*found)
        return authors

    def _quote_pairs(self, quote: Quote) -> frozenset[tuple[str, str]]:
        pairs = self._pairs_cache.get(quote.id)
        if pairs is None:
            pairs = self._pairs_cache[quote.id] = content_pairs(quote.text, limit=None)
        return pairs

    def _asked_speaker(self, an: Analysis, question: str) -> frozenset[int]:
        """The token ids of the person named just before "said"/"song" ("what did Kim say"), if any."""
        cue_word = next(
            (w for w in self.analyzer.words_of(question) if self.analyzer.group(w) in QUOTE_CUES), ""
        )
        if cue_word in SETTING_NOUNS:
            # "the Ryan Seacrest interview", "the Keri Hilson track": the one interviewed or
            # interviewing, whose song it is, not whose words are asked for.
            return frozenset()
        order = list(an.tokens)
        cue = next((i for i, t in enumerate(order) if t in QUOTE_CUES), None)
        if cue is None:
            return frozenset()
        people: set[int] = set()
        for token in reversed(order[:cue]):
            if not token.startswith("@"):
                break
            tid = self.index.token_id(token)
            if tid is not None:
                people.add(tid)
        # "What did Kanye call Kim in the Seacrest interview?" names the one interviewed first;
        # the people just before the cue word are then not the speaker asked about.
        first = self._person_tokens(an.people[0]) if an.people else frozenset()
        return frozenset(people) if people & first else frozenset()

    def matches(self, question: str, limit: int = 5, *, exhaustive: bool = False) -> list[Match]:
        """The best-scoring entries for a question, best first.

        ``exhaustive`` scores every entry the people rule allows instead of the few the
        index picks; the answers are the same (the tests check), only slower.
        """
        return self._match(question, limit, exhaustive)[0]

    def _match(
        self, question: str, limit: int, exhaustive: bool = False, explain: bool = False, useful: float = 0.0
    ) -> tuple[list[Match], Analysis, _Query | None]:
        an = self.analyzer.analyze(question)
        if not an.tokens:
            return [], an, None
        ix = self.index
        weights: dict[int | None, tuple[float, float]] = {}
        unknown = 0.0
        unheld: list[str] = []  # known words no entry holds (the knowledge uses them only in names)
        related = self.analyzer.related
        kin: dict[int, frozenset[int]] = {}
        plain_unknown = {stem(w) for w in an.unknown} if not an.unknown_names else set()
        read: dict[str, tuple[float, float, str]] = {}  # token -> its weight, credit and why, for explain
        for token, credit in an.tokens.items():
            tid = ix.token_id(token)
            scale = CONTEXT if token in an.context else 1.0
            note = "context" if token in an.context else ""
            if tid is None:
                # A word the knowledge never uses may have kin it does use ("girlfriend" of a
                # fiancée): that kin stands in for it, with less credit.
                stand_ins = [t for t in map(ix.token_id, related.get(token, ())) if t is not None]
                if stand_ins:
                    tid = max(stand_ins, key=lambda t: ix.idf[t])
                    credit *= RELATED
                    note = f"stands in: {ix.tokens[tid]}"
            if tid is None:
                unheld.append(token)
                light = LIGHT if token in self.analyzer.light else 1.0
                plain = UNKNOWN_PLAIN if token in plain_unknown else 1.0
                unknown += ix.unknown_idf * scale * light * plain
                read[token] = (ix.unknown_idf * scale * light * plain, credit, "not in the knowledge")
                continue
            read[token] = (ix.idf[tid] * scale, credit, note)
            if tid not in weights or weights[tid][1] < credit:
                weights[tid] = (ix.idf[tid] * scale, credit)
                held = {t for t in map(ix.token_id, related.get(token, ())) if t is not None}
                if held:
                    kin[tid] = frozenset(held)
        # Kin that the question names itself explains only itself ("instagram post").
        kin = {t: k - weights.keys() for t, k in kin.items() if k - weights.keys()}
        if unknown:
            weights[None] = (unknown, 0.0)
        # "How many Grammys did Kanye win for Stronger?": a title the knowledge only knows as part
        # of a name ("the Stronger rapper") names something it does not know.
        unknown_name = bool(
            an.unknown_names or (unheld and self.analyzer.capitalised(question).intersection(unheld))
        )
        first = an.people[0] if an.people else frozenset()
        named = self._person_tokens(p for group in an.people for p in group)
        # Only a group that opens the question is its topic: in "what song mentions Kim
        # and Kris" they are what the song names, not who the question is about.
        together = tuple(self._person_tokens(group) for group in an.together if first <= group)
        known = [(t, w, c) for t, (w, c) in weights.items() if t is not None]
        persons = frozenset(t for t, _, _ in known if ix.tokens[t].startswith("@"))
        query = _Query(
            weights=weights,
            read=read,
            known=known,
            persons=persons,
            person_weight=sum(w for t, w, _ in known if t in persons),
            total=sum(w for w, _ in weights.values()),
            unknown_name=unknown_name,
            unknown_word=bool(an.unknown) and not an.people,
            cue=any(ix.tokens[t] in QUOTE_CUES for t in weights if t is not None),
            asked_speaker=self._asked_speaker(an, question),
            # The first person the clause asked in names (a long question's preamble is context).
            first_named=self._person_tokens(next((g for g in an.people if not g <= an.context_people), ())),
            named=named,
            context_people=self._person_tokens(an.context_people),
            together=together,
            names_only=len(named) > 1 and all(token.startswith("@") for token in an.tokens),
            # Two words of a name ("paris hilton") are a name, not words of a quote.
            pairs=frozenset(p for p in content_pairs(question) if not set(p) <= self._name_words),
            asks_words=self._say_id is not None and self._say_id in weights,
            listeners=self._person_tokens(self.analyzer.listeners(question, _SAY)),
            roles=self.analyzer.roles(question),
            authors=self.analyzer.authors(question, AUTHORED, QUOTE_CUES),
            kind=an.kind,
            amount=an.amount,
            names=frozenset(t for t in weights if t is not None and ix.tokens[t] in self._names),
            asks=an.asks,
            numbers=tuple((t, ix.token_id(t)) for t in an.tokens if _NUMBER.fullmatch(t) and t != _FIRST),
            first=(-1 if (f := ix.token_id(_FIRST)) is None else f) if _FIRST in an.tokens else None,
            kin=kin,
            kin_ids=frozenset().union(*kin.values()),
            actors=self.analyzer.actors(question, self.analyzer.actions),
            partners=self.analyzer.partners(question, self.analyzer.relations),
            opposites=self._opposites(weights),
            early=[],
            late=[],
        )
        # Only the rules that can fire for this question are tried on each candidate.
        query = dataclasses.replace(
            query, early=[r for r in EARLY if r.asks(query)], late=[r for r in LATE if r.asks(query)]
        )
        candidates = self._candidates(weights, an, exhaustive or explain, kin)
        if exhaustive or explain:
            scored = [
                m
                for e, mention_only in candidates
                if (m := self._score(query, e, mention_only, explain)) is not None
                and (explain or m.score > 0)
            ]
        else:
            scored = self._best_of(query, candidates, limit, useful)
        scored.sort(key=lambda m: (-m.score, -m.coverage, m.entry.id))
        return scored[:limit], an, query

    def _best_of(
        self, query: _Query, candidates: list[tuple[int, bool]], limit: int, useful: float = 0.0
    ) -> list[Match]:
        """The `limit` best-scoring candidates (and any that tie), scoring as few as it can.

        Candidates are scored in the order of an upper bound of their score, and the rest skipped
        once the bound falls below the `limit`-th best score found: every rule only lowers a
        score, so no skipped candidate could have ranked (`matches(exhaustive=True)` agrees).
        With ``useful``, a candidate that could score neither that much nor best is skipped too
        (`ask` offers only suggestions scoring `SUGGEST_AT`).
        """
        bounded = sorted(((self._bound(query, e), e, m) for e, m in candidates), reverse=True)
        scored: list[Match] = []
        best: list[float] = []  # a min-heap of the `limit` best scores so far
        top = 0.0
        for bound, e, mention_only in bounded:
            floor = best[0] if len(best) >= limit else 0.0
            if scored:
                floor = max(floor, min(useful, top))
            if bound < floor:
                break
            m = self._score(query, e, mention_only, floor=floor)
            if m is None or m.score <= 0:
                continue
            scored.append(m)
            top = max(top, m.score)
            if len(best) < limit:
                heapq.heappush(best, m.score)
            elif m.score > best[0]:
                heapq.heapreplace(best, m.score)
        return scored

    def _bound(self, query: _Query, e: int) -> float:
        """An upper bound of an entry's score: its coverage and fit if it explained in full every
        question word it holds (or holds the kin of, or a quote implies)."""
        held = set(self.index.entry_tokens.row(e))
        weight = 0.0
        for t, w, c in query.known:
            if t in held:
                weight += w * c
            elif t in query.kin and not held.isdisjoint(query.kin[t]):
                weight += w * c * RELATED
        if isinstance(self._entries[e], Quote):
            weight += sum(w * c for t, w, c in query.known if t in self._implied_ids and t not in held)
        share = min(1.0, weight / query.total) if query.total else 0.0
        # The F-score of a text holding all of it is at most 2r / (1 + r) (precision 1, recall r).
        return COVERAGE_WEIGHT * share + (1 - COVERAGE_WEIGHT) * (2 * share / (1 + share))

    def _ambiguous(self, top: list[Match], an: Analysis) -> bool:
        """Whether a question that names nobody fits facts about different people alike.

        "When was he born?" holds only words that every birthday fact holds, and fits each as
        well; answering one of them would be a guess. A question whose words single out one
        person's facts ("Who founded Skims?"), fit one far better than the rest ("Why do fans
        trade bracelets?" of the fans' tradition, not of the one time Travis traded one), or
        whose other fits share a person with the best (Kim's children are also in Kim's profile)
        is not ambiguous.
        """
        if an.people or not top:
            return False
        ix = self.index
        best = top[0]
        e = self._position[best.entry.id]
        held = set(ix.entry_tokens.row(e))
        matched = [t for t in (ix.token_id(tok) for tok in an.tokens) if t is not None and t in held]
        if not matched:
            return False
        mine = set(ix.entry_subjects.row(e))
        for m in top[1:]:
            other = self._position[m.entry.id]
            if m.score < ALIKE * best.score or not mine.isdisjoint(ix.entry_subjects.row(other)):
                continue
            if set(matched) <= set(ix.entry_tokens.row(other)):
                return True
        return False

    def explain(self, question: str, limit: int = 5) -> Explanation:
        """How a question is read and scored: its people, words and weights, the top candidates
        with the rules that fired (vetoed ones too), and the answer (`celebbot ask --explain`)."""
        top, an, query = self._match(question, limit, explain=True)
        words = [
            WordWeight(token, round(weight, 3), round(credit, 3), note)
            for token, (weight, credit, note) in (query.read.items() if query else ())
        ]
        people = [sorted(self.kb.people[p].name for p in group) for group in an.people]
        kinds = [name for name, bit in QUESTION_TYPES.items() if an.kind == bit][:1]
        rules = {r.name: r for r in RULES}
        candidates = [
            CandidateReport(
                m.entry.id,
                "quote" if isinstance(m.entry, Quote) else "fact",
                m.label,
                round(m.score, 3),
                round(m.coverage, 3),
                round(m.content, 3),
                round(m.fit, 3),
                tuple((name, rules[name].factor, rules[name].doc) for name in m.rules),
            )
            for m in top
        ]
        return Explanation(
            question=question,
            people=people,
            kind=kinds[0] if kinds else "",
            words=words,
            corrections=list(an.corrections),
            unknown=list(an.unknown),
            candidates=candidates,
            answer=self.ask(question),
            answer_at=ANSWER_AT,
            coverage_at=COVERAGE_AT,
            content_at=CONTENT_AT,
        )

    def best(self, question: str) -> tuple[Match | None, bool]:
        """The best match for a question (None: nothing fits) and whether it is `_ambiguous`."""
        top, an, _ = self._match(question, 4, useful=SUGGEST_AT)
        return (top[0], self._ambiguous(top, an)) if top else (None, False)

    def ask(self, question: str, *, exhaustive: bool = False) -> Answer:
        """Answer one question, or decline with up to three suggestions (``exhaustive``: see `matches`)."""
        top, an, _ = self._match(question, 4, exhaustive, useful=SUGGEST_AT)
        if top and clears(top[0]) and not self._ambiguous(top, an):
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
            # Few matches (nothing typed yet, or half a word): phrasings that start with it,
            # looking at a bounded number so that a keystroke stays cheap at any size.
            prefix = normalize(typed).strip()
            for entry in self._entries[:PREFIX_SCAN]:
                for label in entry.questions or (self._label(-1, entry),):
                    if label not in seen and normalize(label).startswith(prefix):
                        seen.append(label)
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
            # "quote" first: a search for words asks for a quote, whoever it names.
            for m in self.matches(f"quote {search}", limit=50):
                if m.entry.id in allowed and m.score >= SUGGEST_AT:
                    return self.kb.quotes[m.entry.id]
            return None
        return (rng or random).choice(list(quotes))

    def entries_about(self, person_id: str) -> list[Entry]:
        """Facts about a person and quotes they said, for a profile."""
        return [
            e
            for e in self._entries
            if person_id in e.about or (isinstance(e, Quote) and e.speaker == person_id)
        ]
