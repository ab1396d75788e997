"""Status changes: handoff, escalation, transfer, close, rating and bot feedback."""

from __future__ import annotations

from chat_service.adapters import repository as repo
from chat_service.adapters.orm import ConversationRow
from chat_service.domain.errors import IllegalTransition, InvalidInput
from chat_service.domain.model import (
    DEFAULT_TEAM,
    check_transition,
    language_of,
    priority_for,
)
from chat_service.domain.texts import system_text
from chat_service.handlers import append, now, publish_updated, visible
from shared.auth import Actor
from shared.contracts.chat import (
    BotFeedback,
    ConversationClosed,
    ConversationEscalated,
    ConversationHandoffRequested,
    ConversationTransferRequested,
    ConversationView,
    CsatSubmitted,
)
from shared.db import UnitOfWork


async def say(uow: UnitOfWork, conv: ConversationRow, text: str) -> None:
    """Post a system message to the conversation."""
    await append(uow, conv, author_type="system", author_id=None, text=text, client_msg_id=None)


async def hand_off(uow: UnitOfWork, conv: ConversationRow, *, reason: str) -> ConversationView:
    """Move a bot conversation to the queue of the team the bot inferred (tier1 by default)."""
    check_transition(conv.status, "queued")
    if conv.status != "bot":
        raise IllegalTransition(f"a {conv.status} conversation is already with the team")
    conv.team = conv.team or DEFAULT_TEAM
    conv.priority = priority_for(team=conv.team, security_hint=conv.security_hint)
    view = queue_for_team(uow, conv, reason=reason, change="handoff")
    await say(uow, conv, system_text("queued", language_of(conv.language)))
    return view


def queue_for_team(
    uow: UnitOfWork, conv: ConversationRow, *, reason: str, change: str
) -> ConversationView:
    """Ask routing to queue the conversation for its team and language, at its priority."""
    conv.status = "queued"
    uow.publish(
        ConversationHandoffRequested(
            conversation_id=conv.id,
            customer_id=conv.customer_id,
            team=conv.team or DEFAULT_TEAM,
            language=conv.language,
            priority=conv.priority,
            category=conv.category,
            reason=reason,
        ),
        subject=conv.id,
    )
    return publish_updated(uow, conv, change=change)


async def request_handoff(
    uow: UnitOfWork, *, actor: Actor, conversation_id: str
) -> ConversationView:
    """The customer asks for a human."""
    async with uow:
        conv = await visible(uow, actor, conversation_id, lock=True)
        view = await hand_off(uow, conv, reason="customer_request")
        await uow.commit()
        return view


def requeue(uow: UnitOfWork, conv: ConversationRow, *, change: str) -> ConversationView:
    """Back to the queue with no assignee (escalation, transfer, timeout)."""
    check_transition(conv.status, "queued")
    previous = conv.assignee_id
    conv.status = "queued"
    conv.assignee_id = None
    conv.queue_position = None
    conv.estimated_wait_s = None
    return publish_updated(uow, conv, change=change, previous_assignee_id=previous)


async def escalate(
    uow: UnitOfWork, *, actor: Actor, conversation_id: str, team: str, note: str | None
) -> ConversationView:
    """An operator re-queues the conversation for another team."""
    async with uow:
        conv = await visible(uow, actor, conversation_id, lock=True)
        if conv.status not in ("queued", "assigned"):
            raise IllegalTransition(f"a {conv.status} conversation cannot be escalated")
        from_team, operator_id = conv.team, conv.assignee_id
        conv.team = team
        conv.priority = priority_for(team=team, security_hint=conv.security_hint)
        view = requeue(uow, conv, change="escalated")
        uow.publish(
            ConversationEscalated(
                conversation_id=conv.id,
                customer_id=conv.customer_id,
                from_team=from_team,
                team=team,
                language=conv.language,
                operator_id=operator_id or actor.id,
                note=note,
            ),
            subject=conv.id,
        )
        await say(uow, conv, system_text("escalated", language_of(conv.language)))
        await uow.commit()
        return view


async def transfer(
    uow: UnitOfWork, *, actor: Actor, conversation_id: str, operator_id: str
) -> ConversationView:
    """Ask routing to hand the conversation to a named operator.

    It stays with its current operator until routing assigns it to the new one
    (`conversation.assigned` with the previous operator) or rejects the transfer.
    """
    async with uow:
        conv = await visible(uow, actor, conversation_id, lock=True)
        if conv.status not in ("queued", "assigned"):
            raise IllegalTransition(f"a {conv.status} conversation cannot be transferred")
        if operator_id == conv.assignee_id:
            raise InvalidInput("the conversation is already with that operator")
        uow.publish(
            ConversationTransferRequested(
                conversation_id=conv.id, from_operator_id=conv.assignee_id, operator_id=operator_id
            ),
            subject=conv.id,
        )
        await uow.commit()
        return repo.conversation_view(conv)


async def close(uow: UnitOfWork, *, actor: Actor, conversation_id: str) -> ConversationView:
    """End the conversation, whoever of its participants asks."""
    async with uow:
        conv = await visible(uow, actor, conversation_id, lock=True)
        check_transition(conv.status, "closed")
        conv.status = "closed"
        conv.closed_at = now()
        conv.queue_position = None
        conv.estimated_wait_s = None
        uow.publish(
            ConversationClosed(
                conversation_id=conv.id,
                customer_id=conv.customer_id,
                assignee_id=conv.assignee_id,
                team=conv.team,
                closed_by=actor.id,
                closed_by_role=actor.role,
            ),
            subject=conv.id,
        )
        view = publish_updated(uow, conv, change="closed")
        await say(uow, conv, system_text("closed", language_of(conv.language)))
        await uow.commit()
        return view


async def rate(
    uow: UnitOfWork, *, actor: Actor, conversation_id: str, score: int, comment: str | None
) -> ConversationView:
    """The customer rates a closed conversation, once."""
    async with uow:
        conv = await visible(uow, actor, conversation_id, lock=True)
        if conv.status != "closed":
            raise IllegalTransition("a conversation can be rated only after it is closed")
        if conv.csat_score is not None:
            raise IllegalTransition("this conversation has already been rated")
        conv.csat_score, conv.csat_comment = score, comment
        uow.publish(
            CsatSubmitted(
                conversation_id=conv.id,
                customer_id=conv.customer_id,
                assignee_id=conv.assignee_id,
                score=score,
                comment=comment,
            ),
            subject=conv.id,
        )
        view = repo.conversation_view(conv)
        await uow.commit()
        return view


async def bot_feedback(
    uow: UnitOfWork, *, actor: Actor, conversation_id: str, helpful: bool
) -> ConversationView:
    """The customer says whether the bot's last answer helped; unhelpful means a human."""
    async with uow:
        conv = await visible(uow, actor, conversation_id, lock=True)
        if conv.bot_article_id is None and conv.bot_key is None:
            raise IllegalTransition("the bot has not answered in this conversation")
        uow.publish(
            BotFeedback(
                conversation_id=conv.id,
                customer_id=conv.customer_id,
                language=conv.language,
                article_id=conv.bot_article_id,
                key=conv.bot_key,
                helpful=helpful,
            ),
            subject=conv.id,
        )
        if not helpful and conv.status == "bot":
            view = await hand_off(uow, conv, reason="bot_unhelpful")
        else:
            view = repo.conversation_view(conv)
        await uow.commit()
        return view
