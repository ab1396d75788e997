"""Builds ticket_service: tickets, SLAs, the customer 360 and proactive support."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from shared.contracts import Envelope, chat, exchange, routing
from shared.db import UnitOfWork
from shared.service import Subscription, build_service_app
from ticket_service.config import TicketSettings


async def on_event(uow: UnitOfWork, env: Envelope) -> None:
    """Conversation, routing and exchange events feed tickets and the 360 (logic lands here)."""
    return None


def create_app(settings: TicketSettings | None = None) -> FastAPI:
    """The ticket_service ASGI app."""
    return build_service_app(
        name="ticket_service",
        settings=settings or TicketSettings(),
        migrations=Path(__file__).with_name("migrations"),
        routers=[],
        subscriptions=[
            Subscription(topics=(chat.TOPIC, routing.TOPIC, exchange.TOPIC), handler=on_event)
        ],
    )
