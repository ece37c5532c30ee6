"""Turn a question (or a knowledge text) into weighted match tokens.

The steps, in order: normalise and split into words; find the people named
(names and aliases, with typos forgiven in questions) and put a person token
``@<id>`` in their place; stem the other words; fold the groups of the engine's
lexicon and the curator's synonyms (which may be phrases) into one group token
each, compounds into several, filler into none; drop stop words; in questions,
read a word the knowledge base has never seen as another form of a known one
("older", "reaction", "neighbourhood"), else as the closest word it has. In a long
question, the words before the clause it asks in are marked as its context
(and its unknown words dropped). `Analyzer.roles`, `Analyzer.authors` and
`Analyzer.listeners` tell who is named before and after "about", who said or
wrote something, and to whom; `Analyzer.actors` and `Analyzer.partners` who
did an act or took part in a relation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA, Indel

from .lexicon import COMPOUND, fold_table, lexicon, phrase_key
from .model import KnowledgeBase
from .text import (
    MAX_QUERY_CHARS,
    QUESTION_TYPES,
    STOPWORDS,
    TELL,
    amount_of,
    chat_words,
    normalize,
    question_type_of,
    stem,
    words,
)

__all__ = ["SETTING_NOUNS", "SOMEONE_ELSE", "Analysis", "Analyzer", "person_token"]

#: A question word within this rapidfuzz ratio of a known name is read as that name.
NAME_CUTOFF = 86.0
#: Edits (insert, delete, substitute, swap two neighbours) forgiven in a word of at least 8 and 4
#: letters. Under 8 letters the first letter must be right: "mother" is not "other".
SPELLING_EDITS = ((8, 2), (4, 1))
#: The credit of a corrected word falls by this much for every edit (under 5 letters, by half).
EDIT_COST = 0.15
_CAPITALISED = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][^\W\d_]+")
_MIN_FUZZY_CHARS = 4
#: The credit of a word read as another form of a known one ("older" as "old").
VARIANT_CREDIT = 0.9
#: British spellings and their American forms, either of which the knowledge may use.
_BRITISH = (
    ("our", "or"),
    ("or", "our"),
    ("isation", "ization"),
    ("ise", "ize"),
    ("yse", "yze"),
    ("tre", "ter"),
    ("ogue", "og"),
    ("lled", "led"),
    ("lling", "ling"),
    ("ence", "ense"),
)
#: Endings of derived and compared forms, with what may stand in their place in the base word:
#: "reaction" / "react", "formation" / "form", "older" / "old", "4th" / "4".
_SUFFIXES = (("ation", ""), ("ation", "e"), ("ion", ""), ("ion", "e"), ("ment", ""), ("ness", ""),
             ("ity", ""), ("ally", ""), ("ly", ""), ("iest", "y"), ("ier", "y"), ("est", ""),
             ("er", ""), ("er", "e"), ("ers", ""), ("al", ""), ("ful", ""), ("th", ""), ("st", ""),
             ("nd", ""), ("rd", ""))  # fmt: skip
#: Stands for a person the knowledge does not know, named by someone else's name ("Kanye's boy").
SOMEONE_ELSE = ""
_POSSESSIVE = re.compile(r"(\w+)'s?(?!\w)")
# Clause breaks, and a quotation (whose commas are the quote's, not the question's).
_CLAUSE = re.compile(r"[,;:!?.]+|\s[-–—]+\s")
_QUOTED = re.compile(r"[\"“”]|(?:^|\s)['‘]")
#: Words that open the clause a long question asks in ("I read that ..., is it true that ...").
_ASKING = frozenset(
    "who whom whose what which when where why how is are was were do does did has have had can could "
    "will would should".split()
)
#: Words of the say and song groups that name a setting or a work, not an act ("the Seacrest
#: interview", "a Kanye quote", "the Keri Hilson song").
SETTING_NOUNS = frozenset(
    "interview interviews song songs single singles track tracks lyric lyrics verse verses line lines".split()
)
_POSSESSIVE_PRONOUNS = frozenset({"his", "her", "their"})
#: Texts whose parse `Analyzer._parsed` remembers (a question and the texts of its candidates).
_PARSED_TEXTS = 256
_WHEN = "when"  # the cue group token of "when", "what year"
#: Words that may lead that clause ("..., but when did they meet?").
_LEADING = frozenset({"but", "and", "so", "well", "ok", "okay", "anyway", "then", "now"})


#: A text's words, its parts (words and sets of person ids), each part's last word, its possessives.
_Parsed = tuple[list[str], list[str | frozenset[str]], list[int], set[str]]


def person_token(person_id: str) -> str:
    """The match token that stands for a person wherever they are named."""
    return "@" + person_id


@dataclass(slots=True)
class Analysis:
    """Tokens of one text with their credit (1.0, or less for a corrected typo), and the people named."""

    tokens: dict[str, float] = field(default_factory=dict)
    #: One set a mention: the people an alias may stand for (usually one).
    people: list[frozenset[str]] = field(default_factory=list)
    #: Words the knowledge base has never seen and that correct to nothing it has.
    unknown: list[str] = field(default_factory=list)
    #: People named side by side ("Kim and Kanye", "Kim, Kanye"): each set is asked about together.
    together: list[frozenset[str]] = field(default_factory=list)
    #: How many spans look like the name of someone the knowledge base does not know:
    #: two unknown words in a row ("taylor swift"), or a capitalised unknown word.
    unknown_names: int = 0
    #: Tokens only the preamble of a long question holds ("My friend insists ..., when did they
    #: meet?"): its context, which weighs less than what it asks. Its unknown words are dropped.
    context: set[str] = field(default_factory=set)
    #: The people named only in that preamble (person ids).
    context_people: set[str] = field(default_factory=set)
    #: What the question asks for (`bot.core.text.QUESTION_TYPES` bits), from the clause it asks in.
    kind: int = 0
    #: Whether that clause opens as a question does ("how long did...", "was Kim..."), not as a
    #: list of keywords ("Keri Hilson Knock You Down Kanye").
    asks: bool = False
    #: Whether that clause asks for an amount: `bot.core.text.COUNT` ("how many") or `LENGTH`.
    amount: int = 0
    #: Words read as another word: a typo ("kanyee"), another form ("older" as "old").
    corrections: list[tuple[str, str]] = field(default_factory=list)

    def add(self, token: str, credit: float = 1.0) -> None:
        """Add a token, keeping the best credit seen for it."""
        if credit > self.tokens.get(token, 0.0):
            self.tokens[token] = credit


class Analyzer:
    """Analyses text against one knowledge base's people, synonyms and vocabulary."""

    def __init__(
        self, kb: KnowledgeBase, vocabulary: Iterable[str] = (), known_stems: Iterable[str] | None = None
    ) -> None:
        """Prepare names and synonyms; ``vocabulary`` is every word the knowledge uses (see `learn`).

        ``known_stems``: the stems of that whole vocabulary with the names and synonyms, as
        `known_stems` gave them for the same knowledge (a cached index keeps them).
        """
        self._aliases: dict[tuple[str, ...], set[str]] = {}
        for person in kb.people.values():
            for name in person.names:
                key = tuple(words(normalize(name)))
                if key:
                    self._aliases.setdefault(key, set()).add(person.id)
        self._max_alias = max((len(k) for k in self._aliases), default=1)
        self._alias_words = {w for key in self._aliases for w in key}
        # Only a word that may start a name opens the search for one.
        # ("kims kids": a possessive without its apostrophe opens one too.)
        self._alias_openers = {key[0] for key in self._aliases} | {key[0] + "s" for key in self._aliases}
        self._alias_by_len: dict[int, list[str]] = {}
        for key in self._aliases:
            self._alias_by_len.setdefault(len(key), []).append(" ".join(key))

        # The engine's English with the curator's synonyms merged in (`bot.core.lexicon`).
        lex = lexicon()
        self._synonyms, self.related = fold_table(lex, kb.synonyms)
        #: The group tokens of the acts whose doer matters (`Lexicon.actions`).
        self.actions = self._groups_of(lex.actions)
        #: The group tokens that weigh little (`Lexicon.light`).
        self.light = self._groups_of(lex.light)
        #: Each token's opposites (`Lexicon.opposites`): "after" of "before".
        self.opposites: dict[str, frozenset[str]] = {}
        for a, b in lex.opposites:
            ta, tb = self.token_of(a), self.token_of(b)
            if ta and tb:
                self.opposites[ta] = self.opposites.get(ta, frozenset()) | {tb}
                self.opposites[tb] = self.opposites.get(tb, frozenset()) | {ta}
        #: The group tokens of the relations two people share (`Lexicon.relations`).
        self.relations = self._groups_of(lex.relations)
        # The lengths of the phrases each word starts, longest first (a phrase is tried whole).
        lengths: dict[str, set[int]] = {}
        for key in self._synonyms:
            if len(key) > 1:
                lengths.setdefault(key[0], {1}).add(len(key))
        self._synonym_lengths = {w: tuple(sorted(n, reverse=True)) for w, n in lengths.items()}
        # The first two words of every phrase: most words that may start one are stop words
        # ("in", "on"), and the next word tells at once whether any phrase starts there.
        self._synonym_pairs = {key[:2] for key in self._synonyms if len(key) > 1}
        # The tokens each group folds into: itself, a compound's several, filler's none.
        self._parts = {g: tuple(g.split(COMPOUND)) if g else () for g in set(self._synonyms.values())}

        vocab = set(vocabulary) | self._alias_words
        for group in kb.synonyms:
            for phrase in group:
                vocab.update(words(normalize(phrase)))
        #: English the engine knows (its lexicon) beyond the knowledge's words: never unknown, but
        #: no spelling target either ("France" must not become "fiance").
        self._english = frozenset(lex.words())
        self._targets: set[str] = set()
        self._corrections: dict[str, tuple[str, float] | None] = {}
        self._runs: dict[tuple[str, ...], tuple[str, ...]] = {}
        self._parsed_cache: dict[tuple[str, bool], _Parsed] = {}
        self.learn(vocab, known_stems)

    def learn(self, vocabulary: Iterable[str], known_stems: Iterable[str] | None = None) -> None:
        """Add words to the vocabulary that questions are spell-corrected against.

        ``known_stems``: their stems when already known (see `__init__`); else they are stemmed.
        """
        self._targets.update(vocabulary)
        vocab = set(vocabulary) | set(getattr(self, "vocabulary", ())) | self._english
        self.vocabulary: frozenset[str] = frozenset(vocab)
        # Another form of a known word ("breaking", "break up") is no typo of some other word.
        # (Stemming some 10,000 words takes a quarter of a cached start: hence `known_stems`.)
        self._known_stems = (
            frozenset(stem(w) for w in vocab) if known_stems is None else frozenset(known_stems)
        )
        # Stop words are no correction targets: "tall" read as "tell" would vanish from the question.
        targets = self._targets - STOPWORDS
        self._vocab_list = sorted(w for w in targets if len(w) >= 3 and not w.isdigit())
        self._vocab_by_initial: dict[str, list[str]] = {}
        for w in self._vocab_list:
            self._vocab_by_initial.setdefault(w[0], []).append(w)
        self._stops_by_initial: dict[str, list[str]] = {}
        for w in sorted(STOPWORDS):
            if len(w) >= 3:
                self._stops_by_initial.setdefault(w[0], []).append(w)
        self._corrections.clear()

    @property
    def english(self) -> frozenset[str]:
        """The words of the engine's lexicon: English it knows, whatever the knowledge."""
        return self._english

    @property
    def known_stems(self) -> frozenset[str]:
        """The stems of every word of the vocabulary."""
        return self._known_stems

    # -- people -------------------------------------------------------------

    def _unknown(self, word: str) -> bool:
        return word not in self.vocabulary and word not in STOPWORDS and not word.isdigit()

    def _fuzzy_name(self, span: list[str]) -> set[str] | None:
        """People whose alias is within `NAME_CUTOFF` of a span holding an unknown word."""
        if not any(self._unknown(w) for w in span):
            return None
        if not all(self._unknown(w) or w in self._alias_words for w in span):
            return None
        text = " ".join(span)
        if len(text) < _MIN_FUZZY_CHARS + 1:
            return None
        choices = self._alias_by_len.get(len(span))
        if not choices:
            return None
        best = process.extractOne(text, choices, scorer=fuzz.ratio, score_cutoff=NAME_CUTOFF)
        if best is None:
            return None
        return self._aliases[tuple(best[0].split(" "))]

    def _name_at(self, ws: list[str], i: int, fuzzy: bool) -> tuple[set[str], int] | None:
        """The people the longest name starting at word ``i`` stands for, and its length in words."""
        for n in range(min(self._max_alias, len(ws) - i), 0, -1):
            span = ws[i : i + n]
            ids = self._aliases.get(tuple(span))
            if ids is None and len(span[-1]) > 3 and span[-1].endswith("s"):
                # "kims kids", "kanyes verse": a possessive typed without its apostrophe
                ids = self._aliases.get((*span[:-1], span[-1][:-1]))
            if ids is None and fuzzy:
                ids = self._fuzzy_name(span)
            if ids:
                return ids, n
        return None

    def _split_people(
        self, ws: list[str], fuzzy: bool, ends: list[int] | None = None
    ) -> list[str | frozenset[str]]:
        """Replace the names in a word list by the sets of person ids they stand for.

        ``ends``, when given, collects the index in ``ws`` of each part's last word.
        """
        out: list[str | frozenset[str]] = []
        i = 0
        openers = self._alias_openers
        while i < len(ws):
            w = ws[i]
            found = None
            if w in openers or (fuzzy and (w in self._alias_words or self._unknown(w))):
                found = self._name_at(ws, i, fuzzy)
            if found is None:
                out.append(w)
                i += 1
            else:
                out.append(frozenset(found[0]))
                i += found[1]
            if ends is not None:
                ends.append(i - 1)
        return out

    def people_in(self, text: str, *, fuzzy: bool = True) -> list[frozenset[str]]:
        """The people a text names, in order, each as the set of ids its alias may mean."""
        parts = self._split_people(words(normalize(text)), fuzzy)
        return [p for p in parts if isinstance(p, frozenset)]

    def _parsed(self, text: str, fuzzy: bool) -> _Parsed:
        """A text's words, its parts (`_split_people`), each part's last word and the possessives.

        The last few texts are remembered: `roles`, `authors`, `actors`, `partners` and `listeners`
        read the same question, and the rules read each of an entry's texts with several of them.
        """
        key = (text, fuzzy)
        found = self._parsed_cache.get(key)
        if found is not None:
            return found
        normalized = normalize(text)
        ws = chat_words(words(normalized))
        ends: list[int] = []
        parts = self._split_people(ws, fuzzy, ends)
        possessive = {m.group(1) for m in _POSSESSIVE.finditer(normalized)}
        parsed = (ws, parts, ends, possessive)
        self._remember(key, parsed)
        return parsed

    def _remember(self, key: tuple[str, bool], parsed: _Parsed) -> None:
        cache = self._parsed_cache
        if len(cache) >= _PARSED_TEXTS:
            cache.clear()  # (another thread may be reading it: dict operations are atomic)
        cache[key] = parsed

    @staticmethod
    def capitalised(question: str) -> set[str]:
        """Stems of the words a question capitalises other than at a sentence's start (names, titles)."""
        return {stem(m.group(0).casefold()) for m in _CAPITALISED.finditer(question[:MAX_QUERY_CHARS])}

    def words_of(self, question: str) -> list[str]:
        """A question's words as `analyze` reads them (chat shorthand spelt out)."""
        return self._parsed(question, True)[0]

    @property
    def name_words(self) -> frozenset[str]:
        """Every word of every name and alias."""
        return frozenset(self._alias_words)

    def group(self, word: str) -> str | None:
        """The synonym group token a single word folds into, if any ("told" -> "say")."""
        return self._synonyms.get((stem(word),))

    def roles(self, text: str, *, fuzzy: bool = True) -> tuple[frozenset[str], frozenset[str]]:
        """The people a text names before its first "about", and those it names after it.

        "What song did Kim write about Kanye?" is ({kim}, {kanye}): who did what, and about whom.
        """
        _, parts, _, _ = self._parsed(text, fuzzy)
        before: set[str] = set()
        after: set[str] = set()
        seen_about = False
        for part in parts:
            if isinstance(part, frozenset):
                (after if seen_about else before).update(part)
            elif part == "about":
                seen_about = True
        return (frozenset(before), frozenset(after)) if seen_about else (frozenset(), frozenset())

    def authors(
        self, text: str, groups: frozenset[str], works: frozenset[str] = frozenset(), *, fuzzy: bool = True
    ) -> frozenset[str]:
        """People named just before a word of one of these synonym groups: Kim in "What did Kim write?".

        Stop words may stand between ("did Kim and Kanye say"); a noun that names a setting or a
        work ("the Ryan Seacrest interview", "Kanye quote", "Keri Hilson song") has no author.
        Someone a name's possessive stands for ("What did Kanye's boy say?") is `SOMEONE_ELSE`,
        unless it is one of their ``works`` (synonym groups: "What did Kanye's verse say?" is his).
        """
        ws, parts, ends, possessive = self._parsed(text, fuzzy)
        out: set[str] = set()
        for i, part in enumerate(parts):
            if isinstance(part, frozenset) or part in SETTING_NOUNS or self.group(part) not in groups:
                continue
            for j in range(i - 1, -1, -1):
                before = parts[j]
                if isinstance(before, frozenset):
                    out.update(before)
                elif before not in STOPWORDS:
                    owner = parts[j - 1] if j else None
                    if isinstance(owner, frozenset) and self._possessive(ws[ends[j - 1]], possessive):
                        out.update(owner if self.group(before) in works else {SOMEONE_ELSE})
                    break
        return frozenset(out)

    def _group_words(
        self, parts: list[str | frozenset[str]], groups: frozenset[str]
    ) -> Iterator[tuple[int, str]]:
        """The position and group of each word of a parsed text that belongs to one of these groups."""
        for i, part in enumerate(parts):
            if not isinstance(part, frozenset):
                group = self.group(part)
                if group is not None and group in groups:
                    yield i, group

    def partners(
        self, text: str, groups: frozenset[str], *, question: bool = True
    ) -> dict[str, frozenset[str]]:
        """Who takes part in each relation a text names: people just before and just after its word.

        "Kim was dating Ray J" is {dating: {kim, ray-j}}; stop words may stand between. A
        relation named with one side only ("about divorcing Kanye", "Who is Kim dating?")
        counts only in a ``question`` (read with typos forgiven), whose one side is the person
        asked about.
        """
        _, parts, _, _ = self._parsed(text, question)
        out: dict[str, set[str]] = {}
        for i, group in self._group_words(parts, groups):
            sides: list[frozenset[str]] = []
            for side in (range(i - 1, -1, -1), range(i + 1, len(parts))):
                for j in side:
                    near = parts[j]
                    if isinstance(near, frozenset):
                        sides.append(near)
                        break
                    if near not in STOPWORDS:
                        break
            if len(sides) == 2 or (sides and question):
                out.setdefault(group, set()).update(*sides)
        return {g: frozenset(p) for g, p in out.items()}

    def actors(self, text: str, groups: frozenset[str], *, fuzzy: bool = True) -> dict[str, frozenset[str]]:
        """Who does each act a text names: the people named just before a word of these groups.

        "What did Liam win?" is {win: {liam}}; the owner of a noun before it counts too, named
        ("Harry's Grammy win") or by a possessive pronoun, which stands for the person named last
        before it ("congratulated Harry on his Grammy wins").
        """
        ws, parts, ends, possessive = self._parsed(text, fuzzy)
        out: dict[str, set[str]] = {}
        for i, group in self._group_words(parts, groups):
            for j in range(i - 1, -1, -1):
                before = parts[j]
                if isinstance(before, frozenset):
                    out.setdefault(group, set()).update(before)
                    break
                if before in STOPWORDS:
                    continue
                owner = parts[j - 1] if j else None
                if isinstance(owner, frozenset) and self._possessive(ws[ends[j - 1]], possessive):
                    out.setdefault(group, set()).update(owner)
                elif owner in _POSSESSIVE_PRONOUNS:
                    last = next((p for p in reversed(parts[: j - 1]) if isinstance(p, frozenset)), None)
                    if last is not None:
                        out.setdefault(group, set()).update(last)
                break
        return {g: frozenset(p) for g, p in out.items()}

    def listeners(self, text: str, cue: str) -> frozenset[str]:
        """People a question says were spoken to: "tell Ryan Seacrest", "say to Paris Hilton".

        ``cue`` is the synonym group token of "say"; "tell me" is dropped by `chat_words` first.
        """
        _, parts, _, _ = self._parsed(text, True)
        out: set[str] = set()
        for i, part in enumerate(parts):
            if not isinstance(part, frozenset) or i == 0:
                continue
            prev = parts[i - 1]
            if isinstance(prev, str) and prev in TELL:
                out.update(part)  # "tell", "told", "telling" take the listener directly
            elif prev == "to" and i >= 2 and isinstance(parts[i - 2], str):
                word = parts[i - 2]
                assert isinstance(word, str)
                if self.group(word) == cue:
                    out.update(part)
        return frozenset(out)

    # -- words --------------------------------------------------------------

    def _groups_of(self, phrases: Iterable[str]) -> frozenset[str]:
        """The group tokens these phrases of the lexicon fold into."""
        return frozenset(self._synonyms[k] for k in map(phrase_key, phrases) if k in self._synonyms)

    def token_of(self, phrase: str) -> str:
        """The match token a phrase of the lexicon folds into ("" for filler)."""
        key = phrase_key(phrase)
        return self._synonyms.get(key, "_".join(key))

    def _variant(self, word: str) -> tuple[str, float] | None:
        """A known word an unknown one is another form of: "older" of "old", "reaction" of "react",
        "neighbourhood" of "neighborhood", "4th" of "fourth"; None if none."""
        known = self._known_stems
        for old, new in _BRITISH:
            if old in word:
                candidate = word.replace(old, new)
                if stem(candidate) in known:
                    return candidate, VARIANT_CREDIT
        for suffix, ending in _SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                base = word[: -len(suffix)]
                for candidate in (base + ending, base[:-1] if base[-1:] == base[-2:-1] else ""):
                    if candidate and stem(candidate) in known:
                        return candidate, VARIANT_CREDIT
        return None

    def _correct(self, word: str) -> tuple[str, float] | None:
        """The known word an unknown one is a typo of, with the credit it keeps; None if none."""
        if word in self._corrections:
            return self._corrections[word]
        result: tuple[str, float] | None = None
        edits = next((n for size, n in SPELLING_EDITS if len(word) >= size), 0)
        if edits:
            choices = self._vocab_list if len(word) >= 8 else self._vocab_by_initial.get(word[0], [])
            if len(word) < 5:
                # A four-letter word is one substitution from many others ("live", "love"): only
                # a letter missing, extra or swapped, or a wrong last letter ("kidz") is a typo here.
                choices = [
                    c
                    for c in choices
                    if len(c) != len(word) or sorted(c) == sorted(word) or c[:3] == word[:3]
                ]
            best = process.extractOne(word, choices, scorer=OSA.distance, score_cutoff=edits)
            if best is not None:
                cost = EDIT_COST if len(word) >= 5 else 0.5
                result = (best[0], 1.0 - cost * best[1])
        if result is None and len(word) >= 3:
            # A stop word with a letter missing ("wich", "abut") is that stop word. Only a
            # missing letter: "tall" must not become "tell", nor "shoes" "shes", and vanish.
            stops = [w for w in self._stops_by_initial.get(word[0], []) if len(w) > len(word)]
            best = process.extractOne(word, stops, scorer=Indel.distance, score_cutoff=1)
            if best is not None:
                result = (best[0], 1.0)
        if len(self._corrections) > 50_000:
            self._corrections.clear()
        self._corrections[word] = result
        return result

    def knowledge_tokens(self, ws: list[str]) -> set[str]:
        """The match tokens of a knowledge text split into `words`: `analyze` without typo forgiveness.

        Faster than `analyze(text, query=False)` for building an index: the stretches of words
        between names recur across facts ("when was ... born"), so each is analysed once.
        """
        out: set[str] = set()
        start = 0  # where the stretch of words since the last name starts
        openers = self._alias_openers
        for i in [i for i, w in enumerate(ws) if w in openers]:
            if i < start:
                continue  # inside the name just found
            found = self._name_at(ws, i, False)
            if found is None:
                continue
            if i > start:
                out.update(self._run_tokens(tuple(ws[start:i])))
            out.update(person_token(p) for p in found[0])
            start = i + found[1]
        if start < len(ws):
            out.update(self._run_tokens(tuple(ws[start:])))
        return out

    def forget_runs(self) -> None:
        """Drop what `knowledge_tokens` remembered (once the index is built)."""
        self._runs = {}

    def _run_tokens(self, run: tuple[str, ...]) -> tuple[str, ...]:
        tokens = self._runs.get(run)
        if tokens is None:
            found: dict[str, float] = {}
            self._fold([(stem(w), 1.0, w in STOPWORDS) for w in run], found)
            tokens = tuple(found)
            if len(self._runs) > 200_000:
                self._runs.clear()
            self._runs[run] = tokens
        return tokens

    def analyze(self, text: str, *, query: bool = True, seen: set[str] | None = None) -> Analysis:
        """Analyse a text; ``query`` cuts it to size and forgives typos in names and words.

        ``seen``, when given, collects the words of the text (to build a vocabulary).
        """
        result = Analysis()
        normalized = normalize(text, MAX_QUERY_CHARS if query else None)
        ws = words(normalized)
        preamble = 0
        if query:
            ws = chat_words(ws)
            preamble = _preamble(normalized)
            result.kind = question_type_of(ws[preamble:])
            result.amount = amount_of(ws[preamble:])
            result.asks = any(w in _ASKING for w in ws[preamble : preamble + 1])
        if seen is not None:
            seen.update(ws)
        ends: list[int] = []
        head = self._split_people(ws[:preamble], fuzzy=query, ends=ends)
        rest_ends: list[int] = []
        parts = head + self._split_people(ws[preamble:], fuzzy=query, ends=rest_ends)
        ends += [preamble + e for e in rest_ends]
        possessive = {m.group(1) for m in _POSSESSIVE.finditer(normalized)}
        if query:
            self._remember((text, True), (ws, parts, ends, possessive))
        # Stem the words between names, then fold synonym phrases within each run.
        run: list[tuple[str, float, bool]] = []  # (stem, credit, is a stop word)
        in_preamble: set[str] = set()
        asked: set[str] = set()

        def flush(context: bool = False) -> None:
            folded: dict[str, float] = {}
            asks_when = self._fold(run, folded)
            for token, credit in folded.items():
                result.add(token, credit)
            if not context and not result.kind and asks_when:
                result.kind = QUESTION_TYPES["when"]  # "Kim Kris wedding date" asks when
            (in_preamble if context else asked).update(folded)
            run.clear()

        previous_unknown = False
        preamble_unknown: list[str] = []
        joined: set[str] = set()  # the people named side by side so far
        joinable = False  # only "and" since the last name
        for i, part in enumerate(parts):
            if i == len(head) and i:
                flush(context=True)  # the preamble's words fold on their own
            if isinstance(part, frozenset):
                flush(context=i < len(head))
                result.people.append(part)
                for pid in part:
                    result.add(person_token(pid))
                if (
                    joinable
                    and isinstance(parts[i - 1], frozenset)
                    and self._possessive(ws[ends[i]], possessive)
                ):
                    joinable = False  # "Was Ray J Kim's boyfriend?" names Ray J and Kim's boyfriend
                joined = joined | part if joinable else set(part)
                if joinable:
                    if result.together and len(joined) > len(part) and result.together[-1] <= joined:
                        result.together[-1] = frozenset(joined)
                    else:
                        result.together.append(frozenset(joined))
                joinable = True
                previous_unknown = False
                continue
            if part != "and":
                joinable = False
            credit = 1.0
            word = part
            unknown = False
            if query and self._unknown(word) and stem(word) not in self._known_stems:
                corrected = self._variant(word) or self._correct(word)
                if corrected is not None:
                    if corrected[0] != word:
                        result.corrections.append((word, corrected[0]))
                    word, credit = corrected
                elif i < len(head):
                    # Chatter before the question ("my roommate and I were arguing"); but a name
                    # there may be whom the question asks about ("..., how many has she won?").
                    if word.isalpha():
                        preamble_unknown.append(word)
                    continue
                elif word.isalpha():
                    unknown = True
                    result.unknown.append(word)
                    if previous_unknown:
                        result.unknown_names += 1
            previous_unknown = unknown
            run.append((stem(word), credit, word in STOPWORDS))
        flush()
        result.context = {t for t in in_preamble - asked if not t.isdigit()}
        asked_people = {p for part in parts[len(head) :] if isinstance(part, frozenset) for p in part}
        result.context_people = {
            p for part in head if isinstance(part, frozenset) for p in part
        } - asked_people
        if query and (result.unknown or preamble_unknown):
            capitalised = {m.group(0).casefold() for m in _CAPITALISED.finditer(text[:MAX_QUERY_CHARS])}
            if not result.unknown_names:
                result.unknown_names = sum(1 for w in result.unknown if w in capitalised)
            if not any(isinstance(part, frozenset) for part in parts[len(head) :]):
                # The clause asked in names nobody: a name in the preamble ("My friend loves Taylor
                # Swift, how many Grammys has she won?") is its topic. (Only a capitalised one:
                # chatter has unknown words in a row too.)
                result.unknown_names += sum(1 for w in preamble_unknown if w in capitalised)
        return result

    def _possessive(self, word: str, possessive: set[str]) -> bool:
        """Whether the last word of a name was written as a possessive ("kim's", "kims")."""
        return word in possessive or (word not in self._alias_words and word[:-1] in self._alias_words)

    def _fold(self, run: list[tuple[str, float, bool]], result: dict[str, float]) -> bool:
        """Add a run of stems to the result (token -> best credit), synonym phrases first, then
        the non-stop words. True when a compound that asks when was among them ("wedding date")."""
        asks_when = False

        def add(token: str, credit: float) -> None:
            if credit > result.get(token, 0.0):
                result[token] = credit

        i = 0
        synonyms, starts, pairs = self._synonyms, self._synonym_lengths, self._synonym_pairs
        while i < len(run):
            token, credit, is_stop = run[i]
            lengths = starts.get(token)
            if lengths is not None and (i + 1 == len(run) or (token, run[i + 1][0]) not in pairs):
                lengths = None  # no phrase starts with these two words
            if lengths is None:
                group = synonyms.get((token,))
                if group is not None:
                    for part in self._parts[group]:
                        add(part, credit)
                elif not is_stop:
                    add(token, credit)
                i += 1
                continue
            for n in lengths:
                if n > len(run) - i:
                    continue
                key = tuple(s for s, _, _ in run[i : i + n])
                group = self._synonyms.get(key)
                if group is not None:
                    parts = self._parts[group]
                    for part in parts:
                        add(part, min(c for _, c, _ in run[i : i + n]))
                    asks_when = asks_when or (len(parts) > 1 and _WHEN in parts)
                    i += n
                    break
            else:
                if not is_stop:
                    add(token, credit)
                i += 1
        return asks_when


def _preamble(normalized: str) -> int:
    """How many words of a long question come before the clause it asks in (0: all of it asks).

    That clause is the last one that opens with a question word and holds a word that is not a
    stop word: in "I read that Kanye fell for Kim, who was in the photo with her?" the first clause
    is context; in "I read that Kim is seeing lawyers, is that true?" the last asks nothing.

    >>> _preamble("so my roommate and i were arguing, how many kids do they have?")
    7
    >>> _preamble("what year did they become friends, kim and kanye")
    0
    """
    if _QUOTED.search(normalized):
        return 0
    clauses = [chat_words(words(c)) for c in _CLAUSE.split(normalized)]
    for k in range(len(clauses) - 1, 0, -1):
        clause = clauses[k]
        start = 0
        while start < len(clause) and clause[start] in _LEADING:
            start += 1
        if start < len(clause) and clause[start] in _ASKING and any(w not in STOPWORDS for w in clause):
            return sum(len(c) for c in clauses[:k])
    return 0
