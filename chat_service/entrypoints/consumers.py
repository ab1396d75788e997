"""Events of other services applied to conversations: assignment, queue, bot and proactive."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from chat_service import proactive
from chat_service.adapters import repository as repo
from chat_service.adapters.orm import ConversationRow
from chat_service.config import ChatSettings
from chat_service.domain.model import language_of
from chat_service.domain.texts import opens_at_text, position_text, system_text
from chat_service.handlers import append, publish_updated
from chat_service.lifecycle import hand_off, requeue, say
from shared.contracts import Envelope
from shared.contracts.kb import BotAnswered
from shared.contracts.routing import AssignmentTimedOut, ConversationAssigned, QueueUpdated
from shared.contracts.ticket import ProactiveTriggered
from shared.db import UnitOfWork

log = logging.getLogger(__name__)
Handler = Callable[[UnitOfWork, Envelope], Awaitable[None]]


def subscriber(settings: ChatSettings) -> Handler:
    """The handler of chat_service's subscription to routing, kb and ticket events."""
    max_age = timedelta(seconds=settings.proactive_max_age_s)

    async def handle(uow: UnitOfWork, env: Envelope) -> None:
        if env.type == ProactiveTriggered.event_type:
            await proactive.on_triggered(uow, env, max_age=max_age)
        else:
            await on_event(uow, env)

    return handle


async def on_event(uow: UnitOfWork, env: Envelope) -> None:
    """Apply one conversation event of routing_service or kb_service; others are not ours."""
    handler = _HANDLERS.get(env.type)
    if handler is None:
        return
    conversation_id = env.data.get("conversation_id")
    conv = await repo.get_conversation(uow.session, str(conversation_id), for_update=True)
    if conv is None:
        # Another desk's conversation, or one from before a database reset: nothing to apply.
        log.warning("%s for unknown conversation %s", env.type, conversation_id)
        return
    await handler(uow, conv, env)


async def _assigned(uow: UnitOfWork, conv: ConversationRow, env: Envelope) -> None:
    event = ConversationAssigned.model_validate(env.data)
    if conv.status not in ("queued", "assigned") or conv.assignee_id == event.operator_id:
        return  # late or repeated: the conversation moved on (closed, say) or already there
    previous = conv.assignee_id
    conv.status, conv.assignee_id, conv.team = "assigned", event.operator_id, event.team
    conv.queue_position = conv.estimated_wait_s = None
    conv.opens_at = None
    publish_updated(uow, conv, change="assigned", previous_assignee_id=previous)
    line = "transferred" if previous is not None else "assigned"
    await say(uow, conv, system_text(line, language_of(conv.language)))


async def _queue_updated(uow: UnitOfWork, conv: ConversationRow, env: Envelope) -> None:
    event = QueueUpdated.model_validate(env.data)
    if conv.status != "queued":
        return
    first_position = conv.queue_position is None and event.queue_position is not None
    newly_closed = event.opens_at is not None and event.opens_at != conv.opens_at
    unchanged = (
        conv.queue_position == event.queue_position
        and conv.estimated_wait_s == event.estimated_wait_s
        and conv.opens_at == event.opens_at
    )
    if unchanged:
        return
    conv.queue_position = event.queue_position
    conv.estimated_wait_s = event.estimated_wait_s
    conv.opens_at = event.opens_at
    publish_updated(uow, conv, change="queue")
    lang = language_of(conv.language)
    # One line when the customer first learns their place or that the team is closed;
    # every later move shows in the conversation.updated frames, not as chat noise.
    if newly_closed and event.opens_at is not None:
        await say(uow, conv, opens_at_text(event.opens_at, lang))
    elif first_position and event.queue_position is not None:
        await say(uow, conv, position_text(event.queue_position, event.estimated_wait_s, lang))


async def _timed_out(uow: UnitOfWork, conv: ConversationRow, env: Envelope) -> None:
    event = AssignmentTimedOut.model_validate(env.data)
    if conv.status != "assigned" or conv.assignee_id != event.operator_id:
        return
    requeue(uow, conv, change="assignment_timed_out")
    await say(uow, conv, system_text("requeued", language_of(conv.language)))


async def _bot_answered(uow: UnitOfWork, conv: ConversationRow, env: Envelope) -> None:
    event = BotAnswered.model_validate(env.data)
    if conv.status != "bot":
        return  # the customer already asked for a human: a late answer is not shown
    conv.team = event.team or conv.team
    conv.category = event.category or conv.category
    if event.answered and event.text:
        conv.bot_article_id, conv.bot_key = event.article_id, event.key
        await append(
            uow, conv, author_type="bot", author_id="bot", text=event.text, client_msg_id=None
        )
        return
    await hand_off(uow, conv, reason=event.reason or "bot_unanswered")


_HANDLERS = {
    "conversation.assigned": _assigned,
    "queue.updated": _queue_updated,
    "assignment.timed_out": _timed_out,
    "bot.answered": _bot_answered,
}
