"""Events monitor_service publishes on `monitor.events`."""

from __future__ import annotations

from shared.contracts.envelope import EventPayload

TOPIC = "monitor.events"


class MonitorEvent(EventPayload):
    topic = TOPIC


class AlertRaised(MonitorEvent):
    """A watched condition started; raised once until it clears. Subject: the alert name."""

    event_type = "alert.raised"
    name: str
    severity: str
    detail: str
    value: float | None = None
    threshold: float | None = None


class AlertCleared(MonitorEvent):
    """A raised condition no longer holds. Subject: the alert name."""

    event_type = "alert.cleared"
    name: str
    severity: str
    detail: str
