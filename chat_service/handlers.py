"""One function per command or consumed event; each owns its unit of work."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from chat_service.adapters import repository as repo
from chat_service.adapters.orm import ConversationRow, MessageRow
from chat_service.domain.errors import IllegalTransition, NotFound
from chat_service.domain.model import author_type_of, can_see
from chat_service.redaction import redact
from shared.auth import Actor
from shared.contracts import Envelope
from shared.contracts.chat import (
    ConversationOpened,
    ConversationView,
    MessageCreated,
    MessageView,
)
from shared.db import UnitOfWork


def _now() -> datetime:
    return datetime.now(UTC)


async def _visible(
    uow: UnitOfWork, actor: Actor, conversation_id: str, *, lock: bool = False
) -> ConversationRow:
    conv = await repo.get_conversation(uow.session, conversation_id, for_update=lock)
    if conv is None or not can_see(
        actor, customer_id=conv.customer_id, assignee_id=conv.assignee_id
    ):
        raise NotFound(conversation_id)
    return conv


async def open_conversation(
    uow: UnitOfWork, *, actor: Actor, language: str | None, text: str | None
) -> ConversationView:
    """A customer opens a conversation, with the bot first; an opening text is its first message."""
    async with uow:
        conv = ConversationRow(
            id=str(uuid.uuid4()),
            customer_id=actor.id,
            status="bot",
            language=language or actor.language,
            last_seq=0,
            created_at=_now(),
            updated_at=_now(),
        )
        uow.session.add(conv)
        await uow.session.flush()
        view = repo.conversation_view(conv)
        uow.publish(ConversationOpened(conversation=view), subject=conv.id)
        if text:
            await _append(uow, conv, actor=actor, text=text, client_msg_id=None)
        await uow.commit()
        return view


async def post_message(
    uow: UnitOfWork, *, actor: Actor, conversation_id: str, text: str, client_msg_id: str
) -> tuple[MessageView, bool]:
    """Store a message once per client_msg_id; returns it and whether it is new."""
    async with uow:
        # The row lock taken here serialises senders: seq stays gap-free and a concurrent
        # retry of the same client_msg_id finds the first one instead of making another.
        conv = await _visible(uow, actor, conversation_id, lock=True)
        existing = await repo.find_by_client_msg_id(
            uow.session, conversation_id=conv.id, author_id=actor.id, client_msg_id=client_msg_id
        )
        if existing is not None:
            return repo.message_view(existing), False
        if conv.status == "closed":
            raise IllegalTransition("the conversation is closed")
        message = await _append(uow, conv, actor=actor, text=text, client_msg_id=client_msg_id)
        await uow.commit()
        return message, True


async def _append(
    uow: UnitOfWork, conv: ConversationRow, *, actor: Actor, text: str, client_msg_id: str | None
) -> MessageView:
    redaction = redact(text)
    row = MessageRow(
        id=str(uuid.uuid4()),
        conversation_id=conv.id,
        seq=await repo.next_seq(uow.session, conv.id),
        author_type=author_type_of(actor),
        author_id=actor.id,
        client_msg_id=client_msg_id,
        text=redaction.text,
        redacted_kinds=",".join(redaction.kinds),
        created_at=_now(),
    )
    uow.session.add(row)
    await uow.session.flush()
    view = repo.message_view(row)
    uow.publish(
        MessageCreated(
            conversation_id=conv.id,
            customer_id=conv.customer_id,
            assignee_id=conv.assignee_id,
            status=conv.status,  # type: ignore[arg-type]
            language=conv.language,
            message=view,
            redacted_kinds=list(redaction.kinds),
        ),
        subject=conv.id,
    )
    return view


async def get_conversation(
    uow: UnitOfWork, *, actor: Actor, conversation_id: str
) -> ConversationView:
    """A conversation the caller may see."""
    async with uow:
        return repo.conversation_view(await _visible(uow, actor, conversation_id))


async def list_messages(
    uow: UnitOfWork, *, actor: Actor, conversation_id: str, after_seq: int, limit: int
) -> list[MessageView]:
    """A page of a visible conversation's messages after `after_seq`."""
    async with uow:
        await _visible(uow, actor, conversation_id)
        rows = await repo.list_messages(
            uow.session, conversation_id=conversation_id, after_seq=after_seq, limit=limit
        )
        return [repo.message_view(r) for r in rows]


async def list_conversations(
    uow: UnitOfWork, *, actor: Actor, status: str | None, assignee: str | None
) -> list[ConversationView]:
    """Conversations the caller may see, filtered."""
    async with uow:
        if actor.role == "customer":
            customer_id, assignee_id = actor.id, None
        elif actor.sees_everything:
            customer_id, assignee_id = None, (actor.id if assignee == "me" else assignee)
        else:
            customer_id, assignee_id = None, actor.id
        rows = await repo.list_conversations(
            uow.session, status=status, assignee_id=assignee_id, customer_id=customer_id, limit=200
        )
        return [repo.conversation_view(r) for r in rows]


async def on_event(uow: UnitOfWork, env: Envelope) -> None:
    """Apply events of other services (assignment, queue position, bot answers)."""
    return None
