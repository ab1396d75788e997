"""Consumed events: conversations and routing feed tickets; exchange events feed the 360."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from shared.contracts import Envelope
from shared.contracts import chat as chat_events
from shared.contracts import exchange as exchange_events
from shared.contracts import routing as routing_events
from shared.db import UnitOfWork
from ticket_service import customers, proactive_service
from ticket_service.adapters import repository as repo
from ticket_service.adapters.orm import ConversationLinkRow
from ticket_service.domain.errors import DomainError
from ticket_service.domain.model import Ticket
from ticket_service.domain.status import Priority, Status
from ticket_service.tickets import (
    TicketRules,
    reapply_sla,
    start_sla,
    store,
    ticket_for_conversation,
)

log = logging.getLogger(__name__)
SYSTEM = "system"


def priority_from_chat(level: int) -> str:
    """chat's numeric handoff priority as a ticket priority."""
    if level < 0:
        return Priority.LOW.value
    return (Priority.NORMAL, Priority.HIGH, Priority.URGENT)[min(level, 2)].value


class EventConsumer:
    """The ticket_service subscription handler, with its rules and clock."""

    def __init__(
        self,
        rules: TicketRules,
        proactive: proactive_service.ProactiveService,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.rules = rules
        self.proactive = proactive
        self.clock = clock
        self._on: dict[str, Callable[[UnitOfWork, Envelope], Awaitable[None]]] = {
            "conversation.opened": self._opened,
            "message.created": self._message,
            "conversation.handoff_requested": self._handoff,
            "conversation.escalated": self._escalated,
            "conversation.assigned": self._assigned,
            "conversation.closed": self._closed,
            "csat.submitted": self._csat,
        }

    async def __call__(self, uow: UnitOfWork, env: Envelope) -> None:
        """Apply one event inside the idempotent unit of work the runner opened."""
        if env.type.startswith("exchange."):
            await customers.apply_exchange_event(uow, env)
            # Judge an arriving event at its own time: a replayed history whose completion
            # follows in the same partition must not look overdue; the tick catches real delays.
            arrived = self.clock()
            await self.proactive.on_exchange_event(
                uow, env, now=min(arrived, env.time), arrived=arrived
            )
            return
        handler = self._on.get(env.type)
        if handler is not None:
            await handler(uow, env)

    async def _with_ticket(
        self,
        uow: UnitOfWork,
        *,
        conversation_id: str,
        customer_id: str | None,
        change: Callable[[Ticket, datetime], None],
        team: str | None = None,
        language: str | None = None,
    ) -> None:
        now = self.clock()
        found = await ticket_for_conversation(
            uow,
            self.rules,
            conversation_id=conversation_id,
            customer_id=customer_id,
            at=now,
            team=team,
            language=language,
        )
        if found is None:
            return
        ticket, row = found
        try:
            change(ticket, now)
        except DomainError as exc:
            # A late event for a closed or merged ticket changes nothing.
            log.info("event ignored for ticket %s: %s", ticket.id, exc)
            if row is not None:
                return
        store(uow, ticket, now=now, row=row)

    async def _opened(self, uow: UnitOfWork, env: Envelope) -> None:
        conv = chat_events.ConversationOpened.model_validate(env.data).conversation
        await self._with_ticket(
            uow,
            conversation_id=conv.id,
            customer_id=conv.customer_id,
            change=lambda _t, _now: None,
            team=conv.team,
            language=conv.language,
        )
        await self.proactive.on_customer_contact(
            uow, customer_id=conv.customer_id, conversation_id=conv.id, now=self.clock()
        )

    async def _message(self, uow: UnitOfWork, env: Envelope) -> None:
        data = chat_events.MessageCreated.model_validate(env.data)
        kind = data.message.author_type

        def change(ticket: Ticket, now: datetime) -> None:
            if kind == "operator":
                if ticket.sla is None:
                    start_sla(ticket, self.rules, at=now)
                ticket.record_operator_reply(at=data.message.created_at)
                if ticket.status is Status.NEW:
                    ticket.change_status(
                        Status.OPEN, actor=f"operator:{data.message.author_id}", at=now
                    )
            elif kind == "customer":
                ticket.record_customer_message(at=data.message.created_at)

        if kind in ("operator", "customer"):
            await self._with_ticket(
                uow,
                conversation_id=data.conversation_id,
                customer_id=data.customer_id,
                change=change,
            )

    async def _handoff(self, uow: UnitOfWork, env: Envelope) -> None:
        data = chat_events.ConversationHandoffRequested.model_validate(env.data)

        def change(ticket: Ticket, now: datetime) -> None:
            ticket.set_team(data.team, actor=SYSTEM, at=now)
            ticket.set_priority(priority_from_chat(data.priority), actor=SYSTEM, at=now)
            if data.category:
                ticket.set_category(data.category[:50], actor=SYSTEM, at=now)
            start_sla(ticket, self.rules, at=now)

        await self._with_ticket(
            uow, conversation_id=data.conversation_id, customer_id=data.customer_id, change=change
        )
        await self._link_status(uow, data.conversation_id, "queued", team=data.team)

    async def _escalated(self, uow: UnitOfWork, env: Envelope) -> None:
        data = chat_events.ConversationEscalated.model_validate(env.data)
        actor = f"operator:{data.operator_id}" if data.operator_id else SYSTEM

        def change(ticket: Ticket, now: datetime) -> None:
            ticket.set_team(data.team, actor=actor, at=now)
            ticket.change_status(Status.ESCALATED, actor=actor, at=now)
            ticket.assign(None, actor=actor, at=now)
            reapply_sla(ticket, self.rules, at=now)

        await self._with_ticket(
            uow, conversation_id=data.conversation_id, customer_id=data.customer_id, change=change
        )
        await self._link_status(uow, data.conversation_id, "queued", team=data.team)

    async def _assigned(self, uow: UnitOfWork, env: Envelope) -> None:
        data = routing_events.ConversationAssigned.model_validate(env.data)

        def change(ticket: Ticket, now: datetime) -> None:
            ticket.assign(data.operator_id, actor="routing", at=now)
            if ticket.status in (Status.NEW, Status.ESCALATED):
                ticket.change_status(Status.OPEN, actor="routing", at=now)
            if ticket.sla is None:
                start_sla(ticket, self.rules, at=now)

        link = await repo.get_link(uow.session, data.conversation_id)
        if link is None or link.ticket_id is None:
            # Routing's event overtook chat's: park the assignee until the ticket exists.
            if link is None:
                uow.session.add(
                    ConversationLinkRow(
                        conversation_id=data.conversation_id,
                        status="assigned",
                        pending_assignee_id=data.operator_id,
                        team=data.team,
                    )
                )
            else:
                link.pending_assignee_id = data.operator_id
            return
        await self._with_ticket(
            uow, conversation_id=data.conversation_id, customer_id=None, change=change
        )
        await self._link_status(uow, data.conversation_id, "assigned", team=data.team)

    async def _closed(self, uow: UnitOfWork, env: Envelope) -> None:
        data = chat_events.ConversationClosed.model_validate(env.data)

        def change(ticket: Ticket, now: datetime) -> None:
            if ticket.status is not Status.RESOLVED:
                ticket.change_status(Status.RESOLVED, actor=data.closed_by or SYSTEM, at=now)

        await self._with_ticket(
            uow, conversation_id=data.conversation_id, customer_id=data.customer_id, change=change
        )
        await self._link_status(uow, data.conversation_id, "closed", closed=True)

    async def _csat(self, uow: UnitOfWork, env: Envelope) -> None:
        data = chat_events.CsatSubmitted.model_validate(env.data)
        link = await repo.get_link(uow.session, data.conversation_id)
        ticket_id = link.ticket_id if link is not None else None
        if ticket_id is not None:
            row = await repo.get_row(uow.session, ticket_id, lock=True)
            if row is not None:
                row.csat_score = data.score
        await customers.record_csat(
            uow,
            customer_id=data.customer_id,
            conversation_id=data.conversation_id,
            ticket_id=ticket_id,
            score=data.score,
            comment=data.comment,
            at=env.time,
        )

    async def _link_status(
        self,
        uow: UnitOfWork,
        conversation_id: str,
        status: str,
        *,
        team: str | None = None,
        closed: bool = False,
    ) -> None:
        link = await repo.get_link(uow.session, conversation_id)
        if link is not None:
            link.status = status
            link.team = team or link.team
            if closed:
                link.closed_at = self.clock()


# Listed so the contracts package registers the upstream models for validation.
_ = exchange_events.TOPIC
