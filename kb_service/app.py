"""Builds kb_service: articles, the bot and agent assist."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from kb_service.config import KbSettings
from shared.contracts import Envelope, chat
from shared.db import UnitOfWork
from shared.service import Subscription, build_service_app


async def on_event(uow: UnitOfWork, env: Envelope) -> None:
    """Customer messages while with the bot get answered (logic lands here)."""
    return None


def create_app(settings: KbSettings | None = None) -> FastAPI:
    """The kb_service ASGI app."""
    return build_service_app(
        name="kb_service",
        settings=settings or KbSettings(),
        migrations=Path(__file__).with_name("migrations"),
        routers=[],
        subscriptions=[Subscription(topics=(chat.TOPIC,), handler=on_event)],
    )
