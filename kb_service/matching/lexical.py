"""Lexical matcher: word and character TF-IDF n-grams with a linear SVM."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix, diags, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

from kb_service.matching.normalize import fold_kana, normalize, word_tokens
from kb_service.matching.scores import log_softmax

# Rare n-grams are noise in big knowledge bases but the signal in small ones.
_MIN_DF_FROM = 3000
_ABSENT = -30.0


@dataclass(frozen=True)
class LexicalFeatures:
    """TF-IDF rows of the training texts, one L2-normalized block per vectorizer."""

    word: csr_matrix
    char: csr_matrix

    def rows(self, index: np.ndarray) -> csr_matrix:
        """Return the given rows with both blocks side by side."""
        return csr_matrix(hstack([self.word[index], self.char[index]]).tocsr())

    def held_out(self, train: np.ndarray, held: np.ndarray) -> csr_matrix:
        """Return `held` rows as a vectorizer fitted on `train` alone would have seen them.

        The vectorizers are fitted once on every text; n-grams that only held-out rows
        contain are dropped and the rows renormalized, as live queries' unseen n-grams are.
        """
        blocks = []
        for block in (self.word, self.char):
            seen = np.asarray(block[train].getnnz(axis=0) > 0, dtype=np.float64)
            rows = block[held] @ diags(seen)
            norms = np.sqrt(np.asarray(rows.multiply(rows).sum(axis=1)).ravel())
            blocks.append(diags(1.0 / np.maximum(norms, 1e-12)) @ rows)
        return csr_matrix(hstack(blocks).tocsr())


class LexicalModel:
    """Scores classes from surface forms; robust to typos through character n-grams."""

    def __init__(self, *, c: float = 0.5, temperature: float = 3.0) -> None:
        self._c = c
        self._temperature = temperature
        self._word = TfidfVectorizer()
        self._char = TfidfVectorizer()
        self._svm: LinearSVC | None = None
        self._scorer: _Scorer | None = None
        self._classes = np.zeros(0, dtype=int)
        self._n_classes = 0

    def vectorize(self, texts: Sequence[str]) -> LexicalFeatures:
        """Fit the vectorizers on `texts` and return their TF-IDF rows."""
        forms = [normalize(t) for t in texts]
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
            preprocessor=fold_kana,
            lowercase=False,
            ngram_range=(1, 5),
            min_df=min_df,
            sublinear_tf=True,
        )
        return LexicalFeatures(
            csr_matrix(self._word.fit_transform(forms)), csr_matrix(self._char.fit_transform(forms))
        )

    def fit(self, texts: Sequence[str], labels: np.ndarray, *, n_classes: int) -> LexicalModel:
        """Fit on texts with integer class labels in [0, n_classes)."""
        features = self.vectorize(texts)
        return self.fit_rows(features.rows(np.arange(len(texts))), labels, n_classes=n_classes)

    def fit_rows(self, features: csr_matrix, labels: np.ndarray, *, n_classes: int) -> LexicalModel:
        """Fit the SVM on rows already vectorized (by this model's or a shared vectorizer)."""
        self._n_classes = n_classes
        self._classes = np.unique(labels)
        self._svm = None
        self._scorer = None
        if len(self._classes) > 1:
            self._svm = LinearSVC(C=self._c).fit(features, labels)
        return self

    def log_proba_rows(self, features: csr_matrix) -> np.ndarray:
        """Return (n, n_classes) log-probabilities for vectorized rows."""
        out = np.full((features.shape[0], self._n_classes), _ABSENT)
        if self._svm is None:
            out[:, self._classes] = 0.0
            return out
        margins = self._svm.decision_function(features)
        if margins.ndim == 1:
            margins = np.stack([-margins, margins], axis=1)
        out[:, self._classes] = margins * self._temperature
        return log_softmax(out)

    def log_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Return (n, n_classes) log-probabilities from softmax-scaled SVM margins."""
        if len(texts) == 1 and self._svm is not None:
            return self._log_proba_one(texts[0])
        forms = [normalize(t) for t in texts]
        features = hstack([self._word.transform(forms), self._char.transform(forms)]).tocsr()
        return self.log_proba_rows(csr_matrix(features))

    def _log_proba_one(self, text: str) -> np.ndarray:
        """Score one message without sklearn's per-call input checks (most of a query's cost).

        Computes exactly what `transform` + `decision_function` would: sublinear TF times IDF,
        each vectorizer's block L2-normalized, then the SVM's margins.
        """
        if self._scorer is None:
            self._scorer = _Scorer(self._word, self._char, self._svm)
        out = np.full((1, self._n_classes), _ABSENT)
        out[0, self._classes] = self._scorer.margins(normalize(text)) * self._temperature
        return log_softmax(out)


class _Scorer:
    """The fitted vectorizers and SVM flattened into plain arrays for one-message scoring."""

    def __init__(self, word: TfidfVectorizer, char: TfidfVectorizer, svm: LinearSVC) -> None:
        self._blocks = []
        offset = 0
        for vectorizer in (word, char):
            self._blocks.append((vectorizer.build_analyzer(), vectorizer.vocabulary_, offset))
            offset += len(vectorizer.vocabulary_)
        self._idf = np.concatenate([word.idf_, char.idf_])
        self._weights = np.ascontiguousarray(svm.coef_.T)
        self._bias = svm.intercept_
        self._binary = self._weights.shape[1] == 1

    def margins(self, form: str) -> np.ndarray:
        """Return the SVM margin of every class for one lexical form."""
        total = np.array(self._bias, dtype=np.float64)
        for analyze, vocabulary, offset in self._blocks:
            counts: dict[int, int] = {}
            for gram in analyze(form):
                column = vocabulary.get(gram)
                if column is not None:
                    counts[column + offset] = counts.get(column + offset, 0) + 1
            if not counts:
                continue
            columns = np.fromiter(counts, dtype=np.intp, count=len(counts))
            values = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64))) * self._idf[
                columns
            ]
            values /= np.linalg.norm(values)
            total += values @ self._weights[columns]
        if self._binary:
            return np.array([-total[0], total[0]])
        return total
