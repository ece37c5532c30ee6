"""The engine's built-in English (`bot.core.lexicon`): well formed, order-free, enough on its own."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from bot.core import Engine, KnowledgeBase, load_knowledge
from bot.core.lexicon import Lexicon, fold_table, lexicon, phrase_key
from bot.core.text import STOPWORDS, normalize, words
from tests.test_rules import PEOPLE

DATA = Path(__file__).parent / "data"
PUBLIC = Path(__file__).resolve().parents[2] / "shared" / "eval" / "questions.jsonl"

# Problems of the shipped lexicon.yaml reported to its maintainers and not yet fixed (each test
# below fails on any other, and on an entry here that is no longer a problem: then delete it).
KNOWN_SHARED_PHRASES: set[str] = set()
# "tell" (say cue) and "own" (the found group) are stop words (`bot.core.text.STOPWORDS`): "tell
# me" asks, "what did Kanye tell Seacrest" quotes; both fold into their groups all the same.
KNOWN_STOP_WORD_MEMBERS: set[str] = {"tell", "own"}
KNOWN_DEAD_OPPOSITES: set[str] = set()


def _groups(lex: Lexicon) -> list[tuple[str, tuple[str, ...]]]:
    """Every built-in group, named: the cues by their name, the others by their first phrase."""
    named = [(f"cue {name}", phrases) for name, phrases in lex.cues.items()]
    return named + [(f"group [{g[0]}, ...]", g) for g in lex.groups]


def _group_keys(lex: Lexicon) -> set[tuple[str, ...]]:
    return {phrase_key(p) for _, g in _groups(lex) for p in g}


def _offenders(found: dict[str, str], known: set[str]) -> tuple[dict[str, str], set[str]]:
    """(new problems, known problems that are fixed), for one assertion message."""
    return {k: v for k, v in found.items() if k not in known}, known - found.keys()


# -- the shipped lexicon is well formed ----------------------------------------------------------


def test_the_shipped_lexicon_loads() -> None:
    lex = lexicon()
    assert {"say", "song", "write", "talk_to", "when"} <= lex.cues.keys()
    assert lex.groups and lex.related and lex.actions and lex.relations and lex.opposites
    assert len(lex.digest) == 16
    # Generated numbers: "4th" = "fourth", "4" = "four".
    assert ("4th", "fourth") in lex.groups and ("4", "four") in lex.groups


def test_no_two_built_in_groups_share_a_phrase() -> None:
    """A phrase in two groups would silently merge them into one token."""
    owner: dict[tuple[str, ...], str] = {}
    shared: dict[str, str] = {}
    for name, group in _groups(lexicon()):
        for phrase in group:
            key = phrase_key(phrase)
            if key in owner and owner[key] != name:
                shared[phrase] = f"{owner[key]} and {name}"
            owner.setdefault(key, name)
    new, fixed = _offenders(shared, KNOWN_SHARED_PHRASES)
    assert not new and not fixed, f"phrases in two groups: {new}; fixed, drop from the known list: {fixed}"


def test_no_single_word_member_is_a_stop_word() -> None:
    stops: dict[str, str] = {}
    for name, group in _groups(lexicon()):
        for phrase in group:
            ws = words(normalize(phrase))
            if len(ws) == 1 and ws[0] in STOPWORDS:
                stops[phrase] = name
    new, fixed = _offenders(stops, KNOWN_STOP_WORD_MEMBERS)
    assert not new and not fixed, f"stop words in groups: {new}; fixed, drop from the known list: {fixed}"


def test_every_name_the_lexicon_uses_resolves_to_a_group() -> None:
    lex = lexicon()
    keys = _group_keys(lex)
    names = {
        "actions": list(lex.actions),
        "relations": list(lex.relations),
        "light": list(lex.light),
        "related": [w for pair in lex.related for w in pair],
    }
    missing = {f"{field}: {w}" for field, ws in names.items() for w in ws if phrase_key(w) not in keys}
    assert missing == set(), f"names of no group: {sorted(missing)}"


def test_every_opposite_is_a_group_or_a_word_the_matcher_keeps() -> None:
    """Opposites may be plain words ("older"), but never a stop word, which no question keeps."""
    lex = lexicon()
    keys = _group_keys(lex)
    dead: dict[str, str] = {}
    for pair in lex.opposites:
        for w in pair:
            ws = words(normalize(w))
            if phrase_key(w) not in keys and (len(ws) != 1 or ws[0] in STOPWORDS):
                dead[w] = f"opposite of {pair[1] if w == pair[0] else pair[0]}"
    new, fixed = _offenders(dead, KNOWN_DEAD_OPPOSITES)
    assert not new and not fixed, f"opposites no question can hold: {new}; fixed: {fixed}"


# -- the curator's synonyms: order does not matter ------------------------------------------------


def _questions() -> list[str]:
    files = sorted(DATA.glob("paraphrases*.jsonl"))
    if PUBLIC.is_file():  # the public question set, when it is beside the checkout
        files.append(PUBLIC)
    assert files
    return [
        str(json.loads(line)["q"])
        for f in files
        for line in f.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def _answers(kb: KnowledgeBase, questions: list[str]) -> list[tuple[str | None, bool]]:
    engine = Engine(kb)
    return [(a.entry_id, a.answered) for a in map(engine.ask, questions)]


def test_answers_do_not_depend_on_the_order_of_synonyms() -> None:
    kb = load_knowledge()
    questions = _questions()
    expected = _answers(kb, questions)
    assert any(answered for _, answered in expected)
    reversed_kb = dataclasses.replace(kb, synonyms=tuple(tuple(reversed(g)) for g in reversed(kb.synonyms)))
    added = (("said", "say"), ("kids", "children"))
    added_kbs = [
        dataclasses.replace(kb, synonyms=(*kb.synonyms, *added)),
        dataclasses.replace(kb, synonyms=(*(tuple(reversed(g)) for g in reversed(added)), *kb.synonyms)),
    ]
    for variant in (reversed_kb, *added_kbs):
        got = _answers(variant, questions)
        changed = [(q, e, g) for q, e, g in zip(questions, expected, got, strict=True) if e != g]
        assert changed == [], f"synonyms {variant.synonyms} change answers: {changed}"


def test_public_questions_are_among_those_checked() -> None:
    if not PUBLIC.is_file():
        pytest.skip("the public question set is not beside the checkout")
    public = [json.loads(line)["q"] for line in PUBLIC.read_text(encoding="utf-8").splitlines() if line]
    assert set(public) <= set(_questions())


# -- an invented knowledge base with no synonyms of its own ---------------------------------------

# Invented people (those of test_rules.py), facts and quote: none of it is true of anyone.
NO_SYNONYMS = (
    PEOPLE
    + """
facts:
  - id: ada-husband
    about: [ada-star]
    questions: [Who is Ada Star's husband?]
    answer: Ada Star is married to Max Power.
    sources: [invented]
  - id: ada-fourth-album
    about: [ada-star]
    questions: [What is Ada Star's fourth album called?]
    answer: Ada Star's fourth album is called Northern Lights.
    sources: [invented]
  - id: ada-kids
    about: [ada-star]
    questions: [How many kids does Ada Star have?]
    answer: Ada Star has four kids.
    sources: [invented]
  - id: ada-favorite-color
    about: [ada-star]
    questions: [What is Ada Star's favorite color?]
    answer: Ada Star's favorite color is green.
    sources: [invented]
  - id: max-rumors
    about: [max-power]
    questions: [How did Max react to the breakup rumors?]
    answer: Max Power laughed the breakup rumors off on the radio.
    sources: [invented]
  - id: lena-tour
    about: [lena-vale]
    questions: [When did Lena Vale start touring?]
    answer: Lena Vale started touring in 2012.
    sources: [invented]

quotes:
  - id: max-on-fame
    speaker: max-power
    text: Fame is a loud room with no windows.
    where: to Radio Nova
    sources: [invented]
"""
)


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    (tmp_path / "kb.yaml").write_text(NO_SYNONYMS, encoding="utf-8")
    kb = load_knowledge(tmp_path)
    assert kb.synonyms == ()
    return Engine(kb)


def _answered_by(engine: Engine, question: str, entry_id: str) -> None:
    answer = engine.ask(question)
    assert answer.answered and answer.entry_id == entry_id, (
        question,
        answer,
        engine.explain(question).text(),
    )


def test_a_quote_is_found_without_a_synonyms_file(engine: Engine) -> None:
    answer = engine.ask("What did Max say about fame?")
    assert answer.answered and answer.kind == "quote" and answer.entry_id == "max-on-fame"
    assert answer.speaker == "Max Power"
    other = engine.ask("What did Lena say about fame?")
    assert other.entry_id != "max-on-fame"
    assert not other.answered


def test_everyday_synonyms_need_no_curator(engine: Engine) -> None:
    _answered_by(engine, "Who is Ada's hubby?", "ada-husband")
    _answered_by(engine, "Who is Ada's spouse?", "ada-husband")


def test_numbers_read_the_same_however_written(engine: Engine) -> None:
    analyze = engine.analyzer.analyze
    assert analyze("4th album").tokens == analyze("fourth album").tokens
    assert analyze("4 kids").tokens == analyze("four kids").tokens
    _answered_by(engine, "What is Ada's 4th album called?", "ada-fourth-album")
    _answered_by(engine, "Does Ada have 4 kids?", "ada-kids")


def test_british_spellings_find_american_ones(engine: Engine) -> None:
    _answered_by(engine, "What is Ada's favourite colour?", "ada-favorite-color")
    # "favourite" is in the lexicon itself; "colour" is read as the knowledge's "color".
    assert ("colour", "color") in engine.analyzer.analyze("favourite colour").corrections


def test_derived_forms_find_their_base_word(engine: Engine) -> None:
    _answered_by(engine, "What was Max's reaction to the breakup rumors?", "max-rumors")
    _answered_by(engine, "How did Max respond to the breakup rumors?", "max-rumors")


# -- fold_table --------------------------------------------------------------------------------


CURATED_HUBBY = [
    [("hubby", "bae-of-mine")],
    [("bae-of-mine", "hubby")],
    [("aardvark", "zebra"), ("bae-of-mine", "hubby")],
    [("bae-of-mine", "hubby"), ("aardvark", "zebra")],
    [("bae-of-mine", "zz top"), ("zz top", "hubby")],
]


@pytest.mark.parametrize("curated", CURATED_HUBBY, ids=str)
def test_a_curated_group_joins_the_built_in_group_it_shares_a_phrase_with(
    curated: list[tuple[str, ...]],
) -> None:
    lex = lexicon()
    table, related = fold_table(lex, curated)
    married = table[phrase_key("married")]
    assert table[phrase_key("bae-of-mine")] == table[phrase_key("hubby")] == married
    assert table[phrase_key("husband")] == table[phrase_key("tie the knot")] == married
    # Whatever its position and company, the same tokens.
    reference = fold_table(lex, CURATED_HUBBY[0])[0]
    assert {k: table[k] for k in reference} == reference
    # No other built-in group is touched: phrases that shared a token still do, others still do not.
    built_in, built_in_related = fold_table(lex)
    same = {k: {j for j in built_in if built_in[j] == v} for k, v in built_in.items()}
    assert {k: {j for j in built_in if table[j] == table[k]} for k in built_in} == same
    assert len(related) == len(built_in_related)


@pytest.mark.parametrize("curated", CURATED_HUBBY, ids=str)
def test_a_curated_group_takes_the_built_in_groups_token(curated: list[tuple[str, ...]]) -> None:
    lex = lexicon()
    built_in, _ = fold_table(lex)
    table, related = fold_table(lex, curated)
    assert table[phrase_key("bae-of-mine")] == built_in[phrase_key("married")]
    assert {k: v for k, v in table.items() if k in built_in} == built_in
    assert related == fold_table(lex)[1]


def test_a_curated_group_joining_a_cue_takes_the_cues_name() -> None:
    lex = lexicon()
    for curated in ([("quipped", "said")], [("said", "quipped")]):
        table, _ = fold_table(lex, curated)
        assert table[phrase_key("quipped")] == table[phrase_key("told")] == "say"


def test_a_longer_word_is_never_read_as_a_stop_word() -> None:
    # "shoes" is one letter from "shes": read so, it vanished and the question named only Kim,
    # whose profile answered it. A letter missing from a stop word is still a typo of it.
    analyzer = Engine(load_knowledge()).analyzer
    assert "shoe" in analyzer.analyze("what shoes did kim wear").tokens
    assert ("wich", "which") in analyzer.analyze("wich song did kanye write about kim").corrections
