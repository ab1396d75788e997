"""What waiting customers are told (position and ETA) and what supervisors see of the queues."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from routing_service.adapters import repository as repo
from routing_service.adapters.orm import OperatorRow, QuoteRow, RoutedConversationRow
from routing_service.domain import Team, primary_language, staffed_operators
from routing_service.domain.quote import WaitQuote, quote_positions
from shared.contracts.routing import QueueUpdated
from shared.db import UnitOfWork

R = RoutedConversationRow


def _changed(old: QuoteRow | None, new: WaitQuote, eta: int | None, min_change_s: float) -> bool:
    """Tell the customer when the position, the opening time or the ETA (noticeably) moved."""
    if old is None or old.position != new.position or old.opens_at != new.opens_at:
        return True
    if (old.estimated_wait_s is None) != (eta is None):
        return True
    if old.estimated_wait_s is None or eta is None:
        return False
    # Small drifts of a model estimate are noise to a customer; a message per second is spam.
    return abs(old.estimated_wait_s - eta) >= max(min_change_s, 0.2 * old.estimated_wait_s)


async def refresh_quotes(
    uow: UnitOfWork,
    *,
    team: str,
    language: str,
    now: datetime,
    prior_handle_s: float,
    min_change_s: float = 30.0,
) -> int:
    """Publish `queue.updated` to each waiting customer whose position or ETA changed."""
    session = uow.session
    # One replica quotes a queue at a time; another one's pass will catch up later.
    got = await session.scalar(
        text("SELECT pg_try_advisory_xact_lock(hashtext(:k))"), {"k": f"quote:{team}:{language}"}
    )
    if not got:
        return 0
    rows = list(await session.scalars(repo.queued(team, language)))
    if not rows:
        return 0
    operators = await repo.team_operators(session, team)
    estimator = await repo.load_estimator(session, prior_s=prior_handle_s)
    quotes = quote_positions(
        team=Team(team),
        language=language,
        positions=range(1, len(rows) + 1),
        operators=operators,
        handle_times=estimator,
        now=now,
    )
    previous = {
        q.conversation_id: q
        for q in await session.scalars(
            select(QuoteRow).where(QuoteRow.conversation_id.in_(repo.ids(rows)))
        )
    }
    sent = 0
    for row, quote in zip(rows, quotes, strict=True):
        eta = None if quote.estimated_wait_s is None else round(quote.estimated_wait_s)
        closed_until = (
            quote.opens_at if quote.opens_at is not None and quote.opens_at > now else None
        )
        shown = WaitQuote(quote.position, quote.estimated_wait_s, closed_until)
        old = previous.get(row.conversation_id)
        if not _changed(old, shown, eta, min_change_s):
            continue
        if old is None:
            session.add(
                QuoteRow(
                    conversation_id=row.conversation_id,
                    position=quote.position,
                    estimated_wait_s=eta,
                    opens_at=closed_until,
                )
            )
        else:
            old.position, old.estimated_wait_s, old.opens_at = quote.position, eta, closed_until
        uow.publish(
            QueueUpdated(
                conversation_id=row.conversation_id,
                team=team,
                language=language,
                queue_position=quote.position,
                estimated_wait_s=eta,
                opens_at=closed_until.isoformat() if closed_until else None,
            ),
            subject=row.conversation_id,
        )
        sent += 1
    return sent


@dataclass(frozen=True)
class QueueSummary:
    """One queue as a supervisor sees it."""

    team: str
    language: str
    waiting: int
    longest_wait_s: float
    available_operators: int


async def summaries(session: AsyncSession, *, now: datetime) -> list[QueueSummary]:
    """Every queue with someone waiting or someone who could serve it."""
    waiting = {
        (t, lang): (n, oldest)
        for t, lang, n, oldest in (
            await session.execute(
                select(R.team, R.language, func.count(), func.min(R.first_queued_at))
                .where(R.state == "queued")
                .group_by(R.team, R.language)
            )
        ).all()
    }
    operators = [repo.to_operator(r) for r in await session.scalars(select(OperatorRow))]
    keys = set(waiting)
    for op in operators:
        if op.max_concurrent > 0:
            keys |= {(str(t), primary_language(lang)) for t in op.teams for lang in op.languages}
    items = []
    for team, language in sorted(keys):
        n, oldest = waiting.get((team, language), (0, None))
        staffed = staffed_operators(
            operators=operators, team=Team(team), language=language, now=now
        )
        items.append(
            QueueSummary(
                team=team,
                language=language,
                waiting=n,
                longest_wait_s=0.0 if oldest is None else round((now - oldest).total_seconds(), 1),
                available_operators=sum(1 for op in staffed if op.max_concurrent > 0),
            )
        )
    return items
