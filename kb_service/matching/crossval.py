"""Held-out scoring of the training set, used to fit the confidence calibrator."""

from __future__ import annotations

import numpy as np

from kb_service.matching.calibration import Calibrator, fuse
from kb_service.matching.lexical import LexicalModel
from kb_service.matching.semantic import SemanticModel
from kb_service.matching.training import fold_ids

FOLDS = 5
# Cross-validating every fold is cheap for a hand-written FAQ; for big imports one fold will do.
FULL_CV_UNTIL = 2000


def cross_validated_calibrator(
    texts: list[str],
    labels: np.ndarray,
    vectors: np.ndarray,
    embedded: np.ndarray | None,
    *,
    real: np.ndarray,
    weight: float,
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
    for fold in range(FOLDS if len(texts) <= FULL_CV_UNTIL else 1):
        train = folds != fold
        # Live queries are always embedded, so only embedded rows stand in for them.
        held = (folds == fold) & real[labels] & (mask if use_semantic else True)
        if not held.any():
            continue
        lexical = LexicalModel().fit(
            [texts[i] for i in np.flatnonzero(train)], labels[train], n_classes=n
        )
        lex = lexical.log_proba([texts[i] for i in np.flatnonzero(held)])
        sem = None
        if use_semantic:
            semantic = SemanticModel().fit(vectors[train & mask], labels[train & mask], n_classes=n)
            sem = semantic.log_proba(vectors[held])
        probs = fuse(lex, sem, weight=weight)
        ordered = np.sort(probs, axis=1)
        tops.append(ordered[:, -1])
        seconds.append(ordered[:, -2] if n > 1 else np.zeros(len(probs)))
        hits.append(probs.argmax(axis=1) == labels[held])
    if not tops:
        return Calibrator()
    return Calibrator().fit(np.concatenate(tops), np.concatenate(seconds), np.concatenate(hits))
