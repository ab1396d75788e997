"""The alert loop: evaluate conditions, raise once, clear when they stop holding."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import select, text

from monitor_service import readmodel
from monitor_service.adapters.orm import AlertRow
from monitor_service.config import MonitorSettings
from monitor_service.domain.alerts import Observed, QueueWait, Thresholds, conditions, diff
from monitor_service.domain.metrics import since
from shared.contracts.monitor import AlertCleared, AlertRaised
from shared.db import UnitOfWork

log = logging.getLogger(__name__)
# One replica evaluates at a time, so two never raise the same alert.
ALERT_LOCK_ID = 0x6D6F6E61


def thresholds(settings: MonitorSettings) -> Thresholds:
    """The alert limits from settings."""
    return Thresholds(
        queue_wait_s=settings.queue_wait_alert_s,
        breach_spike_count=settings.breach_spike_count,
        containment_below=settings.containment_alert_below,
        containment_min_sample=settings.containment_min_sample,
    )


async def evaluate_once(*, uow: UnitOfWork, settings: MonitorSettings, now: datetime) -> int:
    """Raise and clear alerts against the read models; returns how many events it published."""
    async with uow:
        session = uow.session
        got = await session.scalar(text(f"SELECT pg_try_advisory_xact_lock({ALERT_LOCK_ID})"))
        if not got:
            return 0
        bot = await readmodel.bot_since(session, start=since(now, settings.containment_window_s))
        breaches = await readmodel.breaches_since(
            session, start=since(now, settings.breach_spike_window_s)
        )
        observed = Observed(
            queues=tuple(
                QueueWait(q.team, q.language, q.longest_wait_s)
                for q in await readmodel.queues(session, now=now)
            ),
            recent_breaches=sum(breaches.values()),
            recent_contained=bot["contained"],
            recent_handed_off=bot["handed_off"],
        )
        holding = conditions(observed, thresholds(settings))
        active = {r.name: r for r in await session.scalars(select(AlertRow).where(AlertRow.active))}
        changes = diff(active=active, holding=holding)
        for c in changes.raise_:
            row = await session.get(AlertRow, c.name, with_for_update=True)
            if row is None:
                row = AlertRow(name=c.name)
                session.add(row)
            row.severity, row.detail, row.value, row.threshold = (
                c.severity,
                c.detail,
                c.value,
                c.threshold,
            )
            row.active, row.raised_at, row.cleared_at = True, now, None
            uow.publish(
                AlertRaised(
                    name=c.name,
                    severity=c.severity,
                    detail=c.detail,
                    value=c.value,
                    threshold=c.threshold,
                ),
                subject=c.name,
            )
        for c in changes.still:  # keep the figures current without a second event
            row = active[c.name]
            row.severity, row.detail, row.value = c.severity, c.detail, c.value
        for name in changes.clear:
            row = active[name]
            row.active, row.cleared_at = False, now
            uow.publish(
                AlertCleared(
                    name=name, severity=row.severity, detail=f"cleared; was: {row.detail}"
                ),
                subject=name,
            )
        await uow.commit()
        return len(changes.raise_) + len(changes.clear)


async def run(*, make_uow: Callable[[], UnitOfWork], settings: MonitorSettings) -> None:
    """Evaluate alerts every `alert_interval_s` until cancelled; a failed round is retried."""
    while True:
        try:
            await evaluate_once(uow=make_uow(), settings=settings, now=datetime.now(UTC))
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("alert evaluation failed; retrying next round")
        await asyncio.sleep(settings.alert_interval_s)


async def active_alerts(*, uow: UnitOfWork) -> list[AlertRow]:
    """Alerts that are raised and not yet cleared, newest first."""
    async with uow:
        rows = await uow.session.scalars(
            select(AlertRow).where(AlertRow.active).order_by(AlertRow.raised_at.desc())
        )
        return list(rows.all())
