"""Held-out scoring of the training set, used to fit the confidence calibrator."""

from __future__ import annotations

import numpy as np

from kb_service.matching.calibration import Calibrator, fuse
from kb_service.matching.lexical import LexicalFeatures, LexicalModel
from kb_service.matching.semantic import SemanticModel
from kb_service.matching.training import fold_ids

# Three folds give a hand-written FAQ (~500 examples) ~300 held-out decisions, enough for a
# two-feature logistic curve; beyond FULL_CV_UNTIL one fold already gives hundreds.
FOLDS = 3
FULL_CV_UNTIL = 1500


def cross_validated_calibrator(
    features: LexicalFeatures,
    labels: np.ndarray,
    vectors: np.ndarray,
    embedded: np.ndarray | None,
    *,
    real: np.ndarray,
    weight: float,
    knn_scale: float,
    seed: int,
) -> Calibrator:
    """Fit the confidence curve on held-out folds, scored the way live queries are."""
    folds = fold_ids(labels, folds=FOLDS, seed=seed)
    use_semantic = embedded is not None and bool(embedded.any())
    mask = embedded if embedded is not None else np.zeros(len(labels), dtype=bool)
    n = len(real)
    tops: list[np.ndarray] = []
    seconds: list[np.ndarray] = []
    hits: list[np.ndarray] = []
    for fold in range(FOLDS if len(labels) <= FULL_CV_UNTIL else 1):
        train = folds != fold
        # Live queries are always embedded, so only embedded rows stand in for them.
        held = (folds == fold) & real[labels] & (mask if use_semantic else True)
        if not held.any():
            continue
        train_rows, held_rows = np.flatnonzero(train), np.flatnonzero(held)
        lexical = LexicalModel().fit_rows(features.rows(train_rows), labels[train], n_classes=n)
        lex = lexical.log_proba_rows(features.held_out(train_rows, held_rows))
        sem = None
        if use_semantic:
            semantic = SemanticModel(knn_scale=knn_scale).fit(
                vectors[train & mask], labels[train & mask], n_classes=n
            )
            sem = semantic.log_proba(vectors[held])
        probs = fuse(lex, sem, weight=weight)
        ordered = np.sort(probs, axis=1)
        tops.append(ordered[:, -1])
        seconds.append(ordered[:, -2] if n > 1 else np.zeros(len(probs)))
        hits.append(probs.argmax(axis=1) == labels[held])
    if not tops:
        return Calibrator()
    return Calibrator().fit(np.concatenate(tops), np.concatenate(seconds), np.concatenate(hits))
