"""Fusion of the two matchers and calibration of the top answer's confidence."""

from __future__ import annotations

import numpy as np
from scipy.special import expit
from sklearn.linear_model import LogisticRegression

from kb_service.matching.scores import log_softmax

# Enough held-out decisions of both outcomes are needed before a fitted curve beats identity.
_MIN_POINTS = 30
_MIN_EACH = 5


def fuse(lexical: np.ndarray, semantic: np.ndarray | None, *, weight: float) -> np.ndarray:
    """Combine per-class log-probabilities and return normalized probabilities."""
    scores = lexical if semantic is None else lexical + weight * semantic
    return np.asarray(np.exp(log_softmax(scores)))


def confidence_features(
    top: np.ndarray, second: np.ndarray, support: np.ndarray | None = None
) -> np.ndarray:
    """Features the calibrator sees: log of the top probability, the log-odds margin and,
    for fused scores, the log of the semantic side's own probability for the top answer."""
    eps = 1e-9
    columns = [np.log(top + eps), np.log(top + eps) - np.log(second + eps)]
    if support is not None:
        columns.append(np.log(support + eps))
    return np.column_stack(columns)


class Calibrator:
    """Maps the fused top probability and margin to P(top answer is right).

    The fusion multiplies its matchers' opinions, so matchers that all lean the same way
    give a confident-looking top probability even when each is unsure, as for a question no
    article answers. The semantic side's own probability for the top answer (`support`)
    tells the two apart.
    """

    def __init__(self) -> None:
        self._model: LogisticRegression | None = None

    def fit(
        self,
        top: np.ndarray,
        second: np.ndarray,
        correct: np.ndarray,
        support: np.ndarray | None = None,
    ) -> Calibrator:
        """Fit on held-out decisions; stays the identity when there is too little evidence."""
        positives = int(correct.sum())
        negatives = len(correct) - positives
        self._model = None
        if len(correct) >= _MIN_POINTS and min(positives, negatives) >= _MIN_EACH:
            model = LogisticRegression(C=1.0)
            features = confidence_features(top, second, support)
            self._model = model.fit(features, correct.astype(int))
        return self

    def predict(
        self, top: np.ndarray, second: np.ndarray, support: np.ndarray | None = None
    ) -> np.ndarray:
        """Return calibrated probabilities that each top answer is right."""
        if self._model is None:
            return np.asarray(top, dtype=float)
        # The logistic curve by hand: sklearn's checks cost more than this for one answer.
        features = confidence_features(top, second, support)
        logits = features @ self._model.coef_[0] + self._model.intercept_[0]
        return np.asarray(expit(logits))
