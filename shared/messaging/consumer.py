"""The consumer runner: decode, validate, handle, then commit the offset; bad input to the DLQ."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition
from aiokafka.structs import ConsumerRecord
from prometheus_client import Counter
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError

from shared.contracts import Envelope, payload_type
from shared.logging import correlation_id
from shared.messaging.dlq import send_to_dlq
from shared.tracing import TRACEPARENT_HEADER, traceparent, valid

log = logging.getLogger(__name__)
CONSUMED = Counter("events_consumed_total", "Events handled", ["consumer", "type"])
DEAD_LETTERED = Counter("events_dead_lettered_total", "Events sent to a DLQ", ["consumer"])

Handler = Callable[[Envelope], Awaitable[None]]


class PoisonMessage(Exception):
    """The event is well-formed but can never be applied; it goes to the DLQ."""


def decode(raw: bytes | None) -> Envelope:
    """Parse an envelope and validate its data against the registered payload model."""
    if raw is None:
        raise PoisonMessage("empty message value")
    env = Envelope.from_bytes(raw)
    model = payload_type(env.type)
    if model is not None:
        model.model_validate(env.data)
    return env


class _CommitOnRevoke(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, runner: ConsumerRunner) -> None:
        self._runner = runner

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        await self._runner.commit_done()

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        if self._runner.on_assigned is not None:
            self._runner.on_assigned()


class ConsumerRunner:
    """Runs one handler over a group consumer, one message at a time per batch, in order."""

    def __init__(
        self,
        consumer: AIOKafkaConsumer,
        dlq_producer: AIOKafkaProducer,
        handler: Handler,
        *,
        name: str,
        topics: tuple[str, ...],
        dead_letter: bool = True,
        on_assigned: Callable[[], None] | None = None,
    ) -> None:
        self._consumer = consumer
        self._producer = dlq_producer
        self._handler = handler
        self._name = name
        self._topics = topics
        self._done: dict[TopicPartition, int] = {}
        # Fan-out readers (the gateway) skip bad input; the owning consumers dead-letter it.
        self._dead_letter_enabled = dead_letter
        self.on_assigned = on_assigned

    async def run(self) -> None:
        """Consume until cancelled."""
        self._consumer.subscribe(list(self._topics), listener=_CommitOnRevoke(self))
        while True:
            batch = await self._consumer.getmany(timeout_ms=500)
            for tp, records in batch.items():
                for record in records:
                    await self._process(record)
                    self._done[tp] = record.offset + 1
            await self.commit_done()

    async def commit_done(self) -> None:
        """Commit the offsets of everything handled so far."""
        if self._done:
            offsets, self._done = self._done, {}
            await self._consumer.commit(offsets)

    async def _process(self, record: ConsumerRecord[bytes, bytes]) -> None:
        try:
            env = decode(record.value)
        except (ValidationError, ValueError, PoisonMessage) as exc:
            await self._dead_letter(record, exc)
            return
        token = correlation_id.set(_header(record, "correlation_id") or env.id)
        trace = traceparent.set(valid(_header(record, TRACEPARENT_HEADER)))
        try:
            await self._handle_with_retry(record, env)
        finally:
            correlation_id.reset(token)
            traceparent.reset(trace)

    async def _handle_with_retry(self, record: ConsumerRecord[bytes, bytes], env: Envelope) -> None:
        delay = 0.2
        while True:
            try:
                await self._handler(env)
                CONSUMED.labels(self._name, env.type).inc()
                return
            except (PoisonMessage, ValidationError) as exc:
                await self._dead_letter(record, exc)
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if _refused_values(exc):
                    # No retry can store these values, and retrying would hold up every event
                    # behind this one.
                    await self._dead_letter(record, exc)
                    return
                # A transient failure (database down, say): retry the same event, never skip it.
                if delay == 0.2:
                    log.exception("handler %s failed on %s; retrying", self._name, env.type)
                else:
                    log.warning("handler %s still failing on %s: %s", self._name, env.type, exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def _dead_letter(self, record: ConsumerRecord[bytes, bytes], exc: Exception) -> None:
        if not self._dead_letter_enabled:
            log.warning(
                "skipping undecodable %s@%s:%s", record.topic, record.partition, record.offset
            )
            return
        DEAD_LETTERED.labels(self._name).inc()
        log.warning(
            "dead-lettering %s@%s:%s: %s", record.topic, record.partition, record.offset, exc
        )
        await send_to_dlq(self._producer, record, error=exc, consumer=self._name)


def _refused_values(exc: Exception) -> bool:
    """True when the database refused the values themselves (SQLSTATE class 22, "data
    exception": too long for the column, out of range, malformed)."""
    if not isinstance(exc, DBAPIError):
        return False
    code = getattr(exc.orig, "sqlstate", None)
    return isinstance(code, str) and code.startswith("22")


def _header(record: ConsumerRecord[bytes, bytes], name: str) -> str | None:
    for key, value in record.headers or ():
        if key == name:
            return str(value.decode(errors="replace"))
    return None
