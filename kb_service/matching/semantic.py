"""Semantic matcher: logistic regression plus nearest examples over e5 embeddings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression

from kb_service.matching.scores import log_softmax

_ABSENT = -30.0


@dataclass(frozen=True)
class Solution:
    """A fitted classifier's classes and weights: where the next fit on similar data starts.

    A refit (more examples embedded, an article edited) lands close to the last solution:
    starting there, L-BFGS took ~6 steps instead of ~50 (2.2 s -> 0.3 s at 10k examples on
    one core) when few vectors were new, 25-43 when a 10k import's vectors doubled, to the
    same answers within the optimizer's tolerance."""

    classes: np.ndarray
    coef: np.ndarray
    intercept: np.ndarray


def _aligned(
    start: Solution | None, classes: np.ndarray, dim: int
) -> tuple[np.ndarray, np.ndarray] | None:
    """`start`'s weights laid out for `classes`, or None when it cannot be a start.

    A class the start lacks (an article added, or a guard class whose examples were embedded
    later) begins at zero weights and the start's mean bias; the others begin where they
    were. On a 10k import's last refit, where three such classes reached the universal
    space, a cold start took 53-62 L-BFGS steps. Two classes have one row of weights: their
    start must have the same two."""
    if start is None or start.coef.shape[1] != dim:
        return None
    if np.array_equal(start.classes, classes):
        return start.coef.copy(), start.intercept.copy()
    if len(classes) < 3 or len(start.classes) < 3:
        return None
    rows = {c: i for i, c in enumerate(start.classes.tolist())}
    shared = [(j, rows[c]) for j, c in enumerate(classes.tolist()) if c in rows]
    if not shared:
        return None
    coef = np.zeros((len(classes), dim), dtype=start.coef.dtype)
    intercept = np.full(len(classes), start.intercept.mean(), dtype=start.intercept.dtype)
    new, old = map(list, zip(*shared, strict=True))
    coef[new], intercept[new] = start.coef[old], start.intercept[old]
    return coef, intercept


class SemanticModel:
    """Scores classes from meaning, across languages and paraphrases.

    The classifier learns what separates classes; the nearest-example similarity carries a
    question across languages when a class has examples in only one of them.
    """

    def __init__(self, *, c: float = 10.0, knn_scale: float = 20.0) -> None:
        self._c = c
        self._knn_scale = knn_scale
        self._model: LogisticRegression | None = None
        self._mean: np.ndarray | None = None
        self._classes = np.zeros(0, dtype=int)
        self._n_classes = 0
        self._weights = np.zeros((0, 0), dtype=np.float32)
        self._bias = np.zeros(0)
        # Examples as columns, sorted by class: one query's cosines are one contiguous
        # matrix-vector product (10k examples: 0.2 ms, against 0.3 through a transposed view).
        self._examples = np.zeros((0, 0), dtype=np.float32)
        self._starts = np.zeros(0, dtype=int)

    @property
    def fitted(self) -> bool:
        """True when there were embeddings of at least two classes to learn from."""
        return self._model is not None

    @property
    def classes(self) -> set[int]:
        """The classes it learned from."""
        return set(self._classes.tolist())

    @property
    def solution(self) -> Solution | None:
        """The classifier's weights, for a later fit to start from."""
        if self._model is None:
            return None
        return Solution(self._classes, self._model.coef_, self._model.intercept_)

    def fit(
        self,
        vectors: np.ndarray,
        labels: np.ndarray,
        *,
        n_classes: int,
        start: Solution | None = None,
    ) -> SemanticModel:
        """Fit on unit embedding rows with integer class labels in [0, n_classes), from
        `start` where it has the same dimension and shares classes (see `_aligned`)."""
        self._n_classes = n_classes
        self._classes = np.unique(labels)
        self._model = None
        self._mean = np.asarray(vectors, dtype=np.float32).mean(axis=0) if len(vectors) else None
        centered = self._center(vectors)
        if len(self._classes) > 1:
            model = LogisticRegression(C=self._c, max_iter=300)
            begin = _aligned(start, self._classes, centered.shape[1])
            if begin is not None:
                model.set_params(warm_start=True)
                model.coef_, model.intercept_ = begin
            self._model = model.fit(centered, labels)
            self._weights = np.ascontiguousarray(self._model.coef_.T, dtype=np.float32)
            self._bias = self._model.intercept_
        order = np.argsort(labels, kind="stable")
        self._examples = np.ascontiguousarray(centered[order].T)
        self._starts = np.searchsorted(labels[order], self._classes)
        return self

    def _center(self, vectors: np.ndarray) -> np.ndarray:
        """Subtract the training mean and renormalize.

        e5 vectors share a large common direction (any two texts score ~0.8); removing it
        spreads the classes out, so the classifier converges in fewer steps and cosines
        between examples discriminate better.
        """
        out = np.asarray(vectors, dtype=np.float32)
        if self._mean is not None:
            out = out - self._mean
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return np.asarray(out / np.maximum(norms, 1e-6), dtype=np.float32)

    def _classifier_log_proba(self, centered: np.ndarray) -> np.ndarray:
        """The classifier's log-probabilities, computed directly (sklearn's input checks cost
        more than the arithmetic for one query)."""
        assert self._model is not None
        if self._model.coef_.shape[0] == 1:
            return np.asarray(self._model.predict_log_proba(centered))
        scores = centered @ self._weights + self._bias
        return log_softmax(scores)

    def log_proba(self, vectors: np.ndarray) -> np.ndarray:
        """Return (n, n_classes) log-probabilities; uniform when unfitted."""
        if self._model is None:
            return np.full((len(vectors), self._n_classes), -np.log(max(self._n_classes, 1)))
        out = np.full((len(vectors), self._n_classes), _ABSENT)
        centered = self._center(vectors)
        out[:, self._classes] = self._classifier_log_proba(centered)
        nearest = np.full((len(vectors), self._n_classes), _ABSENT)
        similarity = centered @ self._examples
        nearest[:, self._classes] = np.maximum.reduceat(similarity, self._starts, axis=1)
        nearest[:, self._classes] *= self._knn_scale
        return log_softmax(out + log_softmax(nearest))


class SpacedSemanticModel:
    """One SemanticModel per embedding space (see `embedding.space_of`): the English and the
    multilingual model's vectors are not comparable, so each space learns from its own
    examples, and a message is scored by its space's model."""

    def __init__(self, *, knn_scale: float = 20.0) -> None:
        self._knn_scale = knn_scale
        self._models: dict[str, SemanticModel] = {}
        self._n_classes = 0

    @property
    def solutions(self) -> dict[str, Solution]:
        """Each space's classifier weights, for a later fit to start from."""
        out = {space: model.solution for space, model in self._models.items()}
        return {space: solution for space, solution in out.items() if solution is not None}

    def fit(
        self,
        vectors: np.ndarray,
        labels: np.ndarray,
        spaces: np.ndarray,
        *,
        n_classes: int,
        start: Mapping[str, Solution] | None = None,
    ) -> SpacedSemanticModel:
        """Fit on unit embedding rows, their integer labels and the space of each row."""
        self._n_classes = n_classes
        self._models = {}
        for space in np.unique(spaces):
            rows = spaces == space
            model = SemanticModel(knn_scale=self._knn_scale)
            begin = (start or {}).get(str(space))
            model.fit(vectors[rows], labels[rows], n_classes=n_classes, start=begin)
            if model.fitted:
                self._models[str(space)] = model
        return self

    def scoring_space(self, space: str, *, fallback: str) -> str | None:
        """The space to score a message of `space` in: its own, unless `fallback`'s model (the
        multilingual one, which learns every language's examples) knows more classes, as for
        an English question when some article is written only in Japanese; None when neither
        learned anything."""
        own, other = self._models.get(space), self._models.get(fallback)
        if own is not None and (other is None or len(own.classes) >= len(other.classes)):
            return space
        return fallback if other is not None else None

    def log_proba(self, vectors: np.ndarray, spaces: np.ndarray) -> np.ndarray:
        """Return (n, n_classes) log-probabilities; uniform for rows of an uncovered space."""
        out = np.full((len(vectors), self._n_classes), -np.log(max(self._n_classes, 1)))
        for space, model in self._models.items():
            rows = spaces == space
            if rows.any():
                out[rows] = model.log_proba(vectors[rows])
        return out
