"""The outbox relay: publishes committed events and marks them sent once the broker acked."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime

from aiokafka import AIOKafkaProducer
from prometheus_client import Counter
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.messaging.tables import outbox

log = logging.getLogger(__name__)
RELAY_LOCK_ID = 0x6D61646F  # any constant: one relay lock per service database
PUBLISHED = Counter("outbox_published_total", "Events the relay published", ["topic"])
FAILURES = Counter("outbox_publish_failures_total", "Relay batches that failed to publish")


class OutboxRelay:
    """Drains the outbox in commit order.

    Only one relay per database publishes at a time (an advisory lock), so replicas of a
    service never reorder one aggregate's events.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        producer: AIOKafkaProducer,
        *,
        poll_s: float = 1.0,
        batch: int = 200,
    ) -> None:
        self._sessions = sessions
        self._producer = producer
        self._poll_s = poll_s
        self._batch = batch
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Ask for a publish pass now instead of at the next poll."""
        self._wake.set()

    async def run(self) -> None:
        """Publish until cancelled; a failed pass leaves rows unsent for the next one."""
        backoff = self._poll_s
        while True:
            # Cleared before the pass, not after: a commit that wakes us while the pass runs
            # may have missed it, and must get a pass of its own rather than wait for the poll.
            self._wake.clear()
            try:
                sent = await self.publish_pending()
                backoff = self._poll_s
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                FAILURES.inc()
                log.warning(
                    "outbox relay pass failed (%s: %s); retrying in %.1fs",
                    type(exc).__name__,
                    exc,
                    backoff,
                )
                sent = 0
                backoff = min(backoff * 2, 10.0)
            if sent >= self._batch:
                continue
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=backoff)
            except TimeoutError:
                pass

    async def publish_pending(self) -> int:
        """One pass: lock a batch of unsent rows, send them all, mark them sent."""
        async with self._sessions() as session, session.begin():
            got_lock = await session.scalar(select(func.pg_try_advisory_xact_lock(RELAY_LOCK_ID)))
            if not got_lock:
                return 0
            rows = (
                await session.execute(
                    select(
                        outbox.c.id,
                        outbox.c.topic,
                        outbox.c.key,
                        outbox.c.envelope,
                        outbox.c.headers,
                    )
                    .where(outbox.c.sent_at.is_(None))
                    .order_by(outbox.c.created_at, outbox.c.id)
                    .limit(self._batch)
                )
            ).all()
            if not rows:
                return 0
            futures = []
            for row in rows:
                payload = _json_bytes(row.envelope)
                headers = [(k, str(v).encode()) for k, v in (row.headers or {}).items()]
                headers.append(("ce_type", str(row.envelope.get("type", "")).encode()))
                futures.append(
                    await self._producer.send(
                        row.topic, payload, key=row.key.encode(), headers=headers
                    )
                )
            # Every send must be acknowledged before any row is marked sent.
            await asyncio.gather(*futures)
            await session.execute(
                update(outbox)
                .where(outbox.c.id.in_([r.id for r in rows]))
                .values(sent_at=datetime.now(UTC), attempts=outbox.c.attempts + 1)
            )
            for row in rows:
                PUBLISHED.labels(row.topic).inc()
            return len(rows)


def _json_bytes(envelope: object) -> bytes:
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode()
