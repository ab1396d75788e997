"""Width and dash normalization that remembers where each character came from."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Dashes customers type between digit groups; NFKC leaves these alone.
_DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2043", "-"))
_PROLONGED = "\u30fc"  # ー: a hyphen between digits, a vowel mark in katakana words
_NEEDS_WORK = frozenset("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2043\u30fc")


@dataclass(frozen=True, slots=True)
class Normalized:
    """NFKC text plus, per character, the original span it was produced from."""

    text: str
    starts: tuple[int, ...] | None = None  # None: identical to the original
    ends: tuple[int, ...] | None = None

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a span of the normalized text back onto the original text."""
        if self.starts is None or self.ends is None:
            return start, end
        return self.starts[start], self.ends[end - 1]


def normalize(text: str) -> Normalized:
    """Fold full-width forms, odd spaces and dashes, keeping an offset map."""
    if text.isascii() or (unicodedata.is_normalized("NFKC", text) and _NEEDS_WORK.isdisjoint(text)):
        return Normalized(text)
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    i, n = 0, len(text)
    while i < n:
        j = i + 1
        # Keep a base character with its combining marks so NFKC can compose them.
        while j < n and unicodedata.combining(text[j]):
            j += 1
        chunk = _fold(text[i:j])
        if len(chunk) == 1:
            out.append(chunk)
            starts.append(i)
            ends.append(j)
        else:
            out.extend(chunk)
            starts.extend([i] * len(chunk))
            ends.extend([j] * len(chunk))
        i = j
    for k in range(1, len(out) - 1):
        if out[k] == _PROLONGED and out[k - 1].isdigit() and out[k + 1].isdigit():
            out[k] = "-"
    return Normalized("".join(out), tuple(starts), tuple(ends))


@lru_cache(maxsize=8192)
def _fold(chunk: str) -> str:
    """NFKC plus dash folding for one character and its combining marks."""
    if chunk.isascii():
        return chunk
    return unicodedata.normalize("NFKC", chunk).translate(_DASHES)
