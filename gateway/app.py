"""Builds the gateway: the one public door (REST, the websocket, auth, fan-out)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

from fastapi import FastAPI

from gateway.config import GatewaySettings
from gateway.entrypoints import auth, proxy
from gateway.realtime import socket
from gateway.realtime.hub import Hub
from gateway.realtime.limits import RateLimiter
from gateway.upstreams import ROUTES, Upstreams, upstream_url
from shared.contracts import chat, kb, routing
from shared.health import health_router
from shared.logging import configure_logging
from shared.messaging.consumer import ConsumerRunner
from shared.messaging.kafka import make_consumer
from shared.problems import install_problem_handlers
from shared.service import start_producer
from shared.web import install_correlation_ids, install_nul_guard

log = logging.getLogger(__name__)
FANOUT_TOPICS = (chat.TOPIC, routing.TOPIC, kb.TOPIC)


async def fan_out(app: FastAPI) -> None:
    """Read the event stream from now on and push frames to this process's sockets."""
    settings: GatewaySettings = app.state.settings
    # Every gateway process reads every event: its own consumer group.
    group = f"gateway.{uuid.uuid4().hex[:12]}"
    while True:
        consumer = make_consumer(
            settings.kafka_bootstrap_servers,
            group_id=group,
            client_id=group,
            from_latest=True,
            fetch_max_wait_ms=settings.kafka_fetch_max_wait_ms,
        )
        try:
            await consumer.start()
            await ConsumerRunner(
                consumer,
                app.state.producer,
                app.state.hub.dispatch,
                name=group,
                topics=FANOUT_TOPICS,
                dead_letter=False,
                on_assigned=app.state.fanout_ready.set,
            ).run()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("gateway fan-out failed; restarting")
            await asyncio.sleep(1)
        finally:
            with contextlib.suppress(Exception):
                await consumer.stop()


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    """The gateway ASGI app."""
    settings = settings or GatewaySettings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging("gateway", settings.log_level)
        app.state.http = Upstreams(settings.upstream_timeout_s)
        app.state.producer = await start_producer(settings, client_id="gateway")
        task = asyncio.ensure_future(fan_out(app))
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await app.state.producer.stop()
            await app.state.http.close()

    app = FastAPI(title="madoguchi gateway", lifespan=lifespan)
    app.state.settings = settings
    app.state.jwt_secret = settings.jwt_secret.get_secret_value()
    app.state.hub = Hub()
    app.state.message_limiter = RateLimiter(
        burst=settings.message_burst, rate_per_s=settings.message_rate_per_s
    )
    # Not ready until the fan-out consumer holds its partitions: before that, events are missed.
    app.state.fanout_ready = asyncio.Event()
    install_problem_handlers(app)
    install_nul_guard(app)
    install_correlation_ids(app)

    async def broker() -> None:
        await app.state.producer.client.fetch_all_metadata()

    def backend_check(service: str) -> Callable[[], Awaitable[None]]:
        async def check() -> None:
            url = f"{upstream_url(settings, service)}/healthz"
            res = await app.state.http.request("GET", url, timeout_s=2)
            if res.status_code != 200:
                raise RuntimeError(f"{service} answered {res.status_code}")

        return check

    async def fanout() -> None:
        if not app.state.fanout_ready.is_set():
            raise RuntimeError("event fan-out has not joined its consumer group yet")

    checks = {"broker": broker, "fanout": fanout} | {
        s: backend_check(s) for s in sorted(set(ROUTES.values()))
    }
    app.include_router(health_router(checks))
    app.include_router(auth.router)
    app.include_router(socket.router)
    app.include_router(proxy.router)
    return app
