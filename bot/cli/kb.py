"""The ``celebbot kb`` commands: ``check`` (validate and lint), ``history``, ``undo``, ``gaps``.

The data folder (audit log, feedback database) is ``--data``, else ``$CELEBBOT_DATA``,
else ``./data``; the knowledge is the global ``--knowledge``, else ``$CELEBBOT_KNOWLEDGE``,
else the shipped folder.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
from pathlib import Path
from typing import Any, TextIO

from bot.core import Engine, KnowledgeError, default_knowledge_path
from bot.core.feedback import Feedback
from bot.core.lint import check_knowledge
from bot.core.loader import parse_files, read_knowledge_files
from bot.core.store import EditError, KnowledgeStore

__all__ = ["add_kb_commands", "cmd_check", "cmd_gaps", "cmd_history", "cmd_undo"]

EXIT_OK, EXIT_INVALID = 0, 1


def knowledge_path(arg: str | None) -> Path:
    """--knowledge, else $CELEBBOT_KNOWLEDGE, else the shipped knowledge."""
    chosen = arg or os.environ.get("CELEBBOT_KNOWLEDGE")
    return Path(chosen) if chosen else default_knowledge_path()


def data_path(arg: str | None) -> Path:
    """--data, else $CELEBBOT_DATA, else ./data."""
    return Path(arg or os.environ.get("CELEBBOT_DATA") or "data")


def _print_problems(path: Path, exc: KnowledgeError, err: TextIO) -> None:
    print(f"celebbot: the knowledge at {path} is not valid:", file=err)
    for problem in exc.problems:
        print(f"  {problem}", file=err)


def cmd_check(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Validate the knowledge (1 with every problem) and print lint warnings (still 0)."""
    path = Path(args.path) if args.path else knowledge_path(args.knowledge)
    report = check_knowledge(path, collisions=not args.quick)
    if report.kb is None:
        _print_problems(path, KnowledgeError(list(report.problems)), err)
        return EXIT_INVALID
    kb = report.kb
    out.write(
        f"{path}: valid: {len(kb.sources)} sources, {len(kb.people)} people, {len(kb.facts)} facts, "
        f"{len(kb.quotes)} quotes, {len(kb.synonyms)} synonym groups\n"
    )
    for warning in report.warnings:
        out.write(f"{warning}\n")
    if report.warnings:
        count = len(report.warnings)
        out.write(f"{count} warning{'s' if count != 1 else ''}\n")
    return EXIT_OK


def cmd_history(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """The latest edits made from Discord (or undone here), newest first."""
    store = KnowledgeStore(knowledge_path(args.knowledge), data_path(args.data))
    try:
        records = store.history(limit=args.limit)
    except EditError as exc:
        print(f"celebbot kb history: {exc}", file=err)
        return EXIT_INVALID
    if args.json:
        for record in records:
            out.write(json.dumps(record.to_json(), ensure_ascii=False) + "\n")
        return EXIT_OK
    if not records:
        out.write(f"no edits recorded in {store.audit_path}\n")
    for record in records:
        out.write(record.line() + "\n")
        if args.verbose:
            for change in record.changes:
                out.write(_describe(change))
    return EXIT_OK


def _describe(change: dict[str, Any]) -> str:
    before, after = change.get("before") or {}, change.get("after") or {}
    lines = []
    for key in list(dict.fromkeys([*before, *after])):
        if before.get(key) != after.get(key):
            lines.append(f"    {change['id']}.{key}: {before.get(key)!r} -> {after.get(key)!r}\n")
    return "".join(lines)


def cmd_undo(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Undo the latest edit not yet undone; 1 with the reason when it cannot be."""
    store = KnowledgeStore(knowledge_path(args.knowledge), data_path(args.data))
    user = args.user or f"cli:{getpass.getuser()}"
    try:
        result = store.undo(user=user)
    except EditError as exc:
        print("celebbot kb undo: " + "\n  ".join(exc.messages), file=err)
        return EXIT_INVALID
    out.write(result.record.line() + "\n")
    for warning in result.warnings:
        print(f"celebbot kb undo: {warning}", file=err)
    return EXIT_OK


def cmd_gaps(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """The most-asked questions the bot declined, and the most down-voted answers."""
    feedback = Feedback(data_path(args.data))
    if not feedback.path.exists():
        out.write(f"no feedback recorded yet in {feedback.path}\n")
        return EXIT_OK
    path = knowledge_path(args.knowledge)
    engine: Engine | None = None
    try:
        engine = Engine(parse_files(read_knowledge_files(path)))
    except KnowledgeError as exc:
        _print_problems(path, exc, err)
        print("celebbot kb gaps: listing every declined question, answered since or not", file=err)
    still = None
    if engine is not None and not args.all:
        answerer = engine

        def still(question: str) -> bool:
            return not answerer.ask(question).answered

    gaps = feedback.top_unanswered(args.limit, still_unanswered=still)
    out.write("Most-asked unanswered questions:\n" if gaps else "No unanswered questions recorded.\n")
    for gap in gaps:
        out.write(f"  {gap.count:>5}  {gap.question}  (last asked {gap.last_seen})\n")
    tallies = feedback.most_downvoted(args.limit)
    out.write("Most down-voted answers:\n" if tallies else "No down-voted answers.\n")
    for tally in tallies:
        entry = engine.kb.entry(tally.entry_id) if engine is not None else None
        label = entry.questions[0] if entry is not None and entry.questions else ""
        if engine is not None and entry is None:
            label = "(no longer in the knowledge)"
        out.write(f"  {tally.down:>5} down {tally.up:>5} up  {tally.entry_id}  {label}".rstrip() + "\n")
    return EXIT_OK


def add_kb_commands(kb_sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``check``, ``history``, ``undo`` and ``gaps`` on the ``kb`` subparsers."""

    def data_option(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--data", metavar="PATH", help="data folder (default: $CELEBBOT_DATA, else ./data)"
        )

    check = kb_sub.add_parser(
        "check", help="validate the knowledge: exit 0 if valid (warnings included), 1 with every problem"
    )
    check.add_argument("path", nargs="?", help="folder or file (default: the knowledge in use)")
    check.add_argument("--quick", action="store_true", help="skip the matcher's collision check")
    check.set_defaults(func=cmd_check)

    history = kb_sub.add_parser("history", help="the latest edits from Discord, newest first")
    data_option(history)
    history.add_argument("--limit", type=int, default=20, help="how many (default 20)")
    history.add_argument("--json", action="store_true", help="one JSON object per edit")
    history.add_argument("-v", "--verbose", action="store_true", help="show what each edit changed")
    history.set_defaults(func=cmd_history)

    undo = kb_sub.add_parser("undo", help="undo the latest edit not yet undone")
    data_option(undo)
    undo.add_argument("--user", help="who is undoing, for the audit log (default: cli:<login name>)")
    undo.set_defaults(func=cmd_undo)

    gaps = kb_sub.add_parser("gaps", help="most-asked unanswered questions and most down-voted answers")
    data_option(gaps)
    gaps.add_argument("--limit", type=int, default=10, help="how many of each (default 10)")
    gaps.add_argument("--all", action="store_true", help="include questions the knowledge answers now")
    gaps.set_defaults(func=cmd_gaps)
