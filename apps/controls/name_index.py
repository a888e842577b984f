"""The fuzzy-name index of one (legal entity, country) block of suppliers, kept in the process.

Scoring a name against every name of a big block (35,000 in one country at 100,000 suppliers) is what made a
screening slow. The index therefore blocks a second time, without losing a match: `fuzz.ratio` is the Indel
similarity, 100 * (1 - indel / (len(a) + len(b))), and every insertion or deletion changes one character count
by one, so the distance between the two names' character counts (a bag of letters) is never more than the
Indel distance. Names whose letter bags are already too far apart for the threshold cannot score it; only the
rest (typically a few dozen) are scored by rapidfuzz. The bag distance of the whole block is one vectorised
numpy expression over a small count matrix (28 counts per name), far cheaper than scoring each name.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from rapidfuzz import fuzz, process

# name_key() keeps a-z, 0-9 and single spaces: one count per letter, one for all digits, one for spaces, one for
# anything else. Folding characters together only lowers the bag distance, so the bound stays a lower bound.
_BUCKETS = 29
_DIGITS, _SPACE, _OTHER = 26, 27, 28
_BUCKET_OF = np.full(256, _OTHER, dtype=np.intp)
_BUCKET_OF[np.frombuffer(b"abcdefghijklmnopqrstuvwxyz", dtype=np.uint8)] = np.arange(26)
_BUCKET_OF[np.frombuffer(b"0123456789", dtype=np.uint8)] = _DIGITS
_BUCKET_OF[ord(" ")] = _SPACE
_GROWTH = 1024


def letter_counts(key: str) -> np.ndarray:
    """How often each character bucket occurs in a name key (int16; counts above 32,767 cannot occur in a name)."""
    codes = np.frombuffer(key.encode("ascii", "replace"), dtype=np.uint8)
    return np.bincount(_BUCKET_OF[codes], minlength=_BUCKETS).astype(np.int16)


def letter_counts_many(keys: list[str]) -> np.ndarray:
    """letter_counts of many keys at once (a block of 35,000 names in a few milliseconds, not one by one)."""
    lengths = np.fromiter((len(k) for k in keys), dtype=np.intp, count=len(keys))
    codes = np.frombuffer("".join(keys).encode("ascii", "replace"), dtype=np.uint8)
    rows = np.repeat(np.arange(len(keys)), lengths)
    flat = np.bincount(rows * _BUCKETS + _BUCKET_OF[codes], minlength=len(keys) * _BUCKETS)
    return flat.reshape(len(keys), _BUCKETS).astype(np.int16)


def may_reach(bag_distance, total_length, threshold: float):
    """Whether names at this bag distance and combined length can still score `threshold` with fuzz.ratio.
    Slightly lenient (1e-6) so that float rounding in rapidfuzz can never make the filter drop a real match."""
    return 100 * bag_distance <= (100 - threshold) * total_length + 1e-6


@dataclass
class NameBlock:
    """Supplier ids and name keys of one (entity, country), with their letter counts for the pre-filter.
    An empty key (a merged supplier) never matches."""

    ids: list[int] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    position: dict[int, int] = field(default_factory=dict)
    seen_until: datetime | None = None
    _counts: np.ndarray = field(default_factory=lambda: np.zeros((0, _BUCKETS), dtype=np.int16))
    _lengths: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))

    def put(self, rows: list[tuple[int, str]]) -> None:
        """Add suppliers' (id, name key), or replace the key of those already in the block."""
        if not rows:
            return
        at = np.empty(len(rows), dtype=np.intp)
        for n, (pk, key) in enumerate(rows):
            where = self.position.get(pk)
            if where is None:
                where = self.position[pk] = len(self.ids)
                self.ids.append(pk)
                self.keys.append(key)
            else:
                self.keys[where] = key
            at[n] = where
        if len(self.ids) > len(self._lengths):
            grow = max(_GROWTH, len(self.ids) - len(self._lengths), len(self._lengths))  # amortised doubling
            self._counts = np.concatenate([self._counts, np.zeros((grow, _BUCKETS), dtype=np.int16)])
            self._lengths = np.concatenate([self._lengths, np.zeros(grow, dtype=np.int32)])
        keys = [key for _, key in rows]
        self._counts[at] = letter_counts_many(keys)
        self._lengths[at] = [len(key) for key in keys]

    def candidates(self, key: str, threshold: float) -> np.ndarray:
        """Positions of the names that can score at least `threshold` against `key`."""
        size = len(self.ids)
        if not key or not size:
            return np.zeros(0, dtype=np.intp)
        lengths = self._lengths[:size]
        query_length = len(key)
        # Lengths first (one comparison per name), then letter counts only for the names that survive it.
        near = np.flatnonzero((lengths > 0) & may_reach(np.abs(lengths - query_length), lengths + query_length,
                                                         threshold))
        if not len(near):
            return near
        distance = np.abs(self._counts[near] - letter_counts(key)).sum(axis=1)
        return near[may_reach(distance, lengths[near] + query_length, threshold)]

    def hits(self, key: str, threshold: float, *, limit: int | None = None) -> list[tuple[int, float]]:
        """(position, score) of the names scoring at least `threshold` against `key`, best first."""
        positions = self.candidates(key, threshold)
        if not len(positions):
            return []
        choices = [self.keys[p] for p in positions]
        found = process.extract(key, choices, scorer=fuzz.ratio, score_cutoff=threshold, limit=limit)
        return [(int(positions[index]), score) for _, score, index in found]

    def pairs(self, threshold: float):
        """Every pair of positions (i < j) whose names score at least `threshold`, with the score, each pair once.
        Names are walked shortest first and each is scored only against the longer names it can still reach
        (a contiguous run in length order: at threshold 90, up to 22 % longer), by rapidfuzz in one call."""
        order = sorted((p for p, key in enumerate(self.keys) if key), key=lambda p: (len(self.keys[p]), p))
        keys = [self.keys[p] for p in order]
        lengths = [len(key) for key in keys]
        for a, key in enumerate(keys):
            longest = int(len(key) * (200 - threshold) / threshold + 1e-6) if threshold > 0 else lengths[-1]
            end = bisect_right(lengths, longest, lo=a + 1)
            if end <= a + 1:
                continue
            for _, score, b in process.extract(key, keys[a + 1:end], scorer=fuzz.ratio, score_cutoff=threshold,
                                               limit=None):
                i, j = order[a], order[a + 1 + b]
                yield min(i, j), max(i, j), score
