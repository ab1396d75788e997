"""Ticket statuses, priorities, teams and the table of legal status transitions."""

from __future__ import annotations

from enum import StrEnum

from ticket_service.domain.errors import InvalidValue

TEAMS = frozenset({"tier1", "tier2", "tax", "legal", "system", "security"})


class Status(StrEnum):
    """Where a ticket is in its life."""

    NEW = "new"
    OPEN = "open"
    PENDING_CUSTOMER = "pending_customer"
    PENDING_INTERNAL = "pending_internal"
    ESCALATED = "escalated"
    RESOLVED = "resolved"
    CLOSED = "closed"


class Priority(StrEnum):
    """How urgent a ticket is."""

    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


S = Status
# `closed` is terminal. Only `new` (spam, empty) and `resolved` close normally; a merge
# closes a duplicate from any live status (see `Ticket.merge_into`).
TRANSITIONS: dict[Status, frozenset[Status]] = {
    S.NEW: frozenset(
        {S.OPEN, S.PENDING_CUSTOMER, S.PENDING_INTERNAL, S.ESCALATED, S.RESOLVED, S.CLOSED}
    ),
    S.OPEN: frozenset({S.PENDING_CUSTOMER, S.PENDING_INTERNAL, S.ESCALATED, S.RESOLVED}),
    S.PENDING_CUSTOMER: frozenset({S.OPEN, S.ESCALATED, S.RESOLVED}),
    S.PENDING_INTERNAL: frozenset({S.OPEN, S.PENDING_CUSTOMER, S.ESCALATED, S.RESOLVED}),
    S.ESCALATED: frozenset({S.OPEN, S.PENDING_CUSTOMER, S.PENDING_INTERNAL, S.RESOLVED}),
    S.RESOLVED: frozenset({S.OPEN, S.CLOSED}),
    S.CLOSED: frozenset(),
}
LIVE = frozenset(set(Status) - {S.RESOLVED, S.CLOSED})


def parse_status(value: Status | str) -> Status:
    """The status called `value`, or InvalidValue."""
    try:
        return Status(value)
    except ValueError:
        raise InvalidValue(f"unknown status {value!r}") from None


def parse_priority(value: Priority | str) -> Priority:
    """The priority called `value`, or InvalidValue."""
    try:
        return Priority(value)
    except ValueError:
        raise InvalidValue(f"unknown priority {value!r}") from None


def parse_team(value: str | None) -> str | None:
    """A known team name or None, or InvalidValue."""
    if value is not None and value not in TEAMS:
        raise InvalidValue(f"unknown team {value!r}")
    return value
