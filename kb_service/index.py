"""The in-memory matching engine of this replica, rebuilt from the database on every change."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from kb_service.adapters import repository as repo
from kb_service.adapters.repository import StoredArticle
from kb_service.matching import (
    ArticleDoc,
    Engine,
    FitReport,
    Match,
    Verdict,
    embed_texts,
    from_bytes,
    to_bytes,
)
from kb_service.matching.embedding import UNIVERSAL, Embedder
from shared.db import UnitOfWork

log = logging.getLogger(__name__)

UowFactory = Callable[[], UnitOfWork]


@dataclass
class Snapshot:
    """One fitted engine and the articles it was fitted on, swapped in whole."""

    version: int
    engine: Engine
    articles: dict[str, StoredArticle]
    report: FitReport | None = None


@dataclass
class KbIndex:
    """Holds the current engine; refits in a worker thread when the stored version moves on."""

    uow: UowFactory
    threshold: float
    fit_embed_budget: int
    embedder: Embedder | None = embed_texts
    snapshot: Snapshot | None = None
    fitting: bool = False
    _wanted: asyncio.Event = field(default_factory=asyncio.Event)
    _fitted: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def meanings(self, texts: list[str]) -> np.ndarray | None:
        """The texts' universal sentence vectors, in which rewordings and translations of a
        question lie close (for grouping questions); None without a sentence model."""
        if self.embedder is None or not texts:
            return None
        return np.asarray(await asyncio.to_thread(self.embedder, texts, UNIVERSAL))

    @property
    def ready(self) -> bool:
        return self.snapshot is not None

    @property
    def version(self) -> int:
        return self.snapshot.version if self.snapshot else -1

    def request_refit(self) -> None:
        """Ask the refit loop to look at the stored version now."""
        self._wanted.set()

    async def wait_for(self, version: int, *, timeout_s: float) -> bool:
        """Wait until this replica's engine includes `version`; False on timeout."""

        async def reached() -> None:
            async with self._fitted:
                await self._fitted.wait_for(lambda: self.version >= version)

        try:
            await asyncio.wait_for(reached(), timeout_s)
        except TimeoutError:
            return False
        return True

    async def run(self, *, poll_s: float) -> None:
        """Refit whenever the stored version is ahead of this engine; poll as a safety net."""
        while True:
            try:
                async with self.uow() as uow:
                    stored = await repo.current_version(uow.session)
                if stored > self.version:
                    await self.refit()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("refitting the engine failed; retrying")
            try:
                await asyncio.wait_for(self._wanted.wait(), poll_s)
            except TimeoutError:
                pass
            self._wanted.clear()

    async def refit(self) -> FitReport:
        """Load the articles and cached embeddings, fit a new engine, swap it in."""
        async with self.uow() as uow:
            version = await repo.current_version(uow.session)
            articles = await repo.load_articles(uow.session)
            cached = await repo.load_embeddings(uow.session)
        embeddings = {k: from_bytes(v) for k, v in cached.items()}
        engine = Engine(
            threshold=self.threshold,
            embedder=self.embedder,
            max_new_embeddings=self.fit_embed_budget,
        )
        docs = [_doc(a) for a in articles]
        self.fitting = True
        try:
            previous = self.snapshot.engine if self.snapshot is not None else None
            report = await asyncio.to_thread(
                engine.fit, docs, embeddings=embeddings, previous=previous
            )
        finally:
            self.fitting = False
        fresh = {k: to_bytes(v) for k, v in engine.embeddings.items() if k not in cached}
        if fresh:
            async with self.uow() as uow:
                await repo.save_embeddings(uow.session, vectors=fresh)
                await uow.commit()
        async with self._fitted:
            self.snapshot = Snapshot(version, engine, {a.id: a for a in articles}, report)
            self._fitted.notify_all()
        log.info("engine at version %s: %s", version, report)
        return report

    async def _current(self, *, timeout_s: float) -> Snapshot | None:
        if self.snapshot is None:
            await self.wait_for(0, timeout_s=timeout_s)
        return self.snapshot

    async def answer(self, text: str, *, language: str | None, wait_s: float) -> Answer:
        """The bot's verdict on one message, with the article it would answer from."""
        snap = await self._current(timeout_s=wait_s)
        if snap is None:
            return Answer(None, None)
        began = time.perf_counter()
        verdict = await asyncio.to_thread(snap.engine.answer, text, language=language)
        article = snap.articles.get(verdict.article_id or "")
        return Answer(verdict, article, time.perf_counter() - began)

    async def rank(
        self, text: str, *, language: str | None, limit: int, wait_s: float
    ) -> list[tuple[Match, StoredArticle]]:
        """Articles best first, one per key, with their stored text."""
        snap = await self._current(timeout_s=wait_s)
        if snap is None or not snap.articles:
            return []
        matches = await asyncio.to_thread(snap.engine.rank, text, language=language, limit=limit)
        return [(m, snap.articles[m.article_id]) for m in matches if m.article_id in snap.articles]


@dataclass(frozen=True)
class Answer:
    """A verdict and its article; both None while no engine has been fitted yet."""

    verdict: Verdict | None
    article: StoredArticle | None
    seconds: float = 0.0  # spent in the engine (embedding included)


def _doc(a: StoredArticle) -> ArticleDoc:
    return ArticleDoc(a.id, a.key, a.language, a.title, a.body, a.category, a.team, a.examples)
