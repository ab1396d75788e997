"""Queue order, the choice of operator, and when a team next opens."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from routing_service.domain.eligibility import is_eligible
from routing_service.domain.model import Operator, Presence, QueuedConversation, Team

QueueKey = tuple[int, int, datetime, str]
OperatorKey = tuple[float, int, float, str]


def queue_key(conversation: QueuedConversation) -> QueueKey:
    """Sort key: security incidents first, then higher priority, then longest waiting."""
    return (
        0 if conversation.is_security_incident else 1,
        -conversation.priority,
        conversation.enqueued_at,
        conversation.id,  # a stable tie-break, so every replica agrees on the order
    )


def order_queue(conversations: Iterable[QueuedConversation]) -> list[QueuedConversation]:
    """The conversations in the order they are served."""
    return sorted(conversations, key=queue_key)


def queue_position(*, conversation: QueuedConversation, queue: Iterable[QueuedConversation]) -> int:
    """1-based place of `conversation` among those of its team and language in `queue`."""
    key = queue_key(conversation)
    ahead = sum(
        1
        for other in queue
        if other.id != conversation.id
        and other.team == conversation.team
        and other.language == conversation.language
        and queue_key(other) < key
    )
    return ahead + 1


def operator_key(operator: Operator) -> OperatorKey:
    """Sort key: lowest load, then never assigned, then longest since last assignment."""
    last = operator.last_assigned_at
    return (
        operator.load,
        0 if last is None else 1,
        0.0 if last is None else last.timestamp(),
        operator.id,
    )


def choose_operator(
    *, conversation: QueuedConversation, operators: Iterable[Operator], now: datetime
) -> Operator | None:
    """Among eligible operators, the least loaded, then the longest idle; None if nobody."""
    eligible = [
        op for op in operators if is_eligible(operator=op, conversation=conversation, now=now)
    ]
    return min(eligible, key=operator_key, default=None)


def staffed_operators(
    *, operators: Iterable[Operator], team: Team, language: str, now: datetime
) -> list[Operator]:
    """Operators of `team` speaking `language` who are on shift and available now."""
    return [
        op
        for op in operators
        if team in op.teams
        and op.speaks(language)
        and op.is_on_shift(now)
        and op.presence is Presence.AVAILABLE
    ]


def team_opens_at(
    *, operators: Iterable[Operator], team: Team, language: str, now: datetime
) -> datetime | None:
    """`now` if someone is on shift for team and language, else the next shift start, or None."""
    candidates = [op for op in operators if team in op.teams and op.speaks(language)]
    if any(op.is_on_shift(now) for op in candidates):
        return now
    # Unscheduled operators work "whenever available", which cannot be foreseen.
    starts = [
        start
        for op in candidates
        if op.schedule is not None and (start := op.schedule.next_open(now)) is not None
    ]
    return min(starts, default=None)
