"""The engine on many knowledge bases at once: per set, in total, and left one set out.

``python -m benchmarks.generality`` scores every development set in one process:

- the shipped knowledge with the public question set (``../shared/eval/questions.jsonl``);
- the six sets of ``../shared/eval/generality`` (each a knowledge folder and its questions);
- our own sets in ``tests/data/generality``, written by the same method;
- with ``--paraphrases``, our own phrasings and traps about Kim and Kanye (``tests/data``).

For each question it keeps the best match and whether that match's answer would be right, so
that the answer thresholds can be swept without asking again. ``--loo`` chooses the thresholds on
all sets but one and scores the one left out with them: a change that only helps one set shows up
as a gap between its own score and its left-out score.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.core import Engine, load_knowledge
from bot.core.engine import ANSWER_AT, COVERAGE_AT, Match, clears

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "eval"
DATA = ROOT / "tests" / "data"
OWN = DATA / "generality"


@dataclass(frozen=True, slots=True)
class QuestionSet:
    """A knowledge folder and the questions asked of it."""

    name: str
    knowledge: Path | None  # None: the shipped knowledge
    questions: Path


@dataclass(frozen=True, slots=True)
class Outcome:
    """One question's best match, and whether answering with it would be right."""

    question: str
    abstain: bool
    match: Match | None  # the best match (None: nothing fits)
    ambiguous: bool
    right: bool  # the best match's answer holds an expected group (False for a trap)
    answer: str

    @property
    def entry_id(self) -> str | None:
        """The id of the best match's entry."""
        return self.match.entry.id if self.match else None

    @property
    def score(self) -> float:
        """The best match's score (0: none)."""
        return self.match.score if self.match else 0.0

    @property
    def coverage(self) -> float:
        """The best match's coverage (0: none)."""
        return self.match.coverage if self.match else 0.0

    def answered(self, answer_at: float, coverage_at: float) -> bool:
        """Whether the engine answers at these thresholds."""
        return self.match is not None and clears(self.match, answer_at, coverage_at) and not self.ambiguous


def discover(with_paraphrases: bool = False) -> list[QuestionSet]:
    """Every development set that is present beside this checkout.

    ``with_paraphrases`` adds our own sets about Kim and Kanye (``tests/data/paraphrases*.jsonl``),
    which the engine was tuned on: they weigh in the choice of thresholds for their traps.
    """
    sets: list[QuestionSet] = []
    public = SHARED / "questions.jsonl"
    if public.is_file():
        sets.append(QuestionSet("kim-kanye", None, public))
    if with_paraphrases:
        for path in sorted(DATA.glob("paraphrases*.jsonl")):
            sets.append(QuestionSet("kim-kanye-" + path.stem, None, path))
    for root in (SHARED / "generality", OWN):
        if root.is_dir():
            for folder in sorted(p for p in root.iterdir() if (p / "questions.jsonl").is_file()):
                sets.append(QuestionSet(folder.name, folder, folder / "questions.jsonl"))
    return sets


def _items(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _holds(text: str, groups: object) -> bool:
    assert isinstance(groups, list)
    low = text.lower()
    return any(all(str(s).lower() in low for s in group) for group in groups)


def run_set(qs: QuestionSet) -> list[Outcome]:
    """Ask every question of one set and keep its best match."""
    engine = Engine(load_knowledge(qs.knowledge))
    out: list[Outcome] = []
    for item in _items(qs.questions):
        question = str(item["q"])
        abstain = bool(item.get("abstain"))
        top, ambiguous = engine.best(question)
        if top is None:
            out.append(Outcome(question, abstain, None, False, False, ""))
            continue
        answer = engine.answer_for(top.entry, question, top.score)
        text = answer.text or ""
        right = not abstain and bool(answer.citations) and _holds(text, item["expect"])
        out.append(Outcome(question, abstain, top, ambiguous, right, text))
    return out


@dataclass(frozen=True, slots=True)
class Tally:
    """Counts for one or more sets at given thresholds."""

    right: int
    answerable: int
    declined: int
    traps: int
    wrong: int  # answerable questions answered with another fact

    def __add__(self, other: Tally) -> Tally:
        return Tally(
            self.right + other.right,
            self.answerable + other.answerable,
            self.declined + other.declined,
            self.traps + other.traps,
            self.wrong + other.wrong,
        )

    @property
    def objective(self) -> float:
        """What threshold choice maximises: right answers, less wrong ones and answered traps."""
        return self.right - 3 * self.wrong - 5 * (self.traps - self.declined)

    def line(self) -> str:
        """The figures, as score_all.sh prints them, with the wrong answers."""
        return (
            f"answered correctly {self.right}/{self.answerable}, abstained correctly "
            f"{self.declined}/{self.traps}, wrong answers {self.wrong}"
        )


def tally(outcomes: Iterable[Outcome], answer_at: float, coverage_at: float) -> Tally:
    """Count right answers, declined traps and wrong answers at these thresholds."""
    right = answerable = declined = traps = wrong = 0
    for o in outcomes:
        answered = o.answered(answer_at, coverage_at)
        if o.abstain:
            traps += 1
            declined += not answered
        else:
            answerable += 1
            right += answered and o.right
            wrong += answered and not o.right
    return Tally(right, answerable, declined, traps, wrong)


_GRID = [round(0.5 + 0.025 * i, 3) for i in range(17)]


def best_thresholds(results: Sequence[list[Outcome]]) -> tuple[float, float]:
    """The (answer, coverage) thresholds that maximise `Tally.objective` over these sets."""
    pool = [o for r in results for o in r]
    return max(
        itertools.product(_GRID, _GRID),
        key=lambda t: (tally(pool, *t).objective, -abs(t[0] - ANSWER_AT) - abs(t[1] - COVERAGE_AT)),
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Print each set's figures and the total; with ``--loo`` the left-out scores too."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.generality", description=__doc__)
    parser.add_argument("--show", action="store_true", help="print every miss")
    parser.add_argument("--loo", action="store_true", help="leave-one-set-out threshold choice")
    parser.add_argument("--only", nargs="*", default=None, help="score only these sets")
    parser.add_argument(
        "--paraphrases", action="store_true", help="add our own Kim and Kanye sets (tests/data/paraphrases*)"
    )
    args = parser.parse_args(argv)
    sets = [s for s in discover(args.paraphrases) if args.only is None or s.name in args.only]
    results = {s.name: run_set(s) for s in sets}
    total = Tally(0, 0, 0, 0, 0)
    for name, outcomes in results.items():
        t = tally(outcomes, ANSWER_AT, COVERAGE_AT)
        total += t
        if args.show:
            for o in outcomes:
                answered = o.answered(ANSWER_AT, COVERAGE_AT)
                if o.abstain and answered:
                    print(f"  TRAP {o.question!r} -> {o.entry_id} {o.score:.2f}/{o.coverage:.2f}")
                elif not o.abstain and not (answered and o.right):
                    state = "WRONG" if answered else "MISS "
                    print(
                        f"  {state} {o.question!r} -> {o.entry_id} {o.score:.2f}/{o.coverage:.2f}"
                        f"{' amb' if o.ambiguous else ''}{' (right)' if o.right else ''}"
                    )
        print(f"{name:18} {t.line()}")
    print(f"{'total':18} {total.line()}")
    if args.loo and len(results) > 1:
        print("\nleft one set out (thresholds chosen on the others):")
        held = Tally(0, 0, 0, 0, 0)
        for name, outcomes in results.items():
            others = [r for n, r in results.items() if n != name]
            answer_at, coverage_at = best_thresholds(others)
            t = tally(outcomes, answer_at, coverage_at)
            held += t
            print(f"{name:18} {t.line()}  (at {answer_at}/{coverage_at})")
        print(f"{'total':18} {held.line()}")
        answer_at, coverage_at = best_thresholds(list(results.values()))
        print(f"best on all sets: answer at {answer_at}, coverage at {coverage_at}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
