"""Text normalisation shared by indexing and querying: words, stems, stop words.

Pure functions with no knowledge of people or synonyms; `bot.core.analyzer`
builds on them.
"""

from __future__ import annotations

import gc
import itertools
import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

import snowballstemmer

__all__ = [
    "COUNT",
    "LENGTH",
    "MAX_QUERY_CHARS",
    "QUESTION_TYPES",
    "STOPWORDS",
    "TELL",
    "amount_of",
    "chat_words",
    "content_pairs",
    "normalize",
    "paused_gc",
    "question_type",
    "question_type_of",
    "stem",
    "words",
]

#: Longer input is cut before matching: no question needs more, and it bounds the work.
MAX_QUERY_CHARS = 600

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'"})
_POSSESSIVE = re.compile(r"(?<=\w)'s?\b")
_WORD = re.compile(r"[^\W_]+")
# On ASCII text the same words come faster from blanking all but letters and digits, then splitting.
_ASCII_BLANKS = str.maketrans({chr(c): " " for c in range(128) if not chr(c).isalnum()})

STOPWORDS = frozenset(
    """
    a an the is are was were be been being am do does did doing done have has had having
    of in on at to for from by with about as into onto over under up down out off
    and or but if then so than that this these those there here it its itself
    he him his himself she her hers herself they them their theirs themselves we us our ours
    you your yours i me my mine myself one ones
    what which who whom whose why how where
    can could would will shall should may might must need
    just also any some all ever very really much many more most such quite rather
    tell please know knows let lets give find list
    s t ll d re ve m o
    together else someone somebody anyone anybody something anything everyone each other another
    during back through both either neither own same too only well even ago
    get gets got getting go goes going went gone come comes came make makes made
    seeing see saw seen look looking thing things stuff kind sort way lot
    yes no not yeah ok okay hey hi hello oh um uh pls plz thanks thank
    bot couple duo pair true actually heard hear people
    whats whos wheres hows thats dont doesnt didnt isnt arent wasnt werent cant wont im ive
    youre theyre hes shes
    btw exactly again anyway anyways wonder wondering curious question quick remind lol idk
    yo tf lmao lmfao omg fr ngl tbh imo yet finish complete
    year years kindly inform apparently supposedly allegedly somewhere keep keeps keeping
    right correct sorry connected connection linked
    without instead besides while until upon within across toward towards via per among whether
    though although unless onto usually overall generally typically normally between beside
    beyond behind above below around inside outside throughout along amid despite except
    """.split()
)
#: Chat shorthand for a word the knowledge spells out ("kim n kanye", "b4 kanye", "ppl say").
CHAT_SHORTHAND = {
    "n": "and",
    "u": "you",
    "ur": "your",
    "r": "are",
    "b4": "before",
    "bc": "because",
    "cuz": "because",
    "ppl": "people",
    "gonna": "going",
    "wanna": "want",
    "abt": "about",
    "w": "with",
    "rn": "now",
    "yrs": "years",
    "yr": "year",
}
#: The forms of "tell", which take whom words were said to ("told Seacrest").
TELL = frozenset({"tell", "tells", "told", "telling"})
_BEING = frozenset({"is", "was", "are", "were", "be", "been", "being", "get", "got", "gets", "getting"})
#: Words after which a two-digit number is a year ("back in 09").
_YEAR_OPENERS = frozenset({"in", "since", "from", "around", "before", "after", "until", "til"})
# Control and invisible format characters (bidi overrides, zero-width marks, lone surrogates).
_CONTROL = re.compile(
    "[\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f"
    "\ufeff\ufff9-\ufffb\ud800-\udfff]"
)


def normalize(text: str, limit: int | None = MAX_QUERY_CHARS) -> str:
    """Lower-case, unify apostrophes and Unicode forms, blank out control characters, cut to ``limit``.

    >>> normalize("Kim’s KIDS\\x00?")
    "kim's kids ?"
    """
    if limit is not None:
        text = text[: limit * 2]
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES)
    if not text.isprintable():  # every character _CONTROL matches is unprintable
        text = _CONTROL.sub(" ", text)
    text = text.casefold()
    return text if limit is None else text[:limit]


def words(text: str) -> list[str]:
    """Split normalised text into words, dropping possessive endings and apostrophes.

    >>> words("kim's kids: north & saint")
    ['kim', 'kids', 'north', 'saint']
    """
    if "'" in text:
        text = _POSSESSIVE.sub("", text).replace("'", "")
    if text.isascii():
        return text.translate(_ASCII_BLANKS).split()
    return _WORD.findall(text)


def chat_words(ws: list[str]) -> list[str]:
    """A question's words with chat shorthand spelt out, short years in full, "tell me" dropped.

    >>> chat_words(["kim", "n", "ye", "b4", "dating", "in", "09"])
    ['kim', 'and', 'ye', 'before', 'dating', 'in', '2009']
    >>> chat_words(["tell", "me", "who", "kim", "dated"])
    ['me', 'who', 'kim', 'dated']
    """
    out = []
    for i, w in enumerate(ws):
        if w in TELL and ws[i + 1 : i + 2] in (["me"], ["us"]):
            # "tell me when they met" asks and "someone told me" reports; "what did Kanye tell
            # Seacrest" quotes.
            continue
        w = CHAT_SHORTHAND.get(w, w)
        if w == "called" and (i == len(ws) - 1 or ws[i - 1] in _BEING):
            # "What is her podcast called?", "being called a wife": a name, not a call.
            w = "named"
        if len(w) == 2 and w.isdigit() and i and ws[i - 1] in _YEAR_OPENERS:
            # "in 09" is 2009 and "in 98" 1998; "in 40" tells nothing.
            w = "20" + w if w < "30" else "19" + w if w >= "50" else w
        out.append(w)
    return out


def content_pairs(text: str, limit: int | None = MAX_QUERY_CHARS) -> frozenset[tuple[str, str]]:
    """Pairs of neighbouring words that are both content words, as written.

    >>> sorted(content_pairs("Have you seen that girl Kim Kar-dijon?"))
    [('girl', 'kim'), ('kar', 'dijon'), ('kim', 'kar')]
    """
    ws = words(normalize(text, limit))
    return frozenset((a, b) for a, b in itertools.pairwise(ws) if a not in STOPWORDS and b not in STOPWORDS)


#: What a question asks for, as bits: a person, a place, a time, a reason.
QUESTION_TYPES = {"who": 1, "whom": 1, "whose": 1, "where": 2, "when": 4, "why": 8, "how": 16}
_OPENERS = frozenset({"what", "which", *QUESTION_TYPES})
#: Words after "how" that ask for an amount, not a manner ("how many", "how long").
_HOW_MUCH = frozenset({"many", "much", "long", "old", "often", "far", "tall", "big", "serious", "bad"})


#: `amount_of` bits (beside `QUESTION_TYPES`' in an entry's types): a count, a length of time.
COUNT, LENGTH = 32, 64
_COUNTS = frozenset({"many", "much", "old"})


def amount_of(ws: list[str]) -> int:
    """`COUNT` for a text opening "how many/much/old", `LENGTH` for "how long", else 0.

    >>> amount_of(["so", "how", "many", "kids", "do", "they", "have"]) == COUNT
    True
    >>> amount_of(["how", "long", "were", "they", "married"]) == LENGTH
    True
    """
    for i, word in enumerate(ws[:-1]):
        if word == "how":
            following = ws[i + 1]
            return COUNT if following in _COUNTS else LENGTH if following == "long" else 0
        if word not in STOPWORDS:
            return 0
    return 0


def question_type(text: str) -> int:
    """The kind of answer a question opens by asking for (`QUESTION_TYPES` bits; 0: not told).

    >>> question_type("Hey, in what year did they meet?") == QUESTION_TYPES["when"]
    True
    >>> question_type("song where kanye says he loves kim")
    0
    >>> question_type("How does Kim want the divorce to go?") == QUESTION_TYPES["how"]
    True
    >>> question_type("how many kids do they have")  # an amount, told by its words
    0
    """
    return question_type_of(words(normalize(text)))


def question_type_of(ws: list[str]) -> int:
    """`question_type` of a text already split into `words`."""
    for i, word in enumerate(ws):
        if word == "how" and ws[i + 1 : i + 2] and ws[i + 1] in _HOW_MUCH:
            return 0
        if word == "how" and ws[i + 1 : i + 2] == ["come"]:
            return QUESTION_TYPES["why"]  # "how come they split?"
        if word in QUESTION_TYPES:
            return QUESTION_TYPES[word]
        if word in ("what", "which") and i + 1 < len(ws) and ws[i + 1] in ("year", "date", "month"):
            return QUESTION_TYPES["when"]
        if word in _OPENERS or word not in STOPWORDS:
            return 0
    return 0


_stemmer = snowballstemmer.stemmer("english")


@lru_cache(maxsize=1 << 18)
def stem(word: str) -> str:
    """The English Snowball stem of one lower-case word; words with digits stay as they are.

    >>> stem("marrying")
    'marri'
    """
    if len(word) <= 2 or not word.isalpha():
        return word
    return str(_stemmer.stemWord(word))


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many long-lived objects that form no cycles.

    Each collection scans every container made so far; a large load otherwise spends most of
    its time there. On the way out everything is frozen (`gc.freeze`): left in the youngest
    generation, the next routine collection would scan millions of objects at once, holding the
    GIL for a quarter of a second and stalling a bot's event loop. Frozen objects are still
    freed when their last reference goes; only cycles among them would never be collected,
    and the knowledge makes none.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()
