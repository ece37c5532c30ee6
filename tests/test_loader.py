"""The loader: valid knowledge loads; every kind of mistake is reported with file:line, all at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core import KnowledgeError, load_knowledge
from bot.core.loader import Problem, parse_files

GOOD = """\
sources:
  - id: s1
    title: A Title
    publisher: A Publisher
    date: 2021-01
people:
  - id: jane
    name: Jane Doe
    aliases: [Jane]
facts:
  - id: f1
    about: [jane]
    questions: [When did Jane sing?]
    answer: In 2010.
    sources: [s1]
"""


def problems_of(*files: tuple[str, str]) -> list[Problem]:
    with pytest.raises(KnowledgeError) as info:
        parse_files(list(files))
    return info.value.problems


def test_good_file_loads_with_all_fields() -> None:
    kb = parse_files([("a.yaml", GOOD)])
    assert kb.facts["f1"].questions == ("When did Jane sing?",)
    assert kb.facts["f1"].file == "a.yaml" and kb.facts["f1"].line == 11
    assert kb.sources["s1"].date == "2021-01"
    assert kb.people["jane"].aliases == ("Jane",)
    assert kb.digest


def test_malformed_yaml_names_the_line() -> None:
    bad = GOOD + "  - id: f2\n    answer: [unclosed\n"
    (problem,) = problems_of(("bad.yaml", bad))
    assert problem.file == "bad.yaml"
    assert problem.line >= 17
    assert "malformed YAML" in problem.message


def test_unknown_key_is_a_typo_with_its_line() -> None:
    (problem,) = problems_of(
        ("a.yaml", GOOD.replace("    answer: In 2010.", "    anwser: In 2010.\n    answer: x"))
    )
    assert str(problem).startswith("a.yaml:14: unknown key 'anwser'")


def test_unknown_section() -> None:
    (problem,) = problems_of(("a.yaml", GOOD + "factz: []\n"))
    assert "unknown section 'factz'" in str(problem)


def test_duplicate_id_across_files_names_both_places() -> None:
    other = "facts:\n  - id: f1\n    questions: [Q?]\n    answer: A.\n    sources: [s1]\n"
    (problem,) = problems_of(("a.yaml", GOOD), ("b.yaml", other))
    assert str(problem) == "b.yaml:2: duplicate id 'f1' (first defined at a.yaml:11)"


def test_unknown_source_and_person() -> None:
    text = GOOD.replace("sources: [s1]\n", "sources: [nope]\n").replace("about: [jane]", "about: [nobody]")
    found = {str(p) for p in problems_of(("a.yaml", text))}
    assert "a.yaml:15: fact 'f1' refers to unknown source 'nope'" in found
    assert "a.yaml:12: fact 'f1' refers to unknown person 'nobody'" in found


def test_empty_answer_and_missing_phrasings() -> None:
    text = GOOD.replace("    questions: [When did Jane sing?]\n", "").replace("In 2010.", '""')
    found = {p.message for p in problems_of(("a.yaml", text))}
    assert "'answer' must not be empty" in found
    assert "'questions' is required: give at least one" in found


def test_quote_with_unknown_speaker() -> None:
    text = GOOD + "quotes:\n  - id: q1\n    speaker: ghost\n    text: Boo.\n    sources: [s1]\n"
    (problem,) = problems_of(("a.yaml", text))
    assert str(problem) == "a.yaml:18: quote 'q1' refers to unknown person 'ghost'"


def test_bad_status_url_and_id() -> None:
    text = (
        GOOD.replace("    sources: [s1]\n", "    sources: [s1]\n    status: maybe\n")
        .replace("    date: 2021-01\n", "    date: 2021-01\n    url: ftp://x\n")
        .replace("id: jane\n", "id: Jane Doe\n")
    )
    messages = " | ".join(p.message for p in problems_of(("a.yaml", text)))
    assert "status 'maybe' must be one of" in messages
    assert "must start with http:// or https://" in messages
    assert "id 'Jane Doe' must be lower-case" in messages


def test_duplicate_key_in_one_entry() -> None:
    text = GOOD.replace("    answer: In 2010.\n", "    answer: In 2010.\n    answer: In 2011.\n")
    (problem,) = problems_of(("a.yaml", text))
    assert str(problem) == "a.yaml:15: key 'answer' appears twice in one entry"


def test_all_problems_of_a_load_are_reported_at_once() -> None:
    broken = "facts:\n  - id: x\n    answer: ''\n    sources: [zz]\n  - nonsense\n"
    problems = problems_of(("a.yaml", GOOD), ("b.yaml", broken), ("c.yaml", ": : :\n- ["))
    files = {p.file for p in problems}
    assert files == {"b.yaml", "c.yaml"}
    assert len(problems) >= 4


def test_file_that_is_not_a_mapping() -> None:
    (problem,) = problems_of(("a.yaml", "- just\n- a list\n"))
    assert problem.line == 1 and "must be a mapping" in problem.message


def test_python_tags_are_never_executed() -> None:
    text = GOOD + "extra: !!python/object/apply:os.system ['echo pwned']\n"
    (problem,) = problems_of(("a.yaml", text))
    assert "malformed YAML" in problem.message


def test_folder_loading_and_missing_path(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not knowledge", encoding="utf-8")
    assert set(load_knowledge(tmp_path).facts) == {"f1"}
    with pytest.raises(KnowledgeError, match="no such file"):
        load_knowledge(tmp_path / "missing")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(KnowledgeError, match=r"no \.yaml files"):
        load_knowledge(empty)


def test_knowledge_with_no_sources_is_rejected() -> None:
    (problem,) = problems_of(("a.yaml", "people: []\n"))
    assert "no sources" in problem.message
