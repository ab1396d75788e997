"""Event contracts: the envelope and every payload, one module per owning service."""

from __future__ import annotations

import functools

from shared.contracts import chat, exchange, kb, monitor, routing, ticket
from shared.contracts.envelope import Envelope, EventPayload, envelope_for

TOPICS: tuple[str, ...] = (
    chat.TOPIC,
    routing.TOPIC,
    ticket.TOPIC,
    kb.TOPIC,
    monitor.TOPIC,
    exchange.TOPIC,
)


@functools.cache
def all_payload_types() -> dict[str, type[EventPayload]]:
    found: dict[str, type[EventPayload]] = {}
    stack: list[type[EventPayload]] = [EventPayload]
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            stack.append(sub)
            if "event_type" in sub.__dict__:
                found[sub.event_type] = sub
    return found


def payload_type(event_type: str) -> type[EventPayload] | None:
    """The payload model registered for an event type, if any."""
    return all_payload_types().get(event_type)


__all__ = [
    "TOPICS",
    "Envelope",
    "EventPayload",
    "all_payload_types",
    "envelope_for",
    "payload_type",
]
