"""Domain events collected by the ticket aggregate for the service's outbox."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

TICKET_CREATED = "ticket.created"
TICKET_STATUS_CHANGED = "ticket.status_changed"
TICKET_ASSIGNED = "ticket.assigned"
TICKET_UPDATED = "ticket.updated"
TICKET_CONVERSATION_LINKED = "ticket.conversation_linked"
TICKET_MERGED = "ticket.merged"
TICKET_SLA_BREACHED = "ticket.sla_breached"
TICKET_NOTE_ADDED = "ticket.note_added"


@dataclass(frozen=True)
class DomainEvent:
    """Something that happened to one ticket; `data` is JSON-ready (strings, numbers, lists)."""

    type: str
    ticket_id: str
    at: datetime
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AuditEntry:
    """One field change on a ticket, kept forever for the audit trail."""

    at: datetime
    actor: str
    field: str
    old: str | None
    new: str | None
