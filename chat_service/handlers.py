"""Commands on messages and reads; each owns its unit of work."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from chat_service.adapters import repository as repo
from chat_service.adapters.orm import ConversationRow, MessageRow
from chat_service.domain.errors import IllegalTransition, NotFound, TooManyMessages
from chat_service.domain.model import SECURITY_KINDS, author_type_of, can_see, language_of
from chat_service.domain.rate_limit import SendLimit
from chat_service.redaction import Finding, Kind, customer_notice, redact
from shared.auth import Actor
from shared.contracts.chat import (
    ConversationOpened,
    ConversationUpdated,
    ConversationView,
    MessageCreated,
    MessageRead,
    MessageView,
    TypingStarted,
)
from shared.db import UnitOfWork


def now() -> datetime:
    return datetime.now(UTC)


async def visible(
    uow: UnitOfWork, actor: Actor, conversation_id: str, *, lock: bool = False
) -> ConversationRow:
    """A conversation the actor may see, optionally row-locked; NotFound otherwise."""
    conv = await repo.get_conversation(uow.session, conversation_id, for_update=lock)
    if conv is None or not can_see(
        actor, customer_id=conv.customer_id, assignee_id=conv.assignee_id
    ):
        raise NotFound(conversation_id)
    return conv


def notice_for(row: MessageRow, *, language: str) -> str | None:
    """The customer's note on what was masked in their own message."""
    kinds = [Kind(k) for k in row.redacted_kinds.split(",") if k]
    if row.author_type != "customer" or not kinds:
        return None
    findings = [Finding(kind=k, start=0, end=0) for k in kinds]
    return customer_notice(findings, language_of(language))


def own_view(row: MessageRow, actor: Actor, conv: ConversationRow) -> MessageView:
    """A message as this actor sees it: authors get their redaction notice."""
    mine = actor.role == "customer" and row.author_id == actor.id
    return repo.message_view(row, notice=notice_for(row, language=conv.language) if mine else None)


def publish_updated(
    uow: UnitOfWork, conv: ConversationRow, *, change: str, previous_assignee_id: str | None = None
) -> ConversationView:
    """Publish the conversation's new state; every status/assignee/position change does."""
    conv.updated_at = now()
    view = repo.conversation_view(conv)
    uow.publish(
        ConversationUpdated(
            conversation=view, previous_assignee_id=previous_assignee_id, change=change
        ),
        subject=conv.id,
    )
    return view


async def start_conversation(
    uow: UnitOfWork,
    *,
    customer_id: str,
    language: str,
    status: str = "bot",
    team: str | None = None,
    priority: int = 0,
) -> ConversationRow:
    """Store a new conversation and publish `conversation.opened`; the caller commits."""
    conv = ConversationRow(
        id=str(uuid.uuid4()),
        customer_id=customer_id,
        status=status,
        language=language,
        team=team,
        last_seq=0,
        priority=priority,
        security_hint=False,
        customer_read_seq=0,
        operator_read_seq=0,
        created_at=now(),
        updated_at=now(),
    )
    uow.session.add(conv)
    await uow.session.flush()
    uow.publish(ConversationOpened(conversation=repo.conversation_view(conv)), subject=conv.id)
    return conv


async def open_conversation(
    uow: UnitOfWork, *, actor: Actor, language: str | None, text: str | None
) -> ConversationView:
    """A customer opens a conversation, with the bot first; an opening text is its first message."""
    async with uow:
        conv = await start_conversation(
            uow, customer_id=actor.id, language=language or actor.language
        )
        view = repo.conversation_view(conv)
        if text:
            await append(
                uow,
                conv,
                author_type="customer",
                author_id=actor.id,
                text=text,
                client_msg_id=None,
            )
        await uow.commit()
        return view


async def post_message(
    uow: UnitOfWork,
    *,
    actor: Actor,
    conversation_id: str,
    text: str,
    client_msg_id: str,
    limit: SendLimit | None = None,
) -> tuple[MessageView, bool]:
    """Store a message once per client_msg_id; returns it and whether it is new. A customer's
    new messages count against `limit` (a retry of a stored one does not)."""
    async with uow:
        # The row lock taken here serialises senders: seq stays gap-free and a concurrent
        # retry of the same client_msg_id finds the first one instead of making another.
        conv = await visible(uow, actor, conversation_id, lock=True)
        existing = await repo.find_by_client_msg_id(
            uow.session, conversation_id=conv.id, author_id=actor.id, client_msg_id=client_msg_id
        )
        if existing is not None:
            return own_view(existing, actor, conv), False
        if conv.status == "closed":
            raise IllegalTransition("the conversation is closed")
        if limit is not None and actor.role == "customer":
            tokens = await repo.take_send_token(
                uow.session, actor.id, burst=limit.burst, rate_per_s=limit.rate_per_s
            )
            if tokens < 0:
                raise TooManyMessages(limit.retry_after_s(tokens))
        row = await append(
            uow,
            conv,
            author_type=author_type_of(actor),
            author_id=actor.id,
            text=text,
            client_msg_id=client_msg_id,
        )
        await uow.commit()
        return own_view(row, actor, conv), True


async def append(
    uow: UnitOfWork,
    conv: ConversationRow,
    *,
    author_type: str,
    author_id: str | None,
    text: str,
    client_msg_id: str | None,
) -> MessageRow:
    """Add a message with the next seq and publish it; people's text is redacted first."""
    kinds: tuple[str, ...] = ()
    if author_type in ("customer", "operator"):
        redaction = redact(text)
        text, kinds = redaction.text, tuple(k.value for k in redaction.kinds)
        if author_type == "customer" and SECURITY_KINDS.intersection(kinds):
            conv.security_hint = True
    row = MessageRow(
        id=str(uuid.uuid4()),
        conversation_id=conv.id,
        seq=await repo.next_seq(uow.session, conv.id),
        author_type=author_type,
        author_id=author_id,
        client_msg_id=client_msg_id,
        text=text,
        redacted_kinds=",".join(kinds),
        created_at=now(),
    )
    uow.session.add(row)
    await uow.session.flush()
    uow.publish(
        MessageCreated(
            conversation_id=conv.id,
            customer_id=conv.customer_id,
            assignee_id=conv.assignee_id,
            status=conv.status,
            language=conv.language,
            message=repo.message_view(row),
            redacted_kinds=list(kinds),
            redaction_notice=notice_for(row, language=conv.language),
        ),
        subject=conv.id,
    )
    return row


async def get_conversation(
    uow: UnitOfWork, *, actor: Actor, conversation_id: str
) -> ConversationView:
    """A conversation the caller may see."""
    async with uow:
        return repo.conversation_view(await visible(uow, actor, conversation_id))


async def list_messages(
    uow: UnitOfWork, *, actor: Actor, conversation_id: str, after_seq: int, limit: int
) -> list[MessageView]:
    """A page of a visible conversation's messages after `after_seq`."""
    async with uow:
        conv = await visible(uow, actor, conversation_id)
        rows = await repo.list_messages(
            uow.session, conversation_id=conversation_id, after_seq=after_seq, limit=limit
        )
        return [own_view(r, actor, conv) for r in rows]


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


async def start_typing(uow: UnitOfWork, *, actor: Actor, conversation_id: str) -> None:
    """Tell the other side someone is typing (the gateway throttles how often)."""
    async with uow:
        conv = await visible(uow, actor, conversation_id)
        if conv.status == "closed":
            raise IllegalTransition("the conversation is closed")
        uow.publish(
            TypingStarted(
                conversation_id=conv.id,
                customer_id=conv.customer_id,
                assignee_id=conv.assignee_id,
                author_type=author_type_of(actor),
            ),
            subject=conv.id,
        )
        await uow.commit()


async def mark_read(uow: UnitOfWork, *, actor: Actor, conversation_id: str, seq: int) -> int:
    """Record that the actor's side has read up to `seq`; receipts only move forward."""
    async with uow:
        conv = await visible(uow, actor, conversation_id, lock=True)
        seq = min(seq, conv.last_seq)
        customer = actor.role == "customer"
        current = conv.customer_read_seq if customer else conv.operator_read_seq
        if seq <= current:
            return current
        if customer:
            conv.customer_read_seq = seq
        else:
            conv.operator_read_seq = seq
        uow.publish(
            MessageRead(
                conversation_id=conv.id,
                customer_id=conv.customer_id,
                assignee_id=conv.assignee_id,
                reader_type="customer" if customer else "operator",
                reader_id=actor.id,
                seq=seq,
            ),
            subject=conv.id,
        )
        await uow.commit()
        return seq
