"""Deterministic synthetic knowledge bases and labelled question mixes.

A *world* is many invented people (unique invented names, some with a stage name), each with
facts made from topic templates ("When was X born?", "What award did X win in 2011?", ...),
a few quotes, and one source per person. `write_knowledge` writes it in the real knowledge YAML
format (several files, plus a copy of the shipped ``synonyms.yaml``); `question_mix` asks a
fixed, labelled mix of close, misspelt, paraphrased and unanswerable questions about it.

Everything comes from `random.Random` seeded with fixed values and never iterates a set, so
the same seed gives byte-identical files in any process.

>>> world = build_world(50, seed=1)
>>> len(world.facts)
50
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import fuzz, process

__all__ = [
    "ABSTAIN",
    "KINDS",
    "FactRec",
    "PersonRec",
    "Question",
    "QuoteRec",
    "World",
    "build_world",
    "files_digest",
    "question_mix",
    "write_knowledge",
    "write_questions",
]

#: The label of a question the engine must decline.
ABSTAIN = "abstain"
#: Question kinds, in report order.
KINDS = ("close", "misspelt", "paraphrase", "unknown_person", "unknown_topic")
#: How the mix is split between the kinds (sums to 1).
MIX = {"close": 0.35, "misspelt": 0.25, "paraphrase": 0.20, "unknown_person": 0.10, "unknown_topic": 0.10}
#: Facts per YAML file.
FACTS_PER_FILE = 5_000
#: Bumped whenever the generated files or questions change, so caches of them are rebuilt.
GENERATOR_VERSION = "1"

#: An unknown name scores below this (rapidfuzz ratio) against every known name and name word.
_FAR = 80.0
#: How many unknown people a world invents to ask about.
_UNKNOWN_PEOPLE = 200

_SYNONYMS = Path(__file__).resolve().parent.parent / "knowledge" / "synonyms.yaml"

# -- invented words -------------------------------------------------------------

_ONSETS = "b c d f g h j k l m n p r s t v z br dr gr kl pr st tr sh ch th w".split()
_VOWELS = "a e i o u a e i o ae ei ou".split()
_CODAS = ["", "", "", "n", "r", "l", "s", "th", "x", "nd", "rk", "m", "v"]
_LAST_ENDINGS = "son ley ford wick ton ar ez ski berg ova ani elle ard ine ero quist mont".split()
_UNKNOWN_ENDINGS = "vich etti haus dottir opoulos sen wala ungu".split()
_PLACE_ENDINGS = ["ville", "port", "ford", "ham", "dale", "mouth", "bury", " Falls", " Springs", " Harbor"]
# Words the templates use: no invented name may equal one of them.
_RESERVED = set(
    """
    when what where which who whom whose why how born birth birthday year date grow grew up town
    city award prize win won first album debut record song hit film movie married spouse wife
    husband kids children child sons daughters worth rich money tall height company brand found
    founded business college university study studied school pet dog cat instrument play plays
    tour parents mother father siblings brothers sisters job live lives book memoir followers
    grammys grammy tattoos arrested vegan diet show famous charity cause meet met said say about
    fame love music family fans fashion success critics touring does did have has is was the and
    real name stage called
    """.split()
)


def _cap(word: str) -> str:
    return word[:1].upper() + word[1:]


def _syllable(rng: random.Random, coda: bool) -> str:
    return rng.choice(_ONSETS) + rng.choice(_VOWELS) + (rng.choice(_CODAS) if coda else "")


def _unique_words(rng: random.Random, count: int, make: Callable[[], str], taken: set[str]) -> list[str]:
    out: list[str] = []
    while len(out) < count:
        w = make()
        low = w.lower()
        if len(w) >= 4 and low not in taken and low not in _RESERVED:
            taken.add(low)
            out.append(w)
    return out


@dataclass(frozen=True, slots=True)
class _Pools:
    """Invented words shared by a world: first and last names, stage names, places."""

    first: list[str]
    last: list[str]
    unknown_last: list[str]
    stage: list[str]
    places: list[str]
    brands: list[str]


def _pools(rng: random.Random, people: int) -> _Pools:
    taken: set[str] = set()
    first = _unique_words(
        rng, 400, lambda: _cap(_syllable(rng, False) + _syllable(rng, rng.random() < 0.6)), taken
    )
    lasts = max(600, people // 2)

    def last() -> str:
        return _cap(_syllable(rng, False) + _syllable(rng, False) + rng.choice(_LAST_ENDINGS))

    last_names = _unique_words(rng, lasts, last, taken)
    unknown_last = _unique_words(
        rng,
        20 * _UNKNOWN_PEOPLE,
        lambda: _cap(_syllable(rng, True) + _syllable(rng, False) + rng.choice(_UNKNOWN_ENDINGS)),
        taken,
    )
    stage = _unique_words(
        rng, max(200, people // 2), lambda: _cap(_syllable(rng, True) + _syllable(rng, True)), taken
    )
    places = _unique_words(
        rng,
        500,
        lambda: _cap(_syllable(rng, False) + _syllable(rng, True)) + rng.choice(_PLACE_ENDINGS),
        taken,
    )
    brands = _unique_words(rng, 500, lambda: _cap(_syllable(rng, True) + _syllable(rng, False)), taken)
    return _Pools(first, last_names, unknown_last, stage, places, brands)


_MONTHS = "January February March April May June July August September October November December".split()
_TITLE_WORDS = (
    "Midnight Paper Velvet Echoes Summer Glass Neon Rivers Gold Static Honey Wild Hearts Satellite "
    "Ashes Crown Parade Mirrors Thunder Lullaby Orbit Saltwater Ember Signal Harbor Daylight Ghost "
    "Avenue Silk Tides Wonder Fever Marble Lanterns Voltage Cinder Meadow"
).split()
_AWARD_ADJ = "Golden Silver Crystal Platinum Velvet Neon Iron Copper".split()
_AWARD_OBJ = "Lyre Mic Star Reel Compass Lantern Harp Comet Quill Beacon".split()
_AWARD_CAT = [
    "Best New Artist",
    "Album of the Year",
    "Best Duet",
    "Song of the Year",
    "Best Live Act",
    "Best Music Video",
    "Breakthrough Performer",
    "Best Supporting Role",
    "Best Documentary",
    "Lifetime Achievement",
]
_JOBS = "nurse teacher carpenter pilot baker lawyer dentist florist chef librarian electrician".split()
_FIRST_JOBS = [
    "worked as a barista",
    "sold shoes at a mall",
    "was a lifeguard",
    "delivered pizzas",
    "worked in a record store",
    "was a dental assistant",
    "waited tables at a diner",
    "walked dogs for neighbours",
]
_COMPANY_KINDS = ["Beauty", "Labs", "Studios", "Records", "Apparel", "Skincare", "Games"]
_SUBJECTS = ["drama", "music theory", "economics", "fashion design", "film studies", "journalism", "biology"]
_PETS = ["dog", "cat", "parrot", "horse", "rabbit", "tortoise"]
_INSTRUMENTS = ["piano", "guitar", "drums", "cello", "violin", "saxophone", "harp", "bass"]
_CAUSES = [
    "funds music lessons for children",
    "supports animal shelters",
    "plants trees in cities",
    "helps young people find housing",
    "pays for school meals",
]
_DIETS = ["is vegan", "follows a plant-based diet", "eats a high-protein diet", "is vegetarian"]
_OFFENCES = ["reckless driving", "trespassing", "a fight at a nightclub", "unpaid parking fines"]
_PUBLISHERS = [
    "Velvet Weekly",
    "The Marquee Report",
    "Starlight Daily",
    "Backstage Monthly",
    "The Encore",
    "Spotlight News",
    "Red Carpet Review",
]
_QUOTE_TOPICS = {
    "fame": [
        "Fame is a loud room; I keep a quiet corner in it.",
        "Being famous never made me feel finished.",
    ],
    "money": [
        "Money buys the studio time, not the song.",
        "I grew up counting coins, so I still check prices.",
    ],
    "love": ["Love is the only tour that never ends.", "I fall in love slowly and then all at once."],
    "music": ["Every record I make is a letter to my younger self.", "Music was my first language."],
    "family": ["My family keeps my feet on the ground.", "Sunday dinners with my family are not negotiable."],
    "critics": ["Critics review the show; fans live it.", "I read every bad review once, then never again."],
    "fans": ["My fans raised me as much as my parents did.", "The fans in the front row are my real band."],
    "fashion": [
        "Fashion is armour you choose every morning.",
        "I dress for the person I want to be tomorrow.",
    ],
    "success": ["Success is just failure that kept going.", "I measure success in quiet mornings."],
}


def _title(rng: random.Random) -> str:
    return " ".join(rng.sample(_TITLE_WORDS, rng.choice((1, 2, 2, 3))))


def _year(rng: random.Random, low: int = 1995, high: int = 2024) -> int:
    return rng.randint(low, high)


# -- topics ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Topic:
    """A kind of fact: stored phrasings, held-out paraphrases, and how to invent its answer.

    Templates use ``{n}`` for the person, ``{y}`` for a year and ``{p}`` for a partner.
    """

    key: str
    stored: tuple[str, ...]
    paraphrases: tuple[str, ...]
    answer: Callable[[random.Random, _Pools, str, dict[str, str]], str]


def _t(
    key: str,
    stored: Sequence[str],
    paraphrases: Sequence[str],
    answer: Callable[[random.Random, _Pools, str, dict[str, str]], str],
) -> _Topic:
    return _Topic(key, tuple(stored), tuple(paraphrases), answer)


def _born(r: random.Random, p: _Pools, n: str, f: dict[str, str]) -> str:
    return f"{n} was born on {r.randint(1, 28)} {r.choice(_MONTHS)} {_year(r, 1960, 2003)}."


TOPICS: tuple[_Topic, ...] = (
    _t(
        "born",
        [
            "When was {n} born?",
            "What is {n}'s date of birth?",
            "What year was {n} born?",
            "When is {n}'s birthday?",
        ],
        ["{n} was born in what year?", "In which year was {n} born?", "Tell me the birth date of {n}"],
        _born,
    ),
    _t(
        "birthplace",
        ["Where was {n} born?", "What is {n}'s hometown?", "Which city was {n} born in?"],
        ["{n} was born where?", "In what town was {n} born?", "What city is {n} originally from?"],
        lambda r, p, n, f: f"{n} was born in {r.choice(p.places)}.",
    ),
    _t(
        "grew-up",
        ["Where did {n} grow up?", "Where did {n} spend their childhood?", "What town did {n} grow up in?"],
        ["{n} grew up where?", "In which town was {n} raised?", "Where was {n} raised as a kid?"],
        lambda r, p, n, f: (
            f"{n} grew up in {r.choice(p.places)}, where the family moved when {n} was {r.randint(2, 9)}."
        ),
    ),
    _t(
        "award",
        ["What award did {n} win in {y}?", "Which prize did {n} receive in {y}?", "What did {n} win in {y}?"],
        [
            "In {y}, what award went to {n}?",
            "{n} won which award in {y}?",
            "Name the prize {n} took home in {y}",
        ],
        lambda r, p, n, f: (
            f"In {f['y']}, {n} won the {r.choice(_AWARD_ADJ)} {r.choice(_AWARD_OBJ)} Award "
            f"for {r.choice(_AWARD_CAT)}."
        ),
    ),
    _t(
        "first-album",
        [
            "What was {n}'s first album?",
            "What is the name of {n}'s debut album?",
            "When did {n} release their first album?",
        ],
        ["Which album did {n} debut with?", "{n}'s debut record was called what?", "First album by {n}?"],
        lambda r, p, n, f: f"{n}'s debut album was “{_title(r)}”, released in {_year(r)}.",
    ),
    _t(
        "spouse",
        ["Who is {n} married to?", "Who is {n}'s spouse?", "Who did {n} marry?"],
        ["Who is the husband or wife of {n}?", "{n} is married to whom?", "Is {n} married?"],
        lambda r, p, n, f: f"{n} married {f['p']} in {_year(r)}.",
    ),
    _t(
        "kids",
        ["How many children does {n} have?", "Does {n} have kids?", "What are the names of {n}'s children?"],
        ["How many kids has {n} got?", "{n}'s children: how many?", "Is {n} a parent?"],
        lambda r, p, n, f: (
            f"{n} has {r.choice(['one child', 'two children', 'three children', 'no children'])}"
            f"{'' if r.random() < 0.5 else ', ' + r.choice(p.first) + ' and ' + r.choice(p.first)}."
        ),
    ),
    _t(
        "net-worth",
        ["What is {n}'s net worth?", "How rich is {n}?", "How much money does {n} have?"],
        ["How wealthy is {n}?", "What is {n} worth?", "Net worth of {n}?"],
        lambda r, p, n, f: f"{n}'s net worth is estimated at about ${r.randint(2, 900)} million.",
    ),
    _t(
        "height",
        ["How tall is {n}?", "What is {n}'s height?"],
        ["{n} is how tall?", "What height is {n}?", "Height of {n} in feet?"],
        lambda r, p, n, f: f"{n} is {r.randint(5, 6)} ft {r.randint(0, 11)} in tall.",
    ),
    _t(
        "first-movie",
        ["What was {n}'s first movie?", "Which film did {n} debut in?", "What was {n}'s first film role?"],
        ["In which movie did {n} first appear?", "{n}'s film debut was what?", "First film {n} acted in?"],
        lambda r, p, n, f: f"{n} made a film debut in “{_title(r)}” ({_year(r)}).",
    ),
    _t(
        "company",
        ["What company did {n} found?", "What brand did {n} launch?", "What business does {n} own?"],
        ["Which company was founded by {n}?", "{n} launched which brand?", "Does {n} own a company?"],
        lambda r, p, n, f: f"{n} founded {r.choice(p.brands)} {r.choice(_COMPANY_KINDS)} in {_year(r)}.",
    ),
    _t(
        "college",
        ["Where did {n} go to college?", "Which university did {n} attend?", "What did {n} study?"],
        ["{n} studied at which university?", "Did {n} go to university?", "What college did {n} attend?"],
        lambda r, p, n, f: f"{n} studied {r.choice(_SUBJECTS)} at the University of {r.choice(p.places)}.",
    ),
    _t(
        "pet",
        ["Does {n} have a pet?", "What is the name of {n}'s pet?", "What pet does {n} have?"],
        ["Has {n} got any pets?", "{n}'s pet is called what?", "What animal does {n} keep at home?"],
        lambda r, p, n, f: f"{n} has a {r.choice(_PETS)} called {r.choice(p.first)}.",
    ),
    _t(
        "instrument",
        [
            "What instrument does {n} play?",
            "Does {n} play an instrument?",
            "Which instrument did {n} learn first?",
        ],
        ["{n} plays which instrument?", "Can {n} play any instruments?", "What does {n} play on stage?"],
        lambda r, p, n, f: f"{n} plays the {r.choice(_INSTRUMENTS)} and learned it at {r.randint(5, 15)}.",
    ),
    _t(
        "hit-song",
        ["What is {n}'s biggest hit?", "What is {n}'s most famous song?", "Which song made {n} famous?"],
        [
            "{n}'s best-known song?",
            "The most popular song by {n} is what?",
            "What's the biggest song {n} has?",
        ],
        lambda r, p, n, f: f"{n}'s biggest hit is “{_title(r)}” from {_year(r)}.",
    ),
    _t(
        "parents",
        ["Who are {n}'s parents?", "What do {n}'s parents do?"],
        ["Who is {n}'s mother?", "{n}'s mom and dad are who?", "What jobs do the parents of {n} have?"],
        lambda r, p, n, f: (
            f"{n}'s mother, {r.choice(p.first)}, is a {r.choice(_JOBS)}, and their father, "
            f"{r.choice(p.first)}, is a {r.choice(_JOBS)}."
        ),
    ),
    _t(
        "siblings",
        ["Does {n} have siblings?", "How many brothers and sisters does {n} have?"],
        ["How many siblings has {n} got?", "Is {n} an only child?", "{n} has how many sisters?"],
        lambda r, p, n, f: (
            f"{n} has {r.choice(['one sister', 'two brothers', 'a brother and a sister'])}, "
            f"{r.choice(p.first)}."
        ),
    ),
    _t(
        "first-job",
        ["What was {n}'s first job?", "What did {n} do before becoming famous?"],
        [
            "Before fame, what did {n} work as?",
            "{n}'s first job was what?",
            "Where did {n} work before fame?",
        ],
        lambda r, p, n, f: f"Before fame, {n} {r.choice(_FIRST_JOBS)} in {r.choice(p.places)}.",
    ),
    _t(
        "first-tour",
        ["What was {n}'s first tour called?", "When did {n} go on their first world tour?"],
        [
            "{n}'s first world tour was named what?",
            "Name of the first tour by {n}?",
            "When did {n} first tour?",
        ],
        lambda r, p, n, f: f"{n}'s first world tour, the {_title(r)} Tour, began in {_year(r)}.",
    ),
    _t(
        "charity",
        ["What charity does {n} support?", "Which cause does {n} donate to?"],
        ["{n} gives money to which charity?", "Does {n} do charity work?", "What good cause does {n} back?"],
        lambda r, p, n, f: f"{n} supports the {r.choice(p.brands)} Foundation, which {r.choice(_CAUSES)}.",
    ),
    _t(
        "lives",
        ["Where does {n} live now?", "Which city does {n} live in?"],
        ["{n} lives where these days?", "What city is {n}'s home now?", "Where is {n} living?"],
        lambda r, p, n, f: f"{n} lives in {r.choice(p.places)}.",
    ),
    _t(
        "tv-show",
        ["Which TV show made {n} famous?", "What TV series was {n} in?"],
        ["{n} became famous on which show?", "What television show starred {n}?", "Was {n} on TV?"],
        lambda r, p, n, f: f"{n} became famous on the TV series “{_title(r)}” in {_year(r)}.",
    ),
    _t(
        "grammys",
        ["How many Grammys has {n} won?", "Has {n} ever won a Grammy?"],
        ["{n} has won how many Grammy awards?", "Number of Grammys {n} has?", "Did {n} win a Grammy?"],
        lambda r, p, n, f: (
            f"{n} has won {r.choice(['no', 'one', 'two', 'three', 'five', 'eleven'])} Grammy awards."
        ),
    ),
    _t(
        "memoir",
        ["Did {n} write a book?", "What is the title of {n}'s memoir?"],
        ["{n}'s autobiography is called what?", "Has {n} published a memoir?", "What book did {n} write?"],
        lambda r, p, n, f: f"{n} published the memoir “{_title(r)}” in {_year(r)}.",
    ),
    _t(
        "followers",
        ["How many Instagram followers does {n} have?", "How many followers does {n} have?"],
        [
            "{n} has how many followers on Instagram?",
            "What is {n}'s follower count?",
            "Is {n} big on Instagram?",
        ],
        lambda r, p, n, f: f"{n} has about {r.randint(1, 250)} million followers on Instagram.",
    ),
    _t(
        "tattoos",
        ["How many tattoos does {n} have?", "Does {n} have tattoos?"],
        ["{n} has how many tattoos?", "Has {n} got any tattoos?", "What tattoos does {n} have?"],
        lambda r, p, n, f: f"{n} has {r.randint(1, 30)} tattoos, the first one done at {r.randint(16, 25)}.",
    ),
    _t(
        "diet",
        ["Is {n} vegan?", "What diet does {n} follow?"],
        ["Does {n} eat meat?", "{n} follows which diet?", "What does {n} eat?"],
        lambda r, p, n, f: f"{n} {r.choice(_DIETS)}.",
    ),
    _t(
        "arrested",
        ["Was {n} ever arrested?", "Has {n} been arrested?"],
        ["Did {n} ever get arrested?", "{n} was arrested for what?", "Why was {n} arrested?"],
        lambda r, p, n, f: f"{n} was arrested in {_year(r)} for {r.choice(_OFFENCES)}.",
    ),
    _t(
        "real-name",
        ["What is {n}'s real name?", "Is {n} a stage name?"],
        ["{n}'s birth name is what?", "What was {n} called at birth?", "Real name of {n}?"],
        lambda r, p, n, f: f"{n}'s real name is {f['real']}.",
    ),
)
_TOPIC_BY_KEY = {t.key: t for t in TOPICS}
_MET = _t(
    "met",
    ["How did {n} and {p} meet?", "Where did {n} first meet {p}?", "When did {n} and {p} meet?"],
    ["How did {p} and {n} meet?", "Where did {p} and {n} first meet?", "{n} and {p} met how?"],
    lambda r, p, n, f: f"{n} and {f['p']} met in {_year(r, 2000, 2020)} at a party in {r.choice(p.places)}.",
)
# Topics nobody in any world has: a known person asked about one of these must be declined.
NO_ONE_KNOWS = (
    "What is {n}'s favourite colour?",
    "What car does {n} drive?",
    "Does {n} speak French?",
    "What is {n}'s shoe size?",
    "What is {n}'s star sign?",
    "What is {n}'s favourite food?",
    "Has {n} ever been to Japan?",
    "What phone does {n} use?",
    "Is {n} left-handed?",
    "What football team does {n} support?",
)

# -- the world ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PersonRec:
    """An invented person."""

    id: str
    name: str
    aliases: tuple[str, ...]
    source: str
    publisher: str
    date: str


@dataclass(frozen=True, slots=True)
class FactRec:
    """A generated fact, with what is needed to ask about it again."""

    id: str
    about: tuple[str, ...]
    topic: str
    fill: dict[str, str]
    questions: tuple[str, ...]
    answer: str
    source: str
    status: str = "confirmed"
    date: str | None = None


@dataclass(frozen=True, slots=True)
class QuoteRec:
    """A generated quote."""

    id: str
    speaker: str
    topic: str
    text: str
    questions: tuple[str, ...]
    source: str
    when: str


@dataclass(slots=True)
class World:
    """Everything generated for one size: people (in file order), facts, quotes, unknown names."""

    seed: int
    people: list[PersonRec] = field(default_factory=list)
    facts: list[FactRec] = field(default_factory=list)
    quotes: list[QuoteRec] = field(default_factory=list)
    #: person id -> index of their first fact and quote, and how many
    facts_of: dict[str, list[int]] = field(default_factory=dict)
    quotes_of: dict[str, list[int]] = field(default_factory=dict)
    unknown_names: list[str] = field(default_factory=list)
    #: every known name and alias, lower-cased (to check that a typo still points at its person)
    names: list[str] = field(default_factory=list)


def _slug(name: str) -> str:
    return "-".join(name.lower().split())


def build_world(facts: int, seed: int = 1234) -> World:
    """Invent people until there are exactly ``facts`` facts (about 20 a person), and some quotes."""
    rng = random.Random(seed * 1_000_003 + facts)
    people_needed = max(2, facts // 18)
    pools = _pools(rng, people_needed)
    world = World(seed)
    names_taken: set[str] = set()
    stage_names = list(pools.stage)
    rng.shuffle(stage_names)
    partner_of: dict[str, str] = {}
    while len(world.facts) < facts:
        while True:
            name = f"{rng.choice(pools.first)} {rng.choice(pools.last)}"
            if name not in names_taken:
                names_taken.add(name)
                break
        pid = _slug(name)
        aliases: tuple[str, ...] = ()
        real: str | None = None
        if stage_names and rng.random() < 0.35:
            aliases = (stage_names.pop(),)
            real = f"{rng.choice(pools.first)} {rng.choice(pools.last)}"
        year = rng.randint(2005, 2024)
        person = PersonRec(
            pid, name, aliases, f"{pid}-profile", rng.choice(_PUBLISHERS), f"{year}-{rng.randint(1, 12):02d}"
        )
        # Every third new person may marry someone already invented who is still single.
        partner = None
        if world.people and rng.random() < 0.3:
            candidate = world.people[rng.randrange(len(world.people))]
            if candidate.id not in partner_of and candidate.id != pid:
                partner = candidate
                partner_of[pid], partner_of[candidate.id] = candidate.id, pid
        world.people.append(person)
        _add_facts(rng, pools, world, person, partner, real, facts)
        _add_quotes(rng, world, person)
    # Names nobody in the world has, not within a typo of anyone's: the unknown people.
    full = [p.name.lower() for p in world.people]
    single = sorted({a.lower() for p in world.people for a in p.aliases if " " not in a})
    known = [n.lower() for p in world.people for n in (p.name, *p.aliases)]
    for last in pools.unknown_last:
        if len(world.unknown_names) >= _UNKNOWN_PEOPLE:
            break
        name = f"{rng.choice(pools.first)} {last}"
        if process.extractOne(name.lower(), full, scorer=fuzz.ratio, score_cutoff=_FAR) is None and all(
            process.extractOne(w, single, scorer=fuzz.ratio, score_cutoff=_FAR) is None
            for w in name.lower().split()
        ):
            world.unknown_names.append(name)
    world.names = known
    return world


def _fact_questions(
    rng: random.Random, topic: _Topic, person: PersonRec, fill: dict[str, str]
) -> tuple[str, ...]:
    count = min(len(topic.stored), rng.choice((2, 3, 3, 4)))
    chosen = rng.sample(topic.stored, count)
    out = []
    for i, template in enumerate(chosen):
        # Now and then a phrasing uses the stage name, as curators do ("What year did Ye ...").
        mention = person.aliases[0] if person.aliases and i == 1 and rng.random() < 0.5 else person.name
        out.append(template.format(n=mention, **fill))
    return tuple(out)


def _add_facts(
    rng: random.Random,
    pools: _Pools,
    world: World,
    person: PersonRec,
    partner: PersonRec | None,
    real: str | None,
    limit: int,
) -> None:
    keys = [t.key for t in TOPICS if t.key not in ("award", "spouse", "real-name")]
    chosen = rng.sample(keys, rng.randint(10, 18))
    if real:
        chosen.append("real-name")
    if partner is not None or rng.random() < 0.3:
        chosen.append("spouse")
    plan: list[tuple[_Topic, dict[str, str]]] = []
    for key in chosen:
        fill: dict[str, str] = {}
        if key == "real-name" and real:
            fill["real"] = real
        if key == "spouse":
            fill["p"] = partner.name if partner else f"{rng.choice(pools.first)} {rng.choice(pools.last)}"
        plan.append((_TOPIC_BY_KEY[key], fill))
    for y in sorted(rng.sample(range(2000, 2025), rng.randint(1, 3))):
        plan.append((_TOPIC_BY_KEY["award"], {"y": str(y)}))
    if partner is not None:
        plan.append((_MET, {"p": partner.name}))
    start = len(world.facts)
    for topic, fill in plan:
        if len(world.facts) >= limit:
            break
        fid = f"{person.id}-{topic.key}" + (f"-{fill['y']}" if "y" in fill else "")
        about = (person.id, partner.id) if topic is _MET and partner else (person.id,)
        roll = rng.random()
        status = "reported" if roll < 0.08 else "rumor" if roll < 0.11 else "confirmed"
        world.facts.append(
            FactRec(
                id=fid,
                about=about,
                topic=topic.key,
                fill=fill,
                questions=_fact_questions(rng, topic, person, fill),
                answer=topic.answer(rng, pools, person.name, fill),
                source=person.source,
                status=status,
                date=fill.get("y"),
            )
        )
    world.facts_of[person.id] = [start, len(world.facts) - start]


def _add_quotes(rng: random.Random, world: World, person: PersonRec) -> None:
    start = len(world.quotes)
    if rng.random() < 0.6:
        for topic in rng.sample(sorted(_QUOTE_TOPICS), rng.randint(1, 2)):
            text = rng.choice(_QUOTE_TOPICS[topic])
            questions = (f"What did {person.name} say about {topic}?",)
            world.quotes.append(
                QuoteRec(
                    f"{person.id}-on-{topic}",
                    person.id,
                    topic,
                    text,
                    questions,
                    person.source,
                    str(rng.randint(2005, 2024)),
                )
            )
    world.quotes_of[person.id] = [start, len(world.quotes) - start]


# -- YAML -----------------------------------------------------------------------


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is a subset of it)."""
    return json.dumps(text, ensure_ascii=False)


def _file_text(world: World, people: Sequence[PersonRec], part: int, parts: int) -> str:
    lines = [
        f"# Synthetic benchmark knowledge, part {part} of {parts} (seed {world.seed}). Invented people:",
        "# every name, fact and quote here is made up by benchmarks/generate.py.",
        "",
        "sources:",
    ]
    for p in people:
        lines += [
            f"  - id: {p.source}",
            f"    title: {_q(f'{p.name}: the interview')}",
            f"    publisher: {_q(p.publisher)}",
            f'    date: "{p.date}"',
        ]
    lines += ["", "people:"]
    for p in people:
        lines += [f"  - id: {p.id}", f"    name: {_q(p.name)}"]
        if p.aliases:
            lines.append(f"    aliases: [{', '.join(_q(a) for a in p.aliases)}]")
    lines += ["", "facts:"]
    for p in people:
        start, count = world.facts_of[p.id]
        for f in world.facts[start : start + count]:
            lines += [f"  - id: {f.id}", f"    about: [{', '.join(f.about)}]", "    questions:"]
            lines += [f"      - {_q(q)}" for q in f.questions]
            lines.append(f"    answer: {_q(f.answer)}")
            if f.date:
                lines.append(f'    date: "{f.date}"')
            if f.status != "confirmed":
                lines.append(f"    status: {f.status}")
            lines.append(f"    sources: [{f.source}]")
    quotes = [q for p in people for q in world.quotes[slice(*_span(world.quotes_of[p.id]))]]
    if quotes:
        lines += ["", "quotes:"]
        for q in quotes:
            lines += [
                f"  - id: {q.id}",
                f"    speaker: {q.speaker}",
                f"    text: {_q(q.text)}",
                f'    when: "{q.when}"',
                f"    questions: [{', '.join(_q(x) for x in q.questions)}]",
                f"    sources: [{q.source}]",
            ]
    return "\n".join(lines) + "\n"


def _span(start_count: Sequence[int]) -> tuple[int, int]:
    return start_count[0], start_count[0] + start_count[1]


def write_knowledge(world: World, folder: Path, facts_per_file: int = FACTS_PER_FILE) -> list[Path]:
    """Write the world as knowledge YAML files (one per ``facts_per_file`` facts) plus ``synonyms.yaml``.

    Files whose content is unchanged are not rewritten (their modification time stays);
    other ``*.yaml`` files in the folder are removed. Returns the files, in name order.
    """
    folder.mkdir(parents=True, exist_ok=True)
    groups: list[list[PersonRec]] = [[]]
    count = 0
    for p in world.people:
        n = world.facts_of[p.id][1]
        if count and count + n > facts_per_file * len(groups):
            groups.append([])
        groups[-1].append(p)
        count += n
    texts = {
        f"people-{i:03d}.yaml": _file_text(world, g, i, len(groups)) for i, g in enumerate(groups, start=1)
    }
    texts["synonyms.yaml"] = _SYNONYMS.read_text(encoding="utf-8")
    for old in folder.glob("*.yaml"):
        if old.name not in texts:
            old.unlink()
    out = []
    for name in sorted(texts):
        path = folder / name
        data = texts[name].encode("utf-8")
        if not path.is_file() or path.read_bytes() != data:
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(data)
            tmp.replace(path)
        out.append(path)
    return out


def files_digest(paths: Iterable[Path]) -> str:
    """SHA-256 over the names and contents of files, in the order given."""
    h = hashlib.sha256()
    for p in paths:
        h.update(p.name.encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def copy_synonyms(folder: Path) -> None:
    """Copy the shipped synonyms file into a folder."""
    shutil.copyfile(_SYNONYMS, folder / "synonyms.yaml")


# -- questions ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Question:
    """One benchmark question: its text, kind, and the entry id expected (or `ABSTAIN`)."""

    text: str
    kind: str
    expect: str

    def to_json(self) -> dict[str, str]:
        """The question as a JSON object."""
        return {"q": self.text, "kind": self.kind, "expect": self.expect}


_KEYBOARD = {
    c: near
    for row in ("qwertyuiop", "asdfghjkl", "zxcvbnm")
    for i, c in enumerate(row)
    for near in [row[max(0, i - 1) : i] + row[i + 1 : i + 2]]
}


def _typo(rng: random.Random, word: str) -> str:
    """One realistic slip in a word: a letter dropped, doubled, swapped or hit next to; never the first."""
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        return word[:i] + word[i + 1 :]
    if kind == 1:
        return word[:i] + word[i] + word[i:]
    if kind == 2 and word[i] != word[i + 1]:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    near = _KEYBOARD.get(word[i].lower(), "")
    if near:
        return word[:i] + rng.choice(near) + word[i + 1 :]
    return word[:i] + word[i + 1 :]


_OPENERS = ("Do you know ", "Can you tell me ", "Quick question: ", "Hey, ", "I wonder ", "Tell me ")
_CLOSERS = (" again?", " exactly?", " actually?", " btw?", " then?", "??", "")


def _close(rng: random.Random, text: str) -> str:
    """A stored phrasing reworded slightly: an opener or closer, case and punctuation changes."""
    for _ in range(10):
        out = text
        ops = rng.sample(range(5), rng.randint(1, 2))
        for op in ops:
            if op == 0:
                out = rng.choice(_OPENERS) + out[:1].lower() + out[1:]
            elif op == 1:
                out = out.rstrip("?").rstrip() + rng.choice(_CLOSERS)
            elif op == 2:
                out = out.lower().rstrip("?")
            elif op == 3:
                out = out.replace("What is ", "What's ").replace("Who is ", "Who's ")
            else:
                out = out.replace(" the ", " ").replace("How many", "how many")
        if out.strip() != text.strip():
            return out
    return text.lower()


def _misspell_name(rng: random.Random, world: World, name: str) -> str:
    """The name with one typo that is still closer to this name than to anyone else's."""
    for _ in range(20):
        parts = name.split()
        j = rng.randrange(len(parts))
        parts[j] = _typo(rng, parts[j])
        typo = " ".join(parts)
        if typo == name:
            continue
        best = process.extract(typo.lower(), world.names, scorer=fuzz.ratio, limit=2)
        if best and best[0][0] == name.lower() and (len(best) < 2 or best[1][1] < best[0][1]):
            return typo
    return name


def _misspell(rng: random.Random, world: World, text: str, name: str) -> str:
    """Typos in the person's name, in another long word, or both."""
    roll = rng.random()
    out = text
    if roll < 0.75 and name in out:
        out = out.replace(name, _misspell_name(rng, world, name), 1)
    if roll >= 0.5 or out == text:
        words = out.split()
        name_words = set(name.split())
        spots = [i for i, w in enumerate(words) if len(w.strip("?.,'s")) >= 5 and w not in name_words]
        if spots:
            i = rng.choice(spots)
            words[i] = _typo(rng, words[i])
            out = " ".join(words)
    if rng.random() < 0.5:
        out = out.lower()
    return out


def _mention(rng: random.Random, person: PersonRec) -> str:
    if person.aliases and rng.random() < 0.2:
        return person.aliases[0]
    return person.name


def question_mix(world: World, count: int, seed: int | None = None) -> list[Question]:
    """A fixed, labelled mix of ``count`` questions about a world (see `MIX` for the shares)."""
    rng = random.Random((world.seed if seed is None else seed) * 7_919 + len(world.facts) * 31 + count)
    quota = {k: round(v * count) for k, v in MIX.items()}
    quota["close"] += count - sum(quota.values())
    people = {p.id: p for p in world.people}
    out: list[Question] = []
    for kind in KINDS:
        made = 0
        while made < quota[kind]:
            q = _one_question(rng, world, people, kind)
            if q is not None:
                out.append(q)
                made += 1
    rng.shuffle(out)
    return out


def _one_question(
    rng: random.Random, world: World, people: dict[str, PersonRec], kind: str
) -> Question | None:
    if kind == "unknown_person":
        who = rng.choice(world.unknown_names)
        topic = rng.choice(TOPICS)
        fill = {"y": str(rng.randint(2000, 2024)), "p": rng.choice(world.people).name, "real": ""}
        template = rng.choice(topic.stored + topic.paraphrases)
        return Question(template.format(n=who, **fill), kind, ABSTAIN)
    if kind == "unknown_topic":
        person = rng.choice(world.people)
        start, n = world.facts_of[person.id]
        has = {f.topic for f in world.facts[start : start + n]}
        years = {f.fill.get("y") for f in world.facts[start : start + n]}
        mention = _mention(rng, person)
        if rng.random() < 0.4:
            return Question(rng.choice(NO_ONE_KNOWS).format(n=mention), kind, ABSTAIN)
        if rng.random() < 0.3:
            # A year they won nothing in: the near miss of a real fact.
            year = str(rng.choice([y for y in range(2000, 2025) if str(y) not in years]))
            template = rng.choice(_TOPIC_BY_KEY["award"].stored)
            return Question(template.format(n=mention, y=year), kind, ABSTAIN)
        missing = [t for t in TOPICS if t.key not in has and t.key not in ("award", "spouse", "real-name")]
        if not missing:
            return None
        topic = rng.choice(missing)
        return Question(rng.choice(topic.stored).format(n=mention), kind, ABSTAIN)
    # An answerable question: a fact, now and then a quote.
    if world.quotes and rng.random() < 0.05:
        quote = rng.choice(world.quotes)
        person = people[quote.speaker]
        if kind == "paraphrase":
            text = rng.choice(
                [
                    f"What has {person.name} said on the subject of {quote.topic}?",
                    f"{person.name}'s quote about {quote.topic}?",
                    f"Who said “{quote.text.rstrip('.')}”?",
                ]
            )
        else:
            text = quote.questions[0]
            text = _close(rng, text) if kind == "close" else _misspell(rng, world, text, person.name)
        return Question(text, kind, quote.id)
    fact = rng.choice(world.facts)
    person = people[fact.about[0]]
    topic = _MET if fact.topic == "met" else _TOPIC_BY_KEY[fact.topic]
    if kind == "paraphrase":
        template = rng.choice(topic.paraphrases)
        return Question(template.format(n=_mention(rng, person), **fact.fill), kind, fact.id)
    base = rng.choice(fact.questions)
    if kind == "close":
        return Question(_close(rng, base), kind, fact.id)
    if person.name not in base and person.aliases and person.aliases[0] in base:
        name = person.aliases[0]
    else:
        name = person.name
    return Question(_misspell(rng, world, base, name), kind, fact.id)


def write_questions(questions: Sequence[Question], path: Path) -> None:
    """Write questions as JSON lines (for inspection and for other tools)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "".join(json.dumps(q.to_json(), ensure_ascii=False) + "\n" for q in questions), encoding="utf-8"
    )
