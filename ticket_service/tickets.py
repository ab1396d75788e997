"""Ticket commands shared by consumers, routes and the scheduler; callers own the transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from shared.contracts import ticket as contracts
from shared.db import UnitOfWork
from ticket_service.adapters import repository as repo
from ticket_service.adapters.orm import ConversationLinkRow, TicketRow
from ticket_service.domain.hours import hours_for
from ticket_service.domain.model import Ticket, find_ticket_to_link
from ticket_service.domain.sla import SlaClock, SlaPolicyTable, load_policy_table

_CONTRACTS: dict[str, type[contracts.TicketEvent]] = {
    c.event_type: c
    for c in (
        contracts.TicketCreated,
        contracts.TicketStatusChanged,
        contracts.TicketSlaBreached,
        contracts.TicketAssigned,
        contracts.TicketUpdated,
        contracts.TicketConversationLinked,
        contracts.TicketMerged,
        contracts.TicketNoteAdded,
    )
}


@dataclass(frozen=True)
class TicketRules:
    """Configuration the ticket commands need: SLA policies and the relink window."""

    policies: SlaPolicyTable = field(default_factory=load_policy_table)
    relink_window: timedelta = timedelta(hours=24)


def publish_events(uow: UnitOfWork, ticket: Ticket) -> None:
    """Move the aggregate's collected events to the outbox, keyed by ticket id."""
    for event in ticket.events:
        uow.publish(_CONTRACTS[event.type].model_validate(event.data), subject=event.ticket_id)
    ticket.events.clear()


def store(uow: UnitOfWork, ticket: Ticket, *, now: datetime, row: TicketRow | None) -> TicketRow:
    """Save the aggregate and queue its events, in the caller's transaction."""
    saved = repo.save(uow.session, ticket, now=now, row=row)
    publish_events(uow, ticket)
    return saved


def start_sla(ticket: Ticket, rules: TicketRules, *, at: datetime) -> None:
    """Start the clock when a human becomes responsible (a bot-only chat has no SLA)."""
    policy = rules.policies.policy_for(team=ticket.team, priority=ticket.priority.value)
    if ticket.sla is None:
        ticket.sla = SlaClock(policy=policy, started_at=at, hours=hours_for(ticket.team))
    else:
        ticket.apply_sla_policy(policy, at=at, hours=hours_for(ticket.team))


def reapply_sla(ticket: Ticket, rules: TicketRules, *, at: datetime) -> None:
    """After a team or priority change, switch to that policy (if the clock runs)."""
    if ticket.sla is not None:
        start_sla(ticket, rules, at=at)


def new_ticket(
    rules: TicketRules,
    *,
    customer_id: str,
    at: datetime,
    actor: str,
    conversation_id: str | None = None,
    team: str | None = None,
    priority: str = "normal",
    category: str | None = None,
    with_sla: bool = False,
) -> Ticket:
    """A fresh ticket; its SLA starts now when a team already owns it."""
    ticket = Ticket.create(
        ticket_id=str(uuid.uuid4()),
        customer_id=customer_id,
        at=at,
        actor=actor,
        conversation_id=conversation_id,
        priority=priority,
        category=category,
        team=team,
    )
    if with_sla:
        start_sla(ticket, rules, at=at)
    return ticket


async def ticket_for_conversation(
    uow: UnitOfWork,
    rules: TicketRules,
    *,
    conversation_id: str,
    customer_id: str | None,
    at: datetime,
    team: str | None = None,
    language: str | None = None,
) -> tuple[Ticket, TicketRow | None] | None:
    """The conversation's ticket, opening or linking one on first sight; None if unknown."""
    link = await repo.get_link(uow.session, conversation_id)
    if link is not None and link.ticket_id is not None:
        linked = await repo.get_row(uow.session, link.ticket_id, lock=True)
        if linked is not None:
            return repo.to_ticket(linked), linked
    if customer_id is None:
        return None
    if link is None:
        link = ConversationLinkRow(conversation_id=conversation_id, status="bot")
        uow.session.add(link)
    link.customer_id = customer_id
    link.team = link.team or team
    link.language = link.language or language
    link.opened_at = link.opened_at or at
    rows = {r.id: r for r in await repo.linkable_rows(uow.session, customer_id)}
    chosen = find_ticket_to_link(
        [repo.to_ticket(r) for r in rows.values()], at, window=rules.relink_window
    )
    actor = f"customer:{customer_id}"
    row: TicketRow | None = None
    if chosen is not None:
        row = rows[chosen.id]
        chosen.link_conversation(conversation_id, actor=actor, at=at)
        ticket = chosen
    else:
        ticket = new_ticket(
            rules, customer_id=customer_id, at=at, actor=actor, conversation_id=conversation_id
        )
    link.ticket_id = ticket.id
    if link.pending_assignee_id is not None:
        # routing.events overtook chat.events: apply the assignment that waited here.
        ticket.assign(link.pending_assignee_id, actor="routing", at=at)
        start_sla(ticket, rules, at=at)
        link.pending_assignee_id = None
    return ticket, row
