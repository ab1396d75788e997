"""Training-set assembly: example texts, labels, fold assignment and embedding budget."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from kb_service.matching.embedding import DIM, Embedder, text_key
from kb_service.matching.models import ArticleDoc


@dataclass
class EmbeddedSet:
    """Embedding rows for the training texts; `mask` marks the rows that have one."""

    vectors: np.ndarray
    mask: np.ndarray
    new: dict[str, np.ndarray]
    reused: int
    skipped: int


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


def embed_training_texts(
    texts: Sequence[str],
    labels: np.ndarray,
    *,
    known: Mapping[str, np.ndarray],
    embedder: Embedder | None,
    budget: int,
    seed: int,
) -> EmbeddedSet:
    """Reuse known embeddings and embed at most `budget` missing texts, spread over classes."""
    keys = [text_key(t) for t in texts]
    vectors = np.zeros((len(texts), DIM), dtype=np.float32)
    mask = np.zeros(len(texts), dtype=bool)
    for i, key in enumerate(keys):
        found = known.get(key)
        if found is not None:
            vectors[i] = found
            mask[i] = True
    reused = int(mask.sum())
    missing = [i for i in stratified_order(labels, seed=seed) if not mask[i]]
    chosen = missing[:budget] if embedder is not None else []
    new: dict[str, np.ndarray] = {}
    if chosen and embedder is not None:
        unique = list(dict.fromkeys(keys[i] for i in chosen))
        first = {keys[i]: texts[i] for i in reversed(chosen)}
        fresh = embedder([first[k] for k in unique])
        new = dict(zip(unique, fresh, strict=True))
        for i in chosen:
            vectors[i] = new[keys[i]]
            mask[i] = True
    return EmbeddedSet(vectors, mask, new, reused, len(missing) - len(chosen))
