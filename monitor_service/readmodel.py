"""Queries over the read models: the snapshot and the figures staffing and alerts need."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, distinct, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from monitor_service.adapters.orm import ConversationRow, FactRow, OperatorRow, TicketRow
from monitor_service.domain.metrics import (
    LIVE_STATUSES,
    TICKET_DONE,
    OperatorPresence,
    containment_rate,
    operator_load,
    per_hour,
    since,
    tokyo_day_start,
)
from shared.contracts import chat

C, F = ConversationRow, FactRow


@dataclass(frozen=True)
class Queue:
    team: str
    language: str
    waiting: int
    longest_wait_s: float
    max_estimated_wait_s: int | None


async def queues(session: AsyncSession, *, now: datetime) -> list[Queue]:
    """Waiting conversations by team and language, with the oldest wait."""
    rows = await session.execute(
        select(
            C.team, C.language, func.count(), func.min(C.queued_at), func.max(C.estimated_wait_s)
        )
        .where(C.status == "queued")
        .group_by(C.team, C.language)
    )
    return [
        Queue(
            team=team or "unknown",
            language=language or "unknown",
            waiting=waiting,
            longest_wait_s=round(max(0.0, (now - oldest).total_seconds()), 1) if oldest else 0.0,
            max_estimated_wait_s=eta,
        )
        for team, language, waiting, oldest, eta in rows.all()
    ]


async def _arrivals_by_queue(
    session: AsyncSession, *, start: datetime
) -> dict[tuple[str, str], int]:
    rows = await session.execute(
        select(F.team, F.language, func.count())
        .where(F.kind == "arrival", F.at >= start)
        .group_by(F.team, F.language)
    )
    return {(t or "unknown", lang or "unknown"): n for t, lang, n in rows.all()}


async def operators(session: AsyncSession) -> dict[str, Any]:
    """Presence and occupancy of the operators the stream has shown."""
    ops = [
        OperatorPresence(id=r.id, status=r.status, max_concurrent=r.max_concurrent)
        for r in (await session.scalars(select(OperatorRow))).all()
    ]
    held = await session.execute(
        select(C.assignee_id, func.count())
        .where(C.status == "assigned", C.assignee_id.is_not(None))
        .group_by(C.assignee_id)
    )
    load = operator_load(ops, {str(op): n for op, n in held.all()})
    return {
        "online": load.online,
        "available": load.available,
        "busy": load.busy,
        "occupancy": load.occupancy,
        "active_conversations": load.active_conversations,
        "capacity": load.capacity,
        "occupancy_basis": load.occupancy_basis,
    }


async def conversations(session: AsyncSession, *, day_start: datetime) -> dict[str, int]:
    """Live conversations by status, and today's closures."""
    counts = dict(
        (
            await session.execute(
                select(C.status, func.count()).where(C.status.in_(LIVE_STATUSES)).group_by(C.status)
            )
        ).all()
    )
    closed_today = await session.scalar(
        select(func.count()).select_from(C).where(C.closed_at >= day_start)
    )
    opened_today = await session.scalar(
        select(func.count()).select_from(C).where(C.opened_at >= day_start)
    )
    return {
        **{s: int(counts.get(s, 0)) for s in LIVE_STATUSES},
        "closed_today": int(closed_today or 0),
        "opened_today": int(opened_today or 0),
    }


async def breaches_since(session: AsyncSession, *, start: datetime) -> dict[str, int]:
    """SLA breaches since `start`, by target."""
    rows = await session.execute(
        select(F.label, func.count()).where(F.kind == "breach", F.at >= start).group_by(F.label)
    )
    return {str(label): n for label, n in rows.all()}


async def sla(session: AsyncSession, *, day_start: datetime) -> dict[str, Any]:
    """Open tickets and today's breaches."""
    open_q = select(func.count()).select_from(TicketRow).where(TicketRow.status.not_in(TICKET_DONE))
    by_target = await breaches_since(session, start=day_start)
    return {
        "open_tickets": int(await session.scalar(open_q) or 0),
        "open_breached": int(await session.scalar(open_q.where(TicketRow.breached)) or 0),
        "breached_today": sum(by_target.values()),
        "breaches_by_target": by_target,
    }


async def bot_since(session: AsyncSession, *, start: datetime) -> dict[str, Any]:
    """Bot answers, hand-offs and containment since `start`."""
    answers = dict(
        (
            await session.execute(
                select(F.value, func.count())
                .where(F.kind == "bot_answer", F.at >= start)
                .group_by(F.value)
            )
        ).all()
    )
    # A conversation the desk opened itself (proactive support) never was the bot's to contain.
    handed_off = await session.scalar(
        select(func.count(distinct(F.conversation_id))).where(
            F.kind == "handoff",
            F.at >= start,
            or_(F.label.is_(None), F.label != chat.PROACTIVE_REASON),
        )
    )
    # Contained: closed in the window, the bot spoke, and no human was ever asked for.
    contained = await session.scalar(
        select(func.count())
        .select_from(C)
        .where(and_(C.closed_at >= start, C.handed_off_at.is_(None), C.bot_answered > 0))
    )
    return {
        "answered": int(answers.get(1.0, 0)),
        "unanswered": int(answers.get(0.0, 0)),
        "handed_off": int(handed_off or 0),
        "contained": int(contained or 0),
        "containment_rate": containment_rate(
            contained=int(contained or 0), handed_off=int(handed_off or 0)
        ),
    }


async def csat_since(session: AsyncSession, *, start: datetime) -> dict[str, Any]:
    """CSAT responses and their mean since `start`."""
    count, mean = (
        await session.execute(
            select(func.count(), func.avg(F.value)).where(F.kind == "csat", F.at >= start)
        )
    ).one()
    return {"responses": int(count), "average": round(float(mean), 2) if mean else None}


async def arrivals_per_hour(
    session: AsyncSession,
    *,
    now: datetime,
    window_s: float,
    team: str | None,
    language: str | None,
) -> float:
    """Arrivals to the queues (hand-offs and escalations) over the window, per hour."""
    q = select(func.count()).where(F.kind == "arrival", F.at >= since(now, window_s))
    if team:
        q = q.where(F.team == team)
    if language:
        q = q.where(F.language == language)
    return per_hour(int(await session.scalar(q) or 0), window_s=window_s)


async def handle_time(
    session: AsyncSession,
    *,
    now: datetime,
    window_s: float,
    team: str | None,
    language: str | None,
) -> tuple[float | None, int]:
    """Mean assigned -> closed time over the window, and how many conversations it rests on."""
    q = select(func.avg(F.value), func.count()).where(
        F.kind == "handle", F.at >= since(now, window_s)
    )
    if team:
        q = q.where(F.team == team)
    if language:
        q = q.where(F.language == language)
    mean, n = (await session.execute(q)).one()
    return (float(mean) if mean is not None else None), int(n)


async def typical_concurrency(session: AsyncSession) -> int | None:
    """The mean max_concurrent of operators whose capacity routing has told us."""
    mean = await session.scalar(
        select(func.avg(OperatorRow.max_concurrent)).where(OperatorRow.max_concurrent > 0)
    )
    return max(1, round(float(mean))) if mean is not None else None


async def snapshot(
    session: AsyncSession, *, now: datetime, arrival_window_s: float
) -> dict[str, Any]:
    """The supervisor's live picture, all from the read models."""
    day_start = tokyo_day_start(now)
    waiting = {(q.team, q.language): q for q in await queues(session, now=now)}
    arrivals = await _arrivals_by_queue(session, start=since(now, arrival_window_s))
    queue_items = []
    for team, language in sorted(waiting.keys() | arrivals.keys()):
        q = waiting.get((team, language))
        queue_items.append(
            {
                "team": team,
                "language": language,
                "waiting": q.waiting if q else 0,
                "longest_wait_s": q.longest_wait_s if q else 0.0,
                "estimated_wait_s": q.max_estimated_wait_s if q else None,
                "arrivals_per_hour": per_hour(
                    arrivals.get((team, language), 0), window_s=arrival_window_s
                ),
            }
        )
    return {
        "as_of": now.isoformat(),
        "day_start": day_start.isoformat(),
        "queues": queue_items,
        "operators": await operators(session),
        "conversations": await conversations(session, day_start=day_start),
        "sla": await sla(session, day_start=day_start),
        "bot": await bot_since(session, start=day_start),
        "csat": await csat_since(session, start=day_start),
    }
