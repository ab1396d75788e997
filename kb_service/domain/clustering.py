"""Grouping similar unanswered questions: by their character n-grams, and by their meaning
when sentence vectors come along."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from kb_service.matching.normalize import detect_language

# Two questions this similar in their character n-grams ask the same thing, near enough.
SIMILARITY = 0.45
# Or this close in meaning (the cosine of their universal sentence vectors). Rewordings and
# translations of one question score 0.65-0.9, but so do different questions on one topic:
# on BANKING77's test questions, grouping same-language ones from 0.8 kept the n-grams'
# purity (76 % of questions share their group's commonest intent) and 0.6 halved it. Across
# languages the n-grams see nothing, so meaning alone decides, from 0.65.
MEANING = 0.8
ACROSS_LANGUAGES = 0.65


# Columns of the n-gram similarity matrix computed at a time (see `_alike`).
_BLOCK = 1000


@dataclass(frozen=True)
class Group:
    """Similar questions: the most central one and every member, most frequent first."""

    representative: str
    members: list[str]


def group_questions(
    texts: Sequence[str],
    *,
    vectors: np.ndarray | None = None,
    similarity: float = SIMILARITY,
) -> list[Group]:
    """Cluster texts greedily around leaders; biggest groups first. With `vectors` (unit
    sentence vectors, one per text), questions close in meaning join too, whatever their
    words or language."""
    if not texts:
        return []
    close = _alike(texts, similarity)
    if vectors is not None:
        cosines = vectors @ vectors.T
        languages = np.array([detect_language(t) for t in texts])
        same = languages[:, None] == languages[None, :]
        close |= np.where(same, cosines >= MEANING, cosines >= ACROSS_LANGUAGES)
    # Leaders are tried in order of how many others resemble them, so groups form around centres.
    degree = close.sum(axis=1)
    unassigned = np.ones(len(texts), dtype=bool)
    groups: list[Group] = []
    for leader in np.argsort(-degree, kind="stable"):
        if not unassigned[leader]:
            continue
        members = np.flatnonzero(unassigned & close[leader])
        unassigned[members] = False
        groups.append(Group(texts[int(leader)], [texts[int(i)] for i in members]))
    groups.sort(key=lambda g: -len(g.members))
    return groups


def _alike(texts: Sequence[str], similarity: float) -> np.ndarray:
    """Which pairs of texts are at least `similarity` alike in their character n-grams.

    Nearly every pair shares some n-gram, so the sparse product of the matrix with itself is
    all but dense and slow to build (3 s for 5,000 questions); the sparse matrix times dense
    blocks of its transpose gives the same in a third of the time.
    """
    vectorizer = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, dtype=np.float32
    )
    matrix = vectorizer.fit_transform([t.lower() for t in texts])
    close = np.zeros((len(texts), len(texts)), dtype=bool)
    for start in range(0, len(texts), _BLOCK):
        block = matrix[start : start + _BLOCK].T.toarray()
        close[:, start : start + _BLOCK] = matrix @ block >= similarity
    return close
