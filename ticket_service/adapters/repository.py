"""Loading and saving tickets; the caller's unit of work owns the transaction."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from ticket_service.adapters.codec import clock_from_dict, clock_to_dict
from ticket_service.adapters.orm import AuditRow, ConversationLinkRow, NoteRow, TicketRow
from ticket_service.domain.hours import hours_for
from ticket_service.domain.model import Ticket
from ticket_service.domain.status import Priority, Status


def to_ticket(row: TicketRow) -> Ticket:
    """The aggregate for a row; its notes and audit lists start empty and collect new entries."""
    ticket = Ticket(
        id=row.id,
        customer_id=row.customer_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
        status=Status(row.status),
        priority=Priority(row.priority),
        category=row.category,
        team=row.team,
        assignee_id=row.assignee_id,
        conversation_ids=list(row.conversation_ids or []),
        resolved_at=row.resolved_at,
        merged_into=row.merged_into,
    )
    if row.sla_state is not None:
        ticket.sla = clock_from_dict(row.sla_state, hours=hours_for(row.team))
    return ticket


def save(
    session: AsyncSession, ticket: Ticket, *, now: datetime, row: TicketRow | None
) -> TicketRow:
    """Write the aggregate's state, new notes and new audit entries; returns the row."""
    if row is None:
        row = TicketRow(id=ticket.id, created_at=ticket.created_at)
        session.add(row)
    view = ticket.sla_view()
    row.customer_id = ticket.customer_id
    row.status = ticket.status.value
    row.priority = ticket.priority.value
    row.category = ticket.category
    row.team = ticket.team
    row.assignee_id = ticket.assignee_id
    row.conversation_ids = list(ticket.conversation_ids)
    row.merged_into = ticket.merged_into
    row.resolved_at = ticket.resolved_at
    row.sla_state = clock_to_dict(ticket.sla) if ticket.sla is not None else None
    row.sla_breached = bool(view["breached"])
    row.first_response_due = view["first_response_due"]
    row.resolution_due = view["resolution_due"]
    row.next_due_at = ticket.next_due_at(now)
    row.updated_at = ticket.updated_at
    for note in ticket.notes:
        session.add(
            NoteRow(id=note.id, ticket_id=ticket.id, body=note.body, author=note.author, at=note.at)
        )
    for entry in ticket.audit:
        session.add(
            AuditRow(
                ticket_id=ticket.id,
                at=entry.at,
                actor=entry.actor,
                field=entry.field,
                old=entry.old,
                new=entry.new,
            )
        )
    ticket.notes.clear()
    ticket.audit.clear()
    return row


async def get_row(session: AsyncSession, ticket_id: str, *, lock: bool = False) -> TicketRow | None:
    """One ticket row, optionally locked for update."""
    stmt = select(TicketRow).where(TicketRow.id == ticket_id)
    if lock:
        stmt = stmt.with_for_update()
    return (await session.scalars(stmt)).first()


async def get_link(session: AsyncSession, conversation_id: str) -> ConversationLinkRow | None:
    """The link of a conversation to its ticket, locked: events of one conversation serialise."""
    stmt = (
        select(ConversationLinkRow)
        .where(ConversationLinkRow.conversation_id == conversation_id)
        .with_for_update()
    )
    return (await session.scalars(stmt)).first()


async def linkable_rows(session: AsyncSession, customer_id: str) -> Sequence[TicketRow]:
    """The customer's tickets that a new conversation could rejoin (not closed), locked."""
    stmt = (
        select(TicketRow)
        .where(TicketRow.customer_id == customer_id, TicketRow.status != Status.CLOSED.value)
        .order_by(TicketRow.updated_at.desc())
        .limit(20)
        .with_for_update()
    )
    return (await session.scalars(stmt)).all()


@dataclass(frozen=True)
class TicketFilter:
    """Filters of `GET /tickets`; None means any."""

    customer_id: str | None = None
    statuses: tuple[str, ...] = ()
    team: str | None = None
    assignee_id: str | None = None
    breached: bool | None = None


def encode_cursor(row: TicketRow) -> str:
    """An opaque keyset cursor after `row`."""
    raw = json.dumps([row.created_at.isoformat(), row.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """Inverse of `encode_cursor`; ValueError when it was not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created, ticket_id = json.loads(raw)
        return datetime.fromisoformat(created), str(ticket_id)
    except Exception as exc:
        raise ValueError("bad cursor") from exc


async def list_rows(
    session: AsyncSession, flt: TicketFilter, *, limit: int, cursor: str | None
) -> tuple[Sequence[TicketRow], str | None]:
    """Newest first, by keyset: each page costs the same however deep it is."""
    stmt = select(TicketRow)
    if flt.customer_id is not None:
        stmt = stmt.where(TicketRow.customer_id == flt.customer_id)
    if len(flt.statuses) == 1:
        stmt = stmt.where(TicketRow.status == flt.statuses[0])
    elif flt.statuses:
        stmt = stmt.where(TicketRow.status.in_(flt.statuses))
    if flt.team is not None:
        stmt = stmt.where(TicketRow.team == flt.team)
    if flt.assignee_id is not None:
        stmt = stmt.where(TicketRow.assignee_id == flt.assignee_id)
    if flt.breached is not None:
        stmt = stmt.where(TicketRow.sla_breached.is_(flt.breached))
    if cursor is not None:
        created, ticket_id = decode_cursor(cursor)
        stmt = stmt.where(tuple_(TicketRow.created_at, TicketRow.id) < tuple_(created, ticket_id))
    stmt = stmt.order_by(TicketRow.created_at.desc(), TicketRow.id.desc()).limit(limit + 1)
    rows = (await session.scalars(stmt)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (encode_cursor(rows[-1]) if more and rows else None)


def ticket_view(row: TicketRow) -> dict[str, Any]:
    """The public Ticket of the contract (plus merged_into and csat_score)."""

    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "id": row.id,
        "customer_id": row.customer_id,
        "conversation_ids": list(row.conversation_ids or []),
        "status": row.status,
        "priority": row.priority,
        "category": row.category,
        "team": row.team,
        "assignee_id": row.assignee_id,
        "sla": {
            "first_response_due": iso(row.first_response_due),
            "resolution_due": iso(row.resolution_due),
            "breached": row.sla_breached,
        },
        "merged_into": row.merged_into,
        "csat_score": row.csat_score,
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
    }
