"""Events monitor_service publishes on `monitor.events`."""

from __future__ import annotations

from shared.contracts.envelope import EventPayload

TOPIC = "monitor.events"


class MonitorEvent(EventPayload):
    topic = TOPIC


class AlertRaised(MonitorEvent):
    event_type = "alert.raised"
    name: str
    severity: str
    detail: str
