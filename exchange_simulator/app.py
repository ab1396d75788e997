"""The exchange simulator process: demo history at start, scripted scenarios on request."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaProducer
from fastapi import FastAPI
from pydantic import BaseModel, Field

from exchange_simulator.config import SimulatorSettings
from exchange_simulator.scenarios import SCENARIOS, Upstream, demo_events, scenario
from shared.contracts import Envelope, payload_type
from shared.contracts.exchange import TOPIC
from shared.health import health_router
from shared.logging import configure_logging
from shared.messaging.kafka import make_producer
from shared.problems import Problem, install_problem_handlers

log = logging.getLogger(__name__)
SOURCE = "exchange/simulator"


class ScenarioRun(BaseModel):
    customer_id: str = Field(default="cust-001", min_length=1, max_length=100)
    incident_id: str = Field(default="inc-demo", min_length=1, max_length=100)


class Publisher:
    """An upstream producer: acks=all, straight to the topic (no outbox: not a desk service)."""

    def __init__(self, settings: SimulatorSettings) -> None:
        self.settings = settings
        self.producer: AIOKafkaProducer | None = None

    async def connect(self) -> None:
        """Start the producer, waiting for the broker as long as it takes."""
        while self.producer is None:
            producer = make_producer(
                self.settings.kafka_bootstrap_servers,
                idempotence=self.settings.kafka_idempotence,
                client_id="exchange_simulator",
            )
            try:
                await producer.start()
                self.producer = producer
            except Exception:
                await producer.stop()
                await asyncio.sleep(1)

    async def check(self) -> None:
        """Ready once the broker answers."""
        if self.producer is None:
            raise RuntimeError("not connected")
        await self.producer.client.fetch_all_metadata()

    async def publish(self, events: list[Upstream]) -> None:
        """Send in order and wait for every ack."""
        if self.producer is None:
            raise Problem(503, "the broker is not reachable yet")
        for event in events:
            model = payload_type(event.type)
            if model is not None:
                model.model_validate(event.data)  # never send what the contract refuses
            env = Envelope(
                id=event.id,
                source=SOURCE,
                type=event.type,
                time=event.at,
                subject=event.subject,
                data=event.data,
            )
            await self.producer.send_and_wait(TOPIC, env.to_bytes(), key=event.subject.encode())

    async def close(self) -> None:
        if self.producer is not None:
            await self.producer.stop()


def create_app(settings: SimulatorSettings | None = None) -> FastAPI:
    """The exchange_simulator ASGI app."""
    settings = settings or SimulatorSettings()
    publisher = Publisher(settings)

    async def start() -> None:
        await publisher.connect()
        if settings.demo_data:
            events = demo_events(datetime.now(UTC))
            await publisher.publish(events)
            log.info("published %d demo events", len(events))

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        configure_logging("exchange_simulator", settings.log_level)
        task = asyncio.create_task(start())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
            await publisher.close()

    app = FastAPI(title="madoguchi exchange simulator", lifespan=lifespan)
    install_problem_handlers(app)
    app.include_router(health_router({"broker": publisher.check}))

    @app.get("/scenarios")
    async def list_scenarios() -> dict[str, Any]:
        if not settings.dev_mode:
            raise Problem(404, "scenarios are a dev-mode feature")
        return {"items": list(SCENARIOS)}

    @app.post("/scenarios/{name}")
    async def run_scenario(name: str, body: ScenarioRun | None = None) -> dict[str, Any]:
        """Publish a scripted scenario (dev mode only)."""
        if not settings.dev_mode or name not in SCENARIOS:
            raise Problem(404, "no such scenario")
        run = body or ScenarioRun()
        events = scenario(
            name, now=datetime.now(UTC), customer_id=run.customer_id, incident_id=run.incident_id
        )
        await publisher.publish(events)
        return {
            "scenario": name,
            "customer_id": run.customer_id,
            "published": len(events),
            "events": [{"id": e.id, "type": e.type} for e in events],
        }

    return app
