"""Background loops: SLA breach detection and proactive ticks, split by replicas (SKIP LOCKED)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import select

from shared.db import UnitOfWork
from ticket_service.adapters import repository as repo
from ticket_service.adapters.orm import TicketRow
from ticket_service.proactive_service import ProactiveService
from ticket_service.tickets import store

log = logging.getLogger(__name__)


async def sweep_sla(uow: UnitOfWork, *, now: datetime, limit: int = 500) -> int:
    """Check the tickets whose next deadline has come; returns how many were checked.

    Only rows with `next_due_at <= now` are read (an index range scan), never every ticket;
    rows another replica holds are skipped, not waited for.
    """
    rows = (
        await uow.session.scalars(
            select(TicketRow)
            .where(TicketRow.next_due_at <= now)
            .order_by(TicketRow.next_due_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    ).all()
    for row in rows:
        ticket = repo.to_ticket(row)
        ticket.check_sla(now=now)
        store(uow, ticket, now=now, row=row)
    return len(rows)


async def run_sla_loop(
    make_uow: Callable[[], UnitOfWork],
    *,
    interval_s: float,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    limit: int = 500,
) -> None:
    """Sweep every `interval_s`, draining a backlog in batches before sleeping."""
    while True:
        try:
            while True:
                async with make_uow() as uow:
                    checked = await sweep_sla(uow, now=clock(), limit=limit)
                    await uow.commit()
                if checked < limit:
                    break
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("SLA sweep failed; retrying")
        await asyncio.sleep(interval_s)


async def run_proactive_loop(
    make_uow: Callable[[], UnitOfWork],
    service: ProactiveService,
    *,
    interval_s: float,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> None:
    """Fire time-based proactive rules (pending withdrawals, uncredited deposits) when due."""
    while True:
        try:
            async with make_uow() as uow:
                await service.tick(uow, now=clock())
                await uow.commit()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("proactive tick failed; retrying")
        await asyncio.sleep(interval_s)
