"""Gaps and feedback: declined questions with a count, and votes on answers, in SQLite.

The database is ``feedback.sqlite3`` in the data folder, in WAL mode so that readers
never wait for a writer; every call opens its own short connection, so one
`Feedback` may be shared by threads, and several processes may write at once.
Calls block briefly on disk: from an event loop, run them in a worker thread.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import sqlite3
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = ["FEEDBACK_NAME", "MAX_QUESTION", "Feedback", "Gap", "VoteTally", "normalize_question"]

#: The database's file name in the data folder.
FEEDBACK_NAME = "feedback.sqlite3"
#: Longer questions are cut to this many characters before they are stored.
MAX_QUESTION = 500

_SCHEMA = """
CREATE TABLE IF NOT EXISTS declined (
    key TEXT PRIMARY KEY,          -- the normalised question
    question TEXT NOT NULL,        -- as first asked
    count INTEGER NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS votes (
    id INTEGER PRIMARY KEY,
    entry_id TEXT NOT NULL,
    user_id TEXT,
    vote INTEGER NOT NULL CHECK (vote IN (-1, 1)),
    question TEXT,
    time TEXT NOT NULL
);
-- One vote per person and entry (a second one replaces the first); anonymous votes all count.
CREATE UNIQUE INDEX IF NOT EXISTS votes_one_per_user ON votes (entry_id, user_id) WHERE user_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS votes_by_entry ON votes (entry_id);
"""

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'", "“": '"', "”": '"'})
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]")
_EDGE = re.compile(r"^[\s\W_]+|[\s\W_]+$")


def normalize_question(text: str) -> str:
    """The form questions are counted under: case, spacing, quotes and end punctuation do not matter.

    >>> normalize_question("  When did KIM meet   Kanye?? ")
    'when did kim meet kanye'
    """
    text = _CONTROL.sub(" ", unicodedata.normalize("NFKC", text)).translate(_APOSTROPHES).casefold()
    return _EDGE.sub("", " ".join(text.split()))[:MAX_QUESTION]


def _clean(text: str) -> str:
    return " ".join(_CONTROL.sub(" ", text).split())[:MAX_QUESTION]


@dataclass(frozen=True, slots=True)
class Gap:
    """A question the bot declined, how often, and when."""

    question: str
    count: int
    first_seen: str
    last_seen: str


@dataclass(frozen=True, slots=True)
class VoteTally:
    """Votes on one fact or quote."""

    entry_id: str
    up: int
    down: int


class Feedback:
    """Records declined questions and votes in the data folder, and reports the gaps."""

    def __init__(
        self, data_dir: str | os.PathLike[str], *, clock: Callable[[], dt.datetime] | None = None
    ) -> None:
        self.path = Path(data_dir) / FEEDBACK_NAME
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self._ready = False

    @contextlib.contextmanager
    def _db(self, *, write: bool = True) -> Iterator[sqlite3.Connection]:
        """A connection in one transaction, committed on success, closed always (reads take no lock)."""
        if not self._ready:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=10.0, isolation_level=None)
        try:
            if not self._ready:
                db.execute("PRAGMA journal_mode=WAL")
                db.executescript(_SCHEMA)
                self._ready = True
            db.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        finally:
            db.close()

    def _now(self) -> str:
        return self._clock().astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def record_declined(self, question: str) -> int:
        """Count one declined question; returns how often it has now been asked (0 if blank)."""
        key = normalize_question(question)
        if not key:
            return 0
        now = self._now()
        with self._db() as db:
            row = db.execute(
                "INSERT INTO declined (key, question, count, first_seen, last_seen) VALUES (?, ?, 1, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET count = count + 1, last_seen = excluded.last_seen "
                "RETURNING count",
                (key, _clean(question), now, now),
            ).fetchone()
        return int(row[0])

    def forget_declined(self, question: str) -> bool:
        """Drop a question from the gaps (once it is answered); True if it was there."""
        with self._db() as db:
            cursor = db.execute("DELETE FROM declined WHERE key = ?", (normalize_question(question),))
        return cursor.rowcount > 0

    def record_vote(
        self, entry_id: str, up: bool, *, user_id: str | None = None, question: str | None = None
    ) -> None:
        """Record a thumbs-up or -down on an answer; a person's second vote on an entry replaces the first."""
        row = (entry_id, user_id, 1 if up else -1, _clean(question) if question else None, self._now())
        with self._db() as db:
            db.execute(
                "INSERT INTO votes (entry_id, user_id, vote, question, time) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (entry_id, user_id) WHERE user_id IS NOT NULL DO UPDATE SET "
                "vote = excluded.vote, question = excluded.question, time = excluded.time",
                row,
            )

    def top_unanswered(
        self, limit: int = 10, *, still_unanswered: Callable[[str], bool] | None = None
    ) -> list[Gap]:
        """The most-asked declined questions, most first.

        ``still_unanswered(question)``, if given, filters out questions answered since
        (pass e.g. ``lambda q: not engine.ask(q).answered``).
        """
        out: list[Gap] = []
        offset, page = 0, max(limit, 1) * 4
        while len(out) < limit:
            with self._db(write=False) as db:
                rows = db.execute(
                    "SELECT question, count, first_seen, last_seen FROM declined "
                    "ORDER BY count DESC, last_seen DESC, key LIMIT ? OFFSET ?",
                    (page, offset),
                ).fetchall()
            if not rows:
                break
            offset += len(rows)
            # Filtered outside the transaction: the filter may be slow (it asks the engine).
            for question, count, first, last in rows:
                if len(out) < limit and (still_unanswered is None or still_unanswered(question)):
                    out.append(Gap(question, int(count), first, last))
        return out

    def most_downvoted(self, limit: int = 10) -> list[VoteTally]:
        """Entries with down-votes, the most down-voted first (ties: fewest up-votes first)."""
        with self._db(write=False) as db:
            rows = db.execute(
                "SELECT entry_id, SUM(vote > 0), SUM(vote < 0) AS down FROM votes GROUP BY entry_id "
                "HAVING down > 0 ORDER BY down DESC, SUM(vote > 0), entry_id LIMIT ?",
                (max(0, limit),),
            ).fetchall()
        return [VoteTally(entry_id, int(up), int(down)) for entry_id, up, down in rows]

    def tally(self, entry_id: str) -> VoteTally:
        """The votes on one entry."""
        with self._db(write=False) as db:
            up, down = db.execute(
                "SELECT COALESCE(SUM(vote > 0), 0), COALESCE(SUM(vote < 0), 0) FROM votes WHERE entry_id = ?",
                (entry_id,),
            ).fetchone()
        return VoteTally(entry_id, int(up), int(down))
