"""The single assignment decision, made in the database so any number of replicas agree.

A decision locks the queue entry (`FOR UPDATE SKIP LOCKED`: another replica takes the next
one instead of waiting) and then the chosen operator's row, re-checking presence and spare
capacity on the locked row. The entry's state and the operator's count change in the same
transaction as the outbox row, so a conversation is assigned once and no operator goes over
capacity, whatever the number of dispatchers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from routing_service.adapters import repository as repo
from routing_service.adapters.orm import OperatorRow, RoutedConversationRow
from routing_service.domain import Operator, QueuedConversation, is_eligible, operator_key
from shared.contracts.routing import ConversationAssigned
from shared.db import UnitOfWork

# How deep into a queue one decision looks when the head cannot be served by anyone but the
# operator it just timed out with.
LOOKAHEAD = 8


@dataclass(frozen=True)
class Assignment:
    """What one decision did."""

    conversation_id: str
    operator_id: str
    team: str
    language: str


def _shortlist(
    conversation: QueuedConversation, operators: list[Operator], now: datetime
) -> list[Operator]:
    eligible = [
        op for op in operators if is_eligible(operator=op, conversation=conversation, now=now)
    ]
    return sorted(eligible, key=operator_key)


async def assign_next(
    uow: UnitOfWork, *, team: str, language: str, now: datetime
) -> Assignment | None:
    """Assign the first conversation of one queue that someone can take; None if nobody can."""
    session = uow.session
    head = await session.scalars(repo.queued(team, language).limit(LOOKAHEAD))
    entry_ids = [row.conversation_id for row in head]
    if not entry_ids:
        return None
    operators = await repo.free_operators(session, team)
    if not operators:
        return None
    for entry_id in entry_ids:
        row = await session.scalar(
            select(RoutedConversationRow)
            .where(
                RoutedConversationRow.conversation_id == entry_id,
                RoutedConversationRow.state == "queued",
            )
            .with_for_update(skip_locked=True)
        )
        if row is None:
            continue  # another dispatcher is deciding on it, or it just left the queue
        shortlist = _shortlist(repo.to_queued(row), operators, now)
        avoided = row.avoid_operator_id if row.avoid_until and row.avoid_until > now else None
        for candidate in shortlist:
            if candidate.id == avoided:
                continue
            locked = await repo.lock_if_free(session, candidate.id)
            if locked is None:
                continue
            assign(uow, row=row, operator_row=locked, now=now)
            return Assignment(row.conversation_id, locked.id, team, language)
        if not any(op.id != avoided for op in shortlist):
            # Only the avoided operator could take it: the next in line may still be served.
            if shortlist:
                continue
            return None
        return None  # every candidate was locked by a concurrent decision: let it finish
    return None


def assign(
    uow: UnitOfWork,
    *,
    row: RoutedConversationRow,
    operator_row: OperatorRow,
    now: datetime,
    previous_operator_id: str | None = None,
) -> None:
    """Give the (locked) conversation to the (locked) operator and publish it."""
    operator_row.active_count += 1
    operator_row.last_assigned_at = now
    row.state = "assigned"
    row.operator_id = operator_row.id
    row.assigned_at = now
    row.answered = False
    row.boosted = False
    row.avoid_operator_id = None
    row.avoid_until = None
    row.updated_at = now
    uow.publish(
        ConversationAssigned(
            conversation_id=row.conversation_id,
            operator_id=operator_row.id,
            team=row.team,
            language=row.language,
            waited_s=round(repo.waited_s(row, now), 3),
            note=row.note,
            reason=row.reason,
            category=row.category,
            priority=row.priority,
            previous_operator_id=previous_operator_id,
        ),
        subject=row.conversation_id,
    )


async def dispatch_queue(
    uow: UnitOfWork, *, team: str, language: str, now: datetime, limit: int = 50
) -> list[Assignment]:
    """Assign within this unit of work until the queue is empty or nobody is free."""
    done: list[Assignment] = []
    while len(done) < limit:
        made = await assign_next(uow, team=team, language=language, now=now)
        if made is None:
            break
        done.append(made)
    return done


async def dispatch_waiting(uow: UnitOfWork, *, now: datetime, limit: int = 50) -> list[Assignment]:
    """Dispatch every queue with someone waiting, the most urgent head first."""
    done: list[Assignment] = []
    for team, language in await repo.waiting_queues(uow.session):
        done += await dispatch_queue(uow, team=team, language=language, now=now, limit=limit)
    return done
