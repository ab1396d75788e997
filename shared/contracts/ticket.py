"""Events ticket_service publishes on `ticket.events`."""

from __future__ import annotations

from shared.contracts.envelope import EventPayload

TOPIC = "ticket.events"


class TicketEvent(EventPayload):
    topic = TOPIC


class TicketCreated(TicketEvent):
    event_type = "ticket.created"
    ticket_id: str
    customer_id: str
    conversation_id: str | None
    priority: str
    team: str | None


class TicketStatusChanged(TicketEvent):
    event_type = "ticket.status_changed"
    ticket_id: str
    customer_id: str
    old_status: str
    new_status: str


class TicketSlaBreached(TicketEvent):
    event_type = "ticket.sla_breached"
    ticket_id: str
    customer_id: str
    target: str
    due_at: str
