"""Idempotent consumption: the inbox row and the handler's changes commit together."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.contracts import Envelope
from shared.db import UnitOfWork
from shared.messaging.tables import inbox

U = TypeVar("U", bound=UnitOfWork)


async def claim(session: AsyncSession, *, consumer: str, event_id: str) -> bool:
    """Record the event as applied; False when it already was.

    A concurrent claim of the same event waits on this row's lock and then finds it taken,
    so two replicas racing on a redelivery still apply it once.
    """
    claimed = await session.scalar(
        insert(inbox)
        .values(consumer=consumer, event_id=event_id)
        .on_conflict_do_nothing()
        .returning(inbox.c.event_id)
    )
    return claimed is not None


def idempotent(
    consumer: str,
    make_uow: Callable[[], U],
    handle: Callable[[U, Envelope], Awaitable[None]],
) -> Callable[[Envelope], Awaitable[None]]:
    """Wrap a handler so a redelivered event is applied at most once."""

    async def run(env: Envelope) -> None:
        async with make_uow() as uow:
            if not await claim(uow.session, consumer=consumer, event_id=env.id):
                return
            await handle(uow, env)
            await uow.commit()

    return run
