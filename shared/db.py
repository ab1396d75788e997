"""Async engine, sessions and the unit of work that owns a transaction."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from shared.contracts.envelope import EventPayload
from shared.messaging.outbox import Outbox


def make_engine(url: str, *, pool_size: int = 5) -> AsyncEngine:
    """An engine sized to share the server's 100 connections with the other services."""
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=2,
        pool_pre_ping=True,
        pool_timeout=10,
        connect_args={"timeout": 5, "command_timeout": 30},
    )


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)


class UnitOfWork:
    """One transaction: state changes and outbox rows commit together or not at all.

    Rolls back unless `commit()` was called. After a commit that wrote outbox rows
    it wakes the relay so events leave without waiting for its poll.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        source: str,
        on_commit: Callable[[], None] | None = None,
    ) -> None:
        self._sessions = sessions
        self._source = source
        self._on_commit = on_commit

    async def __aenter__(self) -> Self:
        self.session = self._sessions()
        self.outbox = Outbox(self.session, source=self._source)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Detach first so objects read here stay usable after the rollback.
        self.session.expunge_all()
        await self.session.rollback()
        await self.session.close()

    def publish(self, payload: EventPayload, *, subject: str) -> None:
        """Queue an event to be published once this transaction commits."""
        self.outbox.add(payload, subject=subject)

    async def commit(self) -> None:
        """Commit the transaction, then nudge the relay if events were written."""
        wrote_events = await self.outbox.flush()
        await self.session.commit()
        if wrote_events and self._on_commit is not None:
            self._on_commit()
