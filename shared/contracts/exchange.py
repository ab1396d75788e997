"""Upstream events of the exchange on `exchange.events`.

Consumed, never produced, except by the bundled exchange simulator.
"""

from __future__ import annotations

from shared.contracts.envelope import EventPayload

TOPIC = "exchange.events"


class ExchangeEvent(EventPayload):
    topic = TOPIC
