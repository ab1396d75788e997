"""Value objects of the matching engine: articles in, matches and verdicts out."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ArticleDoc:
    """One FAQ article in one language, with the example questions it answers."""

    article_id: str
    key: str
    language: str
    title: str
    body: str
    category: str
    team: str
    examples: tuple[str, ...] = ()


@dataclass(frozen=True)
class Match:
    """One ranked article; `score` is the engine's probability for its key."""

    article_id: str
    key: str
    language: str
    title: str
    score: float
    fallback_language: bool = False


@dataclass(frozen=True)
class Verdict:
    """The bot's decision for one message: answer with an article, or hand off."""

    answered: bool
    article_id: str | None
    key: str | None
    confidence: float
    category: str
    team: str
    reason: str
    language: str
    fallback_language: bool = False


@dataclass(frozen=True)
class FitReport:
    """What a fit did: sizes, embedding reuse and the time it took."""

    articles: int
    keys: int
    examples: int
    embedded_now: int
    embeddings_reused: int
    embeddings_skipped: int
    seconds: float
