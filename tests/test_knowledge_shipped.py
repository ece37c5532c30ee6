"""The shipped knowledge: valid, schema-clean, and traceable to the article it cites."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from bot.core import default_knowledge_path, load_knowledge
from bot.core.model import Entry

ARTICLE = Path(__file__).resolve().parents[2] / "shared" / "seed" / "000_3717b05c1210112f.txt"
KNOWLEDGE = default_knowledge_path()


@pytest.fixture(scope="module")
def article() -> str:
    if not ARTICLE.is_file():
        pytest.skip(f"the seed article is not beside the checkout ({ARTICLE})")
    return ARTICLE.read_text(encoding="utf-8")


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_shipped_knowledge_loads() -> None:
    kb = load_knowledge()
    assert len(kb.facts) >= 20 and len(kb.quotes) >= 5
    assert {"kim-kardashian", "kanye-west"} <= set(kb.people)


def test_every_quote_is_verbatim_in_the_article(article: str) -> None:
    text = _squash(article)
    missing = [q.id for q in load_knowledge().quotes.values() if _squash(q.text) not in text]
    assert missing == []


def test_words_quoted_in_answers_are_verbatim_in_the_article(article: str) -> None:
    text = _squash(article)
    missing = []
    for fact in load_knowledge().facts.values():
        for quoted in re.findall(r"“(.+?)”", fact.answer):
            # A quoted title ends in the article's own punctuation; compare without it.
            if _squash(quoted).rstrip(".,") not in text:
                missing.append((fact.id, quoted))
    assert missing == []


def test_every_entry_cites_the_article_and_names_primary_sources() -> None:
    kb = load_knowledge()
    entries: list[Entry] = [*kb.facts.values(), *kb.quotes.values()]
    for entry in entries:
        assert kb.citations(entry), entry.id
    vias = {e.via for e in entries if e.via}
    assert "TMZ" in vias
    assert any("Seacrest" in v for v in vias)
    where = {q.where for q in kb.quotes.values()}
    assert any("Knock You Down" in (w or "") for w in where)
    assert any("Cold" in (w or "") for w in where)


def test_no_url_is_invented() -> None:
    kb = load_knowledge()
    assert all(s.url is None for s in kb.sources.values())


def test_shipped_files_match_the_json_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((KNOWLEDGE / "schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for path in sorted(KNOWLEDGE.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        errors = [f"{path.name}: {e.message}" for e in validator.iter_errors(data)]
        assert errors == []


def test_schema_rejects_a_typo() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((KNOWLEDGE / "schema.json").read_text(encoding="utf-8"))
    bad = {"facts": [{"id": "x", "questions": ["q"], "anwser": "a", "sources": ["s"]}]}
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(bad))
