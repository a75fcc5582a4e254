"""Duplicate stories: exact copies, and near-copies found with MinHash over word shingles.

Andina's freely licensed stories are republished nearly verbatim by other outlets, sister
outlets reprint each other, and one outlet serves the same story under several URLs. The
rules a :class:`StoryIndex` applies:

- the same doc_id already stored or seen -> drop (``duplicate_id``);
- the same story (identical or near-identical title and body) on the same platform under
  another URL -> drop (``duplicate_story``); for social posts only when the author is the
  same too (two people posting the same words are two opinions);
- the same story on another platform (agency copy, sister-outlet reprint, cross-post)
  -> keep, with ``duplicate_of`` the doc_id of the first copy held.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from datasketch import MinHash, MinHashLSH

from crawler.text import words

SHINGLE_WORDS = 3
# Texts shorter than this many shingles (a headline, a one-line post) are compared exactly only:
# MinHash over a handful of shingles matches unrelated texts that share a phrase.
MIN_SHINGLES = 12
NUM_PERM = 128
# Candidates come from LSH at this Jaccard threshold; a candidate counts when its estimated
# similarity reaches SIMILARITY.
LSH_THRESHOLD = 0.5
SIMILARITY = 0.55
NEAR_WINDOW = timedelta(days=30)
NOT_GIVEN: Any = object()


def _hash32(data: bytes) -> int:
    """A 32-bit hash of a shingle: CRC-32, in C (SHA-1 in Python was most of a document's
    duplicate check). MinHashes are never stored, only compared within one run, so changing
    the hash changes no stored data."""
    return zlib.crc32(data)


def shingles(title: str | None, text: str | None, size: int = SHINGLE_WORDS) -> set[str]:
    """Overlapping runs of ``size`` folded words from title and body."""
    tokens = words(title) + words(text)
    if len(tokens) < size:
        return {" ".join(tokens)} if tokens else set()
    return {" ".join(tokens[i : i + size]) for i in range(len(tokens) - size + 1)}


@dataclass(frozen=True)
class Verdict:
    """What the index says about a candidate document."""

    kind: Literal["new", "duplicate_id", "duplicate_story", "copy"]
    of: str | None = None          # the doc_id matched (the first copy for ``copy``)
    similarity: float | None = None

    @property
    def drop(self) -> bool:
        return self.kind in ("duplicate_id", "duplicate_story")


@dataclass
class _Held:
    platform: str
    author: str | None
    root: str                      # doc_id of the first copy of this story
    social: bool


class StoryIndex:
    """The stories already held (stored or seen in this run), searchable by id, hash and MinHash."""

    def __init__(self, *, similarity: float = SIMILARITY, num_perm: int = NUM_PERM):
        self.similarity = similarity
        self.num_perm = num_perm
        self._lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=num_perm)
        self._minhashes: dict[str, MinHash] = {}
        self._held: dict[str, _Held] = {}
        self._by_hash: dict[str, list[str]] = {}
        self._checked: tuple[str | None, MinHash | None] = (None, None)
        # Drawn once and shared: datasketch draws them for every MinHash otherwise (3 ms each).
        template = MinHash(num_perm=num_perm, hashfunc=_hash32)
        self._permutations, self._scheme = template.permutations, template.scheme

    def __len__(self) -> int:
        return len(self._held)

    def __contains__(self, doc_id: str) -> bool:
        return doc_id in self._held

    def _minhash(self, title: str | None, text: str | None) -> MinHash | None:
        grams = shingles(title, text)
        if len(grams) < MIN_SHINGLES:
            return None
        minhash = MinHash(num_perm=self.num_perm, hashfunc=_hash32, permutations=self._permutations,
                          scheme=self._scheme)
        minhash.update_batch([g.encode("utf-8") for g in grams])
        return minhash

    def check(
        self,
        doc_id: str,
        *,
        platform: str,
        title: str | None,
        text: str | None,
        content_hash: str,
        author: str | None = None,
        social: bool = False,
        signature: Any = NOT_GIVEN,
    ) -> Verdict:
        """Classify a candidate against what is held; does not add it.

        ``signature``: the MinHash hash values of (title, text) computed elsewhere (an
        extraction worker, :mod:`crawler.prepared`), None when the text is too short for one.
        """
        if doc_id in self._held:
            return Verdict("duplicate_id", doc_id, 1.0)
        for other in self._by_hash.get(content_hash, []):
            verdict = self._relate(other, platform, author, social, 1.0)
            if verdict.drop:
                return verdict
        if self._by_hash.get(content_hash):
            return self._relate(self._by_hash[content_hash][0], platform, author, social, 1.0)
        if signature is NOT_GIVEN:
            minhash = self._minhash(title, text)
        elif signature is None:
            minhash = None
        else:
            minhash = MinHash(num_perm=self.num_perm, hashfunc=_hash32, permutations=self._permutations,
                              scheme=self._scheme, hashvalues=signature)
        self._checked = (doc_id, minhash)  # add() right after check() reuses it
        if minhash is None:
            return Verdict("new")
        best: tuple[float, str] | None = None
        for other in self._lsh.query(minhash):
            score = minhash.jaccard(self._minhashes[other])
            if score < self.similarity:
                continue
            verdict = self._relate(other, platform, author, social, score)
            if verdict.drop:
                return verdict
            if best is None or score > best[0]:
                best = (score, other)
        if best is None:
            return Verdict("new")
        return self._relate(best[1], platform, author, social, best[0])

    def _relate(self, other: str, platform: str, author: str | None, social: bool, score: float) -> Verdict:
        held = self._held[other]
        same_place = held.platform == platform and (not social or (author is not None and held.author == author))
        if same_place:
            return Verdict("duplicate_story", other, round(score, 3))
        return Verdict("copy", held.root, round(score, 3))

    def add(
        self,
        doc_id: str,
        *,
        platform: str,
        title: str | None,
        text: str | None,
        content_hash: str,
        author: str | None = None,
        duplicate_of: str | None = None,
        social: bool = False,
        near: bool = True,
    ) -> None:
        """Hold a document; ``duplicate_of`` names the first copy when it is itself a copy.

        With ``near=False`` it is held for exact matches only (no MinHash: old documents).
        """
        if doc_id in self._held:
            return
        root = duplicate_of if duplicate_of in self._held else doc_id
        self._held[doc_id] = _Held(platform=platform, author=author, root=root, social=social)
        self._by_hash.setdefault(content_hash, []).append(doc_id)
        checked_id, checked = self._checked
        minhash = (checked if checked_id == doc_id else self._minhash(title, text)) if near else None
        self._checked = (None, None)
        if minhash is not None:
            self._minhashes[doc_id] = minhash
            self._lsh.insert(doc_id, minhash)

    def seed(self, rows: Iterable[Mapping[str, Any]], near_window: timedelta | None = NEAR_WINDOW) -> int:
        """Hold stored documents (``warehouse.documents.fingerprints`` rows, oldest first).

        Reprints follow the original within days: only documents published within
        ``near_window`` of the newest one are indexed for near-duplicates (MinHash costs
        about 2 ms a document); older ones still match exactly by id and content hash.
        """
        rows = list(rows)
        dates = [r["published_at"] for r in rows if isinstance(r.get("published_at"), datetime)]
        since = max(dates) - near_window if dates and near_window is not None else None
        count = 0
        for row in rows:
            published = row.get("published_at")
            near = since is None or not isinstance(published, datetime) or published >= since
            self.add(
                row["doc_id"],
                platform=row["platform"],
                title=row.get("title"),
                text=row.get("text"),
                content_hash=row["content_hash"],
                author=row.get("author"),
                duplicate_of=row.get("duplicate_of"),
                social=row.get("source_type") == "social",
                near=near,
            )
            count += 1
        return count
