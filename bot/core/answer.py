"""What the engine says back: an answer with its citations, or a decline with suggestions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .model import Citation, Quote, human_date

__all__ = ["DECLINE_TEXT", "Answer", "quote_sentence"]

#: What a declined question is told (the adapters may add "did you mean" buttons).
DECLINE_TEXT = "I don't know that yet."


def quote_sentence(quote: Quote, speaker_name: str) -> str:
    """One sentence that sets a quote with its speaker, where and when.

    >>> from bot.core.model import Quote
    >>> quote_sentence(Quote("q", "ye", "Hi.", ("s",), when="2013", where="to a friend"), "Ye")
    'Ye, to a friend (2013): “Hi.”'
    """
    lead = speaker_name
    if quote.where:
        lead += f", {quote.where}"
    when = human_date(quote.when)
    if when:
        lead += f" ({when})"
    return f"{lead}: “{quote.text}”"


@dataclass(frozen=True, slots=True)
class Answer:
    """The engine's reply to one question.

    ``answered`` is False when the engine declined; ``text`` is then None and
    ``suggestions`` holds up to three questions it can answer that were close.
    """

    question: str
    answered: bool
    text: str | None
    entry_id: str | None
    kind: str | None  # "fact" or "quote"
    score: float
    citations: tuple[Citation, ...] = ()
    suggestions: tuple[str, ...] = ()
    status: str | None = None
    quote: Quote | None = None
    speaker: str | None = None  # the quote's speaker, by name

    def to_json(self) -> dict[str, Any]:
        """The stable JSON contract of ``celebbot ask --json`` (one object a question)."""
        return {
            "question": self.question,
            "answered": self.answered,
            "answer": self.text if self.answered else None,
            "citations": [c.to_json() for c in self.citations],
            "fact_id": self.entry_id if self.answered else None,
            "kind": self.kind if self.answered else None,
            "status": self.status if self.answered else None,
            "score": round(self.score, 4),
            "suggestions": list(self.suggestions),
        }

    def plain(self) -> str:
        """The answer and its sources as readable text, for the console."""
        if not self.answered or self.text is None:
            lines = [DECLINE_TEXT]
            if self.suggestions:
                lines.append("Did you mean:")
                lines.extend(f"  - {s}" for s in self.suggestions)
            return "\n".join(lines)
        lines = [self.text, ""]
        label = "Source" if len(self.citations) == 1 else "Sources"
        lines.append(f"{label}:")
        lines.extend(f"  - {c.text()}" for c in self.citations)
        return "\n".join(lines)
