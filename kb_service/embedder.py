"""Background embedding of example texts a refit skipped, so big imports stay fast."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

import numpy as np
from sqlalchemy import text

from kb_service.adapters import repository as repo
from kb_service.index import UowFactory
from kb_service.matching import text_key, to_bytes

log = logging.getLogger(__name__)

# One replica embeds at a time; the others would only burn the same CPU for the same rows.
_EMBED_LOCK_ID = 0x6B62656D
# Refitting ten thousand examples costs seconds: refit every so many embeddings, not per batch.
_REFIT_EVERY = 2500


async def embed_missing_once(
    uow_factory: UowFactory, *, embedder: Callable[[Sequence[str]], np.ndarray], batch: int
) -> int | None:
    """Embed up to `batch` texts that lack an embedding; None when another replica is at it."""
    async with uow_factory() as uow:
        got = await uow.session.scalar(
            text("SELECT pg_try_advisory_xact_lock(:id)"), {"id": _EMBED_LOCK_ID}
        )
        if not got:
            return None
        articles = await repo.load_articles(uow.session)
        have = await repo.embedding_keys(uow.session)
        missing: dict[str, str] = {}
        for article in articles:
            for sample in (article.title, *article.examples):
                key = text_key(sample)
                if sample.strip() and key not in have and key not in missing:
                    missing[key] = sample
                    if len(missing) >= batch:
                        break
            if len(missing) >= batch:
                break
        if not missing:
            return 0
        vectors = await asyncio.to_thread(embedder, list(missing.values()))
        await repo.save_embeddings(
            uow.session,
            vectors={k: to_bytes(v) for k, v in zip(missing, vectors, strict=True)},
        )
        await uow.commit()
        return len(missing)


async def run_embedder(
    uow_factory: UowFactory,
    *,
    embedder: Callable[[Sequence[str]], np.ndarray],
    batch: int,
    idle_s: float,
    on_refit: Callable[[], None],
    busy: Callable[[], bool],
) -> None:
    """Embed what is missing, then bump the version so every replica refits with it."""
    added = 0
    while True:
        if busy():
            # A refit is what makes a change answerable: it gets the CPU first.
            await asyncio.sleep(0.2)
            continue
        try:
            done = await embed_missing_once(uow_factory, embedder=embedder, batch=batch)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("background embedding failed; retrying")
            done = None
        if done:
            added += done
            if added < _REFIT_EVERY:
                continue
        if added:
            async with uow_factory() as uow:
                version = await repo.bump_version(uow.session)
                await uow.commit()
            log.info("embedded %s more examples; version %s", added, version)
            added = 0
            on_refit()
            continue
        await asyncio.sleep(idle_s)
