"""Events routing consumes from `chat.events`, and the follow-up dispatch and quotes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime

from routing_service import queues
from routing_service.config import RoutingSettings
from routing_service.dispatcher import dispatch_waiting
from routing_service.quotes import refresh_quotes
from shared.contracts import Envelope
from shared.contracts.chat import (
    ConversationClosed,
    ConversationEscalated,
    ConversationHandoffRequested,
    ConversationTransferRequested,
    MessageCreated,
)
from shared.db import UnitOfWork

Handler = Callable[[UnitOfWork, Envelope], Awaitable[None]]


async def settle(
    uow: UnitOfWork, *, settings: RoutingSettings, now: datetime, touched: Iterable[queues.Queue]
) -> None:
    """Assign whatever can be assigned now, then re-quote every queue that moved."""
    moved = set(touched)
    moved |= {(a.team, a.language) for a in await dispatch_waiting(uow, now=now)}
    for team, language in sorted(moved):
        await refresh_quotes(
            uow,
            team=team,
            language=language,
            now=now,
            prior_handle_s=settings.prior_handle_s,
            min_change_s=settings.quote_min_change_s,
        )


async def apply_chat_event(
    uow: UnitOfWork, env: Envelope, *, settings: RoutingSettings, now: datetime | None = None
) -> None:
    """Apply one chat event inside the caller's unit of work."""
    now = now or datetime.now(UTC)
    touched: list[queues.Queue] = []
    if env.type == ConversationHandoffRequested.event_type:
        h = ConversationHandoffRequested.model_validate(env.data)
        queue = await queues.enqueue(
            uow,
            conversation_id=h.conversation_id,
            customer_id=h.customer_id,
            team=h.team,
            language=h.language,
            priority=h.priority,
            category=h.category,
            reason=h.reason,
            now=now,
        )
        touched += [queue] if queue else []
    elif env.type == ConversationEscalated.event_type:
        e = ConversationEscalated.model_validate(env.data)
        queue = await queues.enqueue(
            uow,
            conversation_id=e.conversation_id,
            customer_id=e.customer_id,
            team=e.team,
            language=e.language,
            reason="escalated",
            note=e.note,
            now=now,
        )
        touched += [queue] if queue else []
    elif env.type == ConversationTransferRequested.event_type:
        t = ConversationTransferRequested.model_validate(env.data)
        await queues.transfer(
            uow,
            conversation_id=t.conversation_id,
            from_operator_id=t.from_operator_id,
            operator_id=t.operator_id,
            now=now,
        )
    elif env.type == ConversationClosed.event_type:
        c = ConversationClosed.model_validate(env.data)
        queue = await queues.close(
            uow,
            conversation_id=c.conversation_id,
            closed_at=env.time,
            prior_handle_s=settings.prior_handle_s,
        )
        touched += [queue] if queue else []
    elif env.type == MessageCreated.event_type:
        m = MessageCreated.model_validate(env.data)
        if m.message.author_type == "operator":
            await queues.mark_answered(
                uow, conversation_id=m.conversation_id, operator_id=m.message.author_id
            )
        return  # an answer frees nothing and moves no queue
    else:
        return
    await settle(uow, settings=settings, now=now, touched=touched)


def chat_handler(settings: RoutingSettings) -> Handler:
    """The subscription handler for `chat.events`."""

    async def on_chat_event(uow: UnitOfWork, env: Envelope) -> None:
        await apply_chat_event(uow, env, settings=settings)

    return on_chat_event
