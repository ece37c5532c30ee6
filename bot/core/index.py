"""The compiled match index: flat integer arrays that are quick to search, small, and quick to save.

Every match token (stemmed word, synonym group, ``@person``) gets an integer id. Each entry
(fact or quote) keeps the ids of all its tokens; each of its documents (a phrasing, or its
answer or quote text) keeps its own; a posting list maps a token to the entries holding it.
All of these are stored as compressed-sparse-row pairs (offsets, flat values) in
`array.array`, so a 100,000-fact index is a few dozen arrays rather than millions of
Python objects, and saving or restoring it is a copy of bytes.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["CSR", "QUOTE_SETTING", "QUOTE_WORDS", "TEXT_DOC", "Index", "IndexBuilder"]


@dataclass(frozen=True, slots=True)
class CSR:
    """Rows of unsigned integers: row ``i`` is ``flat[offsets[i]:offsets[i + 1]]``."""

    offsets: array[int]
    flat: array[int]

    @classmethod
    def from_rows(cls, rows: Iterable[Iterable[int]]) -> CSR:
        """Pack rows of integers."""
        offsets, flat = array("I", [0]), array("I")
        for row in rows:
            flat.extend(row)
            offsets.append(len(flat))
        return cls(offsets, flat)

    def row(self, i: int) -> array[int]:
        """Row ``i`` (a copy; rows are short)."""
        return self.flat[self.offsets[i] : self.offsets[i + 1]]

    def row_len(self, i: int) -> int:
        """The length of row ``i``."""
        return self.offsets[i + 1] - self.offsets[i]

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def dump(self) -> tuple[bytes, bytes]:
        """The two arrays as bytes."""
        return self.offsets.tobytes(), self.flat.tobytes()

    @classmethod
    def load(cls, data: tuple[bytes, bytes]) -> CSR:
        """Rebuild from `dump`'s bytes."""
        offsets, flat = array("I"), array("I")
        offsets.frombytes(data[0])
        flat.frombytes(data[1])
        return cls(offsets, flat)


#: `Index.doc_phrasing` of a fact's answer or a quote's text (with its speaker, when and where).
TEXT_DOC = -1
#: `Index.doc_phrasing` of a quote's setting alone: its speaker and where, with or without when
#: ("Kanye, to Ryan Seacrest, 2013"), which a short question about the quote fits better than
#: the whole text.
QUOTE_SETTING = -2
#: `Index.doc_phrasing` of a quote's own words alone (no speaker, where or when): a question that
#: repeats some asks for the quote. Not scored for fit.
QUOTE_WORDS = -3


@dataclass(frozen=True, slots=True)
class Index:
    """The searchable form of a knowledge base's facts and quotes (in the order facts, then quotes)."""

    tokens: list[str]  # token id -> token
    entry_ids: list[str]  # entry number -> fact or quote id
    entry_tokens: CSR  # entry -> every token id it holds (sorted)
    entry_subjects: CSR  # entry -> token ids of the people it is about (or said it)
    entry_docs: array[int]  # entry -> first document number; entry_docs[e + 1] ends it
    doc_tokens: CSR  # document -> token ids (sorted)
    doc_phrasing: array[int]  # document -> index into the entry's questions; TEXT_DOC, QUOTE_SETTING
    doc_weight: array[float]  # document -> sum of its tokens' weights
    entry_min_weight: array[float]  # entry -> the smallest weight of its documents
    entry_types: array[int]  # entry -> the question types its phrasings ask (text.QUESTION_TYPES bits)
    postings: CSR  # token id -> entry numbers holding it (sorted)
    idf: array[float]  # token id -> weight
    unknown_idf: float  # the weight of a token the knowledge never uses
    vocabulary: list[str]  # every surface word the knowledge uses, for spell correction
    known_stems: list[str]  # the stems of the analyzer's whole vocabulary (stemming is slow to redo)
    names: list[str]  # tokens the knowledge writes only capitalised, mid-sentence ("spur" of Spurs)
    _ids: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_ids", {t: i for i, t in enumerate(self.tokens)})

    def token_id(self, token: str) -> int | None:
        """The id of a token, or None for a token the knowledge never uses."""
        return self._ids.get(token)

    def weight(self, token_id: int | None) -> float:
        """The weight of a token id (None: unknown)."""
        return self.unknown_idf if token_id is None else self.idf[token_id]

    def dump(self) -> tuple[Any, ...]:
        """A tuple of plain values (str, bytes, lists, floats) for `marshal`."""
        return (
            self.tokens,
            self.entry_ids,
            self.entry_tokens.dump(),
            self.entry_subjects.dump(),
            self.entry_docs.tobytes(),
            self.doc_tokens.dump(),
            self.doc_phrasing.tobytes(),
            self.doc_weight.tobytes(),
            self.entry_min_weight.tobytes(),
            self.entry_types.tobytes(),
            self.postings.dump(),
            self.idf.tobytes(),
            self.unknown_idf,
            self.vocabulary,
            self.known_stems,
            self.names,
        )

    @classmethod
    def load(cls, data: Sequence[object]) -> Index:
        """Rebuild from `dump`'s tuple; raises ValueError or TypeError when it does not fit."""
        (
            tokens,
            entry_ids,
            et,
            es,
            ed,
            dt,
            dp,
            dw,
            em,
            ety,
            po,
            idf,
            unknown_idf,
            vocabulary,
            stems,
            names,
        ) = data

        def arr(code: str, raw: object) -> array[int]:
            a = array(code)
            if not isinstance(raw, bytes):
                raise TypeError("index array is not bytes")
            a.frombytes(raw)
            return a

        def farr(raw: object) -> array[float]:
            a = array("d")
            if not isinstance(raw, bytes):
                raise TypeError("index array is not bytes")
            a.frombytes(raw)
            return a

        def csr(raw: object) -> CSR:
            if not (isinstance(raw, tuple) and len(raw) == 2):
                raise TypeError("index rows are not a pair")
            return CSR.load(raw)

        if not (
            isinstance(tokens, list)
            and isinstance(entry_ids, list)
            and isinstance(vocabulary, list)
            and isinstance(stems, list)
            and isinstance(names, list)
        ):
            raise TypeError("index lists are not lists")
        if not isinstance(unknown_idf, float):
            raise TypeError("index weight is not a float")
        index = cls(
            tokens, entry_ids, csr(et), csr(es), arr("I", ed), csr(dt), arr("i", dp), farr(dw),
            farr(em), arr("B", ety), csr(po), farr(idf), unknown_idf, vocabulary, stems, names,
        )  # fmt: skip
        if not (
            len(index.entry_tokens) == len(index.entry_subjects) == len(index.entry_ids)
            and len(index.entry_docs) == len(index.entry_ids) + 1 == len(index.entry_min_weight) + 1
            and len(index.entry_types) == len(index.entry_ids)
            and len(index.postings) == len(tokens) == len(index.idf)
            and len(index.doc_tokens) == len(index.doc_phrasing) == len(index.doc_weight)
        ):
            raise ValueError("index arrays disagree in length")
        return index


class _Rows:
    """Rows of unsigned integers appended one at a time straight into CSR arrays.

    Not a list of lists: freeing hundreds of thousands of small lists at once holds the GIL
    long enough to stall an event loop, while an array is freed in one go.
    """

    __slots__ = ("flat", "offsets")

    def __init__(self) -> None:
        self.offsets, self.flat = array("I", [0]), array("I")

    def append(self, row: Iterable[int]) -> None:
        self.flat.extend(row)
        self.offsets.append(len(self.flat))

    def csr(self) -> CSR:
        return CSR(self.offsets, self.flat)


class IndexBuilder:
    """Collects entries' tokens, then packs them into an `Index`."""

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}
        self.entry_ids: list[str] = []
        self._entry_tokens = _Rows()
        self._entry_subjects = _Rows()
        self._entry_docs = array("I", [0])
        self._doc_tokens = _Rows()
        self._doc_phrasing = array("i")
        self._entry_types = array("B")

    def add(
        self,
        entry_id: str,
        subjects: Iterable[str],
        docs: Sequence[tuple[int, Iterable[str]]],
        types: int = 0,
    ) -> None:
        """Add an entry: its subject tokens, documents as (phrasing index or kind, tokens), question types."""
        ids = self._ids  # token -> id, numbered in the order first seen
        subject_ids = sorted({ids.setdefault(t, len(ids)) for t in subjects})
        union = set(subject_ids)
        for phrasing, tokens in docs:
            row = sorted({ids.setdefault(t, len(ids)) for t in tokens})
            union.update(row)
            self._doc_tokens.append(row)
            self._doc_phrasing.append(phrasing)
        self.entry_ids.append(entry_id)
        self._entry_tokens.append(sorted(union))
        self._entry_subjects.append(subject_ids)
        self._entry_docs.append(len(self._doc_phrasing))
        self._entry_types.append(types)

    def build(
        self,
        vocabulary: Iterable[str],
        known_stems: Iterable[str] = (),
        scaled: Mapping[str, float] | None = None,
        names: Iterable[str] = (),
    ) -> Index:
        """Pack everything added, with BM25 weights: a token in fewer entries weighs more.

        ``scaled``: tokens whose weight is multiplied by a factor (words that frame a question).
        """
        n = len(self.entry_ids)
        tokens = list(self._ids)
        entry_tokens = self._entry_tokens.csr()
        postings = _invert(entry_tokens, len(tokens))
        counts = [postings.row_len(t) for t in range(len(tokens))]
        scale = scaled or {}
        weights = (math.log(1 + (n - c + 0.5) / (c + 0.5)) for c in counts)
        idf = array("d", (w * scale.get(t, 1.0) for t, w in zip(tokens, weights, strict=True)))
        # An unknown word weighs as much as the rarest known one.
        unknown_idf = math.log(1 + (n - 1 + 0.5) / 1.5) if n > 1 else 1.0
        doc_tokens = self._doc_tokens.csr()
        flat, offsets = doc_tokens.flat, doc_tokens.offsets
        doc_weight = array(
            "d", (sum(idf[t] for t in flat[offsets[d] : offsets[d + 1]]) for d in range(len(doc_tokens)))
        )
        docs = self._entry_docs
        entry_min_weight = array("d", (min(doc_weight[docs[e] : docs[e + 1]], default=0.0) for e in range(n)))
        return Index(
            tokens=tokens,
            entry_ids=self.entry_ids,
            entry_tokens=entry_tokens,
            entry_subjects=self._entry_subjects.csr(),
            entry_docs=self._entry_docs,
            doc_tokens=doc_tokens,
            doc_phrasing=self._doc_phrasing,
            doc_weight=doc_weight,
            entry_min_weight=entry_min_weight,
            entry_types=self._entry_types,
            postings=postings,
            idf=idf,
            unknown_idf=unknown_idf,
            vocabulary=sorted(vocabulary),
            known_stems=sorted(known_stems),
            names=sorted(names),
        )


def _invert(rows: CSR, columns: int) -> CSR:
    """The transpose of sparse rows: for each column, the rows holding it, in order."""
    counts = [0] * columns
    for c in rows.flat:
        counts[c] += 1
    offsets = array("I", [0])
    total = 0
    for c in counts:
        total += c
        offsets.append(total)
    flat = array("I", [0]) * total
    fill = list(offsets[:-1])
    row_offsets = rows.offsets
    for r in range(len(rows)):
        for c in rows.flat[row_offsets[r] : row_offsets[r + 1]]:
            flat[fill[c]] = r
            fill[c] += 1
    return CSR(offsets, flat)
