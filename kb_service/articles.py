"""Writing the knowledge base: articles, imports and published drafts."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select

from kb_service.adapters import repository as repo
from kb_service.adapters.orm import ArticleRow, DraftRow
from kb_service.adapters.repository import ArticleData, StoredArticle
from shared.db import UnitOfWork


class DraftNotFound(Exception):
    """No draft with that id."""


class DraftAlreadyPublished(Exception):
    """The draft was published before."""


async def import_articles(
    uow: UnitOfWork, *, articles: Sequence[ArticleData]
) -> tuple[list[StoredArticle], int, int]:
    """Create or replace articles by (key, language); returns them, created, version."""
    stored, created = await repo.upsert_articles(uow.session, articles=articles)
    version = await repo.bump_version(uow.session)
    await uow.commit()
    return stored, created, version


async def get_article(uow: UnitOfWork, *, article_id: str) -> StoredArticle | None:
    """One article with its examples."""
    for article in await repo.load_articles(uow.session):
        if article.id == article_id:
            return article
    return None


async def list_drafts(uow: UnitOfWork, *, status: str | None) -> list[DraftRow]:
    """Drafts newest first, optionally of one status."""
    query = select(DraftRow).order_by(DraftRow.created_at.desc()).limit(200)
    if status:
        query = query.where(DraftRow.status == status)
    return list(await uow.session.scalars(query))


async def publish_draft(
    uow: UnitOfWork, *, draft_id: str, changes: dict[str, object]
) -> tuple[DraftRow, str, int]:
    """Publish a reviewed draft: a new article, or more examples for its key's article."""
    draft = await uow.session.get(DraftRow, draft_id, with_for_update=True)
    if draft is None:
        raise DraftNotFound(draft_id)
    if draft.status != "draft":
        raise DraftAlreadyPublished(draft_id)
    for name, value in changes.items():
        if value is not None:
            setattr(draft, name, value)
    existing = await repo.find_article(uow.session, key=draft.key, language=draft.language)
    if existing is not None:
        await repo.add_examples(uow.session, article_id=existing.id, texts=draft.examples)
        existing.updated_at = datetime.now(UTC)
        article_id, outcome = existing.id, "examples_added"
    else:
        article_id = str(uuid.uuid4())
        uow.session.add(
            ArticleRow(
                id=article_id,
                key=draft.key,
                language=draft.language,
                title=draft.title,
                body=draft.body,
                category=draft.category,
                team=draft.team,
            )
        )
        await uow.session.flush()
        await repo.add_examples(uow.session, article_id=article_id, texts=draft.examples)
        outcome = "created"
    draft.status, draft.article_id = "published", article_id
    draft.published_at = datetime.now(UTC)
    version = await repo.bump_version(uow.session)
    await uow.commit()
    return draft, outcome, version
