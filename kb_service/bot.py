"""The bot's reply to one message: the engine's verdict put into words."""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kb_service.adapters.orm import IncidentRow, UnansweredRow
from kb_service.domain.texts import Incident, answer_text, handoff_text
from kb_service.index import KbIndex
from kb_service.matching import detect_language, to_bytes

# Hand-offs that are not questions the knowledge base lacks: the report leaves them out.
_NOT_QUESTIONS = frozenset({"smalltalk", "human_requested", "empty", "price_prediction"})


@dataclass(frozen=True)
class BotReply:
    """What the bot does with a message: answer from an article, or hand off (key None)."""

    answered: bool
    key: str | None
    article_id: str | None
    confidence: float
    text: str
    category: str | None
    team: str | None
    language: str
    reason: str
    fallback_language: str | None = None
    engine_s: float = field(default=0.0, compare=False)  # for Server-Timing, not the reply

    def as_dict(self) -> dict[str, Any]:
        reply = asdict(self)
        del reply["engine_s"]
        return reply


async def active_incidents(session: AsyncSession) -> list[Incident]:
    """Incidents the exchange has open now."""
    rows = await session.scalars(
        select(IncidentRow).where(IncidentRow.active.is_(True)).order_by(IncidentRow.updated_at)
    )
    return [Incident(r.title_ja, r.title_en) for r in rows]


class IncidentNotices:
    """The open incidents as replies mention them, read at most every `ttl_s` seconds.

    Every reply needs them and they change rarely: reading them per reply was the biggest
    part of an answer's time besides the engine. A new incident reaches replies within ttl_s.
    """

    def __init__(self, ttl_s: float) -> None:
        self.ttl_s = ttl_s
        self._incidents: list[Incident] = []
        self._read_at = -math.inf

    async def current(self, session: AsyncSession) -> list[Incident]:
        if time.monotonic() - self._read_at >= self.ttl_s:
            self._incidents = await active_incidents(session)
            self._read_at = time.monotonic()
        return self._incidents


async def reply_to(
    *,
    index: KbIndex,
    notices: IncidentNotices,
    session: AsyncSession,
    text: str,
    language: str | None,
    wait_s: float,
) -> BotReply:
    """Ask the engine about one message and word its verdict for the customer."""
    asked = language or detect_language(text)
    incidents = await notices.current(session)
    found = await index.answer(text, language=asked, wait_s=wait_s)
    verdict, article = found.verdict, found.article
    if verdict is None:
        return BotReply(
            False,
            None,
            None,
            0.0,
            handoff_text(asked=asked, incidents=incidents),
            "general",
            "tier1",
            asked,
            "kb_unavailable",
            engine_s=found.seconds,
        )
    if not verdict.answered or article is None:
        # The team and category still route the hand-off; the key is only for answers.
        return BotReply(
            False,
            None,
            None,
            verdict.confidence,
            handoff_text(asked=asked, incidents=incidents),
            verdict.category,
            verdict.team,
            asked,
            verdict.reason,
            engine_s=found.seconds,
        )
    served = article.language
    return BotReply(
        answered=True,
        key=article.key,
        article_id=article.id,
        confidence=verdict.confidence,
        text=answer_text(body=article.body, asked=asked, served=served, incidents=incidents),
        category=article.category,
        team=article.team,
        language=served,
        reason=verdict.reason,
        fallback_language=served if served != asked else None,
        engine_s=found.seconds,
    )


async def record_unanswered(
    session: AsyncSession,
    *,
    index: KbIndex,
    reply: BotReply,
    text: str,
    conversation_id: str | None,
) -> None:
    """Remember a question the bot could not answer, with its meaning, for the unanswered
    report."""
    if reply.answered or reply.reason in _NOT_QUESTIONS:
        return
    text = text[:2000]
    meanings = await index.meanings([text])
    session.add(
        UnansweredRow(
            text=text,
            language=reply.language,
            reason=reply.reason,
            confidence=reply.confidence,
            conversation_id=conversation_id,
            meaning=to_bytes(meanings[0]) if meanings is not None else None,
        )
    )
