"""Reading and writing conversations and messages; never commits."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from chat_service.adapters.orm import (
    ConversationRow,
    MessageRow,
    ProactiveContactRow,
    SendAllowanceRow,
)
from shared.contracts.chat import ConversationView, MessageView


async def get_conversation(
    session: AsyncSession, conversation_id: str, *, for_update: bool = False
) -> ConversationRow | None:
    """One conversation, optionally row-locked for a state change."""
    stmt = select(ConversationRow).where(ConversationRow.id == conversation_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def next_seq(session: AsyncSession, conversation_id: str) -> int:
    """Take the next message number; the row lock it holds orders concurrent senders."""
    value = await session.scalar(
        update(ConversationRow)
        .where(ConversationRow.id == conversation_id)
        .values(last_seq=ConversationRow.last_seq + 1)
        .returning(ConversationRow.last_seq)
    )
    assert value is not None
    return int(value)


async def take_send_token(
    session: AsyncSession, author_id: str, *, burst: int, rate_per_s: float
) -> float:
    """Take one message from the author's bucket, refilled for the time since it was last
    used, and return what is left: below zero means over the limit (the caller's rollback
    then puts the token back). One statement, so concurrent replicas cannot both spend the
    last token."""
    now = func.clock_timestamp()
    elapsed = func.extract("epoch", now - SendAllowanceRow.updated_at)
    refilled = func.least(burst, SendAllowanceRow.tokens + elapsed * rate_per_s)
    statement = (
        insert(SendAllowanceRow)
        .values(author_id=author_id, tokens=burst - 1, updated_at=now)
        .on_conflict_do_update(
            index_elements=[SendAllowanceRow.author_id],
            set_={"tokens": refilled - 1, "updated_at": now},
        )
        .returning(SendAllowanceRow.tokens)
    )
    tokens = await session.scalar(statement)
    assert tokens is not None
    return float(tokens)


async def find_by_client_msg_id(
    session: AsyncSession, *, conversation_id: str, author_id: str, client_msg_id: str
) -> MessageRow | None:
    """A message already sent with this client id, if any."""
    return (
        await session.execute(
            select(MessageRow).where(
                MessageRow.conversation_id == conversation_id,
                MessageRow.author_id == author_id,
                MessageRow.client_msg_id == client_msg_id,
            )
        )
    ).scalar_one_or_none()


async def list_messages(
    session: AsyncSession, *, conversation_id: str, after_seq: int, limit: int
) -> list[MessageRow]:
    """Messages after a seq, in seq order."""
    rows = await session.execute(
        select(MessageRow)
        .where(MessageRow.conversation_id == conversation_id, MessageRow.seq > after_seq)
        .order_by(MessageRow.seq)
        .limit(limit)
    )
    return list(rows.scalars())


async def list_conversations(
    session: AsyncSession,
    *,
    status: str | None,
    assignee_id: str | None,
    customer_id: str | None,
    limit: int,
) -> list[ConversationRow]:
    """Conversations, newest first, filtered."""
    stmt = select(ConversationRow).order_by(ConversationRow.created_at.desc()).limit(limit)
    if status:
        stmt = stmt.where(ConversationRow.status == status)
    if assignee_id:
        stmt = stmt.where(ConversationRow.assignee_id == assignee_id)
    if customer_id:
        stmt = stmt.where(ConversationRow.customer_id == customer_id)
    return list((await session.execute(stmt)).scalars())


async def latest_of_customer(
    session: AsyncSession, customer_id: str, *, open_only: bool = False, for_update: bool = False
) -> ConversationRow | None:
    """The customer's newest conversation (or newest not closed), optionally row-locked."""
    stmt = (
        select(ConversationRow)
        .where(ConversationRow.customer_id == customer_id)
        .order_by(ConversationRow.created_at.desc(), ConversationRow.id)
        .limit(1)
    )
    if open_only:
        stmt = stmt.where(ConversationRow.status != "closed")
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def claim_proactive(
    session: AsyncSession, *, dedupe_key: str, rule_id: str, action: str, customer_id: str
) -> ProactiveContactRow | None:
    """Record a proactive cause as acted on; None when it already was.

    A concurrent claim of the same cause waits on the key's lock and then finds it taken.
    """
    claimed = await session.scalar(
        insert(ProactiveContactRow)
        .values(dedupe_key=dedupe_key, rule_id=rule_id, action=action, customer_id=customer_id)
        .on_conflict_do_nothing()
        .returning(ProactiveContactRow.dedupe_key)
    )
    if claimed is None:
        return None
    return await session.get(ProactiveContactRow, dedupe_key)


def conversation_view(row: ConversationRow) -> ConversationView:
    """The public shape of a conversation."""
    return ConversationView(
        id=row.id,
        customer_id=row.customer_id,
        status=row.status,
        language=row.language,
        team=row.team,
        assignee_id=row.assignee_id,
        queue_position=row.queue_position,
        estimated_wait_s=row.estimated_wait_s,
        created_at=row.created_at,
        category=row.category,
        priority=row.priority or 0,
        opens_at=row.opens_at,
        closed_at=row.closed_at,
        customer_read_seq=row.customer_read_seq or 0,
        operator_read_seq=row.operator_read_seq or 0,
        csat_score=row.csat_score,
    )


def message_view(row: MessageRow, *, notice: str | None = None) -> MessageView:
    """The public shape of a message; `notice` only for its author's own copy."""
    return MessageView(
        id=row.id,
        conversation_id=row.conversation_id,
        seq=row.seq,
        author_type=row.author_type,
        author_id=row.author_id,
        text=row.text,
        created_at=row.created_at,
        redaction_notice=notice,
    )
