"""Training-set assembly: example texts, labels, fold assignment and embedding budget."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from kb_service.matching.embedding import (
    DIM,
    ENGLISH,
    MULTILINGUAL,
    UNIVERSAL,
    UNIVERSAL_DIM,
    Embedder,
    space_of,
    text_key,
)
from kb_service.matching.models import ArticleDoc

# English examples of a key also get a multilingual (e5) vector, up to this many per key, so
# that Japanese questions learn from them too and find articles that exist only in English.
TWINS_PER_KEY = 16


@dataclass
class EmbeddedSet:
    """Embedding rows for the training texts, their multilingual twins and their
    universal vectors.

    Row i of `vectors` is text i in its own space (`spaces[i]`, see `space_of`) and `mask`
    marks the rows embedded so far. Text `twins[j]` also has row j of `twin_vectors` in the
    multilingual space, embedded where `twin_mask[j]`. Row i of `universal` is text i in the
    universal space, embedded where `universal_mask[i]`.
    """

    vectors: np.ndarray
    mask: np.ndarray
    spaces: np.ndarray
    twins: np.ndarray
    twin_vectors: np.ndarray
    twin_mask: np.ndarray
    universal: np.ndarray
    universal_mask: np.ndarray
    new: dict[str, np.ndarray]
    reused: int
    skipped: int

    def universal_rows(self, labels: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Universal vectors and labels of the embedded texts among `rows` (a boolean mask)."""
        kept = rows & self.universal_mask
        return self.universal[kept], labels[kept]

    def semantic_rows(
        self, labels: np.ndarray, rows: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Vectors, labels and spaces of the embedded texts among `rows` (a boolean mask),
        twins included."""
        own = rows & self.mask
        twin = rows[self.twins] & self.twin_mask
        return (
            np.concatenate([self.vectors[own], self.twin_vectors[twin]]),
            np.concatenate([labels[own], labels[self.twins[twin]]]),
            np.concatenate([self.spaces[own], np.full(int(twin.sum()), MULTILINGUAL)]),
        )


def training_pairs(
    articles: Sequence[ArticleDoc], pseudo: Mapping[str, Sequence[str]], classes: list[str]
) -> tuple[list[str], np.ndarray]:
    """Return every title and example text with its class index."""
    index = {name: i for i, name in enumerate(classes)}
    texts: list[str] = []
    labels: list[int] = []
    for article in articles:
        for text in (article.title, *article.examples):
            if text.strip():
                texts.append(text)
                labels.append(index[article.key])
    for name, examples in pseudo.items():
        for text in examples:
            texts.append(text)
            labels.append(index[name])
    return texts, np.asarray(labels, dtype=int)


def stratified_order(labels: np.ndarray, *, seed: int) -> np.ndarray:
    """Return row indices interleaved class by class, so any prefix covers every class."""
    rng = np.random.default_rng(seed)
    rank = np.zeros(len(labels), dtype=int)
    for label in np.unique(labels):
        rows = np.flatnonzero(labels == label)
        rank[rng.permutation(rows)] = np.arange(len(rows))
    return np.lexsort((rng.random(len(labels)), rank))


def fold_ids(labels: np.ndarray, *, folds: int, seed: int) -> np.ndarray:
    """Assign each row a fold per class; classes with one row are never held out (-1)."""
    rng = np.random.default_rng(seed)
    out = np.full(len(labels), -1, dtype=int)
    for label in np.unique(labels):
        rows = rng.permutation(np.flatnonzero(labels == label))
        if len(rows) > 1:
            out[rows] = np.arange(len(rows)) % folds
    return out


def twin_rows(labels: np.ndarray, spaces: np.ndarray) -> np.ndarray:
    """Rows of the English texts that also get a multilingual vector: the first
    TWINS_PER_KEY of each class."""
    taken: Counter[int] = Counter()
    rows = []
    for i, (label, space) in enumerate(zip(labels.tolist(), spaces.tolist(), strict=True)):
        if space == ENGLISH and taken[label] < TWINS_PER_KEY:
            taken[label] += 1
            rows.append(i)
    return np.asarray(rows, dtype=int)


def embed_training_texts(
    texts: Sequence[str],
    labels: np.ndarray,
    *,
    known: Mapping[str, np.ndarray],
    embedder: Embedder | None,
    budget: int,
    seed: int,
) -> EmbeddedSet:
    """Reuse known embeddings and embed at most `budget` missing ones, spread over classes;
    texts in their own space come first, then the twins, then the universal vectors."""
    n = len(texts)
    spaces = np.array([space_of(t) for t in texts])
    twins = twin_rows(labels, spaces)
    # Every vector the set wants, as (text index, space), in the order they are embedded.
    sources = np.concatenate([np.arange(n), twins, np.arange(n)]).astype(int)
    row_spaces = np.concatenate([spaces, np.full(len(twins), MULTILINGUAL), np.full(n, UNIVERSAL)])
    groups = np.repeat([0, 1, 2], [n, len(twins), n])
    keys = [text_key(texts[i], space) for i, space in zip(sources, row_spaces, strict=True)]
    found: dict[int, np.ndarray] = {}
    for i, key in enumerate(keys):
        vector = known.get(key)
        if vector is not None:
            found[i] = vector
    reused = len(found)
    order = stratified_order(labels[sources], seed=seed)
    missing = sorted((i for i in order if i not in found), key=lambda i: groups[i])
    chosen = missing[:budget] if embedder is not None else []
    new: dict[str, np.ndarray] = {}
    for space in sorted({str(row_spaces[i]) for i in chosen}):
        rows = [i for i in chosen if row_spaces[i] == space]
        by_key = {keys[i]: texts[sources[i]] for i in rows}  # repeated texts embedded once
        assert embedder is not None
        fresh = embedder(list(by_key.values()), space)
        new.update(zip(by_key, fresh, strict=True))
        found.update((i, new[keys[i]]) for i in rows)

    def block(group: int, dim: int) -> tuple[np.ndarray, np.ndarray]:
        rows = np.flatnonzero(groups == group)
        vectors = np.zeros((len(rows), dim), dtype=np.float32)
        mask = np.zeros(len(rows), dtype=bool)
        for j, i in enumerate(rows.tolist()):
            if i in found:
                vectors[j], mask[j] = found[i], True
        return vectors, mask

    own, twin, universal = block(0, DIM), block(1, DIM), block(2, UNIVERSAL_DIM)
    return EmbeddedSet(
        *own, spaces, twins, *twin, *universal, new, reused, len(missing) - len(chosen)
    )
