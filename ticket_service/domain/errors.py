"""Domain errors of the ticket service; the API maps each to an HTTP problem."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every rule violation in the ticket domain (maps to 409 unless noted)."""


class IllegalTransition(DomainError):
    """A status change the transition table does not allow (409)."""

    def __init__(self, *, ticket_id: str, current: str, requested: str) -> None:
        super().__init__(f"ticket {ticket_id}: cannot go from {current} to {requested}")
        self.ticket_id = ticket_id
        self.current = current
        self.requested = requested


class TicketClosed(DomainError):
    """A change to a ticket that is already closed (409)."""


class InvalidMerge(DomainError):
    """A merge between tickets that cannot be merged (409)."""


class InvalidValue(DomainError, ValueError):
    """A field value outside its allowed set (422)."""
