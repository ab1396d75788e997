"""REST commands and queries; each owns its unit of work."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update

from shared.auth import Actor
from shared.db import UnitOfWork
from ticket_service import customers
from ticket_service.adapters import repository as repo
from ticket_service.adapters.orm import AuditRow, ConversationLinkRow, NoteRow
from ticket_service.domain.errors import DomainError
from ticket_service.tickets import TicketRules, reapply_sla, start_sla, store


class NotFound(DomainError):
    """No such ticket (404)."""


def _now() -> datetime:
    return datetime.now(UTC)


def actor_name(actor: Actor) -> str:
    """How a caller appears in the audit trail."""
    return f"{actor.role}:{actor.id}"


async def list_tickets(
    uow: UnitOfWork, *, flt: repo.TicketFilter, limit: int, cursor: str | None
) -> dict[str, Any]:
    """A page of tickets, newest first, with the cursor of the next page."""
    async with uow:
        rows, next_cursor = await repo.list_rows(uow.session, flt, limit=limit, cursor=cursor)
        return {"items": [repo.ticket_view(r) for r in rows], "next_cursor": next_cursor}


async def get_ticket(uow: UnitOfWork, *, ticket_id: str) -> dict[str, Any]:
    """One ticket."""
    async with uow:
        row = await repo.get_row(uow.session, ticket_id)
        if row is None:
            raise NotFound(ticket_id)
        return repo.ticket_view(row)


async def update_ticket(
    uow: UnitOfWork,
    *,
    rules: TicketRules,
    actor: Actor,
    ticket_id: str,
    changes: dict[str, Any],
    now: datetime | None = None,
) -> dict[str, Any]:
    """Apply a PATCH: status, priority, category, team, assignee_id; all or nothing."""
    now, who = now or _now(), actor_name(actor)
    async with uow:
        row = await repo.get_row(uow.session, ticket_id, lock=True)
        if row is None:
            raise NotFound(ticket_id)
        ticket = repo.to_ticket(row)
        if "priority" in changes:
            ticket.set_priority(changes["priority"], actor=who, at=now)
        if "category" in changes:
            ticket.set_category(changes["category"], actor=who, at=now)
        if "team" in changes:
            ticket.set_team(changes["team"], actor=who, at=now)
        if {"priority", "team"} & changes.keys():
            reapply_sla(ticket, rules, at=now)
        if "assignee_id" in changes:
            ticket.assign(changes["assignee_id"], actor=who, at=now)
            if ticket.sla is None and changes["assignee_id"]:
                start_sla(ticket, rules, at=now)
        if "status" in changes:
            ticket.change_status(changes["status"], actor=who, at=now)
        row = store(uow, ticket, now=now, row=row)
        await uow.commit()
        return repo.ticket_view(row)


async def add_note(uow: UnitOfWork, *, actor: Actor, ticket_id: str, body: str) -> dict[str, Any]:
    """Add an internal note, for staff eyes only."""
    now = _now()
    async with uow:
        row = await repo.get_row(uow.session, ticket_id, lock=True)
        if row is None:
            raise NotFound(ticket_id)
        ticket = repo.to_ticket(row)
        note = ticket.add_note(body, author=actor_name(actor), at=now)
        store(uow, ticket, now=now, row=row)
        await uow.commit()
        return {
            "id": note.id,
            "ticket_id": ticket_id,
            "body": note.body,
            "author": note.author,
            "created_at": note.at.isoformat(),
        }


async def list_notes(uow: UnitOfWork, *, ticket_id: str) -> list[dict[str, Any]]:
    """A ticket's notes, oldest first."""
    async with uow:
        if await repo.get_row(uow.session, ticket_id) is None:
            raise NotFound(ticket_id)
        rows = await uow.session.scalars(
            select(NoteRow).where(NoteRow.ticket_id == ticket_id).order_by(NoteRow.at)
        )
        return [
            {
                "id": n.id,
                "ticket_id": n.ticket_id,
                "body": n.body,
                "author": n.author,
                "created_at": n.at.isoformat(),
            }
            for n in rows
        ]


async def audit_trail(uow: UnitOfWork, *, ticket_id: str) -> list[dict[str, Any]]:
    """Every recorded change of a ticket, oldest first."""
    async with uow:
        if await repo.get_row(uow.session, ticket_id) is None:
            raise NotFound(ticket_id)
        rows = await uow.session.scalars(
            select(AuditRow).where(AuditRow.ticket_id == ticket_id).order_by(AuditRow.id)
        )
        return [
            {"at": a.at.isoformat(), "actor": a.actor, "field": a.field, "old": a.old, "new": a.new}
            for a in rows
        ]


async def merge(
    uow: UnitOfWork, *, actor: Actor, ticket_id: str, into_ticket_id: str
) -> dict[str, Any]:
    """Close `ticket_id` as a duplicate of `into_ticket_id`; returns the survivor."""
    now = _now()
    async with uow:
        # Lock in id order so two opposite merges cannot deadlock.
        rows = {}
        for tid in sorted({ticket_id, into_ticket_id}):
            row = await repo.get_row(uow.session, tid, lock=True)
            if row is None:
                raise NotFound(tid)
            rows[tid] = row
        duplicate = repo.to_ticket(rows[ticket_id])
        survivor = (
            repo.to_ticket(rows[into_ticket_id]) if into_ticket_id != ticket_id else duplicate
        )
        duplicate.merge_into(survivor, actor=actor_name(actor), at=now)
        store(uow, duplicate, now=now, row=rows[ticket_id])
        saved = store(uow, survivor, now=now, row=rows[into_ticket_id])
        await uow.session.execute(
            update(ConversationLinkRow)
            .where(ConversationLinkRow.ticket_id == ticket_id)
            .values(ticket_id=into_ticket_id)
        )
        await uow.commit()
        return repo.ticket_view(saved)


async def customer_context(uow: UnitOfWork, *, customer_id: str) -> dict[str, Any]:
    """The customer 360."""
    async with uow:
        return await customers.context_view(uow.session, customer_id)
