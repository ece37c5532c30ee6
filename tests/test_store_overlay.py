"""The loader's overlay: the bot-owned file replaces and removes curated entries, with file:line errors."""

from __future__ import annotations

import pytest

from bot.core import KnowledgeError
from bot.core.loader import OVERLAY_NAME, Problem, parse_files

CURATED = """\
# A hand-written comment.
sources:
  - id: s1
    title: A Title
    publisher: A Publisher
  - id: s2
    title: Another
    publisher: B Publisher
people:
  - id: jane
    name: Jane Doe
facts:
  - id: f1
    about: [jane]
    questions: [When did Jane sing?]
    answer: In 2010.
    sources: [s1]
  - id: f2
    about: [jane]
    questions: [Where does Jane live?]
    answer: In Paris.
    sources: [s2]
"""
OVERLAY = f"knowledge/{OVERLAY_NAME}"


def problems_of(*files: tuple[str, str]) -> list[Problem]:
    with pytest.raises(KnowledgeError) as info:
        parse_files(list(files))
    return info.value.problems


def test_overlay_replaces_a_curated_entry_by_id_and_keeps_its_place() -> None:
    overlay = (
        "facts:\n  - id: f1\n    questions: [When did Jane sing first?]\n    answer: In 2009.\n"
        "    sources: [s2]\n"
    )
    kb = parse_files([("knowledge/a.yaml", CURATED), (OVERLAY, overlay)])
    assert kb.facts["f1"].answer == "In 2009."
    assert kb.facts["f1"].about == ()
    assert (kb.facts["f1"].file, kb.facts["f1"].line) == (OVERLAY, 2)
    assert list(kb.facts) == ["f1", "f2"]


def test_overlay_is_applied_last_whatever_the_file_order() -> None:
    overlay = "facts:\n  - id: f1\n    questions: [Q?]\n    answer: Replaced.\n    sources: [s1]\n"
    kb = parse_files([(OVERLAY, overlay), ("knowledge/zzz.yaml", CURATED)])
    assert kb.facts["f1"].answer == "Replaced."


def test_removed_section_drops_curated_entries_and_their_references() -> None:
    # f2 cites s2; removing both is consistent, so it loads.
    kb = parse_files([("knowledge/a.yaml", CURATED), (OVERLAY, "removed: [f2, s2]\n")])
    assert set(kb.facts) == {"f1"} and set(kb.sources) == {"s1"}


def test_removing_a_source_still_cited_is_an_error_at_the_citing_line() -> None:
    (problem,) = problems_of(("knowledge/a.yaml", CURATED), (OVERLAY, "removed: [s2]\n"))
    assert str(problem) == "knowledge/a.yaml:22: fact 'f2' refers to unknown source 's2'"


def test_a_replacement_no_longer_citing_a_removed_source_loads() -> None:
    overlay = (
        "facts:\n  - id: f2\n    questions: [Where does Jane live?]\n    answer: In Rome.\n"
        "    sources: [s1]\nremoved: [s2]\n"
    )
    kb = parse_files([("knowledge/a.yaml", CURATED), (OVERLAY, overlay)])
    assert kb.facts["f2"].answer == "In Rome." and "s2" not in kb.sources


def test_overlay_problems_name_the_overlay_file_and_line() -> None:
    overlay = (
        "facts:\n  - id: f9\n    questions: [Q?]\n    answer: A.\n    sources: [nope]\n"
        "removed: [ghost, f1, f1]\n"
    )
    found = {str(p) for p in problems_of(("knowledge/a.yaml", CURATED), (OVERLAY, overlay))}
    assert found == {
        f"{OVERLAY}:5: fact 'f9' refers to unknown source 'nope'",
        f"{OVERLAY}:6: cannot remove 'ghost': no curated entry has this id",
        f"{OVERLAY}:6: 'f1' is removed twice",
    }


def test_an_id_twice_in_the_overlay_is_still_a_duplicate() -> None:
    entry = "  - id: f1\n    questions: [Q?]\n    answer: A.\n    sources: [s1]\n"
    (problem,) = problems_of(("knowledge/a.yaml", CURATED), (OVERLAY, "facts:\n" + entry + entry))
    assert str(problem) == f"{OVERLAY}:6: duplicate id 'f1' (first defined at {OVERLAY}:2)"


def test_replacing_with_another_kind_of_entry_is_refused() -> None:
    overlay = "people:\n  - id: f1\n    name: Not A Fact\n"
    (problem,) = problems_of(("knowledge/a.yaml", CURATED), (OVERLAY, overlay))
    assert problem.file == OVERLAY and "is one of the facts" in problem.message


def test_both_replaced_and_removed_is_contradictory() -> None:
    overlay = "facts:\n  - id: f1\n    questions: [Q?]\n    answer: A.\n    sources: [s1]\nremoved: [f1]\n"
    (problem,) = problems_of(("knowledge/a.yaml", CURATED), (OVERLAY, overlay))
    assert "both removed and replaced" in problem.message


def test_removed_is_only_allowed_in_the_overlay_and_duplicates_between_curated_files_remain_errors() -> None:
    found = {str(p) for p in problems_of(("knowledge/a.yaml", CURATED + "removed: [f1]\n"))}
    assert found == {f"knowledge/a.yaml:23: 'removed' is only allowed in the overlay file {OVERLAY_NAME}"}
    problems = problems_of(("knowledge/a.yaml", CURATED), ("knowledge/b.yaml", CURATED.split("people:")[0]))
    assert [p.message[:16] for p in problems] == ["duplicate id 's1", "duplicate id 's2"]


def test_overlay_can_be_turned_off() -> None:
    overlay = "facts:\n  - id: f1\n    questions: [Q?]\n    answer: A.\n    sources: [s1]\n"
    with pytest.raises(KnowledgeError, match="duplicate id 'f1'"):
        parse_files([("knowledge/a.yaml", CURATED), (OVERLAY, overlay)], overlay=None)
