"""The schedulers against the real database with a controllable clock: SLA breaches once, on
time, paused; time-based proactive rules only once a customer's event stream has paused."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, select, text

from services.desk import Desk
from shared.auth import Actor
from shared.contracts import Envelope, envelope_for
from shared.contracts.chat import (
    ConversationHandoffRequested,
    ConversationOpened,
    ConversationView,
    MessageCreated,
    MessageView,
)
from shared.contracts.envelope import EventPayload
from shared.db import UnitOfWork, make_engine, make_sessionmaker
from shared.migrations import upgrade_to_head
from ticket_service import handlers
from ticket_service.adapters.orm import ExchangeReplayRow, TicketRow
from ticket_service.adapters.repository import TicketFilter
from ticket_service.consumers import EventConsumer
from ticket_service.domain.proactive import ProactiveEngine, load_rules
from ticket_service.proactive_service import REPLAY_HOLD, ProactiveService
from ticket_service.scheduler import sweep_sla
from ticket_service.tickets import TicketRules

T0 = datetime(2025, 3, 3, 1, 0, tzinfo=UTC)
MIGRATIONS = Path(__file__).resolve().parents[2] / "ticket_service" / "migrations"
OPERATOR = Actor(id="op-1", role="operator")


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(scope="module")
async def make_uow(desk: Desk) -> AsyncIterator[Callable[[], UnitOfWork]]:
    name = f"ticket_it_{uuid.uuid4().hex[:8]}"
    await desk.postgres.create_databases([name])
    url = desk.postgres.uri(name).replace("postgresql://", "postgresql+asyncpg://")
    await upgrade_to_head(MIGRATIONS, url)
    engine = make_engine(url, pool_size=2)
    sessions = make_sessionmaker(engine)
    yield lambda: UnitOfWork(sessions, source="test")
    await engine.dispose()


class Desk1:
    """The ticket consumer and scheduler on one database, driven by hand."""

    def __init__(self, make_uow: Callable[[], UnitOfWork]) -> None:
        self.make_uow = make_uow
        self.clock = Clock()
        self.rules = TicketRules()
        self.proactive = ProactiveService(ProactiveEngine(load_rules()), self.rules)
        self.consumer = EventConsumer(self.rules, self.proactive, clock=self.clock)
        self.customer = f"cust-{uuid.uuid4().hex[:8]}"
        self.conversation = str(uuid.uuid4())

    async def deliver(self, payload: EventPayload) -> None:
        async with self.make_uow() as uow:
            await self.consumer(uow, envelope_for(payload, subject="x", source="test"))
            await uow.commit()

    async def exchange(
        self, kind: str, ago: timedelta, *, customer: str | None = None, **data: str
    ) -> None:
        """Deliver one upstream exchange event about this (or another) customer, dated `ago`
        before now."""
        customer = customer or self.customer
        env = Envelope(
            source="exchange",
            type=f"exchange.{kind}",
            time=self.clock.now - ago,
            subject=customer,
            data={"customer_id": customer, **data},
        )
        async with self.make_uow() as uow:
            await self.consumer(uow, env)
            await uow.commit()

    async def login(self, ago: timedelta) -> None:
        """Deliver a first login of some new customer, dated `ago` before now (fires nothing)."""
        customer = f"cust-{uuid.uuid4().hex[:8]}"
        await self.exchange("login.succeeded", ago, customer=customer, device_id="d", country="JP")

    async def tick(self) -> int:
        """Run the proactive scheduler once; the number of actions it fired."""
        async with self.make_uow() as uow:
            fired = await self.proactive.tick(uow, now=self.clock.now)
            await uow.commit()
        return fired

    async def sweep(self) -> int:
        async with self.make_uow() as uow:
            checked = await sweep_sla(uow, now=self.clock.now)
            await uow.commit()
        return checked

    async def handed_off(self) -> str:
        view = ConversationView(
            id=self.conversation,
            customer_id=self.customer,
            status="bot",
            language="ja",
            team=None,
            assignee_id=None,
            created_at=T0,
        )
        await self.deliver(ConversationOpened(conversation=view))
        await self.deliver(
            ConversationHandoffRequested(
                conversation_id=self.conversation,
                customer_id=self.customer,
                team="tier1",
                language="ja",
            )
        )
        return (await self.ticket())["id"]

    async def message(self, author_type: str) -> None:
        msg = MessageView(
            id=str(uuid.uuid4()),
            conversation_id=self.conversation,
            seq=1,
            author_type=author_type,
            author_id="op-1",
            text="hi",  # type: ignore[arg-type]
            created_at=self.clock.now,
        )
        await self.deliver(
            MessageCreated(
                conversation_id=self.conversation,
                customer_id=self.customer,
                assignee_id="op-1",
                status="assigned",
                language="ja",
                message=msg,
            )
        )

    async def ticket(self) -> dict:
        page = await handlers.list_tickets(
            self.make_uow(), flt=TicketFilter(customer_id=self.customer), limit=5, cursor=None
        )
        (only,) = page["items"]
        return only

    async def breaches(self, ticket_id: str) -> list[str]:
        async with self.make_uow() as uow:
            rows = await uow.session.execute(
                text(
                    "SELECT envelope->'data'->>'target' FROM outbox "
                    "WHERE key = :k AND event_type = 'ticket.sla_breached'"
                ),
                {"k": ticket_id},
            )
            return [r[0] for r in rows]


async def test_a_missed_first_response_is_reported_once_when_it_falls_due(make_uow) -> None:
    desk = Desk1(make_uow)
    ticket_id = await desk.handed_off()
    desk.clock.now = T0 + timedelta(minutes=14, seconds=59)
    await desk.sweep()
    assert await desk.breaches(ticket_id) == []
    assert not (await desk.ticket())["sla"]["breached"]

    desk.clock.now = T0 + timedelta(minutes=15)
    await desk.sweep()
    desk.clock.now = T0 + timedelta(minutes=40)
    await desk.sweep()
    assert await desk.breaches(ticket_id) == ["first_response"]
    assert (await desk.ticket())["sla"]["breached"]
    breached = await handlers.list_tickets(
        make_uow(), flt=TicketFilter(customer_id=desk.customer, breached=True), limit=5, cursor=None
    )
    assert [t["id"] for t in breached["items"]] == [ticket_id]


async def test_the_scheduler_reads_only_tickets_whose_deadline_has_come(make_uow) -> None:
    desk = Desk1(make_uow)
    await desk.handed_off()
    desk.clock.now = T0 + timedelta(minutes=1)
    async with make_uow() as uow:
        due = await uow.session.scalar(
            select(TicketRow.id).where(
                TicketRow.next_due_at <= desk.clock.now, TicketRow.customer_id == desk.customer
            )
        )
    assert due is None
    assert await desk.sweep() == 0  # earlier tests' tickets are not due either


async def test_an_answered_ticket_does_not_breach_its_first_response(make_uow) -> None:
    desk = Desk1(make_uow)
    ticket_id = await desk.handed_off()
    desk.clock.now = T0 + timedelta(minutes=5)
    await desk.message("operator")
    desk.clock.now = T0 + timedelta(hours=1)
    await desk.sweep()
    assert await desk.breaches(ticket_id) == []
    assert (await desk.ticket())["status"] == "open"


async def test_time_waiting_on_the_customer_does_not_count_towards_resolution(make_uow) -> None:
    desk = Desk1(make_uow)
    ticket_id = await desk.handed_off()
    desk.clock.now = T0 + timedelta(minutes=1)
    await desk.message("operator")
    desk.clock.now = T0 + timedelta(minutes=2)
    await handlers.update_ticket(
        make_uow(),
        rules=desk.rules,
        actor=OPERATOR,
        ticket_id=ticket_id,
        changes={"status": "pending_customer"},
        now=desk.clock.now,
    )
    desk.clock.now = T0 + timedelta(hours=30)  # past the 24 h resolution target, but paused
    await desk.sweep()
    assert await desk.breaches(ticket_id) == []

    await desk.message("customer")  # the customer answers: the clock runs again
    ticket = await desk.ticket()
    assert ticket["status"] == "open"
    expected_due = T0 + timedelta(hours=24) + (timedelta(hours=30) - timedelta(minutes=2))
    assert datetime.fromisoformat(ticket["sla"]["resolution_due"]) == expected_due

    desk.clock.now = expected_due - timedelta(seconds=1)
    await desk.sweep()
    # The customer's message opened a next-response round of 60 min: that one is missed.
    assert "resolution" not in await desk.breaches(ticket_id)
    desk.clock.now = expected_due
    await desk.sweep()
    assert (await desk.breaches(ticket_id)).count("resolution") == 1


async def test_a_replayed_withdrawal_completed_by_the_next_event_fires_nothing(make_uow) -> None:
    # A history replayed at once: the request is 24 h old by the wall clock, and its
    # completion is the next event. A tick that runs between the two must not call it stuck.
    desk = Desk1(make_uow)
    withdrawal = {"withdrawal_id": f"wd-{uuid.uuid4().hex[:8]}"}
    requested = {**withdrawal, "asset": "JPY", "amount": "500000"}
    await desk.exchange("withdrawal.requested", timedelta(hours=24), **requested)
    assert await desk.tick() == 0
    await desk.exchange("withdrawal.completed", timedelta(hours=23), **withdrawal)
    desk.clock.now += timedelta(minutes=5)
    assert await desk.tick() == 0


async def test_a_withdrawal_left_pending_fires_once_the_stream_has_paused(make_uow) -> None:
    desk = Desk1(make_uow)
    requested = {"withdrawal_id": f"wd-{uuid.uuid4().hex[:8]}", "asset": "ETH", "amount": "1.5"}
    await desk.exchange("withdrawal.requested", timedelta(hours=5), **requested)
    assert await desk.tick() == 0
    desk.clock.now += REPLAY_HOLD + timedelta(seconds=1)
    # Over an hour (the customer's conversation) and over four (the operator's warning).
    assert await desk.tick() == 2
    assert await desk.tick() == 0


async def test_a_replay_holds_every_alert_until_it_has_caught_up(make_uow) -> None:
    # After an outage the consumer works through hours of backlog. A customer's withdrawal
    # completion may sit thousands of other customers' events behind the request: no tick
    # may call it stuck while that backlog is still being read.
    desk = Desk1(make_uow)
    stuck = {"withdrawal_id": f"wd-{uuid.uuid4().hex[:8]}", "asset": "BTC", "amount": "0.2"}
    done = {"withdrawal_id": f"wd-{uuid.uuid4().hex[:8]}", "asset": "JPY", "amount": "90000"}
    other = f"cust-{uuid.uuid4().hex[:8]}"
    try:
        await desk.exchange("withdrawal.requested", timedelta(hours=6), **done)
        await desk.exchange("withdrawal.requested", timedelta(hours=6), customer=other, **stuck)
        for _ in range(4):  # seconds of replay: other customers' old events keep coming
            desk.clock.now += timedelta(seconds=2)
            await desk.login(timedelta(hours=5))
            assert await desk.tick() == 0
        await desk.exchange("withdrawal.completed", timedelta(hours=5), **done)
        # Caught up: live events again, then the hold runs out and only the stuck one fires.
        await desk.login(timedelta(seconds=1))
        desk.clock.now += REPLAY_HOLD + timedelta(seconds=1)
        assert await desk.tick() == 2
        assert await desk.tick() == 0
    finally:
        async with make_uow() as uow:  # the module's other tests start their clocks anew
            await uow.session.execute(delete(ExchangeReplayRow))
            await uow.commit()
