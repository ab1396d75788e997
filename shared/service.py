"""Builds a service process: settings, database, migrations, outbox relay, consumers, routes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from aiokafka import AIOKafkaProducer
from fastapi import APIRouter, FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from shared.contracts import Envelope
from shared.db import UnitOfWork, make_engine, make_sessionmaker
from shared.health import Check, health_router
from shared.logging import configure_logging
from shared.messaging.consumer import ConsumerRunner
from shared.messaging.inbox import idempotent
from shared.messaging.kafka import make_consumer, make_producer
from shared.messaging.relay import OutboxRelay
from shared.migrations import upgrade_to_head
from shared.problems import install_problem_handlers
from shared.settings import ServiceSettings
from shared.web import install_correlation_ids, install_nul_guard

log = logging.getLogger(__name__)

EventHandler = Callable[[UnitOfWork, Envelope], Awaitable[None]]


@dataclass
class Subscription:
    """Topics a service consumes into its own database, through one handler."""

    topics: tuple[str, ...]
    handler: EventHandler
    name: str = "events"


@dataclass
class Runtime:
    """What a running service holds: engine, sessions, producer, relay and background tasks."""

    name: str
    settings: ServiceSettings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    producer: AIOKafkaProducer
    relay: OutboxRelay
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def uow(self) -> UnitOfWork:
        """A new unit of work on this service's database."""
        return UnitOfWork(self.sessions, source=f"madoguchi/{self.name}", on_commit=self.relay.wake)

    def spawn(self, coro: Awaitable[None], *, name: str) -> None:
        """Run a background loop for the life of the process; its crash is logged, loudly."""
        task = asyncio.ensure_future(coro)
        task.set_name(name)
        task.add_done_callback(_report_crash)
        self.tasks.append(task)

    async def check_database(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def check_broker(self) -> None:
        await self.producer.client.fetch_all_metadata()


def _report_crash(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("background task %s died", task.get_name(), exc_info=task.exception())


async def start_producer(settings: ServiceSettings, *, client_id: str) -> AIOKafkaProducer:
    """Start a producer, waiting for the broker for up to a minute."""
    for attempt in range(60):
        producer = make_producer(
            settings.kafka_bootstrap_servers,
            idempotence=settings.kafka_idempotence,
            client_id=client_id,
        )
        try:
            await producer.start()
            return producer
        except Exception:
            await producer.stop()
            if attempt == 59:
                raise
            await asyncio.sleep(1)
    raise RuntimeError("unreachable")


async def run_subscription(rt: Runtime, sub: Subscription) -> None:
    """Consume a subscription into the service's database, idempotently, until cancelled."""
    group = f"{rt.name}.{sub.name}"
    handler = idempotent(group, rt.uow, sub.handler)
    while True:
        consumer = make_consumer(
            rt.settings.kafka_bootstrap_servers,
            group_id=group,
            client_id=group,
            fetch_max_wait_ms=rt.settings.kafka_fetch_max_wait_ms,
        )
        try:
            await consumer.start()
            await ConsumerRunner(
                consumer, rt.producer, handler, name=group, topics=sub.topics
            ).run()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("consumer %s failed; restarting", group)
            await asyncio.sleep(1)
        finally:
            with contextlib.suppress(Exception):
                await consumer.stop()


def build_service_app(
    *,
    name: str,
    settings: ServiceSettings,
    migrations: Path | None,
    routers: list[APIRouter],
    subscriptions: list[Subscription] | None = None,
    on_start: Callable[[Runtime], Awaitable[None]] | None = None,
    ready_checks: dict[str, Check] | None = None,
) -> FastAPI:
    """A FastAPI app for one service, with its whole runtime managed by the lifespan.

    `ready_checks` are the service's own conditions for /readyz, beside database and broker.
    """

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(name, settings.log_level)
        url = settings.async_database_url()
        if migrations is not None:
            await upgrade_to_head(migrations, url)
        engine = make_engine(url, pool_size=settings.db_pool_size)
        sessions = make_sessionmaker(engine)
        producer = await start_producer(settings, client_id=name)
        relay = OutboxRelay(sessions, producer, poll_s=settings.relay_poll_s)
        rt = Runtime(name, settings, engine, sessions, producer, relay)
        app.state.runtime = rt
        rt.spawn(relay.run(), name=f"{name}.relay")
        for sub in subscriptions or []:
            rt.spawn(run_subscription(rt, sub), name=f"{name}.{sub.name}")
        if on_start is not None:
            await on_start(rt)
        log.info("%s started", name)
        try:
            yield
        finally:
            for task in rt.tasks:
                task.cancel()
            await asyncio.gather(*rt.tasks, return_exceptions=True)
            await producer.stop()
            await engine.dispose()

    app = FastAPI(title=f"madoguchi {name}", lifespan=lifespan)
    app.state.jwt_secret = settings.jwt_secret.get_secret_value()
    install_problem_handlers(app)
    install_nul_guard(app)
    install_correlation_ids(app)

    async def db_check() -> None:
        await app.state.runtime.check_database()

    async def broker_check() -> None:
        await app.state.runtime.check_broker()

    checks: dict[str, Check] = {"database": db_check, "broker": broker_check}
    app.include_router(health_router(checks | (ready_checks or {})))
    for router in routers:
        app.include_router(router)
    return app
