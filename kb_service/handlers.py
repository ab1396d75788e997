"""Events kb_service consumes: chat's conversations and messages, ticket's incidents."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from sqlalchemy import select

from kb_service import learning
from kb_service.adapters.orm import (
    ConversationMessageRow,
    ConversationRow,
    FeedbackRow,
    IncidentRow,
)
from kb_service.bot import IncidentNotices, record_unanswered, reply_to
from kb_service.index import KbIndex
from shared.contracts import Envelope
from shared.contracts.chat import (
    BotFeedback,
    ConversationClosed,
    ConversationOpened,
    ConversationUpdated,
    ConversationView,
    MessageCreated,
)
from shared.contracts.kb import AssistSuggested, BotAnswered, Suggestion
from shared.contracts.ticket import IncidentActive
from shared.db import UnitOfWork

log = logging.getLogger(__name__)

# The latest customer messages an operator's suggestions are ranked for.
_ASSIST_MESSAGES = 2
_SUGGESTION_CHARS = 1000


class EventConsumer:
    """Applies consumed events to kb's read models; answers and assists as they arrive."""

    def __init__(
        self,
        index: KbIndex,
        *,
        notices: IncidentNotices,
        assist_limit: int,
        ready_wait_s: float,
    ) -> None:
        self.index = index
        self.notices = notices
        self.assist_limit = assist_limit
        self.ready_wait_s = ready_wait_s
        self._handlers: dict[str, Callable[[UnitOfWork, Envelope], Awaitable[None]]] = {
            "conversation.opened": self._opened,
            "conversation.updated": self._updated,
            "message.created": self._message,
            "conversation.closed": self._closed,
            "bot.feedback": self._feedback,
            "incident.active": self._incident,
        }

    async def __call__(self, uow: UnitOfWork, env: Envelope) -> None:
        handler = self._handlers.get(env.type)
        if handler is not None:
            await handler(uow, env)

    async def _opened(self, uow: UnitOfWork, env: Envelope) -> None:
        await _follow(uow, ConversationOpened.model_validate(env.data).conversation)

    async def _updated(self, uow: UnitOfWork, env: Envelope) -> None:
        view = ConversationUpdated.model_validate(env.data).conversation
        conv = await _get(uow, view.id)
        newly_assigned = view.status == "assigned" and (
            conv is None or conv.status != "assigned" or conv.assignee_id != view.assignee_id
        )
        conv = await _follow(uow, view)
        if newly_assigned:
            await self._assist(uow, conv)

    async def _message(self, uow: UnitOfWork, env: Envelope) -> None:
        event = MessageCreated.model_validate(env.data)
        msg = event.message
        conv = await _get(uow, event.conversation_id)
        if conv is None:
            conv = ConversationRow(
                id=event.conversation_id,
                customer_id=event.customer_id,
                status=event.status,
                language=event.language,
                assignee_id=event.assignee_id,
                bot_answered=False,
                closed=False,
                suggestions=[],
            )
            uow.session.add(conv)
        elif not conv.closed:
            conv.status, conv.assignee_id = event.status, event.assignee_id
        if msg.author_type not in ("customer", "operator"):
            return
        uow.session.add(
            ConversationMessageRow(
                id=msg.id,
                conversation_id=event.conversation_id,
                seq=msg.seq,
                author_type=msg.author_type,
                text=msg.text,
                created_at=msg.created_at,
            )
        )
        await uow.session.flush()
        if msg.author_type != "customer":
            return
        if event.status == "bot":
            await self._answer(uow, event, conv)
        elif event.status == "assigned" and event.assignee_id:
            await self._assist(uow, conv)

    async def _answer(self, uow: UnitOfWork, event: MessageCreated, conv: ConversationRow) -> None:
        text = event.message.text
        reply = await reply_to(
            index=self.index,
            notices=self.notices,
            session=uow.session,
            text=text,
            language=event.language,
            wait_s=self.ready_wait_s,
        )
        conv.bot_answered = conv.bot_answered or reply.answered
        await record_unanswered(
            uow.session, index=self.index, reply=reply, text=text, conversation_id=conv.id
        )
        uow.publish(
            BotAnswered(
                conversation_id=event.conversation_id,
                message_id=event.message.id,
                answered=reply.answered,
                key=reply.key,
                article_id=reply.article_id,
                confidence=reply.confidence,
                text=reply.text,
                category=reply.category,
                team=reply.team,
                language=reply.language,
                reason=reply.reason,
                fallback_language=reply.fallback_language,
            ),
            subject=event.conversation_id,
        )

    async def _assist(self, uow: UnitOfWork, conv: ConversationRow) -> None:
        """Rank articles for the latest customer messages and offer them to the assignee."""
        if not conv.assignee_id:
            return
        latest = await latest_customer_texts(uow, conversation_id=conv.id)
        if not latest:
            return
        ranked = await self.index.rank(
            "\n".join(latest),
            language=conv.language,
            limit=self.assist_limit,
            wait_s=self.ready_wait_s,
        )
        suggestions = [
            Suggestion(
                article_id=article.id,
                key=article.key,
                title=article.title,
                score=round(match.score, 4),
                text=article.body[:_SUGGESTION_CHARS],
            )
            for match, article in ranked
        ]
        conv.suggestions = [s.model_dump() for s in suggestions]
        conv.updated_at = datetime.now(UTC)
        uow.publish(
            AssistSuggested(
                conversation_id=conv.id, assignee_id=conv.assignee_id, suggestions=suggestions
            ),
            subject=conv.id,
        )

    async def _closed(self, uow: UnitOfWork, env: Envelope) -> None:
        event = ConversationClosed.model_validate(env.data)
        conv = await _get(uow, event.conversation_id)
        if conv is None or conv.closed:
            return
        conv.status, conv.closed = "closed", True
        await learning.draft_from_closed(uow, index=self.index, conv=conv, team=event.team)

    async def _feedback(self, uow: UnitOfWork, env: Envelope) -> None:
        event = BotFeedback.model_validate(env.data)
        uow.session.add(
            FeedbackRow(
                conversation_id=event.conversation_id,
                article_id=event.article_id,
                key=event.key,
                helpful=event.helpful,
            )
        )
        conv = await _get(uow, event.conversation_id)
        if conv is not None and not event.helpful:
            # An answer the customer says did not help is no answer: learn from the operator's.
            conv.bot_answered = False

    async def _incident(self, uow: UnitOfWork, env: Envelope) -> None:
        event = IncidentActive.model_validate(env.data)
        row = await uow.session.get(IncidentRow, event.incident_id, with_for_update=True)
        if row is None:
            row = IncidentRow(id=event.incident_id)
            uow.session.add(row)
        row.title_ja, row.title_en, row.active = event.title_ja, event.title_en, event.active
        row.updated_at = datetime.now(UTC)


async def _get(uow: UnitOfWork, conversation_id: str) -> ConversationRow | None:
    return await uow.session.get(ConversationRow, conversation_id, with_for_update=True)


async def _follow(uow: UnitOfWork, view: ConversationView) -> ConversationRow:
    """Create or update the read model of a conversation from chat's view of it."""
    conv = await _get(uow, view.id)
    if conv is None:
        conv = ConversationRow(
            id=view.id,
            customer_id=view.customer_id,
            bot_answered=False,
            closed=False,
            suggestions=[],
        )
        uow.session.add(conv)
    if not conv.closed:
        # `closed` is set by conversation.closed alone: it marks the closing as learned from.
        conv.status, conv.assignee_id = view.status, view.assignee_id
    conv.language = view.language
    conv.updated_at = datetime.now(UTC)
    return conv


async def latest_customer_texts(uow: UnitOfWork, *, conversation_id: str) -> list[str]:
    """The conversation's latest customer messages, oldest first."""
    rows = await uow.session.scalars(
        select(ConversationMessageRow.text)
        .where(
            ConversationMessageRow.conversation_id == conversation_id,
            ConversationMessageRow.author_type == "customer",
        )
        .order_by(ConversationMessageRow.seq.desc())
        .limit(_ASSIST_MESSAGES)
    )
    return list(reversed(list(rows)))
