"""kb_service REST routes: articles, import, search, the bot, drafts, reports and assist."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy import func, select

from kb_service import articles as svc
from kb_service import learning
from kb_service.adapters import repository as repo
from kb_service.adapters.orm import ArticleRow, ConversationRow, DraftRow, ExampleRow, FeedbackRow
from kb_service.adapters.repository import ArticleData, StoredArticle
from kb_service.bot import IncidentNotices, record_unanswered, reply_to
from kb_service.config import KbSettings
from kb_service.entrypoints.schemas import (
    AnswerIn,
    AnswerOut,
    ArticleIn,
    ArticleOut,
    DraftOut,
    ImportOut,
    Language,
    PublishIn,
    PublishOut,
    SearchItem,
    StatusOut,
    SuggestionsOut,
    UnansweredGroupOut,
)
from kb_service.index import KbIndex
from shared.problems import Problem
from shared.web import CurrentActor, StaffActor, SupervisorActor, Uow

router = APIRouter(prefix="/api/v1")
MAX_IMPORT = 5000


async def get_index(request: Request) -> KbIndex:
    return request.app.state.kb_index  # type: ignore[no-any-return]


async def get_settings(request: Request) -> KbSettings:
    return request.app.state.runtime.settings  # type: ignore[no-any-return]


async def get_notices(request: Request) -> IncidentNotices:
    return request.app.state.incident_notices  # type: ignore[no-any-return]


Index = Annotated[KbIndex, Depends(get_index)]
Notices = Annotated[IncidentNotices, Depends(get_notices)]
Settings = Annotated[KbSettings, Depends(get_settings)]


def _data(a: ArticleIn) -> ArticleData:
    return ArticleData(a.key, a.language, a.title, a.body, a.category, a.team, tuple(a.examples))


def _out(a: StoredArticle) -> ArticleOut:
    return ArticleOut(
        id=a.id, key=a.key, language=a.language, title=a.title, body=a.body,
        category=a.category, team=a.team, examples=list(a.examples),
    )  # fmt: skip


@router.post("/kb/articles", status_code=201)
async def create_article(
    body: ArticleIn, _: SupervisorActor, uow: Uow, index: Index, settings: Settings
) -> ArticleOut:
    async with uow:
        if await repo.find_article(uow.session, key=body.key, language=body.language):
            raise Problem(409, "an article with this key and language exists; import to replace it")
        stored, _created, version = await svc.import_articles(uow, articles=[_data(body)])
    index.request_refit()
    await index.wait_for(version, timeout_s=settings.import_wait_s)
    return _out(stored[0])


@router.post("/kb/import")
async def import_articles(
    body: list[ArticleIn], _: SupervisorActor, uow: Uow, index: Index, settings: Settings
) -> ImportOut:
    if len(body) > MAX_IMPORT:
        raise Problem(422, f"at most {MAX_IMPORT} articles per import")
    pairs = [(a.key, a.language) for a in body]
    if len(set(pairs)) != len(pairs):
        raise Problem(422, "each (key, language) may appear once per import")
    async with uow:
        stored, created, version = await svc.import_articles(uow, articles=[_data(a) for a in body])
    index.request_refit()
    # Small imports are answered from at once; a big one keeps fitting after this returns.
    indexed = await index.wait_for(version, timeout_s=settings.import_wait_s)
    return ImportOut(
        created=created, updated=len(stored) - created, version=version, indexed=indexed
    )


@router.get("/kb/articles")
async def list_articles(
    _: StaffActor, uow: Uow, key: str | None = None, language: Language | None = None
) -> dict[str, list[ArticleOut]]:
    async with uow:
        found = await repo.load_articles(uow.session)
    items = [
        _out(a)
        for a in found
        if (key is None or a.key == key) and (language is None or a.language == language)
    ]
    return {"items": items}


@router.get("/kb/articles/{article_id}")
async def get_article(article_id: str, _: CurrentActor, uow: Uow) -> ArticleOut:
    async with uow:
        found = await svc.get_article(uow, article_id=article_id)
    if found is None:
        raise Problem(404, "no such article")
    return _out(found)


@router.get("/kb/search")
async def search(
    _: CurrentActor,
    index: Index,
    settings: Settings,
    q: Annotated[str, Query(min_length=1, max_length=2000)],
    language: Language | None = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 5,
) -> dict[str, list[SearchItem]]:
    ranked = await index.rank(q, language=language, limit=limit, wait_s=settings.ready_wait_s)
    items = [
        SearchItem(
            article_id=article.id,
            key=article.key,
            language=article.language,
            title=article.title,
            score=round(match.score, 6),
            fallback_language=article.language if match.fallback_language else None,
        )
        for match, article in ranked
    ]
    return {"items": items}


@router.post("/bot/answer")
async def answer(
    body: AnswerIn,
    actor: CurrentActor,
    uow: Uow,
    index: Index,
    notices: Notices,
    settings: Settings,
    response: Response,
) -> AnswerOut:
    async with uow:
        reply = await reply_to(
            index=index,
            notices=notices,
            session=uow.session,
            text=body.text,
            language=body.language,
            wait_s=settings.ready_wait_s,
        )
        if actor.role == "customer":
            # Staff trying the bot out are not customers with a question the KB lacks.
            await record_unanswered(
                uow.session, index=index, reply=reply, text=body.text, conversation_id=None
            )
            await uow.commit()
    # How much of the answer was the matching engine, for clients and the benchmark.
    response.headers["Server-Timing"] = f"engine;dur={reply.engine_s * 1000:.1f}"
    return AnswerOut(**reply.as_dict())


def _draft_out(d: DraftRow) -> DraftOut:
    return DraftOut.model_validate(d, from_attributes=True)


@router.get("/kb/drafts")
async def list_drafts(
    _: SupervisorActor, uow: Uow, status: str | None = "draft"
) -> dict[str, list[DraftOut]]:
    async with uow:
        drafts = await svc.list_drafts(uow, status=status or None)
    return {"items": [_draft_out(d) for d in drafts]}


@router.post("/kb/drafts/{draft_id}/publish")
async def publish_draft(
    draft_id: str,
    _: SupervisorActor,
    uow: Uow,
    index: Index,
    settings: Settings,
    body: PublishIn | None = None,
) -> PublishOut:
    try:
        uuid.UUID(draft_id)
    except ValueError as exc:
        raise Problem(404, "no such draft") from exc
    changes = body.model_dump(exclude_none=True) if body else {}
    async with uow:
        try:
            draft, outcome, version = await svc.publish_draft(
                uow, draft_id=draft_id, changes=changes
            )
        except svc.DraftNotFound as exc:
            raise Problem(404, "no such draft") from exc
        except svc.DraftAlreadyPublished as exc:
            raise Problem(409, "this draft is already published") from exc
    index.request_refit()
    await index.wait_for(version, timeout_s=settings.import_wait_s)
    assert draft.article_id is not None
    return PublishOut(
        draft=_draft_out(draft), article_id=draft.article_id, outcome=outcome, version=version
    )


@router.get("/kb/unanswered")
async def unanswered(
    _: SupervisorActor,
    uow: Uow,
    index: Index,
    days: Annotated[int, Query(ge=1, le=90)] = 7,
) -> dict[str, list[UnansweredGroupOut]]:
    async with uow:
        groups = await learning.unanswered_report(uow, index=index, days=days)
    return {"groups": [UnansweredGroupOut(**g.__dict__) for g in groups]}


@router.get("/kb/feedback")
async def feedback(
    _: SupervisorActor, uow: Uow, days: Annotated[int, Query(ge=1, le=90)] = 30
) -> dict[str, list[dict[str, object]]]:
    """How often each article's answers helped, by the customers' "did this help?"."""
    since = func.now() - func.make_interval(0, 0, 0, days)
    async with uow:
        rows = await uow.session.execute(
            select(FeedbackRow.key, FeedbackRow.helpful, func.count())
            .where(FeedbackRow.created_at >= since, FeedbackRow.key.is_not(None))
            .group_by(FeedbackRow.key, FeedbackRow.helpful)
        )
    counts: dict[str, dict[str, object]] = {}
    for key, helpful, n in rows:
        item = counts.setdefault(str(key), {"key": key, "helpful": 0, "unhelpful": 0})
        item["helpful" if helpful else "unhelpful"] = int(n)
    return {"items": sorted(counts.values(), key=lambda i: str(i["key"]))}


@router.get("/kb/suggestions")
async def suggestions(
    actor: StaffActor,
    uow: Uow,
    conversation_id: Annotated[str, Query(min_length=1, max_length=64)],
) -> SuggestionsOut:
    async with uow:
        conv = await uow.session.get(ConversationRow, conversation_id)
    # Operators see only the conversations in front of them, like everywhere else.
    if conv is None or (not actor.sees_everything and conv.assignee_id != actor.id):
        raise Problem(404, "no such conversation")
    return SuggestionsOut(
        conversation_id=conv.id, assignee_id=conv.assignee_id, suggestions=conv.suggestions
    )


@router.get("/kb/status")
async def status(_: StaffActor, uow: Uow, index: Index) -> StatusOut:
    async with uow:
        version = await repo.current_version(uow.session)
        n_articles = await uow.session.scalar(select(func.count()).select_from(ArticleRow))
        n_examples = await uow.session.scalar(select(func.count()).select_from(ExampleRow))
    snap = index.snapshot
    return StatusOut(
        version=version,
        indexed_version=index.version,
        ready=snap is not None and index.version >= version,
        articles=int(n_articles or 0),
        examples=int(n_examples or 0),
        embeddings_pending=snap.report.embeddings_skipped if snap and snap.report else 0,
    )
