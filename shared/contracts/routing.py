"""Events routing_service publishes on `routing.events`."""

from __future__ import annotations

from shared.contracts.envelope import EventPayload

TOPIC = "routing.events"


class RoutingEvent(EventPayload):
    topic = TOPIC


class ConversationAssigned(RoutingEvent):
    """An operator got the conversation (from the queue, or by transfer)."""

    event_type = "conversation.assigned"
    conversation_id: str
    operator_id: str
    team: str
    language: str
    waited_s: float = 0.0
    note: str | None = None  # the escalation note, for the next operator's eyes only
    reason: str | None = None  # why it was queued: customer_request, escalated, low_confidence…
    category: str | None = None
    priority: int = 0
    previous_operator_id: str | None = None  # set on a transfer


class AssignmentTimedOut(RoutingEvent):
    """The assigned operator did not answer in time; the conversation is queued again."""

    event_type = "assignment.timed_out"
    conversation_id: str
    operator_id: str
    team: str | None = None
    language: str | None = None


class QueueUpdated(RoutingEvent):
    """A waiting customer's position or ETA changed; `opens_at` is set while the team is closed."""

    event_type = "queue.updated"
    conversation_id: str
    team: str
    language: str
    queue_position: int | None
    estimated_wait_s: int | None
    opens_at: str | None = None


class TransferRejected(RoutingEvent):
    """A transfer could not happen; the conversation stays with `from_operator_id`."""

    event_type = "transfer.rejected"
    conversation_id: str
    from_operator_id: str | None
    operator_id: str
    reason: str  # not_available, off_shift, not_in_team, language_not_spoken, at_capacity, …


class OperatorPresenceChanged(RoutingEvent):
    event_type = "operator.presence_changed"
    operator_id: str
    status: str
