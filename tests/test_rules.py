"""The matching rules (`bot.core.rules`): each one fires, and changes what is answered.

Every test builds a small knowledge base of its own. The people (Ada Star, Max Power, Lena
Vale), their facts, quotes and sources are all invented: none of it is true of anyone.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from typing import TypeVar

import pytest

from bot.core import Engine
from bot.core.engine import ANSWER_AT
from bot.core.explain import CandidateReport
from bot.core.loader import parse_files
from bot.core.rules import RULES, VETO, Rule, rule_named

# Invented people and an invented source, shared by every knowledge base below.
PEOPLE = """\
sources:
  - id: invented
    title: "Ada, Max and Lena: An Invented Story"
    publisher: The Invented Weekly
    date: 2024-01

people:
  - id: ada-star
    name: Ada Star
    aliases: [Ada]
  - id: max-power
    name: Max Power
    aliases: [Max]
  - id: lena-vale
    name: Lena Vale
    aliases: [Lena]
"""

Test = TypeVar("Test", bound=Callable[..., None])
#: Rule name -> the test that shows it firing (filled by `covers`).
TESTED: dict[str, Callable[..., None]] = {}


def covers(name: str) -> Callable[[Test], Test]:
    """Register a test as the one that shows the rule ``name`` at work."""

    def register(test: Test) -> Test:
        assert name not in TESTED, f"two tests claim {name}"
        rule_named(name)  # raises StopIteration for a name no rule has
        TESTED[name] = test
        return test

    return register


def _engine(entries: str) -> Engine:
    """An engine over the invented people plus these (invented) facts and quotes."""
    text = PEOPLE + "\n" + textwrap.dedent(entries)
    return Engine(parse_files([("kb.yaml", text)]))


def _candidate(engine: Engine, question: str, entry_id: str) -> CandidateReport:
    """How one entry was scored for a question (vetoed entries are kept, with score 0)."""
    for c in engine.explain(question, limit=50).candidates:
        if c.entry_id == entry_id:
            return c
    raise AssertionError(f"{entry_id} is not a candidate for {question!r}")


def _rules(engine: Engine, question: str, entry_id: str) -> list[str]:
    return [name for name, _, _ in _candidate(engine, question, entry_id).rules]


def _answers(engine: Engine, question: str, entry_id: str) -> None:
    answer = engine.ask(question)
    assert answer.answered and answer.entry_id == entry_id, (
        question,
        answer,
        engine.explain(question).text(),
    )


def _declines(engine: Engine, question: str) -> None:
    answer = engine.ask(question)
    assert not answer.answered, (question, answer.entry_id, engine.explain(question).text())


def _fires(engine: Engine, question: str, entry_id: str, rule: str) -> CandidateReport:
    """Assert the rule fired for the entry; a veto leaves it with score 0, the veto last."""
    c = _candidate(engine, question, entry_id)
    names = [name for name, _, _ in c.rules]
    assert rule in names, (question, entry_id, c.rules)
    if rule_named(rule).veto:
        assert c.score == 0 and names[-1] == rule, c
    return c


def _quiet(engine: Engine, question: str, entry_id: str, rule: str) -> None:
    """Assert the rule did not fire for the entry."""
    assert rule not in _rules(engine, question, entry_id), (question, entry_id)


def _declined_by(engine: Engine, question: str, entry_id: str, rule: str) -> None:
    """The question is declined, and would have been answered by the entry but for the rule."""
    c = _fires(engine, question, entry_id, rule)
    _declines(engine, question)
    factor = 1.0
    for _, f, _ in c.rules:
        factor *= f
    assert c.score < ANSWER_AT <= c.score / factor, c


def _outranked(engine: Engine, question: str, loser: str, winner: str, rule: str) -> None:
    """The rule fires for ``loser``, which would outrank ``winner`` but for it, and ranks it below."""
    lost = _fires(engine, question, loser, rule)
    won = _candidate(engine, question, winner)
    assert won.rules == (), won
    assert lost.score < won.score < lost.score / rule_named(rule).factor, (lost, won)
    assert engine.matches(question)[0].entry.id == winner


# -- the table itself ----------------------------------------------------------------------------


def test_every_rule_has_a_unique_name_and_a_one_line_description() -> None:
    names = [r.name for r in RULES]
    assert len(names) == len(set(names)), names
    undocumented = [r.name for r in RULES if not r.doc.strip()]
    assert undocumented == []
    for r in RULES:
        assert r.test.__doc__ is not None
        assert r.doc == r.test.__doc__.strip().splitlines()[0], r.name
        assert r.doc.endswith((".", "?", ")")), f"{r.name}: {r.doc!r} is not a whole line"
        assert 0.0 <= r.factor < 1.0, r.name
        assert r.veto == (r.factor == VETO)


# -- what the question names that the knowledge does not know --------------------------------


_PRIZE = """\
facts:
  - id: starlight-prize
    about: [ada-star]
    questions: [Which prize did the Starlight album win?]
    answer: Ada Star's album Starlight won the Crystal Prize in 2019.
    sources: [invented]
  - id: ada-tour
    about: [ada-star]
    questions: [When did Ada Star start touring?]
    answer: Ada Star started touring in 2010.
    sources: [invented]
"""


@covers("unknown-name")
def test_unknown_name_a_title_the_knowledge_does_not_know() -> None:
    engine = _engine(_PRIZE)
    _answers(engine, "Which prize did Ada's Starlight album win?", "starlight-prize")
    _quiet(engine, "Which prize did Ada's Starlight album win?", "starlight-prize", "unknown-name")
    # "Moonlight" is capitalised and unknown: a name the knowledge does not know.
    _declined_by(
        engine, "Which prize did Ada's Starlight album win for Moonlight?", "starlight-prize", "unknown-name"
    )


@covers("unknown-word")
def test_unknown_word_in_a_question_that_names_nobody() -> None:
    engine = _engine(_PRIZE)
    _answers(engine, "Did Starlight win anything?", "starlight-prize")
    _quiet(engine, "Did Starlight win anything?", "starlight-prize", "unknown-word")
    c = _fires(engine, "Did Starlight win anything overseas?", "starlight-prize", "unknown-word")
    assert "unknown-name" not in [name for name, _, _ in c.rules]
    _declined_by(engine, "Did Starlight win anything overseas?", "starlight-prize", "unknown-word")


# -- whose words ---------------------------------------------------------------------------------


@covers("reported-words")
def test_reported_words_a_fact_is_not_what_someone_said() -> None:
    engine = _engine(
        """\
        facts:
          - id: ada-birthday
            about: [ada-star]
            questions: [How did Ada Star spend her birthday?]
            answer: Ada Star said she spent her birthday at home with her dogs.
            sources: [invented]
        """
    )
    _answers(engine, "How did Ada spend her birthday?", "ada-birthday")
    _fires(engine, "What did Ada say about her birthday?", "ada-birthday", "reported-words")
    _declines(engine, "What did Ada say about her birthday?")


_QUOTES = """\
facts:
  - id: ada-max-met
    about: [ada-star, max-power]
    questions: [When did Ada and Max first meet?]
    answer: Ada met Max in 2015.
    sources: [invented]
quotes:
  - id: max-on-ada
    speaker: max-power
    text: She is the brightest star in the whole sky.
    where: to Radio Nova
    about: [ada-star]
    sources: [invented]
  - id: max-on-lena
    speaker: max-power
    text: Lena Vale taught me everything I know about music.
    where: to Radio Nova
    sources: [invented]
  - id: max-to-lena
    speaker: max-power
    text: You showed me what music can do.
    where: to Lena Vale, at the Crystal Prize ceremony
    sources: [invented]
  - id: max-on-retiring
    speaker: max-power
    text: I will never retire from music.
    where: on Radio Nova
    sources: [invented]
"""


@covers("other-speaker")
def test_other_speaker_a_quote_is_its_speakers_words() -> None:
    engine = _engine(_QUOTES)
    _answers(engine, "What did Max say about Ada?", "max-on-ada")
    _fires(engine, "What did Ada say about Max?", "max-on-ada", "other-speaker")
    _declines(engine, "What did Ada say about Max?")


@covers("other-listener")
def test_other_listener_words_said_to_someone_else() -> None:
    engine = _engine(_QUOTES)
    # Both quotes name Lena and music; only one was said to her.
    _fires(engine, "What did Max tell Lena about music?", "max-on-lena", "other-listener")
    _quiet(engine, "What did Max tell Lena about music?", "max-to-lena", "other-listener")
    _answers(engine, "What did Max tell Lena about music?", "max-to-lena")
    # Asked what he said about her (not to her), the quote that names her answers.
    _quiet(engine, "What did Max say about Lena?", "max-on-lena", "other-listener")
    assert engine.matches("What did Max say about Lena?")[0].entry.id == "max-on-lena"


@covers("words-not-asked")
def test_words_not_asked_a_quote_answers_only_a_question_for_words() -> None:
    engine = _engine(_QUOTES)
    _answers(engine, "What did Max say about retiring?", "max-on-retiring")
    _fires(engine, "Will Max retire from music?", "max-on-retiring", "words-not-asked")
    _declines(engine, "Will Max retire from music?")


# -- what the question asks for --------------------------------------------------------------


@covers("other-number")
def test_other_number_a_year_the_entry_never_gives() -> None:
    engine = _engine(
        """\
        facts:
          - id: ada-first-grammy
            about: [ada-star]
            questions: [When did Ada Star win her first Grammy?]
            answer: Ada Star won her first Grammy in 2012.
            sources: [invented]
          - id: ada-max-met
            about: [ada-star, max-power]
            questions: [When did Ada and Max first meet?]
            answer: Ada met Max in 2015.
            sources: [invented]
        """
    )
    _answers(engine, "When did Ada win a Grammy in 2012?", "ada-first-grammy")
    _quiet(engine, "When did Ada win a Grammy in 2012?", "ada-first-grammy", "other-number")
    _declined_by(engine, "When did Ada win a Grammy in 2015?", "ada-first-grammy", "other-number")


@covers("no-person")
def test_no_person_a_who_question_of_an_entry_naming_nobody_else() -> None:
    engine = _engine(
        """\
        facts:
          - id: ada-lawyer
            about: [ada-star]
            questions: [Has Ada Star hired a lawyer?]
            answer: Yes, Ada Star has hired a divorce lawyer.
            sources: [invented]
        """
    )
    _answers(engine, "Has Ada hired a lawyer?", "ada-lawyer")
    _declined_by(engine, "Who is Ada's lawyer?", "ada-lawyer", "no-person")


_MARRIED = """\
facts:
  - id: ada-max-married
    about: [ada-star, max-power]
    questions: [How long have Ada and Max been married?]
    answer: {answer}
    sources: [invented]
"""


@covers("no-place")
def test_no_place_a_where_question_of_an_entry_giving_no_place() -> None:
    engine = _engine(_MARRIED.format(answer="Ada and Max have been married for ten years."))
    _answers(engine, "How long have Ada and Max been married?", "ada-max-married")
    _declined_by(engine, "Where did Ada and Max get married?", "ada-max-married", "no-place")
    # The same entry, its answer naming a place, answers it.
    placed = _engine(_MARRIED.format(answer="Ada and Max married in Paris ten years ago."))
    _quiet(placed, "Where did Ada and Max get married?", "ada-max-married", "no-place")
    _answers(placed, "Where did Ada and Max get married?", "ada-max-married")


@covers("no-reason")
def test_no_reason_a_why_question_of_an_entry_giving_no_reason() -> None:
    engine = _engine(
        """\
        facts:
          - id: ada-max-split
            about: [ada-star, max-power]
            questions: [When did Ada and Max split?]
            answer: Ada and Max split in 2020.
            sources: [invented]
        """
    )
    _answers(engine, "When did Ada and Max split?", "ada-max-split")
    _declined_by(engine, "Why did Ada and Max split?", "ada-max-split", "no-reason")


_FOUNDED = """\
facts:
  - id: ada-label
    about: [ada-star]
    questions: [Did Ada Star found Starlight Records?]
    answer: {answer}
    sources: [invented]
  - id: max-born
    about: [max-power]
    questions: [When was Max Power born?]
    answer: Max Power was born in 1990.
    sources: [invented]
"""


@covers("no-time")
def test_no_time_a_when_question_of_an_entry_giving_no_time() -> None:
    engine = _engine(_FOUNDED.format(answer="Ada Star founded the label Starlight Records."))
    _answers(engine, "Did Ada Star found Starlight Records?", "ada-label")
    _declined_by(engine, "When did Ada Star found Starlight Records?", "ada-label", "no-time")
    dated = _engine(_FOUNDED.format(answer="Ada Star founded the label Starlight Records in 2019."))
    _quiet(dated, "When did Ada Star found Starlight Records?", "ada-label", "no-time")
    _answers(dated, "When did Ada Star found Starlight Records?", "ada-label")


@covers("other-kind")
def test_other_kind_a_how_question_of_an_entry_telling_when() -> None:
    engine = _engine(
        """\
        facts:
          - id: met-when
            about: [ada-star, max-power]
            questions: [When did Ada and Max first meet?]
            answer: Ada and Max first met in 2015.
            sources: [invented]
          - id: met-how
            about: [ada-star, max-power]
            questions: [How did Ada and Max become a couple?]
            answer: Ada and Max first met through a friend at a party.
            sources: [invented]
        """
    )
    _answers(engine, "When did Ada and Max first meet?", "met-when")
    # How they met: the when-entry fits the words better, but tells no how.
    _outranked(engine, "How did Ada and Max first meet?", "met-when", "met-how", "other-kind")
    _answers(engine, "How did Ada and Max first meet?", "met-how")


_TOURING = """\
facts:
  - id: ada-tour
    about: [ada-star]
    questions: [When did Ada Star start touring?]
    answer: Ada Star started touring in 2010, with Lena Vale as her opening act.
    sources: [invented]
  - id: ada-still-touring
    about: [ada-star]
    questions: [Is Ada Star still on tour?]
    answer: No. Ada Star ended her last tour in 2022 to record a new album.
    sources: [invented]
"""


@covers("opposite-question")
def test_opposite_question_stop_is_not_start() -> None:
    engine = _engine(_TOURING)
    _answers(engine, "When did Ada start touring?", "ada-tour")
    _quiet(engine, "When did Ada start touring?", "ada-tour", "opposite-question")
    # When she stopped: the fact about her start fits the words better, but asks the opposite.
    _outranked(engine, "When did Ada stop touring?", "ada-tour", "ada-still-touring", "opposite-question")
    assert engine.ask("When did Ada stop touring?").suggestions[:1] == ("Is Ada Star still on tour?",)


_COUNTS = """\
facts:
  - id: ada-tattoos
    about: [ada-star]
    questions: [Has Ada Star lost count of her tattoos?]
    answer: {answer}
    sources: [invented]
  - id: ada-albums
    about: [ada-star]
    questions: [How many albums has Ada Star released?]
    answer: Ada Star has released five albums.
    sources: [invented]
"""


@covers("no-number")
def test_no_number_a_how_many_question_of_an_entry_giving_no_number() -> None:
    engine = _engine(_COUNTS.format(answer="Yes, Ada Star says she has lost count of her tattoos."))
    _answers(engine, "Has Ada lost count of her tattoos?", "ada-tattoos")
    _declined_by(engine, "How many tattoos does Ada have?", "ada-tattoos", "no-number")
    counted = _engine(_COUNTS.format(answer="Ada Star has 31 tattoos, though she says she has lost count."))
    _quiet(counted, "How many tattoos does Ada have?", "ada-tattoos", "no-number")
    _answers(counted, "How many tattoos does Ada have?", "ada-tattoos")


_FRIENDS = """\
facts:
  - id: ada-max-friends
    about: [ada-star, max-power]
    questions: [What is the length of Ada and Max's friendship?]
    answer: {answer}
    sources: [invented]
  - id: ada-max-married
    about: [ada-star, max-power]
    questions: [How long have Ada and Max been married?]
    answer: Ada and Max have been married for six years.
    sources: [invented]
"""


@covers("no-duration")
def test_no_duration_a_how_long_question_of_an_entry_giving_no_length_of_time() -> None:
    engine = _engine(_FRIENDS.format(answer="Ada and Max have been friends from school to this day."))
    _answers(engine, "What is the length of Ada and Max's friendship?", "ada-max-friends")
    _declined_by(engine, "How long have Ada and Max been friends?", "ada-max-friends", "no-duration")
    timed = _engine(_FRIENDS.format(answer="Ada and Max have been friends for twenty years."))
    _quiet(timed, "How long have Ada and Max been friends?", "ada-max-friends", "no-duration")
    _answers(timed, "How long have Ada and Max been friends?", "ada-max-friends")


# -- who the question is about ---------------------------------------------------------------


@covers("swapped-person")
def test_swapped_person_someone_named_in_place_of_a_subject() -> None:
    engine = _engine(
        """\
        facts:
          - id: ada-max-met
            about: [ada-star, max-power]
            questions: [When did Ada and Max first meet?]
            answer: Ada met Max in 2015, while she was dating Lena Vale.
            sources: [invented]
        """
    )
    _answers(engine, "When did Ada meet Max?", "ada-max-met")
    _declined_by(engine, "When did Ada meet Lena?", "ada-max-met", "swapped-person")


@covers("named-in-passing")
def test_named_in_passing_people_asked_about_together() -> None:
    engine = _engine(_TOURING)
    _answers(engine, "When did Ada start touring?", "ada-tour")
    # Lena opened for Ada: the fact is not about the two of them touring.
    _declined_by(engine, "When did Ada and Lena start touring?", "ada-tour", "named-in-passing")


@covers("first-not-subject")
def test_first_not_subject_a_who_question_about_someone_else() -> None:
    engine = _engine(
        """\
        facts:
          - id: ada-before-max
            about: [ada-star]
            questions: [Who was Ada married to before Max?]
            answer: Before Max Power, Ada Star was married to the actor Leo Grant.
            sources: [invented]
          - id: max-exes
            about: [max-power]
            questions: [Who did Max Power date before he met Ada?]
            answer: Max Power dated the singer Lena Vale for two years before he met Ada Star.
            sources: [invented]
        """
    )
    _answers(engine, "Who was Ada married to before Max?", "ada-before-max")
    # Asked about Max first: the fact about Ada's marriage fits the words better, but is not about him.
    q = "Who was Max with before Ada?"
    _outranked(engine, q, "ada-before-max", "max-exes", "first-not-subject")
    _answers(engine, q, "max-exes")


@covers("stray-person")
def test_stray_person_someone_neither_its_subject_nor_in_the_text_it_fits() -> None:
    engine = _engine(
        """\
        facts:
          - id: ada-nickname
            about: [ada-star]
            questions: [What is Ada Star's nickname?]
            answer: Fans call Ada Star "the Comet"; Max Power calls her "Sunny".
            sources: [invented]
          - id: ada-calls-max
            about: [ada-star, max-power]
            questions: [What does Ada call her husband?]
            answer: Ada calls her husband Max Power "Bear".
            sources: [invented]
        """
    )
    _answers(engine, "What is Ada's nickname?", "ada-nickname")
    q = "What is Ada's nickname for Max?"
    _outranked(engine, q, "ada-nickname", "ada-calls-max", "stray-person")
    _answers(engine, q, "ada-calls-max")


@covers("other-name")
def test_other_name_a_club_named_in_place_of_the_one_the_entry_names() -> None:
    engine = _engine(
        """\
        facts:
          - id: max-bayern-goals
            about: [max-power]
            questions: [How many league goals did Max Power score for Bayern?]
            answer: Max Power scored 40 league goals for Bayern.
            sources: [invented]
          - id: max-joins-spurs
            about: [max-power]
            questions: [Which club did Max Power join in 2020?]
            answer: Max Power left Bayern and joined Spurs in 2020.
            sources: [invented]
          - id: max-spurs-captain
            about: [max-power]
            questions: [Is Max Power the captain of Spurs?]
            answer: Yes, Max Power has captained Spurs since 2022.
            sources: [invented]
        """
    )
    _answers(engine, "How many league goals did Max score for Bayern?", "max-bayern-goals")
    _quiet(engine, "How many league goals did Max score for Bayern?", "max-bayern-goals", "other-name")
    _declined_by(engine, "How many league goals did Max score for Spurs?", "max-bayern-goals", "other-name")


# -- late: these read the entry's texts again ------------------------------------------------


@covers("reversed-roles")
def test_reversed_roles_who_wrote_about_whom() -> None:
    engine = _engine(
        """\
        facts:
          - id: max-song-about-ada
            about: [max-power, ada-star]
            questions: [What song did Max write about Ada?]
            answer: Max Power wrote "Starlight" about Ada Star.
            sources: [invented]
        """
    )
    _answers(engine, "What song did Max write about Ada?", "max-song-about-ada")
    _fires(engine, "What song did Ada write about Max?", "max-song-about-ada", "reversed-roles")
    _declines(engine, "What song did Ada write about Max?")


@covers("other-actor")
def test_other_actor_someone_else_won() -> None:
    engine = _engine(
        """\
        facts:
          - id: max-on-lena-win
            about: [max-power, lena-vale]
            questions: [How did Max react to Lena's Grammy win?]
            answer: Max Power congratulated Lena Vale on her Grammy win.
            sources: [invented]
        """
    )
    _answers(engine, "How did Max react to Lena's Grammy win?", "max-on-lena-win")
    _fires(engine, "What Grammy did Max win?", "max-on-lena-win", "other-actor")
    _declines(engine, "What Grammy did Max win?")


@covers("other-partner")
def test_other_partner_someone_else_was_dating() -> None:
    engine = _engine(
        """\
        facts:
          - id: ada-dating-2015
            about: [ada-star, max-power]
            questions: [Who was Ada dating when she met Max?]
            answer: In 2015 Ada Star was dating Lena Vale.
            sources: [invented]
        """
    )
    _answers(engine, "Who was Ada dating in 2015?", "ada-dating-2015")
    _fires(engine, "Who was Max dating in 2015?", "ada-dating-2015", "other-partner")
    _declines(engine, "Who was Max dating in 2015?")


@covers("other-author")
def test_other_author_words_credited_to_someone_else() -> None:
    engine = _engine(
        """\
        facts:
          - id: fans-on-album
            about: [ada-star]
            questions: [What did fans say about Ada's new album?]
            answer: Fans said Ada's new album was her best yet.
            sources: [invented]
        """
    )
    _answers(engine, "What did fans say about Ada's new album?", "fans-on-album")
    _fires(engine, "What did Ada say about her new album?", "fans-on-album", "other-author")
    _declines(engine, "What did Ada say about her new album?")


# -- every rule is tested --------------------------------------------------------------------


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.name)
def test_the_rule_has_a_test(rule: Rule) -> None:
    assert rule.name in TESTED, f"no test in this file shows the rule {rule.name!r} firing"


def test_every_tested_rule_exists() -> None:
    assert set(TESTED) == {r.name for r in RULES}
