"""Builds monitor_service: live metrics from the event stream, staffing advice, alerts."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from monitor_service.config import MonitorSettings
from shared.contracts import Envelope, chat, kb, routing, ticket
from shared.db import UnitOfWork
from shared.service import Subscription, build_service_app


async def on_event(uow: UnitOfWork, env: Envelope) -> None:
    """Every desk event updates the metric read models (logic lands here)."""
    return None


def create_app(settings: MonitorSettings | None = None) -> FastAPI:
    """The monitor_service ASGI app."""
    return build_service_app(
        name="monitor_service",
        settings=settings or MonitorSettings(),
        migrations=Path(__file__).with_name("migrations"),
        routers=[],
        subscriptions=[
            Subscription(
                topics=(chat.TOPIC, routing.TOPIC, ticket.TOPIC, kb.TOPIC), handler=on_event
            )
        ],
    )
