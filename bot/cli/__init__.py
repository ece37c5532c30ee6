"""The ``celebbot`` command line: a thin adapter over `bot.core`.

``ask`` and ``chat`` answer from the knowledge; ``kb`` checks it, shows and undoes edits
and lists gaps (`bot.cli.kb`);
``run`` and ``sync`` start the Discord bot (imported only when asked for).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TextIO

from bot.cli.kb import add_kb_commands
from bot.core import Engine, KnowledgeBase, KnowledgeError, default_knowledge_path, load_knowledge
from bot.core.health import DEFAULT_MAX_AGE, check_health, heartbeat_path

__all__ = ["main"]

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


def _knowledge_path(arg: str | None) -> Path:
    """--knowledge, else $CELEBBOT_KNOWLEDGE, else the shipped knowledge."""
    chosen = arg or os.environ.get("CELEBBOT_KNOWLEDGE")
    return Path(chosen) if chosen else default_knowledge_path()


def _load(path: Path, err: TextIO) -> KnowledgeBase | None:
    try:
        return load_knowledge(path)
    except KnowledgeError as exc:
        print(f"celebbot: the knowledge at {path} is not valid:", file=err)
        for problem in exc.problems:
            print(f"  {problem}", file=err)
        return None


def _questions(args: argparse.Namespace) -> Iterable[str]:
    if args.batch is None:
        yield " ".join(args.question)
        return
    stream = sys.stdin if args.batch == "-" else open(args.batch, encoding="utf-8", errors="replace")  # noqa: SIM115
    try:
        for line in stream:
            yield line.rstrip("\r\n")
    finally:
        if stream is not sys.stdin:
            stream.close()


def cmd_ask(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Answer one question, or a batch of them one a line."""
    if args.batch is None and not args.question:
        print("celebbot ask: give a QUESTION, or --batch FILE ('-' for standard input)", file=err)
        return EXIT_USAGE
    if args.batch not in (None, "-") and not Path(args.batch).is_file():
        print(f"celebbot ask: no such file: {args.batch}", file=err)
        return EXIT_USAGE
    kb = _load(_knowledge_path(args.knowledge), err)
    if kb is None:
        return EXIT_INVALID
    engine = Engine(kb)
    for question in _questions(args):
        explanation = engine.explain(question) if args.explain else None
        answer = explanation.answer if explanation else engine.ask(question)
        if args.json:
            data = answer.to_json()
            if explanation:
                data["explain"] = explanation.to_json()
            out.write(json.dumps(data, ensure_ascii=False) + "\n")
            out.flush()
        else:
            if explanation:
                out.write(explanation.text() + "\n\n")
            out.write(answer.plain() + "\n")
            if args.batch is not None:
                out.write("\n")
    return EXIT_OK


def cmd_chat(args: argparse.Namespace, out: TextIO, err: TextIO, read: Callable[[str], str] = input) -> int:
    """An interactive console conversation with the engine: no Discord, no network."""
    kb = _load(_knowledge_path(args.knowledge), err)
    if kb is None:
        return EXIT_INVALID
    engine = Engine(kb)
    out.write(
        f"celebbot chat: {len(kb.facts)} facts and {len(kb.quotes)} quotes about {len(kb.people)} people.\n"
        "Ask a question; a number picks a suggestion; 'quit' or Ctrl-D ends.\n"
    )
    suggestions: tuple[str, ...] = ()
    while True:
        try:
            line = read("you> ").strip()
        except (EOFError, KeyboardInterrupt):
            out.write("\n")
            return EXIT_OK
        if line.lower() in {"quit", "exit", ":q"}:
            return EXIT_OK
        if not line:
            continue
        if line.isdigit() and 1 <= int(line) <= len(suggestions):
            line = suggestions[int(line) - 1]
            out.write(f"     {line}\n")
        answer = engine.ask(line)
        suggestions = answer.suggestions
        text = answer.plain()
        if suggestions:
            text = text.replace("Did you mean:", "Did you mean (type its number):")
            for i, s in enumerate(suggestions, 1):
                text = text.replace(f"  - {s}", f"  {i}. {s}", 1)
        out.write("bot> " + text.replace("\n", "\n     ") + "\n")


def cmd_health(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Exit 0 when the running bot's heartbeat is fresh, connected and loaded; 1 otherwise."""
    data = Path(args.data or os.environ.get("CELEBBOT_DATA") or "data")
    path = heartbeat_path(data, os.environ.get("CELEBBOT_SHARD_IDS"))
    ok, why = check_health(path, args.max_age)
    print(why, file=out if ok else err)
    return EXIT_OK if ok else EXIT_INVALID


def cmd_discord(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Start the Discord bot (``run``) or sync its slash commands (``sync``)."""
    # Imported here so that ask, chat and kb never load discord.py.
    from bot.discord_bot.runner import run_from_cli

    code: int = run_from_cli(args, out, err)
    return code


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``celebbot`` command."""
    parser = argparse.ArgumentParser(
        prog="celebbot", description="Answers questions about celebrities, citing the source of every answer."
    )
    parser.add_argument(
        "--knowledge",
        metavar="PATH",
        help="knowledge folder or file (default: $CELEBBOT_KNOWLEDGE, else the shipped one)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ask = sub.add_parser("ask", help="answer a question and cite its source")
    ask.add_argument("question", nargs="*", help="the question")
    ask.add_argument("--json", action="store_true", help="one JSON object per question")
    ask.add_argument("--batch", metavar="FILE", help="questions one a line from FILE ('-': standard input)")
    ask.add_argument(
        "--explain",
        action="store_true",
        help="also show how the question was read and scored: people, word weights, candidates, rules",
    )
    ask.set_defaults(func=cmd_ask)

    chat = sub.add_parser("chat", help="an interactive conversation in the console")
    chat.set_defaults(func=cmd_chat)

    kb = sub.add_parser("kb", help="work with the knowledge files")
    kb_sub = kb.add_subparsers(dest="kb_command", required=True, metavar="KB_COMMAND")
    add_kb_commands(kb_sub)

    health = sub.add_parser("health", help="exit 0 when the running bot is connected and loaded, else 1")
    health.add_argument(
        "--data", metavar="PATH", help="the bot's data folder (default: $CELEBBOT_DATA, else ./data)"
    )
    health.add_argument(
        "--max-age", type=float, default=DEFAULT_MAX_AGE, help="seconds a heartbeat stays fresh (default: 90)"
    )
    health.set_defaults(func=cmd_health)

    run = sub.add_parser("run", help="start the Discord bot (token from $DISCORD_TOKEN)")
    run.set_defaults(func=cmd_discord, discord_action="run")
    sync = sub.add_parser("sync", help="register the slash commands with Discord")
    sync.add_argument(
        "--guild", type=int, help="sync to this guild only (default: $CELEBBOT_DEV_GUILD, else global)"
    )
    sync.add_argument("--global", dest="sync_global", action="store_true", help="sync globally")
    sync.set_defaults(func=cmd_discord, discord_action="sync")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``celebbot`` console script."""
    # Questions and answers are UTF-8 whatever the terminal says.
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(encoding="utf-8", errors="replace")
    if hasattr(sys.stdin, "reconfigure"):
        sys.stdin.reconfigure(encoding="utf-8", errors="replace")
    args = build_parser().parse_args(argv)
    try:
        code: int = args.func(args, sys.stdout, sys.stderr)
    except BrokenPipeError:
        return EXIT_OK
    return code
