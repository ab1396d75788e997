"""Builds routing_service: operators, presence, queues and assignment."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from routing_service import accounts
from routing_service.config import RoutingSettings
from routing_service.entrypoints.api import internal, router
from routing_service.handlers import chat_handler
from routing_service.scheduler import run_scheduler
from shared.contracts import chat
from shared.service import Runtime, Subscription, build_service_app


def create_app(settings: RoutingSettings | None = None) -> FastAPI:
    """The routing_service ASGI app."""
    settings = settings or RoutingSettings()

    async def on_start(rt: Runtime) -> None:
        await accounts.ensure_admin(rt.uow(), password=settings.admin_password.get_secret_value())
        rt.spawn(run_scheduler(rt.uow, settings=settings), name="routing_service.scheduler")

    return build_service_app(
        name="routing_service",
        settings=settings,
        migrations=Path(__file__).with_name("migrations"),
        routers=[router, internal],
        subscriptions=[Subscription(topics=(chat.TOPIC,), handler=chat_handler(settings))],
        on_start=on_start,
    )
