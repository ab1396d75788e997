"""Grouping similar unanswered questions by character n-gram cosine similarity."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

# Two questions this similar in their character n-grams ask the same thing, near enough.
SIMILARITY = 0.45


@dataclass(frozen=True)
class Group:
    """Similar questions: the most central one and every member, most frequent first."""

    representative: str
    members: list[str]


def group_questions(texts: Sequence[str], *, similarity: float = SIMILARITY) -> list[Group]:
    """Cluster texts greedily around leaders; biggest groups first."""
    if not texts:
        return []
    vectors = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True)
    matrix = vectors.fit_transform([t.lower() for t in texts])
    sims = (matrix @ matrix.T).toarray()
    # Leaders are tried in order of how many others resemble them, so groups form around centres.
    degree = (sims >= similarity).sum(axis=1)
    unassigned = np.ones(len(texts), dtype=bool)
    groups: list[Group] = []
    for leader in np.argsort(-degree, kind="stable"):
        if not unassigned[leader]:
            continue
        members = np.flatnonzero(unassigned & (sims[leader] >= similarity))
        unassigned[members] = False
        groups.append(Group(texts[int(leader)], [texts[int(i)] for i in members]))
    groups.sort(key=lambda g: -len(g.members))
    return groups
