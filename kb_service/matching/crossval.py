"""Held-out scoring of the training set: the confidence calibrator and when the lexical
matcher alone is as good as the fusion (so a message need not be embedded)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from kb_service.matching.calibration import Calibrator, fuse
from kb_service.matching.lexical import LexicalFeatures, LexicalModel
from kb_service.matching.semantic import SemanticModel, Solution, SpacedSemanticModel
from kb_service.matching.training import EmbeddedSet, fold_ids

# Three folds give a hand-written FAQ (~500 examples) ~300 held-out decisions, enough for a
# two-feature logistic curve; beyond FULL_CV_UNTIL one fold already gives hundreds.
FOLDS = 3
FULL_CV_UNTIL = 1500
# Lexical top probabilities tried as the level from which a message is not embedded, and how
# much worse (as a share of those messages) the lexical answer may be than the fused one.
SKIP_LEVELS = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99)
SKIP_TOLERANCE = 0.001
_MIN_SKIPPED = 30
NEVER = float("inf")
# Weights of the universal model's opinion relative to the semantic one's, tried on the
# held-out folds of every fit: what it adds depends on the knowledge base (the folds of the
# bilingual demo FAQ pick 2/3; of BANKING77, 1/2 with the full training split and 0 with ten
# examples per intent).
UNIVERSAL_SHARES = (0.0, 1 / 6, 1 / 3, 1 / 2, 2 / 3)


@dataclass(frozen=True)
class FoldSolutions:
    """A held-out fold's classifier weights, per space and universal: the next fit's start."""

    semantic: Mapping[str, Solution] = field(default_factory=dict)
    universal: Solution | None = None


@dataclass(frozen=True)
class HeldOut:
    """What the held-out folds taught: confidence curves of the fused and of the lexical
    scores (their shapes differ, so one curve for both ranks answers worse), and the lexical
    skip level."""

    fused: Calibrator
    lexical: Calibrator
    skip_from: float = NEVER
    universal_share: float = 0.0
    # Per fold, the lexical log-probabilities of its held-out rows: they do not depend on
    # which rows are embedded, so a refit for new embeddings alone reuses them.
    lexical_folds: Mapping[int, np.ndarray] = field(default_factory=dict)
    solutions: Mapping[int, FoldSolutions] = field(default_factory=dict)


def skip_level(lexical: np.ndarray, fused: np.ndarray, labels: np.ndarray) -> float:
    """The lowest lexical top probability from which lexical answers were as right as fused
    ones on held-out rows (within SKIP_TOLERANCE); NEVER when no level qualifies."""
    top = lexical.max(axis=1)
    lexical_right = lexical.argmax(axis=1) == labels
    fused_right = fused.argmax(axis=1) == labels
    for level in SKIP_LEVELS:
        sure = top >= level
        if sure.sum() < _MIN_SKIPPED:
            break
        if lexical_right[sure].mean() >= fused_right[sure].mean() - SKIP_TOLERANCE:
            return level
    return NEVER


def cross_validate(
    features: LexicalFeatures,
    labels: np.ndarray,
    embedded: EmbeddedSet | None,
    *,
    real: np.ndarray,
    weight: float,
    knn_scale: float,
    seed: int,
    lexical_folds: Mapping[int, np.ndarray] | None = None,
    starts: Mapping[int, FoldSolutions] | None = None,
) -> HeldOut:
    """Fit the confidence curves and the skip level on held-out folds, scored the way live
    queries are; `lexical_folds` (from an earlier fit on the same texts) skips the lexical
    fold models, and the fold classifiers start from `starts` (an earlier fit's)."""
    folds = fold_ids(labels, folds=FOLDS, seed=seed)
    use_semantic = embedded is not None and bool(embedded.mask.any())
    use_universal = embedded is not None and bool(embedded.universal_mask.any())
    mask = embedded.mask if embedded is not None else np.zeros(len(labels), dtype=bool)
    universal_mask = (
        embedded.universal_mask if embedded is not None else np.zeros(len(labels), dtype=bool)
    )
    n = len(real)
    lex_parts: list[np.ndarray] = []
    sem_parts: list[np.ndarray] = []
    universal_parts: list[np.ndarray] = []
    gold: list[np.ndarray] = []
    computed: dict[int, np.ndarray] = {}
    solutions: dict[int, FoldSolutions] = {}
    for fold in range(FOLDS if len(labels) <= FULL_CV_UNTIL else 1):
        train = folds != fold
        candidates = np.flatnonzero((folds == fold) & real[labels])
        if not len(candidates):
            continue
        lex_all = (lexical_folds or {}).get(fold)
        if lex_all is None:
            train_rows = np.flatnonzero(train)
            lexical = LexicalModel().fit_rows(features.rows(train_rows), labels[train], n_classes=n)
            lex_all = lexical.log_proba_rows(features.held_out(train_rows, candidates))
        computed[fold] = lex_all
        # Live queries are always embedded, so only embedded rows stand in for them.
        keep = mask[candidates] if use_semantic else np.ones(len(candidates), dtype=bool)
        if use_universal:
            keep &= universal_mask[candidates]
        if not keep.any():
            continue
        held = candidates[keep]
        lex_parts.append(lex_all[keep])
        start = (starts or {}).get(fold, FoldSolutions())
        semantic = universal = None
        if embedded is not None and use_semantic:
            vectors, fit_labels, spaces = embedded.semantic_rows(labels, train)
            semantic = SpacedSemanticModel(knn_scale=knn_scale).fit(
                vectors, fit_labels, spaces, n_classes=n, start=start.semantic
            )
            sem_parts.append(semantic.log_proba(embedded.vectors[held], embedded.spaces[held]))
        if embedded is not None and use_universal:
            universal = SemanticModel(knn_scale=knn_scale).fit(
                *embedded.universal_rows(labels, train), n_classes=n, start=start.universal
            )
            universal_parts.append(universal.log_proba(embedded.universal[held]))
        solutions[fold] = FoldSolutions(
            semantic.solutions if semantic is not None else {},
            universal.solution if universal is not None else None,
        )
        gold.append(labels[held])
    if not gold:
        return HeldOut(Calibrator(), Calibrator(), lexical_folds=computed)
    lex, y = np.concatenate(lex_parts), np.concatenate(gold)
    sem = np.concatenate(sem_parts) if sem_parts else None
    usem = np.concatenate(universal_parts) if universal_parts else None
    share = best_share(lex, sem, usem, y, weight=weight)
    side = semantic_sum(sem, usem, share)
    fused = fuse(lex, side, weight=weight)
    lex_probs = fuse(lex, None, weight=0)
    skip_from = skip_level(lex_probs, fused, y) if use_semantic else NEVER
    support = semantic_support(side, fused.argmax(axis=1)) if side is not None else None
    return HeldOut(
        _calibrate(fused, y, support),
        _calibrate(lex_probs, y),
        skip_from,
        share,
        computed,
        solutions,
    )


def semantic_support(side: np.ndarray, answers: np.ndarray) -> np.ndarray:
    """The semantic side's own probability for each row's answer."""
    probs = fuse(side, None, weight=0)
    return np.asarray(probs[np.arange(len(answers)), answers])


def semantic_sum(
    semantic: np.ndarray | None, universal: np.ndarray | None, share: float
) -> np.ndarray | None:
    """The semantic side of the fusion: the semantic and the universal model's
    log-probabilities averaged, the universal one's weighing `share` as much.

    An average, not a sum, so that the semantic side keeps the scale its fusion weight was
    tuned for.
    """
    if semantic is None:
        return universal
    if universal is None or share == 0:
        return semantic
    return (semantic + share * universal) / (1 + share)


def best_share(
    lex: np.ndarray,
    semantic: np.ndarray | None,
    universal: np.ndarray | None,
    gold: np.ndarray,
    *,
    weight: float,
) -> float:
    """The universal share whose fusion ranked most held-out rows right (the smallest on a
    tie)."""
    if universal is None:
        return 0.0
    right = [
        (
            fuse(lex, semantic_sum(semantic, universal, share), weight=weight).argmax(axis=1)
            == gold
        ).sum()
        for share in UNIVERSAL_SHARES
    ]
    return UNIVERSAL_SHARES[int(np.argmax(right))]


def _calibrate(
    probs: np.ndarray, gold: np.ndarray, support: np.ndarray | None = None
) -> Calibrator:
    """Fit a confidence curve on held-out class probabilities."""
    ordered = np.sort(probs, axis=1)
    second = ordered[:, -2] if probs.shape[1] > 1 else np.zeros(len(probs))
    return Calibrator().fit(ordered[:, -1], second, probs.argmax(axis=1) == gold, support)
