"""Conversations entering, leaving and moving between queues and operators."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select

from routing_service.adapters import repository as repo
from routing_service.adapters.orm import HandleTimeRow, OperatorRow, RoutedConversationRow
from routing_service.dispatcher import assign
from routing_service.domain import Ineligibility, Team, is_eligible, primary_language
from shared.contracts.routing import AssignmentTimedOut, TransferRejected
from shared.db import UnitOfWork

log = logging.getLogger(__name__)
R = RoutedConversationRow
Queue = tuple[str, str]


def _team(value: str | None) -> str:
    if value in Team._value2member_map_:
        return str(value)
    # A customer is better served by tier 1 than by a dead letter.
    log.warning("unknown team %r; queuing for tier1", value)
    return Team.TIER1.value


async def _locked(uow: UnitOfWork, conversation_id: str) -> RoutedConversationRow | None:
    return await uow.session.scalar(
        select(R).where(R.conversation_id == conversation_id).with_for_update()
    )


async def _release(uow: UnitOfWork, row: RoutedConversationRow) -> OperatorRow | None:
    """Free the slot the conversation held with its operator."""
    if row.state != "assigned" or row.operator_id is None:
        return None
    op = await uow.session.get(OperatorRow, row.operator_id, with_for_update=True)
    if op is not None:
        op.active_count = max(0, op.active_count - 1)
    return op


async def enqueue(
    uow: UnitOfWork,
    *,
    conversation_id: str,
    customer_id: str,
    team: str | None,
    language: str,
    now: datetime,
    priority: int = 0,
    category: str | None = None,
    reason: str | None = None,
    note: str | None = None,
) -> Queue | None:
    """Queue a conversation for a team (hand-off or escalation); its queue, None if closed."""
    row = await _locked(uow, conversation_id)
    team, language = _team(team), primary_language(language or "ja")
    if row is None:
        row = R(
            conversation_id=conversation_id,
            customer_id=customer_id,
            first_queued_at=now,
            boosted=False,
            answered=False,
        )
        uow.session.add(row)
    elif row.state == "closed":
        return None
    await _release(uow, row)
    row.team, row.language, row.state = team, language, "queued"
    row.priority = priority
    row.category = category or row.category
    row.security = repo.is_security(row.category)
    row.reason, row.note = reason, note
    row.enqueued_at, row.updated_at = now, now
    row.operator_id, row.assigned_at = None, None
    await uow.session.flush()
    return team, language


async def close(
    uow: UnitOfWork, *, conversation_id: str, closed_at: datetime, prior_handle_s: float
) -> Queue | None:
    """The conversation ended: free its operator's slot and learn its handle time."""
    row = await _locked(uow, conversation_id)
    if row is None or row.state == "closed":
        return None
    was = (row.team, row.language)
    op = await _release(uow, row)
    if op is not None and row.assigned_at is not None:
        await _observe(
            uow,
            team=row.team,
            language=row.language,
            handle_s=(closed_at - row.assigned_at).total_seconds(),
            prior_s=prior_handle_s,
        )
    row.state, row.updated_at = "closed", closed_at
    return was


async def _observe(
    uow: UnitOfWork, *, team: str, language: str, handle_s: float, prior_s: float
) -> None:
    # Lock the team's means so two replicas closing at once do not lose a measurement.
    await uow.session.execute(
        select(HandleTimeRow).where(HandleTimeRow.team == team).with_for_update()
    )
    estimator = await repo.load_estimator(uow.session, prior_s=prior_s)
    estimator.observe(team=Team(team), language=language, handle_s=handle_s)
    await repo.save_estimator(uow.session, estimator)


async def mark_answered(uow: UnitOfWork, *, conversation_id: str, operator_id: str | None) -> None:
    """The assigned operator wrote to the customer: the assignment stands."""
    row = await _locked(uow, conversation_id)
    if row is not None and row.state == "assigned" and row.operator_id == operator_id:
        row.answered = True


async def transfer(
    uow: UnitOfWork,
    *,
    conversation_id: str,
    from_operator_id: str | None,
    operator_id: str,
    now: datetime,
) -> bool:
    """Hand the conversation to a named operator if they may take it; else say why not."""
    row = await _locked(uow, conversation_id)

    def reject(reason: str) -> bool:
        uow.publish(
            TransferRejected(
                conversation_id=conversation_id,
                from_operator_id=from_operator_id,
                operator_id=operator_id,
                reason=reason,
            ),
            subject=conversation_id,
        )
        return False

    if row is None or row.state == "closed":
        return reject("conversation_not_routable")
    if row.operator_id == operator_id and row.state == "assigned":
        return reject("already_assigned_to_operator")
    ids = sorted({i for i in (row.operator_id, operator_id) if i})
    locked = {
        op.id: op
        for op in await uow.session.scalars(
            select(OperatorRow)
            .where(OperatorRow.id.in_(ids))
            .order_by(OperatorRow.id)
            .with_for_update()
        )
    }
    target = locked.get(operator_id)
    if target is None:
        return reject("no_such_operator")
    verdict = is_eligible(
        operator=repo.to_operator(target), conversation=repo.to_queued(row), now=now
    )
    if not verdict:
        return reject(str(verdict.reason or Ineligibility.NOT_AVAILABLE))
    previous = row.operator_id if row.state == "assigned" else None
    await _release(uow, row)
    assign(uow, row=row, operator_row=target, now=now, previous_operator_id=previous)
    return True


async def time_out_unanswered(
    uow: UnitOfWork, *, now: datetime, answer_timeout_s: float, limit: int = 100
) -> set[Queue]:
    """Return every conversation whose operator did not answer in time to the head of its queue."""
    due = now - timedelta(seconds=answer_timeout_s)
    rows = await uow.session.scalars(
        select(R)
        .where(R.state == "assigned", R.answered.is_(False), R.assigned_at < due)
        .order_by(R.assigned_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    touched: set[Queue] = set()
    for row in rows:
        operator_id = row.operator_id or ""
        await _release(uow, row)
        row.state, row.boosted = "queued", True
        row.operator_id, row.assigned_at = None, None
        # Someone else gets it next; the same operator only after another timeout's length.
        row.avoid_operator_id = operator_id
        row.avoid_until = now + timedelta(seconds=answer_timeout_s)
        row.updated_at = now
        uow.publish(
            AssignmentTimedOut(
                conversation_id=row.conversation_id,
                operator_id=operator_id,
                team=row.team,
                language=row.language,
            ),
            subject=row.conversation_id,
        )
        touched.add((row.team, row.language))
    return touched
