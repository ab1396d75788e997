"""Writing events into the outbox inside the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.contracts.envelope import EventPayload, envelope_for
from shared.logging import correlation_id
from shared.messaging.tables import outbox
from shared.tracing import TRACEPARENT_HEADER, child_of, traceparent


class Outbox:
    """Collects events during a unit of work and writes them just before it commits."""

    def __init__(self, session: AsyncSession, *, source: str) -> None:
        self._session = session
        self._source = source
        self._rows: list[dict[str, Any]] = []

    def add(self, payload: EventPayload, *, subject: str) -> None:
        """Stage one event for the relay, keyed by its aggregate id."""
        env = envelope_for(payload, subject=subject, source=self._source)
        self._rows.append(
            {
                "id": env.id,
                "topic": payload.topic,
                "key": subject,
                "event_type": env.type,
                "envelope": env.model_dump(mode="json"),
                "headers": {
                    "correlation_id": correlation_id.get() or env.id,
                    TRACEPARENT_HEADER: child_of(traceparent.get()),
                },
            }
        )

    async def flush(self) -> int:
        """Insert the staged rows in the current transaction; returns how many."""
        count = len(self._rows)
        if self._rows:
            # clock_timestamp(), unlike the column's now() default, advances within a
            # transaction: the relay, ordering by created_at, keeps the order events were added.
            stmt = insert(outbox).values(created_at=func.clock_timestamp())
            await self._session.execute(stmt, self._rows)
            self._rows = []
        return count
