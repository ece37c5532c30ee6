"""Why a question was answered or declined: the engine's reading of it, laid out for curators.

`Engine.explain` fills an `Explanation`; ``celebbot ask --explain`` prints it (`Explanation.text`)
or adds it to the JSON (`Explanation.to_json`). Like Lucene's ``explain``, each candidate's score
comes with its parts: how much of the question it covers, how well it fits one of its texts, and
each rule that lowered or vetoed it (`bot.core.rules`), so that a curator can see what phrasing
or synonym would make a declined question answer.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from .answer import Answer

__all__ = ["CandidateReport", "Explanation", "WordWeight"]


@dataclass(frozen=True, slots=True)
class WordWeight:
    """One match token of the question: its weight (rarer words weigh more) and credit (typos less)."""

    token: str  # a stem, a synonym group ("married"), or a person ("@kim-kardashian")
    weight: float
    credit: float
    note: str  # "context", "not in the knowledge", "stands in: ..." or ""


@dataclass(frozen=True, slots=True)
class CandidateReport:
    """One entry scored for the question."""

    entry_id: str
    kind: str  # "fact" or "quote"
    label: str  # the phrasing it fits best
    score: float  # 0 when vetoed
    coverage: float  # the share of the question's weight it explains
    content: float  # the same share of the words other than names
    fit: float  # how well the question fits its best text
    rules: tuple[tuple[str, float, str], ...]  # (name, factor, description); factor 0 is a veto


@dataclass(frozen=True, slots=True)
class Explanation:
    """The analysis of a question and its top candidates."""

    question: str
    people: list[list[str]]  # the names of the people named, one list a mention
    kind: str  # what it asks for: "who", "where", "when", "why", "how" or ""
    words: list[WordWeight]
    corrections: list[tuple[str, str]]  # words read as other words (typos, other forms)
    unknown: list[str]  # words the knowledge has never seen
    candidates: list[CandidateReport]
    answer: Answer
    answer_at: float
    coverage_at: float
    content_at: float

    def to_json(self) -> dict[str, object]:
        """A JSON-ready dict (the answer itself is left out: it is the JSON line's own fields)."""
        data = asdict(self)
        del data["answer"]
        return data

    def text(self) -> str:
        """A readable report."""
        lines = [f"Question: {self.question}"]
        lines.append(f"  asks for: {self.kind or '-'}")
        lines.append("  people: " + ("; ".join(" or ".join(g) for g in self.people) or "-"))
        for typed, read in self.corrections:
            lines.append(f"  read {typed!r} as {read!r}")
        if self.unknown:
            lines.append("  never seen: " + ", ".join(self.unknown))
        lines.append("  words (weight x credit):")
        for w in self.words:
            note = f"  ({w.note})" if w.note else ""
            lines.append(f"    {w.token:<24} {w.weight:6.2f} x {w.credit:.2f}{note}")
        lines.append(
            f"Candidates (answered at score >= {self.answer_at:g}, coverage >= {self.coverage_at:g}"
            f" and words other than names >= {self.content_at:g}):"
        )
        if not self.candidates:
            lines.append("  none: no entry holds any of its words")
        for i, c in enumerate(self.candidates, 1):
            score = "vetoed" if c.score == 0 and c.rules and c.rules[-1][1] == 0 else f"{c.score:.2f}"
            parts = f"coverage {c.coverage:.2f} ({c.content:.2f} without names), fit {c.fit:.2f}"
            lines.append(f"  {i}. {score:>6}  {parts}  {c.kind} {c.entry_id}: {c.label}")
            for name, factor, doc in c.rules:
                effect = "veto" if factor == 0 else f"x{factor:g}"
                lines.append(f"       {name} ({effect}): {doc}")
        verdict = "answered" if self.answer.answered else "declined"
        lines.append(f"Result: {verdict}" + (f" with {self.answer.entry_id}" if self.answer.entry_id else ""))
        return "\n".join(lines)
