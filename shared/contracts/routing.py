"""Events routing_service publishes on `routing.events`."""

from __future__ import annotations

from shared.contracts.envelope import EventPayload

TOPIC = "routing.events"


class RoutingEvent(EventPayload):
    topic = TOPIC


class ConversationAssigned(RoutingEvent):
    event_type = "conversation.assigned"
    conversation_id: str
    operator_id: str
    team: str
    language: str
    waited_s: float = 0.0


class AssignmentTimedOut(RoutingEvent):
    event_type = "assignment.timed_out"
    conversation_id: str
    operator_id: str


class QueueUpdated(RoutingEvent):
    event_type = "queue.updated"
    conversation_id: str
    team: str
    language: str
    queue_position: int | None
    estimated_wait_s: int | None
    opens_at: str | None = None


class OperatorPresenceChanged(RoutingEvent):
    event_type = "operator.presence_changed"
    operator_id: str
    status: str
