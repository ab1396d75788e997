"""Background embedding of example texts a refit skipped, so big imports stay fast."""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Callable

from sqlalchemy import text

from kb_service.adapters import repository as repo
from kb_service.index import UowFactory
from kb_service.matching import text_key, to_bytes
from kb_service.matching.embedding import ENGLISH, MULTILINGUAL, UNIVERSAL, Embedder, space_of
from kb_service.matching.training import TWINS_PER_KEY

log = logging.getLogger(__name__)

# One replica embeds at a time; the others would only burn the same CPU for the same rows.
_EMBED_LOCK_ID = 0x6B62656D
# Refitting ten thousand examples costs seconds of both CPUs, and embedding waits for it: the
# first refit comes after this many new embeddings, each later one once a pass has embedded
# twice as many as at the last (2,500, 5,000, 10,000, then the rest of a 10k import).
_FIRST_REFIT = 2500


def refit_due(added: int, announced: int, left: int) -> bool:
    """Whether a pass that has embedded `added` vectors, `announced` of them in a refit
    already, with `left` to go, should have them refitted now.

    Not when under a quarter of `added` is left: the last refit comes soon, and one just
    before it only delays it (a 10k import's 20,480th vector left 888, and two refits of 5
    and 7 s came 2 s apart)."""
    if left == 0:
        return added > announced
    return added >= max(_FIRST_REFIT, 2 * announced) and 4 * left >= added


Work = tuple[str, str, str]  # text key, text, embedding space


def _article_work(texts: list[str]) -> tuple[list[Work], list[Work], list[Work]]:
    """An article's texts in their own spaces, its English texts' multilingual twins (as the
    engine picks them: the first TWINS_PER_KEY), and its texts in the universal space."""
    spaces = [space_of(t) for t in texts]
    own = [(text_key(t, s), t, s) for t, s in zip(texts, spaces, strict=True)]
    english = [t for t, s in zip(texts, spaces, strict=True) if s == ENGLISH][:TWINS_PER_KEY]
    twins = [(text_key(t, MULTILINGUAL), t, MULTILINGUAL) for t in english]
    return own, twins, [(text_key(t, UNIVERSAL), t, UNIVERSAL) for t in texts]


async def missing_texts(uow_factory: UowFactory) -> list[Work]:
    """Every vector the engine wants and the store lacks, taken article by article in turn,
    so that every key is partly embedded early and the interim refits improve them all:
    own spaces first, then the twins (which serve only questions in other languages), each
    paired with a universal vector (the engine's second opinion), whose model has a thread
    and a core of its own."""
    async with uow_factory() as uow:
        articles = await repo.load_articles(uow.session)
        seen = await repo.embedding_keys(uow.session)
    # Off the event loop: tens of thousands of keys to hash, and the first key of an English
    # text loads the English model.
    return await asyncio.to_thread(_work_list, [(a.title, *a.examples) for a in articles], seen)


def _work_list(articles: list[tuple[str, ...]], seen: set[str]) -> list[Work]:
    work = [_article_work([t for t in texts if t.strip()]) for texts in articles]

    def in_turn(groups: tuple[int, ...]) -> list[Work]:
        out: list[Work] = []
        for group in groups:
            for turn in itertools.zip_longest(*(lists[group] for lists in work)):
                for item in turn:
                    if item is not None and item[0] not in seen:
                        seen.add(item[0])
                        out.append(item)
        return out

    # Paired, a batch keeps both models busy at once: on two cores a text's MiniLM and
    # universal vectors took 2.7 ms side by side against 3.3 one after the other.
    pairs = itertools.zip_longest(in_turn((0, 1)), in_turn((2,)))
    return [item for pair in pairs for item in pair if item is not None]


async def embed_batch(
    uow_factory: UowFactory,
    batch: list[Work],
    *,
    embedder: Embedder,
) -> bool:
    """Embed and store one batch; False when another replica is embedding right now."""
    async with uow_factory() as uow:
        got = await uow.session.scalar(
            text("SELECT pg_try_advisory_xact_lock(:id)"), {"id": _EMBED_LOCK_ID}
        )
        if not got:
            return False

        async def embed(space: str) -> dict[str, bytes]:
            items = [(k, t) for k, t, s in batch if s == space]
            fresh = await asyncio.to_thread(embedder, [t for _, t in items], space)
            return {k: to_bytes(v) for (k, _), v in zip(items, fresh, strict=True)}

        vectors: dict[str, bytes] = {}
        # Each model runs on its own thread: the spaces are embedded side by side.
        for part in await asyncio.gather(*map(embed, sorted({s for _, _, s in batch}))):
            vectors.update(part)
        await repo.save_embeddings(uow.session, vectors=vectors)
        await uow.commit()
        return True


async def run_embedder(
    uow_factory: UowFactory,
    *,
    embedder: Embedder,
    batch: int,
    idle_s: float,
    on_refit: Callable[[], None],
    busy: Callable[[], bool],
) -> None:
    """Embed what is missing, then bump the version so every replica refits with it.

    The work list is read once per pass, and only when the knowledge base changed since a
    pass found nothing to do (reading every example and key is not free at 10k examples);
    each batch is committed on its own, so a restart loses at most one batch.
    """
    settled = -1  # the version at which nothing was left to embed
    while True:
        try:
            async with uow_factory() as uow:
                version = await repo.current_version(uow.session)
            work = await missing_texts(uow_factory) if version != settled else []
            if not work:
                settled = version
            added = announced = 0
            while work:
                if busy():
                    # A refit is what makes a change answerable: it gets the CPU first.
                    await asyncio.sleep(0.2)
                    continue
                if not await embed_batch(uow_factory, work[:batch], embedder=embedder):
                    break
                added += len(work[:batch])
                del work[:batch]
                if refit_due(added, announced, len(work)):
                    await _announce(uow_factory, added - announced, on_refit)
                    announced = added
            if added > announced:  # the pass stopped early: another replica embeds
                await _announce(uow_factory, added - announced, on_refit)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("background embedding failed; retrying")
        await asyncio.sleep(idle_s)


async def _announce(uow_factory: UowFactory, added: int, on_refit: Callable[[], None]) -> None:
    """Bump the knowledge-base version so every replica refits with the new embeddings."""
    async with uow_factory() as uow:
        version = await repo.bump_version(uow.session)
        await uow.commit()
    log.info("embedded %s more examples; version %s", added, version)
    on_refit()
