"""Reads and writes of kb_service's tables; never commits (the unit of work does)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from kb_service.adapters.orm import ArticleRow, EmbeddingRow, ExampleRow, KbStateRow


@dataclass(frozen=True)
class ArticleData:
    """An article as a client writes it."""

    key: str
    language: str
    title: str
    body: str
    category: str
    team: str
    examples: tuple[str, ...]


@dataclass(frozen=True)
class StoredArticle:
    """An article as stored, with its examples."""

    id: str
    key: str
    language: str
    title: str
    body: str
    category: str
    team: str
    examples: tuple[str, ...]


async def bump_version(session: AsyncSession) -> int:
    """Mark the knowledge base changed; every replica refits when it sees the new version."""
    result = await session.execute(
        update(KbStateRow)
        .where(KbStateRow.id == 1)
        .values(version=KbStateRow.version + 1, changed_at=func.now())
        .returning(KbStateRow.version)
    )
    return int(result.scalar_one())


async def current_version(session: AsyncSession) -> int:
    """The knowledge base version now."""
    found = await session.scalar(select(KbStateRow.version).where(KbStateRow.id == 1))
    return int(found or 0)


async def upsert_articles(
    session: AsyncSession, *, articles: Sequence[ArticleData]
) -> tuple[list[StoredArticle], int]:
    """Create or replace articles by (key, language); returns them and how many were new."""
    existing = {
        (row.key, row.language): row.id
        for row in await session.scalars(
            select(ArticleRow).where(
                ArticleRow.key.in_({a.key for a in articles}),
            )
        )
    }
    rows = [
        {
            "id": existing.get((a.key, a.language)) or str(uuid.uuid4()),
            "key": a.key,
            "language": a.language,
            "title": a.title,
            "body": a.body,
            "category": a.category,
            "team": a.team,
        }
        for a in articles
    ]
    created = sum((a.key, a.language) not in existing for a in articles)
    # A concurrent import may have created the same (key, language): trust what was stored.
    ids: dict[tuple[str, str], str] = {}
    for start in range(0, len(rows), 1000):
        stmt = insert(ArticleRow).values(rows[start : start + 1000])
        result = await session.execute(
            stmt.on_conflict_do_update(
                constraint="uq_articles_key_language",
                set_={
                    "title": stmt.excluded.title,
                    "body": stmt.excluded.body,
                    "category": stmt.excluded.category,
                    "team": stmt.excluded.team,
                    "updated_at": func.now(),
                },
            ).returning(ArticleRow.id, ArticleRow.key, ArticleRow.language)
        )
        ids.update({(key, language): article_id for article_id, key, language in result})
    stored = [StoredArticle(ids[(a.key, a.language)], *_fields(a)) for a in articles]
    await session.execute(
        delete(ExampleRow).where(ExampleRow.article_id.in_([s.id for s in stored]))
    )
    example_rows = [{"article_id": s.id, "text": t} for s in stored for t in s.examples]
    for start in range(0, len(example_rows), 5000):
        await session.execute(insert(ExampleRow).values(example_rows[start : start + 5000]))
    return stored, created


def _fields(a: ArticleData) -> tuple[str, str, str, str, str, str, tuple[str, ...]]:
    return (a.key, a.language, a.title, a.body, a.category, a.team, a.examples)


async def add_examples(session: AsyncSession, *, article_id: str, texts: Iterable[str]) -> int:
    """Add example questions an article lacks; returns how many were new."""
    have = set(
        await session.scalars(select(ExampleRow.text).where(ExampleRow.article_id == article_id))
    )
    fresh = [t for t in dict.fromkeys(texts) if t not in have]
    if fresh:
        await session.execute(
            insert(ExampleRow).values([{"article_id": article_id, "text": t} for t in fresh])
        )
    return len(fresh)


async def find_article(session: AsyncSession, *, key: str, language: str) -> ArticleRow | None:
    """The article of a key in a language, if any."""
    return await session.scalar(
        select(ArticleRow).where(ArticleRow.key == key, ArticleRow.language == language)
    )


async def load_articles(session: AsyncSession) -> list[StoredArticle]:
    """Every article with its examples, in a stable order."""
    examples: dict[str, list[str]] = {}
    for article_id, text in await session.execute(
        select(ExampleRow.article_id, ExampleRow.text).order_by(ExampleRow.id)
    ):
        examples.setdefault(article_id, []).append(text)
    rows = await session.scalars(select(ArticleRow).order_by(ArticleRow.key, ArticleRow.language))
    return [
        StoredArticle(
            r.id,
            r.key,
            r.language,
            r.title,
            r.body,
            r.category,
            r.team,
            tuple(examples.get(r.id, ())),
        )
        for r in rows
    ]


async def load_embeddings(session: AsyncSession) -> dict[str, bytes]:
    """Every cached embedding by text key."""
    result = await session.execute(select(EmbeddingRow.text_key, EmbeddingRow.vector))
    return {key: bytes(vector) for key, vector in result}


async def embedding_keys(session: AsyncSession) -> set[str]:
    """The text keys that already have an embedding."""
    return set(await session.scalars(select(EmbeddingRow.text_key)))


async def save_embeddings(session: AsyncSession, *, vectors: Mapping[str, bytes]) -> None:
    """Cache embeddings; another replica may have stored the same ones first."""
    items = [{"text_key": k, "vector": v} for k, v in vectors.items()]
    for start in range(0, len(items), 1000):
        await session.execute(
            insert(EmbeddingRow).values(items[start : start + 1000]).on_conflict_do_nothing()
        )
