"""Consumed events -> read models. Every handler runs inside the consumer's unit of work."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from monitor_service.adapters import repository as repo
from monitor_service.domain.metrics import TERMINAL_STATUS
from shared.contracts import Envelope, chat, kb, routing, ticket
from shared.db import UnitOfWork


async def _view(session: AsyncSession, view: chat.ConversationView, at: datetime) -> None:
    row = await repo.conversation(session, view.id)
    row.customer_id = view.customer_id
    row.opened_at = row.opened_at or view.created_at
    if repo.observe(row, status=view.status, at=at):
        row.team = view.team or row.team
        row.language = view.language or row.language
        row.assignee_id = view.assignee_id
        if view.status == "queued":
            row.queue_position = view.queue_position
            row.estimated_wait_s = view.estimated_wait_s
    await repo.handle_time(session, row)


async def on_opened(session: AsyncSession, env: Envelope) -> None:
    await _view(session, chat.ConversationOpened.model_validate(env.data).conversation, env.time)


async def on_updated(session: AsyncSession, env: Envelope) -> None:
    await _view(session, chat.ConversationUpdated.model_validate(env.data).conversation, env.time)


async def on_message(session: AsyncSession, env: Envelope) -> None:
    e = chat.MessageCreated.model_validate(env.data)
    row = await repo.conversation(session, e.conversation_id)
    row.customer_id = row.customer_id or e.customer_id
    row.language = row.language or e.language
    # Chat's status on a message can lag routing's assignment: only use it to learn of a
    # conversation whose opening we missed, never to overrule a status we already hold.
    if row.status_at is None and repo.observe(row, status=e.status, at=env.time):
        row.assignee_id = e.assignee_id


async def _arrival(
    session: AsyncSession, env: Envelope, conversation_id: str, team: str, language: str, how: str
) -> None:
    """A conversation joined a team's queue: by a hand-off from the bot or an escalation."""
    await repo.fact(
        session,
        id=f"arrival:{env.id}",
        kind="arrival",
        at=env.time,
        conversation_id=conversation_id,
        team=team,
        language=language,
        label=how,
    )


async def on_handoff(session: AsyncSession, env: Envelope) -> None:
    e = chat.ConversationHandoffRequested.model_validate(env.data)
    row = await repo.conversation(session, e.conversation_id)
    row.handed_off_at = row.handed_off_at or env.time
    if repo.observe(row, status="queued", at=env.time):
        row.team, row.language = e.team, e.language
    await repo.fact(
        session,
        id=f"handoff:{e.conversation_id}",
        kind="handoff",
        at=env.time,
        conversation_id=e.conversation_id,
        team=e.team,
        language=e.language,
        label=e.reason,
    )
    await _arrival(session, env, e.conversation_id, e.team, e.language, "handoff")


async def on_escalated(session: AsyncSession, env: Envelope) -> None:
    e = chat.ConversationEscalated.model_validate(env.data)
    row = await repo.conversation(session, e.conversation_id)
    if repo.observe(row, status="queued", at=env.time):
        row.team, row.language, row.assignee_id = e.team, e.language, None
    await _arrival(session, env, e.conversation_id, e.team, e.language, "escalation")


async def on_closed(session: AsyncSession, env: Envelope) -> None:
    e = chat.ConversationClosed.model_validate(env.data)
    row = await repo.conversation(session, e.conversation_id)
    if repo.observe(row, status=TERMINAL_STATUS, at=env.time):
        row.team = e.team or row.team
        row.assignee_id = e.assignee_id or row.assignee_id
    await repo.handle_time(session, row)


async def on_csat(session: AsyncSession, env: Envelope) -> None:
    e = chat.CsatSubmitted.model_validate(env.data)
    await repo.fact(
        session,
        id=f"csat:{e.conversation_id}",
        kind="csat",
        at=env.time,
        conversation_id=e.conversation_id,
        value=float(e.score),
    )


async def on_assigned(session: AsyncSession, env: Envelope) -> None:
    e = routing.ConversationAssigned.model_validate(env.data)
    row = await repo.conversation(session, e.conversation_id)
    if repo.observe(row, status="assigned", at=env.time):
        row.assignee_id, row.team, row.language = e.operator_id, e.team, e.language
    else:  # already closed, or overtaken by a newer status: still keep when handling began
        row.team, row.language = row.team or e.team, row.language or e.language
        if row.first_assigned_at is None or env.time < row.first_assigned_at:
            row.first_assigned_at = env.time
    await repo.fact(
        session,
        id=f"wait:{env.id}",
        kind="wait",
        at=env.time,
        conversation_id=e.conversation_id,
        team=e.team,
        language=e.language,
        value=e.waited_s,
    )
    # Routing assigns only to available operators: presence is implied until told otherwise.
    await repo.operator(session, e.operator_id, status="available")
    await repo.handle_time(session, row)


async def on_assignment_timed_out(session: AsyncSession, env: Envelope) -> None:
    e = routing.AssignmentTimedOut.model_validate(env.data)
    row = await repo.conversation(session, e.conversation_id)
    # The operator never picked it up: unless someone handled it before, handling has not begun.
    if row.first_assigned_at is not None and row.first_assigned_at == row.assigned_at:
        row.first_assigned_at = None
    if repo.observe(row, status="queued", at=env.time):
        row.assignee_id = None
        row.team, row.language = e.team or row.team, e.language or row.language


async def on_queue_updated(session: AsyncSession, env: Envelope) -> None:
    e = routing.QueueUpdated.model_validate(env.data)
    row = await repo.conversation(session, e.conversation_id)
    if row.status_at is None:  # the first we hear of it: it is waiting
        repo.observe(row, status="queued", at=env.time)
    if row.status == "queued":
        row.team, row.language = e.team, e.language
        row.queue_position, row.estimated_wait_s = e.queue_position, e.estimated_wait_s


async def on_presence(session: AsyncSession, env: Envelope) -> None:
    e = routing.OperatorPresenceChanged.model_validate(env.data)
    # Capacity is optional in the event: use it when routing sends it.
    capacity = getattr(e, "max_concurrent", None) or env.data.get("max_concurrent")
    row = await repo.operator(session, e.operator_id, status=e.status)
    if row.status_at is None or env.time >= row.status_at:
        row.status, row.status_at = e.status, env.time
    if isinstance(capacity, int) and capacity >= 0:
        row.max_concurrent = capacity


async def on_ticket_created(session: AsyncSession, env: Envelope) -> None:
    e = ticket.TicketCreated.model_validate(env.data)
    row = await repo.ticket(session, e.ticket_id)
    row.team, row.priority = e.team, e.priority


async def on_ticket_status(session: AsyncSession, env: Envelope) -> None:
    e = ticket.TicketStatusChanged.model_validate(env.data)
    row = await repo.ticket(session, e.ticket_id)
    if row.status_at is None or env.time >= row.status_at:
        row.status, row.status_at = e.new_status, env.time


async def on_breach(session: AsyncSession, env: Envelope) -> None:
    e = ticket.TicketSlaBreached.model_validate(env.data)
    row = await repo.ticket(session, e.ticket_id)
    row.breached = True
    # next_response can breach again later in one ticket: each due time is its own breach.
    await repo.fact(
        session,
        id=f"breach:{e.ticket_id}:{e.target}:{e.due_at}",
        kind="breach",
        at=env.time,
        team=row.team,
        label=e.target,
    )


async def on_ticket_updated(session: AsyncSession, env: Envelope) -> None:
    e = ticket.TicketUpdated.model_validate(env.data)
    if e.field in ("team", "priority"):
        row = await repo.ticket(session, e.ticket_id)
        setattr(row, e.field, e.new)


async def on_bot_answered(session: AsyncSession, env: Envelope) -> None:
    e = kb.BotAnswered.model_validate(env.data)
    row = await repo.conversation(session, e.conversation_id)
    if e.answered:
        row.bot_answered += 1
    else:
        row.bot_unanswered += 1
    row.language = row.language or e.language
    await repo.fact(
        session,
        id=f"bot:{env.id}",
        kind="bot_answer",
        at=env.time,
        conversation_id=e.conversation_id,
        team=e.team,
        language=e.language,
        label=e.key,
        value=1.0 if e.answered else 0.0,
    )


Handler = Callable[[AsyncSession, Envelope], Awaitable[None]]
HANDLERS: dict[str, Handler] = {
    chat.ConversationOpened.event_type: on_opened,
    chat.ConversationUpdated.event_type: on_updated,
    chat.MessageCreated.event_type: on_message,
    chat.ConversationHandoffRequested.event_type: on_handoff,
    chat.ConversationEscalated.event_type: on_escalated,
    chat.ConversationClosed.event_type: on_closed,
    chat.CsatSubmitted.event_type: on_csat,
    routing.ConversationAssigned.event_type: on_assigned,
    routing.AssignmentTimedOut.event_type: on_assignment_timed_out,
    routing.QueueUpdated.event_type: on_queue_updated,
    routing.OperatorPresenceChanged.event_type: on_presence,
    ticket.TicketCreated.event_type: on_ticket_created,
    ticket.TicketStatusChanged.event_type: on_ticket_status,
    ticket.TicketSlaBreached.event_type: on_breach,
    ticket.TicketUpdated.event_type: on_ticket_updated,
    kb.BotAnswered.event_type: on_bot_answered,
}


async def on_event(uow: UnitOfWork, env: Envelope) -> None:
    """Fold one desk event into the read models; types the monitor does not count are skipped."""
    handler = HANDLERS.get(env.type)
    if handler is not None:
        await handler(uow.session, env)
