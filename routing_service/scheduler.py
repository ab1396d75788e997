"""The periodic pass every replica runs: presence, unanswered assignments, shift starts, quotes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from routing_service import queues
from routing_service.adapters import repository as repo
from routing_service.adapters.orm import OperatorRow
from routing_service.config import RoutingSettings
from routing_service.handlers import settle
from shared.contracts.routing import OperatorPresenceChanged
from shared.db import UnitOfWork

log = logging.getLogger(__name__)
MakeUow = Callable[[], UnitOfWork]


async def expire_disconnected(make_uow: MakeUow, *, now: datetime, grace_s: float) -> list[str]:
    """Staff whose last socket closed more than the grace period ago go offline."""
    async with make_uow() as uow:
        rows = list(
            await uow.session.scalars(
                select(OperatorRow)
                .where(
                    OperatorRow.connected.is_(False),
                    OperatorRow.disconnected_at < now - timedelta(seconds=grace_s),
                    OperatorRow.presence != "offline",
                )
                .with_for_update(skip_locked=True)
            )
        )
        for row in rows:
            row.presence = "offline"
            uow.publish(
                OperatorPresenceChanged(operator_id=row.id, status="offline"), subject=row.id
            )
        await uow.commit()
        return [r.id for r in rows]


async def settle_all(make_uow: MakeUow, *, settings: RoutingSettings, now: datetime) -> None:
    """Dispatch and re-quote every queue with someone waiting, one transaction per queue."""
    async with make_uow() as uow:
        waiting = await repo.waiting_queues(uow.session)
    for queue in waiting:
        async with make_uow() as uow:
            await settle(uow, settings=settings, now=now, touched=[queue])
            await uow.commit()


async def tick(make_uow: MakeUow, *, settings: RoutingSettings, now: datetime) -> None:
    """One scheduler pass; safe to run on every replica at once."""
    await expire_disconnected(make_uow, now=now, grace_s=settings.disconnect_grace_s)
    async with make_uow() as uow:
        await queues.time_out_unanswered(uow, now=now, answer_timeout_s=settings.answer_timeout_s)
        await uow.commit()
    await settle_all(make_uow, settings=settings, now=now)


async def run_scheduler(make_uow: MakeUow, *, settings: RoutingSettings) -> None:
    """Tick until cancelled; a failed pass is logged and the next one tries again."""
    while True:
        try:
            await tick(make_uow, settings=settings, now=datetime.now(UTC))
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("routing scheduler pass failed")
        await asyncio.sleep(settings.tick_s)
