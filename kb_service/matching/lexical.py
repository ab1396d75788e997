"""Lexical matcher: word and character TF-IDF n-grams with a linear SVM."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.sparse import hstack
from scipy.special import log_softmax
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

from kb_service.matching.normalize import lexical_form, word_tokens

# Rare n-grams are noise in big knowledge bases but the signal in small ones.
_MIN_DF_FROM = 3000
_ABSENT = -30.0


class LexicalModel:
    """Scores classes from surface forms; robust to typos through character n-grams."""

    def __init__(self, *, c: float = 0.5, temperature: float = 3.0) -> None:
        self._c = c
        self._temperature = temperature
        self._word = TfidfVectorizer()
        self._char = TfidfVectorizer()
        self._svm: LinearSVC | None = None
        self._classes = np.zeros(0, dtype=int)
        self._n_classes = 0

    def fit(self, texts: Sequence[str], labels: np.ndarray, *, n_classes: int) -> LexicalModel:
        """Fit on texts with integer class labels in [0, n_classes)."""
        forms = [lexical_form(t) for t in texts]
        min_df = 2 if len(forms) >= _MIN_DF_FROM else 1
        self._word = TfidfVectorizer(
            tokenizer=word_tokens,
            token_pattern=None,
            lowercase=False,
            ngram_range=(1, 2),
            sublinear_tf=True,
        )
        self._char = TfidfVectorizer(
            analyzer="char_wb",
            lowercase=False,
            ngram_range=(1, 5),
            min_df=min_df,
            sublinear_tf=True,
        )
        features = hstack([self._word.fit_transform(forms), self._char.fit_transform(forms)])
        self._n_classes = n_classes
        self._classes = np.unique(labels)
        self._svm = None
        if len(self._classes) > 1:
            self._svm = LinearSVC(C=self._c).fit(features.tocsr(), labels)
        return self

    def log_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Return (n, n_classes) log-probabilities from softmax-scaled SVM margins."""
        out = np.full((len(texts), self._n_classes), _ABSENT)
        if self._svm is None:
            out[:, self._classes] = 0.0
            return out
        forms = [lexical_form(t) for t in texts]
        features = hstack([self._word.transform(forms), self._char.transform(forms)]).tocsr()
        margins = self._svm.decision_function(features)
        if margins.ndim == 1:
            margins = np.stack([-margins, margins], axis=1)
        out[:, self._classes] = margins * self._temperature
        return np.asarray(log_softmax(out, axis=1))
