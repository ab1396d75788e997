"""The bot's matching engine: fit on FAQ articles, rank them, answer or hand off."""

from __future__ import annotations

import functools
import hashlib
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from threadpoolctl import ThreadpoolController

from kb_service.matching import guards
from kb_service.matching.calibration import Calibrator, fuse
from kb_service.matching.crossval import NEVER, FoldSolutions, cross_validate, semantic_sum
from kb_service.matching.embedding import (
    MULTILINGUAL,
    UNIVERSAL,
    Embedder,
    embed_question,
    embed_texts,
    space_of,
)
from kb_service.matching.lexical import LexicalFeatures, LexicalModel
from kb_service.matching.models import ArticleDoc, FitReport, Match, Verdict
from kb_service.matching.normalize import detect_language, normalize
from kb_service.matching.semantic import SemanticModel, SpacedSemanticModel
from kb_service.matching.training import EmbeddedSet, embed_training_texts, training_pairs

DEFAULT_THRESHOLD = 0.6
_PSEUDO_PREFIX = "__"
# (semantic weight, nearest-example scale), tuned by 5-fold cross-validation on the fully
# embedded BANKING77 train split (bench/bot_engine.py): with few examples per class the
# lexical side is weak and the classifier generalizes better than single nearest examples;
# with many, nearest examples add what the classifier smooths away. While only part of the
# examples are embedded the semantic side is weaker, hence the coverage ramp.
_SPARSE, _DENSE = (3.0, 2.5), (1.0, 20.0)
_DENSE_FROM, _FULL_COVERAGE = 30, 0.3


@dataclass(frozen=True)
class _LexicalFit:
    """The lexical side of a fit. It depends only on the texts and labels, so a refit for new
    embeddings alone reuses it (at 10k examples it is ~4 of a refit's ~5 s)."""

    key: str
    features: LexicalFeatures
    model: LexicalModel
    folds: Mapping[int, np.ndarray]


def _lexical_key(
    texts: Sequence[str], labels: np.ndarray, classes: Sequence[str], seed: int
) -> str:
    digest = hashlib.sha256(f"{seed}\x00".encode())
    digest.update("\x00".join(texts).encode())
    digest.update(np.asarray(labels, dtype=np.int64).tobytes())
    digest.update("\x00".join(classes).encode())
    return digest.hexdigest()


@functools.cache
def _blas_controller() -> ThreadpoolController:
    """Return the process's thread-pool controller (scanning libraries once)."""
    return ThreadpoolController()


def _auto_weights(labels: np.ndarray, embedded: np.ndarray) -> tuple[float, float]:
    """Weight of the semantic matcher and its nearest-example scale for this training set."""
    per_class = float(np.median(np.bincount(labels))) if len(labels) else 0.0
    base, knn_scale = _DENSE if per_class >= _DENSE_FROM else _SPARSE
    coverage = float(embedded.mean()) if len(embedded) else 0.0
    return base * min(1.0, coverage / _FULL_COVERAGE), knn_scale


def _across_languages(
    lex: np.ndarray, semantic: np.ndarray, universal: np.ndarray, elsewhere: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Rescore the classes written only in other languages than the question's.

    The lexical matcher sees no words of theirs in the question's language, and the
    language's own sentence model leans to its own language, so both rank such a class low
    whatever the question; the universal model matches across languages. Such a class gets
    the median lexical score of the others (no evidence either way) and the universal
    model's opinion as its semantic one. On the demo FAQ with a quarter of its keys written
    in one language only, questions for them in the other language found their article first
    7 and 10 times in 30 instead of 3 and 4, and the other questions' top-1 did not move.
    """
    lex, semantic = lex.copy(), semantic.copy()
    lex[:, elsewhere] = np.median(lex[:, ~elsewhere], axis=1, keepdims=True)
    semantic[:, elsewhere] = universal[:, elsewhere]
    return lex, semantic


class Engine:
    """Ranks FAQ articles for a chat message by fusing a lexical and a semantic matcher."""

    def __init__(
        self,
        *,
        threshold: float = DEFAULT_THRESHOLD,
        embedder: Embedder | None = embed_texts,
        max_new_embeddings: int = 3000,
        semantic_weight: float | None = None,
        route_floor: float = 0.2,
        guard_classes: bool = True,
        seed: int = 0,
    ) -> None:
        self.threshold = threshold
        self._embedder = embedder
        self._budget = max_new_embeddings
        self._fixed_weight = semantic_weight
        self.semantic_weight = semantic_weight or _SPARSE[0]
        self._knn_scale = _SPARSE[1]
        self._route_floor = route_floor
        self._guard_classes = guard_classes
        self._seed = seed
        self._classes: list[str] = []
        self._real = np.zeros(0, dtype=bool)
        self._written_in: dict[str, np.ndarray] = {}
        self._by_key: dict[str, dict[str, ArticleDoc]] = {}
        self._lexical = LexicalModel()
        self._semantic = SpacedSemanticModel()
        self._universal = SemanticModel()
        self.universal_share = 0.0
        self._calibrator = Calibrator()
        self._lexical_calibrator = Calibrator()
        self.skip_from = NEVER
        self._embeddings: dict[str, np.ndarray] = {}
        self._lexical_fit: _LexicalFit | None = None
        self._fold_solutions: Mapping[int, FoldSolutions] = {}

    @property
    def embeddings(self) -> dict[str, np.ndarray]:
        """Embeddings computed so far, by `text_key`, for the caller to persist."""
        return dict(self._embeddings)

    def fit(
        self,
        articles: Sequence[ArticleDoc],
        *,
        embeddings: Mapping[str, np.ndarray] | None = None,
        previous: Engine | None = None,
    ) -> FitReport:
        """Learn to match the given articles; reuses supplied and earlier embeddings,
        `previous`'s lexical side when its articles' texts are the same, and its classifiers'
        weights as where the new ones start for the keys both fits have."""
        started = time.perf_counter()
        by_key: dict[str, dict[str, ArticleDoc]] = {}
        for article in articles:
            by_key.setdefault(article.key, {})[article.language] = article
        pseudo = (
            {_PSEUDO_PREFIX + k: v for k, v in guards.PSEUDO_EXAMPLES.items()}
            if self._guard_classes
            else {}
        )
        classes = sorted(by_key) + sorted(pseudo)
        texts, labels = training_pairs(articles, pseudo, classes)
        known = {**self._embeddings, **(embeddings or {})}
        embedded = embed_training_texts(
            texts,
            labels,
            known=known,
            embedder=self._embedder,
            budget=self._budget,
            seed=self._seed,
        )
        self._embeddings.update(embedded.new)
        auto_weight, self._knn_scale = _auto_weights(labels, embedded.mask)
        self.semantic_weight = self._fixed_weight or auto_weight
        # Small fits run faster on one BLAS thread, and a busy 2-core host makes spinning
        # worker threads fight each other (a 10k refit took 4-8x longer with them).
        with _blas_controller().limit(limits=1, user_api="blas"):
            self._fit_models(texts, labels, embedded, classes, previous)
        self._by_key = by_key
        # Per language, the classes with an article in it (the guard classes speak every one).
        self._written_in = {
            language: np.array([c not in by_key or language in by_key[c] for c in classes])
            for language in {a.language for a in articles}
        }
        return FitReport(
            articles=len(articles),
            keys=len(by_key),
            examples=len(texts),
            embedded_now=len(embedded.new),
            embeddings_reused=embedded.reused,
            embeddings_skipped=embedded.skipped,
            seconds=time.perf_counter() - started,
        )

    def _fit_models(
        self,
        texts: list[str],
        labels: np.ndarray,
        embedded: EmbeddedSet,
        classes: list[str],
        previous: Engine | None,
    ) -> None:
        """Fit the calibrator on held-out folds, then both matchers on everything."""
        real = np.array([not c.startswith(_PSEUDO_PREFIX) for c in classes])
        n = len(classes)
        key = _lexical_key(texts, labels, classes, self._seed)
        reused = previous._lexical_fit if previous is not None else None
        if reused is not None and reused.key != key:
            reused = None
        lexical = reused.model if reused is not None else LexicalModel()
        features = reused.features if reused is not None else lexical.vectorize(texts)
        # The held-out fold models and the final models are independent; liblinear and BLAS
        # release the GIL, so on two cores they fit side by side.
        with ThreadPoolExecutor(max_workers=1) as pool:
            calibrating = pool.submit(
                cross_validate,
                features,
                labels,
                embedded if self._embedder is not None else None,
                real=real,
                weight=self.semantic_weight,
                knn_scale=self._knn_scale,
                seed=self._seed,
                lexical_folds=reused.folds if reused is not None else None,
                starts=previous._fold_solutions if previous is not None else None,
            )
            if reused is None:
                lexical = lexical.fit_rows(
                    features.rows(np.arange(len(texts))), labels, n_classes=n
                )
            vectors, semantic_labels, spaces = embedded.semantic_rows(
                labels, np.ones(len(labels), dtype=bool)
            )
            # A refit's classifiers start from the last fit's (see semantic.Solution).
            self._semantic = SpacedSemanticModel(knn_scale=self._knn_scale).fit(
                vectors,
                semantic_labels,
                spaces,
                n_classes=n,
                start=previous._semantic.solutions if previous is not None else None,
            )
            self._universal = SemanticModel(knn_scale=self._knn_scale).fit(
                *embedded.universal_rows(labels, np.ones(len(labels), dtype=bool)),
                n_classes=n,
                start=previous._universal.solution if previous is not None else None,
            )
            held_out = calibrating.result()
        self._lexical = lexical
        self._lexical_fit = _LexicalFit(key, features, lexical, held_out.lexical_folds)
        self._fold_solutions = held_out.solutions
        self._calibrator = held_out.fused
        self._lexical_calibrator = held_out.lexical
        self.universal_share = held_out.universal_share
        self.skip_from = held_out.skip_from
        self._classes = classes
        self._real = real

    def component_log_proba(
        self, texts: Sequence[str], vectors: np.ndarray | None, universal: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Return the lexical and the semantic side's (n, classes) log-probabilities, given the
        texts' vectors in their own spaces and in the universal one, for benchmarks."""
        lex = self._lexical.log_proba(texts)
        if vectors is None:
            return lex, None
        sem = self._semantic.log_proba(vectors, np.array([space_of(t) for t in texts]))
        usem = self._universal.log_proba(universal) if universal is not None else None
        return lex, semantic_sum(sem, usem, self.universal_share)

    @property
    def classes(self) -> list[str]:
        """Class names in score order: article keys, then the guard pseudo-classes."""
        return list(self._classes)

    def _probabilities(self, text: str) -> tuple[np.ndarray, np.ndarray | None]:
        """Return the fused class probabilities for one message, and the semantic side's own
        (None when the message was scored by the lexical matcher alone).

        When the lexical matcher alone is as sure as held-out folds showed to be as good as
        the fusion (`skip_from`), the message is not embedded: embedding is most of an
        answer's time.
        """
        if not self._classes:
            raise RuntimeError("the engine is not fitted")
        # One query is too small to share across BLAS threads, and on two cores their
        # spinning fights the embedding model's OpenMP threads (latency spikes).
        with _blas_controller().limit(limits=1, user_api="blas"):
            lex = self._lexical.log_proba([text])
        space = self._semantic.scoring_space(space_of(text), fallback=MULTILINGUAL)
        written = self._written_in.get(detect_language(text))
        elsewhere = ~written if written is not None else np.zeros(len(self._classes), dtype=bool)
        universal = self._universal.fitted and (self.universal_share > 0 or elsewhere.any())
        if (
            self._embedder is None
            or (space is None and not universal)
            or lex.max() >= np.log(self.skip_from)
        ):
            return np.asarray(fuse(lex, None, weight=0)[0]), None
        if self._embedder is embed_texts:  # the real models: side by side when both are wanted
            vector, universal_vector = embed_question(text, space, universal=bool(universal))
        else:
            vector = self._embedder([text], space) if space is not None else None
            universal_vector = self._embedder([text], UNIVERSAL) if universal else None
        sem = usem = None
        with _blas_controller().limit(limits=1, user_api="blas"):
            if vector is not None:
                sem = self._semantic.log_proba(vector, np.array([space]))
            if universal_vector is not None:
                usem = self._universal.log_proba(universal_vector)
        semantic = semantic_sum(sem, usem, self.universal_share)
        assert semantic is not None
        if elsewhere.any() and usem is not None:
            lex, semantic = _across_languages(lex, semantic, usem, elsewhere)
        fused = fuse(lex, semantic, weight=self.semantic_weight)[0]
        return np.asarray(fused), np.asarray(fuse(semantic, None, weight=0)[0])

    def _article(self, key: str, language: str) -> tuple[ArticleDoc, bool]:
        """Pick the article of `key` in `language`, else another language's (a fallback)."""
        versions = self._by_key[key]
        if language in versions:
            return versions[language], False
        return versions[sorted(versions)[0]], True

    def rank(self, text: str, *, language: str | None = None, limit: int = 5) -> list[Match]:
        """Return up to `limit` articles best first, one per key, in the asked language."""
        lang = language or detect_language(text)
        probs, _ = self._probabilities(text)
        matches: list[Match] = []
        for index in np.argsort(-probs, kind="stable"):
            if not self._real[index]:
                continue
            article, fallback = self._article(self._classes[index], lang)
            matches.append(
                Match(
                    article_id=article.article_id,
                    key=article.key,
                    language=article.language,
                    title=article.title,
                    score=float(probs[index]),
                    fallback_language=fallback,
                )
            )
            if len(matches) >= limit:
                break
        return matches

    def _best(self, text: str) -> tuple[int | None, float, str | None]:
        """Return the best article class, its calibrated confidence and any guard class on top."""
        probs, semantic = self._probabilities(text)
        ordered = np.argsort(-probs, kind="stable")
        top = probs[ordered[:1]]
        second = probs[ordered[1:2]] if len(ordered) > 1 else np.zeros(1)
        support = semantic[ordered[:1]] if semantic is not None else None
        calibrator = self._lexical_calibrator if semantic is None else self._calibrator
        confidence = calibrator.predict(top, second, support)
        best = next((int(i) for i in ordered if self._real[i]), None)
        pseudo = None
        if not self._real[ordered[0]]:
            pseudo = self._classes[ordered[0]].removeprefix(_PSEUDO_PREFIX)
        return best, float(confidence[0]), pseudo

    def answer(self, text: str, *, language: str | None = None) -> Verdict:
        """Answer with the best article when confident enough, otherwise hand off with a reason."""
        lang = language or detect_language(text)
        if not normalize(text):
            return self._handoff(None, 0.0, "empty", lang)
        rule = guards.check(text)
        if rule is not None:
            # Route by whatever the customer said besides the out-of-scope part.
            rest = guards.remainder(text)
            if not rest:
                return self._handoff(None, 0.0, rule, lang)
            best, confidence, _ = self._best(rest)
            return self._handoff(best, confidence, rule, lang)
        best, confidence, pseudo = self._best(text)
        if best is None:
            return self._handoff(None, 0.0, "no_articles", lang)
        if pseudo is not None:
            return self._handoff(None, 0.0, pseudo, lang)
        if confidence < self.threshold:
            return self._handoff(best, confidence, "low_confidence", lang)
        article, fallback = self._article(self._classes[best], lang)
        return Verdict(
            answered=True,
            article_id=article.article_id,
            key=article.key,
            confidence=confidence,
            category=article.category,
            team=article.team,
            reason="answered",
            language=article.language,
            fallback_language=fallback,
        )

    def _handoff(self, best: int | None, score: float, reason: str, language: str) -> Verdict:
        """Hand off, routed by the best match when it is plausible, else to tier 1."""
        if best is None or score < self._route_floor:
            return Verdict(False, None, None, score, "general", "tier1", reason, language)
        article, fallback = self._article(self._classes[best], language)
        return Verdict(
            answered=False,
            article_id=article.article_id,
            key=article.key,
            confidence=score,
            category=article.category,
            team=article.team,
            reason=reason,
            language=language,
            fallback_language=fallback,
        )
