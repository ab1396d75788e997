"""Builds chat_service: conversations and ordered, redacted messages."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from chat_service.config import ChatSettings
from chat_service.domain.rate_limit import SendLimit
from chat_service.entrypoints import consumers, lifecycle_api
from chat_service.entrypoints.api import router
from shared.contracts import kb, routing, ticket
from shared.service import Subscription, build_service_app


def create_app(settings: ChatSettings | None = None) -> FastAPI:
    """The chat_service ASGI app."""
    settings = settings or ChatSettings()
    app = build_service_app(
        name="chat_service",
        settings=settings,
        migrations=Path(__file__).with_name("migrations"),
        routers=[router, lifecycle_api.router],
        subscriptions=[
            Subscription(
                topics=(routing.TOPIC, kb.TOPIC, ticket.TOPIC),
                handler=consumers.subscriber(settings),
            )
        ],
    )
    app.state.send_limit = SendLimit(settings.message_burst, settings.message_rate_per_s)
    return app
