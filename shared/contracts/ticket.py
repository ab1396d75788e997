"""Events ticket_service publishes on `ticket.events`.

Internal note bodies never travel in events: ticket.events reaches partners.
"""

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
    target: str  # first_response, next_response or resolution
    due_at: str


class TicketAssigned(TicketEvent):
    event_type = "ticket.assigned"
    ticket_id: str
    customer_id: str
    assignee_id: str | None
    previous_assignee_id: str | None = None


class TicketUpdated(TicketEvent):
    event_type = "ticket.updated"
    ticket_id: str
    customer_id: str
    field: str  # priority, category or team
    old: str | None = None
    new: str | None = None


class TicketConversationLinked(TicketEvent):
    event_type = "ticket.conversation_linked"
    ticket_id: str
    customer_id: str
    conversation_id: str


class TicketMerged(TicketEvent):
    event_type = "ticket.merged"
    ticket_id: str
    customer_id: str
    survivor_id: str
    duplicate_id: str
    conversation_ids: list[str] = []


class TicketNoteAdded(TicketEvent):
    event_type = "ticket.note_added"
    ticket_id: str
    customer_id: str
    note_id: str
    author: str


class ProactiveTriggered(TicketEvent):
    """A proactive rule fired; `message` is customer-facing (ja/en), `note` staff-only."""

    event_type = "proactive.triggered"
    rule_id: str
    customer_id: str
    action: str  # open_conversation, warn_operator or bot_message
    message: dict[str, str] = {}
    note: str | None = None
    team: str
    priority: str
    dedupe_key: str
    ticket_id: str | None = None  # the ticket opened or noted, if any
    conversation_id: str | None = None  # for bot_message: the conversation to speak in


class IncidentActive(TicketEvent):
    """An exchange-wide incident started (active) or ended; the bot mentions active ones."""

    event_type = "incident.active"
    incident_id: str
    title_ja: str
    title_en: str
    active: bool
    severity: str | None = None
