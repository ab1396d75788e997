"""Queries on routing's tables, and their rows as domain objects."""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from routing_service.adapters.orm import HandleTimeRow, OperatorRow, RoutedConversationRow
from routing_service.domain import (
    HandleTimeEstimator,
    Operator,
    Presence,
    QueuedConversation,
    SecurityCategory,
    Team,
)
from shared.schedule import WeeklySchedule

R = RoutedConversationRow

# The serving order: security incidents, then conversations returned to the head after an
# unanswered assignment, then customer priority, then waiting time (ids break ties).
QUEUE_ORDER = (
    R.security.desc(),
    R.boosted.desc(),
    R.priority.desc(),
    R.enqueued_at,
    R.conversation_id,
)


@functools.lru_cache(maxsize=4096)
def _schedule(raw: str) -> WeeklySchedule:
    return WeeklySchedule.from_dict(json.loads(raw))


def parse_schedule(data: dict[str, object] | None) -> WeeklySchedule | None:
    """The operator's schedule, parsed once per distinct content."""
    if not data:
        return None
    return _schedule(json.dumps(data, sort_keys=True))


def to_operator(row: OperatorRow) -> Operator:
    """An operator row as the routing rules see it."""
    return Operator(
        id=row.id,
        teams=frozenset(Team(t) for t in row.teams if t in Team._value2member_map_),
        languages=frozenset(row.languages),
        max_concurrent=row.max_concurrent,
        presence=Presence(row.presence),
        schedule=parse_schedule(row.schedule),
        active_count=max(0, row.active_count),
        last_assigned_at=row.last_assigned_at,
    )


def is_security(category: str | None) -> bool:
    """Whether a category is a security incident that goes before everything."""
    return category in SecurityCategory._value2member_map_


def to_queued(row: RoutedConversationRow) -> QueuedConversation:
    """A queue entry as the routing rules see it."""
    category = row.category if is_security(row.category) else None
    return QueuedConversation(
        id=row.conversation_id,
        team=Team(row.team),
        language=row.language,
        enqueued_at=row.enqueued_at,
        priority=row.priority,
        security_category=SecurityCategory(category) if category else None,
    )


def queued(team: str, language: str) -> Select[RoutedConversationRow]:
    """The entries waiting in one queue, in serving order."""
    return (
        select(R)
        .where(R.state == "queued", R.team == team, R.language == language)
        .order_by(*QUEUE_ORDER)
    )


async def waiting_queues(session: AsyncSession) -> list[tuple[str, str]]:
    """Queues with someone waiting, the most urgent head first."""
    rows = await session.execute(
        select(R.team, R.language)
        .where(R.state == "queued")
        .group_by(R.team, R.language)
        .order_by(
            func.bool_or(R.security).desc(),
            func.max(R.priority).desc(),
            func.min(R.enqueued_at),
        )
    )
    return [(t, lang) for t, lang in rows.all()]


async def team_operators(session: AsyncSession, team: str) -> list[Operator]:
    """Every operator of a team, whatever their presence (for staffing and opening times)."""
    rows = await session.scalars(select(OperatorRow).where(OperatorRow.teams.contains([team])))
    return [to_operator(r) for r in rows]


async def free_operators(session: AsyncSession, team: str) -> list[Operator]:
    """Available operators of a team with spare capacity (not locked: a shortlist)."""
    o = OperatorRow
    # Plain columns, not entities: this runs on every decision, and the identity map costs.
    rows = await session.execute(
        select(
            o.id,
            o.teams,
            o.languages,
            o.max_concurrent,
            o.schedule,
            o.active_count,
            o.last_assigned_at,
        ).where(
            o.teams.contains([team]),
            o.presence == "available",
            o.active_count < o.max_concurrent,
        )
    )
    return [
        Operator(
            id=op_id,
            teams=frozenset(Team(t) for t in teams if t in Team._value2member_map_),
            languages=frozenset(languages),
            max_concurrent=cap,
            presence=Presence.AVAILABLE,
            schedule=parse_schedule(schedule),
            active_count=max(0, active),
            last_assigned_at=last,
        )
        for op_id, teams, languages, cap, schedule, active, last in rows.all()
    ]


async def lock_if_free(session: AsyncSession, operator_id: str) -> OperatorRow | None:
    """Lock the operator's row if nobody else holds it and they still have capacity."""
    return await session.scalar(
        select(OperatorRow)
        .where(
            OperatorRow.id == operator_id,
            OperatorRow.presence == "available",
            OperatorRow.active_count < OperatorRow.max_concurrent,
        )
        .with_for_update(skip_locked=True)
    )


async def load_estimator(session: AsyncSession, *, prior_s: float) -> HandleTimeEstimator:
    """The handle-time means every replica shares."""
    estimator = HandleTimeEstimator(prior_s=prior_s)
    rows = await session.execute(
        select(
            HandleTimeRow.team, HandleTimeRow.language, HandleTimeRow.mean_s, HandleTimeRow.count
        )
    )
    estimator.restore(
        [(t, lang, m, c) for t, lang, m, c in rows.all() if t in Team._value2member_map_]
    )
    return estimator


async def save_estimator(session: AsyncSession, estimator: HandleTimeEstimator) -> None:
    """Write the means back (the caller holds the team's row locks)."""
    for team, lang, mean_s, count in estimator.snapshot():
        row = await session.get(HandleTimeRow, (team, lang))
        if row is None:
            session.add(HandleTimeRow(team=team, language=lang, mean_s=mean_s, count=count))
        else:
            row.mean_s, row.count = mean_s, count


def waited_s(row: RoutedConversationRow, now: datetime) -> float:
    """Seconds since the conversation first entered a queue."""
    return max(0.0, (now - row.first_queued_at).total_seconds())


def ids(rows: Sequence[RoutedConversationRow]) -> list[str]:
    return [r.conversation_id for r in rows]
