"""What a waiting customer is told: queue position, ETA and, off hours, when the team opens."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from routing_service.domain.dispatch import queue_position, staffed_operators, team_opens_at
from routing_service.domain.eta import HandleTimeEstimator, estimate_wait
from routing_service.domain.model import Operator, QueuedConversation, Team


@dataclass(frozen=True)
class WaitQuote:
    """Position (1-based), expected wait in seconds (None: unknown) and the team's opening."""

    position: int
    estimated_wait_s: float | None
    opens_at: datetime | None  # `now` when the team is on shift; None if it never opens


def quote_wait(
    *,
    conversation: QueuedConversation,
    queue: Iterable[QueuedConversation],
    operators: Sequence[Operator],
    handle_times: HandleTimeEstimator,
    now: datetime,
) -> WaitQuote:
    """Quote the wait from the live slot occupancy, or from the next shift when closed."""
    position = queue_position(conversation=conversation, queue=queue)
    return quote_positions(
        team=conversation.team,
        language=conversation.language,
        positions=[position],
        operators=operators,
        handle_times=handle_times,
        now=now,
    )[0]


def quote_positions(
    *,
    team: Team,
    language: str,
    positions: Sequence[int],
    operators: Sequence[Operator],
    handle_times: HandleTimeEstimator,
    now: datetime,
) -> list[WaitQuote]:
    """Quotes for many positions of one queue, computing the staffing only once."""
    aht = handle_times.mean(team=team, language=language)
    staffed = staffed_operators(operators=operators, team=team, language=language, now=now)
    if staffed:
        # Operators may differ in concurrency, so pass the pooled slots directly.
        slots = sum(op.max_concurrent for op in staffed)
        busy = sum(min(op.active_count, op.max_concurrent) for op in staffed)
        return [
            WaitQuote(
                position=p,
                estimated_wait_s=estimate_wait(
                    position=p, staffed_agents=slots, mean_handle_s=aht, busy_slots=busy
                ),
                opens_at=now,
            )
            for p in positions
        ]
    opens = team_opens_at(operators=operators, team=team, language=language, now=now)
    if opens is None or opens == now:
        # Never opens, or on shift but nobody available: no honest number to give.
        return [WaitQuote(position=p, estimated_wait_s=None, opens_at=opens) for p in positions]
    # Assume the next shift starts with free slots and everyone scheduled shows up.
    slots = sum(
        op.max_concurrent
        for op in operators
        if team in op.teams
        and op.speaks(language)
        and op.schedule is not None
        and op.schedule.is_open(opens)
    )
    quotes = []
    for p in positions:
        later = estimate_wait(position=p, staffed_agents=slots, mean_handle_s=aht, busy_slots=0)
        wait = None if later is None else (opens - now).total_seconds() + later
        quotes.append(WaitQuote(position=p, estimated_wait_s=wait, opens_at=opens))
    return quotes
