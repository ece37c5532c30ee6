"""Lint: colliding phrasings, sources never cited, people with no facts: warnings with file:line."""

from __future__ import annotations

from pathlib import Path

from bot.core import Engine, load_knowledge
from bot.core.lint import LintWarning, check_knowledge, lint
from bot.core.loader import OVERLAY_NAME, parse_files, read_knowledge_files
from bot.core.locate import locate_ids

KNOWLEDGE = """\
sources:
  - id: s1
    title: A Title
    publisher: A Publisher
  - id: unused
    title: Never Cited
    publisher: Nobody
people:
  - id: jane
    name: Jane Doe
  - id: joe
    name: Joe Bloggs
  - id: ghost
    name: Casper Phantom
facts:
  - id: sing
    about: [jane]
    questions: [When did Jane first sing on stage?]
    answer: Jane first sang on stage in 2010, with Joe Bloggs.
    sources: [s1]
  - id: sing-again
    about: [jane]
    questions: [So when did Jane first sing on the stage?]
    answer: Jane first sang on stage in 2010, with Joe Bloggs.
    sources: [s1]
  - id: live
    about: [jane]
    questions: [Where does Jane live?, "where does jane  LIVE"]
    answer: In Paris.
    sources: [s1]
  - id: home
    about: [jane]
    questions: [Where does Jane live?]
    answer: Jane lives in Paris.
    sources: [s1]
"""


def warnings_of(text: str = KNOWLEDGE) -> list[LintWarning]:
    named = [("k.yaml", text)]
    kb = parse_files(named)
    return lint(kb, Engine(kb), locations=locate_ids(named))


def by_kind(warnings: list[LintWarning], kind: str) -> list[str]:
    return [str(w) for w in warnings if w.kind == kind]


def test_identical_phrasings_in_two_entries_are_one_warning() -> None:
    warnings = warnings_of()
    assert by_kind(warnings, "same-phrasing") == [
        "k.yaml:31: warning: fact 'home' and fact 'live' (k.yaml:26) share the phrasing "
        "'Where does Jane live?'"
    ]
    # The same pair is not reported again as a collision.
    assert not any("'home'" in w and "'live'" in w for w in by_kind(warnings, "collision"))


def test_phrasings_the_matcher_cannot_tell_apart_are_a_collision() -> None:
    (collision,) = by_kind(warnings_of(), "collision")
    assert collision.startswith("k.yaml:")
    assert "'sing'" in collision and "'sing-again'" in collision and "cannot tell them apart" in collision


def test_a_phrasing_its_own_entry_does_not_answer() -> None:
    # Only common words: the matcher has nothing to go on.
    text = KNOWLEDGE.replace("[Where does Jane live?, ", "[What is it about?, ")
    assert by_kind(warnings_of(text), "unanswered-phrasing") == [
        "k.yaml:26: warning: the phrasing 'What is it about?' of fact 'live' is not answered "
        "(best score 0.00); reword it"
    ]


def test_unused_sources_and_people_nobody_mentions() -> None:
    warnings = warnings_of()
    assert by_kind(warnings, "uncited-source") == ["k.yaml:5: warning: source 'unused' is never cited"]
    # Joe is only mentioned in an answer: that is enough. Casper appears nowhere.
    assert by_kind(warnings, "person-without-facts") == [
        "k.yaml:13: warning: person 'ghost' (Casper Phantom) has no facts or quotes "
        "and is not mentioned in any"
    ]


def test_without_an_engine_or_locations_the_other_checks_still_run() -> None:
    kb = parse_files([("k.yaml", KNOWLEDGE)])
    warnings = lint(kb)
    assert {w.kind for w in warnings} == {"same-phrasing", "uncited-source", "person-without-facts"}
    assert (
        str(next(w for w in warnings if w.kind == "uncited-source"))
        == "warning: source 'unused' is never cited"
    )


def test_shipped_knowledge_cites_every_source_and_uses_every_person() -> None:
    named = read_knowledge_files()
    warnings = lint(load_knowledge(), locations=locate_ids(named))
    assert not by_kind(warnings, "uncited-source") and not by_kind(warnings, "person-without-facts")


def test_check_knowledge_reports_problems_or_warnings(tmp_path: Path) -> None:
    (tmp_path / "k.yaml").write_text(KNOWLEDGE, encoding="utf-8")
    report = check_knowledge(tmp_path, collisions=False)
    assert report.valid and report.problems == ()
    assert {w.kind for w in report.warnings} == {"same-phrasing", "uncited-source", "person-without-facts"}
    assert "collision" in {w.kind for w in check_knowledge(tmp_path).warnings}
    (tmp_path / "k.yaml").write_text(
        KNOWLEDGE.replace("sources: [s1]", "sources: [nope]", 1), encoding="utf-8"
    )
    broken = check_knowledge(tmp_path)
    assert not broken.valid and broken.warnings == ()
    assert [str(p) for p in broken.problems] == [
        f"{tmp_path / 'k.yaml'}:20: fact 'sing' refers to unknown source 'nope'"
    ]


def test_curated_entries_overridden_from_discord_are_pointed_out() -> None:
    overlay = (
        "facts:\n  - id: live\n    about: [jane]\n    questions: [Where is Jane's home?]\n"
        "    answer: In Rome.\n    sources: [s1]\n"
        "  - id: added\n    about: [jane]\n    questions: [What does Jane eat?]\n"
        "    answer: Pasta.\n    sources: [s1]\n"
        "removed: [home]\n"
    )
    named = [("k.yaml", KNOWLEDGE), (OVERLAY_NAME, overlay)]
    kb = parse_files(named)
    assert by_kind(lint(kb, locations=locate_ids(named)), "overridden") == [
        f"k.yaml:26: warning: fact 'live' is replaced by an edit from Discord ({OVERLAY_NAME}:2); "
        "changes made here do not show until that edit is taken out",
        f"k.yaml:31: warning: fact 'home' is removed by an edit from Discord ({OVERLAY_NAME}); "
        "changes made here do not show until that edit is taken out",
    ]
