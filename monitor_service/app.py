"""Builds monitor_service: live metrics from the event stream, staffing advice, alerts."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from monitor_service import alerting
from monitor_service.config import MonitorSettings
from monitor_service.entrypoints.api import router
from monitor_service.handlers import on_event
from shared.contracts import chat, kb, routing, ticket
from shared.service import Runtime, Subscription, build_service_app

__all__ = ["create_app", "on_event"]


def create_app(settings: MonitorSettings | None = None) -> FastAPI:
    """The monitor_service ASGI app."""
    settings = settings or MonitorSettings()

    async def on_start(rt: Runtime) -> None:
        rt.spawn(alerting.run(make_uow=rt.uow, settings=settings), name="monitor_service.alerts")

    return build_service_app(
        name="monitor_service",
        settings=settings,
        migrations=Path(__file__).with_name("migrations"),
        routers=[router],
        subscriptions=[
            Subscription(
                topics=(chat.TOPIC, routing.TOPIC, ticket.TOPIC, kb.TOPIC), handler=on_event
            )
        ],
        on_start=on_start,
    )
