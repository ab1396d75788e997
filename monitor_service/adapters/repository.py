"""Row access for the read models: locked get-or-create, facts recorded once, status rules."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from monitor_service.adapters.orm import ConversationRow, FactRow, OperatorRow, TicketRow
from monitor_service.domain.metrics import TERMINAL_STATUS, supersedes


async def conversation(session: AsyncSession, conversation_id: str) -> ConversationRow:
    """The conversation's row, locked; created (status inferred as `bot`) if unseen."""
    await session.execute(
        insert(ConversationRow)
        .values(id=conversation_id, status="bot", status_at=None)
        .on_conflict_do_nothing()
    )
    row = await session.get(ConversationRow, conversation_id, with_for_update=True)
    assert row is not None
    return row


def observe(row: ConversationRow, *, status: str, at: datetime) -> bool:
    """Apply an observed status if it is newer; stamps the moments queues and AHT need."""
    if not supersedes(
        current=row.status if row.status_at else None, current_at=row.status_at, new=status, at=at
    ):
        return False
    if status == "queued" and (row.status != "queued" or row.queued_at is None):
        row.queued_at = at  # each (re-)queueing starts a new wait
    if status == "assigned":
        row.assigned_at = at
        row.first_assigned_at = row.first_assigned_at or at
        row.queue_position = row.estimated_wait_s = None
    if status == TERMINAL_STATUS:
        row.closed_at = row.closed_at or at
    row.status, row.status_at = status, at
    return True


async def fact(session: AsyncSession, *, id: str, kind: str, at: datetime, **fields: Any) -> None:
    """Record a countable happening once, however often it is reported."""
    await session.execute(
        insert(FactRow).values(id=id, kind=kind, at=at, **fields).on_conflict_do_nothing()
    )


async def handle_time(session: AsyncSession, row: ConversationRow) -> None:
    """Once both ends are known (in either order), record assigned -> closed as handle time."""
    if row.first_assigned_at is None or row.closed_at is None:
        return
    seconds = max(0.0, (row.closed_at - row.first_assigned_at).total_seconds())
    await fact(
        session,
        id=f"handle:{row.id}",
        kind="handle",
        at=row.closed_at,
        conversation_id=row.id,
        team=row.team,
        language=row.language,
        value=seconds,
    )


async def ticket(session: AsyncSession, ticket_id: str) -> TicketRow:
    await session.execute(
        insert(TicketRow)
        .values(id=ticket_id, status="new", status_at=None)
        .on_conflict_do_nothing()
    )
    row = await session.get(TicketRow, ticket_id, with_for_update=True)
    assert row is not None
    return row


async def operator(session: AsyncSession, operator_id: str, *, status: str) -> OperatorRow:
    """The operator's row, locked; created with `status` (no time: any report overrides)."""
    await session.execute(
        insert(OperatorRow)
        .values(id=operator_id, status=status, status_at=None)
        .on_conflict_do_nothing()
    )
    row = await session.get(OperatorRow, operator_id, with_for_update=True)
    assert row is not None
    return row
