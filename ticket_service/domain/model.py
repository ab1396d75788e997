"""The Ticket aggregate: lifecycle, assignment, merge, notes, audit trail and SLA hooks."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from ticket_service.domain import events as ev
from ticket_service.domain.errors import IllegalTransition, InvalidMerge, InvalidValue, TicketClosed
from ticket_service.domain.events import AuditEntry, DomainEvent
from ticket_service.domain.sla import BusinessHours, SlaBreach, SlaClock, SlaPolicy, TargetName
from ticket_service.domain.status import (
    LIVE,
    TRANSITIONS,
    Priority,
    Status,
    parse_priority,
    parse_status,
    parse_team,
)


@dataclass(frozen=True)
class Note:
    """An internal note: staff only, never shown to customers nor put in events."""

    id: str
    body: str
    author: str
    at: datetime


@dataclass(eq=False)
class Ticket:
    """One customer inquiry, across one or more conversations, until it is closed."""

    id: str
    customer_id: str
    created_at: datetime
    updated_at: datetime
    status: Status = Status.NEW
    priority: Priority = Priority.NORMAL
    category: str | None = None
    team: str | None = None
    assignee_id: str | None = None
    conversation_ids: list[str] = field(default_factory=list)
    resolved_at: datetime | None = None
    merged_into: str | None = None
    sla: SlaClock | None = None
    notes: list[Note] = field(default_factory=list)
    audit: list[AuditEntry] = field(default_factory=list)
    events: list[DomainEvent] = field(default_factory=list)

    @classmethod
    def create(
        cls,
        *,
        ticket_id: str,
        customer_id: str,
        at: datetime,
        actor: str,
        conversation_id: str | None = None,
        priority: Priority | str = Priority.NORMAL,
        category: str | None = None,
        team: str | None = None,
        sla_policy: SlaPolicy | None = None,
        hours: BusinessHours | None = None,
    ) -> Ticket:
        """Create a ticket (status `new`) and record `ticket.created`."""
        if at.tzinfo is None:
            raise InvalidValue("timestamps must be timezone-aware")
        ticket = cls(id=ticket_id, customer_id=customer_id, created_at=at, updated_at=at)
        ticket.priority = parse_priority(priority)
        ticket.category = category
        ticket.team = parse_team(team)
        if conversation_id is not None:
            ticket.conversation_ids.append(conversation_id)
        if sla_policy is not None:
            ticket.sla = SlaClock(policy=sla_policy, started_at=at, hours=hours)
        ticket._audit(at=at, actor=actor, name="status", old=None, new=ticket.status.value)
        ticket._emit(
            ev.TICKET_CREATED,
            at,
            conversation_id=conversation_id,
            priority=ticket.priority.value,
            team=ticket.team,
        )
        return ticket

    def change_status(self, to: Status | str, *, actor: str, at: datetime) -> None:
        """Move to `to` if the transition table allows it; the same status is a no-op."""
        target = parse_status(to)
        if target is self.status:
            return
        if target not in TRANSITIONS[self.status]:
            raise IllegalTransition(ticket_id=self.id, current=self.status, requested=target)
        self._move(target, actor=actor, at=at)

    def assign(self, assignee_id: str | None, *, actor: str, at: datetime) -> None:
        """Give the ticket to an operator (None unassigns)."""
        self._require_live()
        old = self.assignee_id
        if old == assignee_id:
            return
        self.assignee_id = assignee_id
        self._audit(at=at, actor=actor, name="assignee_id", old=old, new=assignee_id)
        self._emit(ev.TICKET_ASSIGNED, at, assignee_id=assignee_id, previous_assignee_id=old)

    def set_priority(self, priority: Priority | str, *, actor: str, at: datetime) -> None:
        """Change the priority; the service re-applies the SLA policy with `apply_sla_policy`."""
        self._set_field("priority", parse_priority(priority).value, actor=actor, at=at)
        self.priority = parse_priority(priority)

    def set_category(self, category: str | None, *, actor: str, at: datetime) -> None:
        """Change the category."""
        self._set_field("category", category, actor=actor, at=at)
        self.category = category

    def set_team(self, team: str | None, *, actor: str, at: datetime) -> None:
        """Change the owning team; the service re-applies the SLA policy with `apply_sla_policy`."""
        self._set_field("team", parse_team(team), actor=actor, at=at)
        self.team = parse_team(team)

    def apply_sla_policy(
        self, policy: SlaPolicy, *, at: datetime, hours: BusinessHours | None = None
    ) -> None:
        """Start or switch the SLA policy (and team hours), keeping the time already counted."""
        if self.sla is None:
            self.sla = SlaClock(policy=policy, started_at=self.created_at, hours=hours)
        elif hours is not None:
            self.sla.hours = hours
        self._breached(self.sla.apply_policy(policy, at=at), at)

    def link_conversation(self, conversation_id: str, *, actor: str, at: datetime) -> None:
        """Attach a conversation; a resolved ticket is reopened by it."""
        self._require_live()
        if conversation_id in self.conversation_ids:
            return
        old = ",".join(self.conversation_ids)
        self.conversation_ids.append(conversation_id)
        self._audit(
            at=at,
            actor=actor,
            name="conversation_ids",
            old=old or None,
            new=",".join(self.conversation_ids),
        )
        self._emit(ev.TICKET_CONVERSATION_LINKED, at, conversation_id=conversation_id)
        if self.status is Status.RESOLVED:
            self._move(Status.OPEN, actor=actor, at=at)

    def merge_into(self, other: Ticket, *, actor: str, at: datetime) -> None:
        """Close this duplicate pointing at `other`, moving its conversations over."""
        if other is self or other.id == self.id:
            raise InvalidMerge("a ticket cannot be merged into itself")
        if other.customer_id != self.customer_id:
            raise InvalidMerge("tickets of different customers cannot be merged")
        self._require_live()
        other._require_live()
        moved = [c for c in self.conversation_ids if c not in other.conversation_ids]
        for conversation_id in moved:
            other.link_conversation(conversation_id, actor=actor, at=at)
        self.merged_into = other.id
        self._audit(at=at, actor=actor, name="merged_into", old=None, new=other.id)
        other._audit(at=at, actor=actor, name="merged_from", old=None, new=self.id)
        self._move(Status.CLOSED, actor=actor, at=at)
        self._emit(
            ev.TICKET_MERGED, at, survivor_id=other.id, duplicate_id=self.id, conversation_ids=moved
        )

    def add_note(self, body: str, *, author: str, at: datetime) -> Note:
        """Add an internal note (allowed on closed tickets too, for post-mortems)."""
        if not body.strip():
            raise InvalidValue("a note needs a body")
        note = Note(id=str(uuid.uuid4()), body=body, author=author, at=at)
        self.notes.append(note)
        self._audit(at=at, actor=author, name="notes", old=None, new=note.id)
        # The body stays out of the event: ticket.events reaches partners.
        self._emit(ev.TICKET_NOTE_ADDED, at, note_id=note.id, author=author)
        return note

    def record_operator_reply(self, *, at: datetime) -> None:
        """An operator wrote to the customer: meets first/next response targets."""
        if self.sla is not None:
            self._breached(self.sla.record_operator_reply(at=at), at)

    def record_customer_message(self, *, at: datetime) -> None:
        """The customer wrote: a waiting or resolved ticket goes back to `open`."""
        self._require_live()
        if self.status in (Status.PENDING_CUSTOMER, Status.RESOLVED):
            self._move(Status.OPEN, actor=f"customer:{self.customer_id}", at=at)
        if self.sla is not None:
            self.sla.record_customer_message(at=at)

    def check_sla(self, *, now: datetime) -> list[SlaBreach]:
        """Record `ticket.sla_breached` for every target newly missed by `now`."""
        found = self.sla.breaches(now) if self.sla is not None else []
        self._breached(found, now)
        return found

    def next_due_at(self, now: datetime) -> datetime | None:
        """Value for the indexed `next_due_at` column the SLA scheduler polls."""
        return self.sla.next_deadline(now) if self.sla is not None else None

    def sla_view(self) -> dict[str, Any]:
        """The `sla` object of the public Ticket: first_response_due, resolution_due, breached."""
        clock = self.sla
        return {
            "first_response_due": clock.due_at(TargetName.FIRST_RESPONSE) if clock else None,
            "resolution_due": clock.due_at(TargetName.RESOLUTION) if clock else None,
            "breached": clock.is_breached if clock else False,
        }

    def _move(self, target: Status, *, actor: str, at: datetime) -> None:
        old = self.status
        self.status = target
        self._audit(at=at, actor=actor, name="status", old=old.value, new=target.value)
        self._emit(ev.TICKET_STATUS_CHANGED, at, old_status=old.value, new_status=target.value)
        self.resolved_at = at if target is Status.RESOLVED else self.resolved_at
        self._clock_follows(old, target, at)

    def _clock_follows(self, old: Status, new: Status, at: datetime) -> None:
        clock = self.sla
        if clock is None:
            return
        if new is Status.CLOSED:
            self._breached(clock.stop(at=at), at)
        elif new is Status.RESOLVED:
            self._breached(clock.resolve(at=at), at)
        elif new is Status.PENDING_CUSTOMER:
            clock.pause(at=at)  # waiting on the customer does not count against us
        elif old is Status.RESOLVED:
            clock.reopen(at=at)
        elif old is Status.PENDING_CUSTOMER:
            clock.resume(at=at)

    def _breached(self, breaches: Iterable[SlaBreach], at: datetime) -> None:
        for breach in breaches:
            self._emit(
                ev.TICKET_SLA_BREACHED,
                at,
                target=breach.target.value,
                due_at=breach.due_at.isoformat(),
            )

    def _set_field(self, name: str, new: str | None, *, actor: str, at: datetime) -> None:
        self._require_live()
        old = getattr(self, name)
        old_value = old.value if isinstance(old, StrEnum) else old
        if old_value == new:
            return
        self._audit(at=at, actor=actor, name=name, old=old_value, new=new)
        self._emit(ev.TICKET_UPDATED, at, field=name, old=old_value, new=new)

    def _require_live(self) -> None:
        # Only `closed` is frozen; a resolved ticket may still be edited or reopened.
        if self.status is Status.CLOSED:
            raise TicketClosed(f"ticket {self.id} is closed")

    def _audit(
        self, *, at: datetime, actor: str, name: str, old: str | None, new: str | None
    ) -> None:
        self.audit.append(AuditEntry(at=at, actor=actor, field=name, old=old, new=new))
        self.updated_at = max(self.updated_at, at)

    def _emit(self, event_type: str, at: datetime, **data: Any) -> None:
        # Field names match shared/contracts/ticket.py so the service can build payloads 1:1.
        payload = {"ticket_id": self.id, "customer_id": self.customer_id, **data}
        self.events.append(DomainEvent(type=event_type, ticket_id=self.id, at=at, data=payload))


def find_ticket_to_link(
    open_tickets_of_customer: Iterable[Ticket], now: datetime, *, window: timedelta
) -> Ticket | None:
    """The ticket a returning customer rejoins: a live one, else one resolved within `window`."""
    tickets = list(open_tickets_of_customer)
    live = [t for t in tickets if t.status in LIVE]
    if live:
        return max(live, key=lambda t: t.updated_at)
    recent = [
        t
        for t in tickets
        if t.status is Status.RESOLVED
        and t.resolved_at is not None
        and now - t.resolved_at <= window
    ]
    return max(recent, key=lambda t: t.resolved_at or now) if recent else None
