"""Builds kb_service: articles, the bot and agent assist."""

from __future__ import annotations

import asyncio
from pathlib import Path

from fastapi import FastAPI
from threadpoolctl import threadpool_limits

from kb_service.bot import IncidentNotices
from kb_service.config import KbSettings
from kb_service.embedder import run_embedder
from kb_service.entrypoints.api import router
from kb_service.handlers import EventConsumer
from kb_service.index import KbIndex
from kb_service.matching import embed_texts
from kb_service.matching.embedding import warm_up
from shared.contracts import chat, ticket
from shared.db import UnitOfWork
from shared.service import Runtime, Subscription, build_service_app


def create_app(settings: KbSettings | None = None) -> FastAPI:
    """The kb_service ASGI app."""
    settings = settings or KbSettings()

    def uow() -> UnitOfWork:
        return app.state.runtime.uow()  # type: ignore[no-any-return]

    index = KbIndex(
        uow=uow, threshold=settings.threshold, fit_embed_budget=settings.fit_embed_budget
    )
    notices = IncidentNotices(settings.incidents_ttl_s)
    consumer = EventConsumer(
        index,
        notices=notices,
        assist_limit=settings.assist_limit,
        ready_wait_s=settings.event_ready_wait_s,
    )

    async def engine_check() -> None:
        if not index.ready:
            raise RuntimeError("the matching engine is not fitted yet")

    async def on_start(rt: Runtime) -> None:
        # Every BLAS call here is small and runs on one thread (a question's scoring, the
        # universal model, a classifier fitted beside another). Set once for the process, the
        # per-call limits taken on different threads cannot restore each other to more.
        threadpool_limits(limits=1, user_api="blas")
        # The models load before the first customer's question needs them, not during it.
        rt.spawn(asyncio.to_thread(warm_up), name="kb.warm-up")
        rt.spawn(index.run(poll_s=settings.version_poll_s), name="kb.refit")
        rt.spawn(
            run_embedder(
                rt.uow,
                embedder=embed_texts,
                batch=settings.embed_batch,
                idle_s=max(settings.version_poll_s, 1.0),
                on_refit=index.request_refit,
                busy=lambda: index.fitting,
            ),
            name="kb.embedder",
        )

    app = build_service_app(
        name="kb_service",
        settings=settings,
        migrations=Path(__file__).with_name("migrations"),
        routers=[router],
        subscriptions=[Subscription(topics=(chat.TOPIC, ticket.TOPIC), handler=consumer)],
        on_start=on_start,
        ready_checks={"engine": engine_check},
    )
    app.state.kb_index = index
    app.state.incident_notices = notices
    return app
