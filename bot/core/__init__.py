"""The platform-neutral core: knowledge, matching and cited answers. Imports nothing from Discord."""

from .answer import DECLINE_TEXT, Answer
from .engine import Engine, Match
from .loader import KnowledgeError, Problem, default_knowledge_path, load_knowledge
from .model import Citation, Fact, KnowledgeBase, Person, Quote, Source

__all__ = [
    "DECLINE_TEXT",
    "Answer",
    "Citation",
    "Engine",
    "Fact",
    "KnowledgeBase",
    "KnowledgeError",
    "Match",
    "Person",
    "Problem",
    "Quote",
    "Source",
    "default_knowledge_path",
    "load_knowledge",
]
