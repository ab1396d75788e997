"""Proactive support: the rule engine run on exchange events, contacts and ticks, with its state."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

from shared.contracts import Envelope
from shared.contracts.ticket import IncidentActive, ProactiveTriggered
from shared.db import UnitOfWork
from ticket_service import customers
from ticket_service.adapters import repository as repo
from ticket_service.adapters.orm import ExchangeReplayRow, IncidentRow, ProactiveCustomerRow
from ticket_service.domain.model import Ticket
from ticket_service.domain.proactive import Action, ActionKind, ProactiveEngine, ProactiveState
from ticket_service.domain.status import LIVE, Status
from ticket_service.tickets import TicketRules, new_ticket, store

# How long a customer's time-based rules wait after one of their exchange events arrives.
SETTLE = timedelta(seconds=2)
# An exchange event this much older than the wall clock when it arrives means the stream is
# being replayed (a backlog after an outage, a rewound consumer). Then any customer's
# settling event may still be queued behind thousands of others, far more than SETTLE of
# work away, so no time-based rule fires until REPLAY_HOLD after the last such event (at
# least half of it: the hold is moved on in steps, see `_hold_for_replay`).
REPLAY_LAG = timedelta(seconds=60)
REPLAY_HOLD = timedelta(seconds=5)
_REPLAY_ROW = "exchange"


class ProactiveService:
    """Runs the rules on one customer's persisted state at a time, and carries out actions."""

    def __init__(self, engine: ProactiveEngine, rules: TicketRules) -> None:
        self.engine = engine
        self.rules = rules
        # The replay hold this process last wrote: a replay brings thousands of events a
        # second, and the row needs moving on only every REPLAY_HOLD / 2.
        self._held_until: datetime | None = None

    async def on_exchange_event(
        self, uow: UnitOfWork, env: Envelope, *, now: datetime, arrived: datetime
    ) -> None:
        """Learn from one upstream event (judged at `now`, the stream's time; `arrived` is the
        wall clock's); fire what it triggers."""
        if arrived - env.time > REPLAY_LAG:
            await self._hold_for_replay(uow, until=arrived + REPLAY_HOLD)
        event = customers.exchange_event(env)
        if event.type in ("exchange.incident.started", "exchange.incident.resolved"):
            await self._incident(uow, env)
            return
        if event.customer_id is None:
            return
        row, state = await self._load(uow, event.customer_id)
        actions = self.engine.on_event(state, event, now)
        self._save(row, state)
        if row.next_check_at is not None:
            # The tick goes by the wall clock: in a replayed history the event that settles a
            # withdrawal may be right behind the one that started it, and a tick in between
            # would see the withdrawal hours overdue. It waits until the stream has paused.
            row.next_check_at = max(row.next_check_at, arrived + SETTLE)
        await self._act(uow, actions, now=now)

    async def on_customer_contact(
        self, uow: UnitOfWork, *, customer_id: str, conversation_id: str, now: datetime
    ) -> None:
        """A customer opened a conversation: tell them about active incidents, once each."""
        if (
            await uow.session.scalar(select(IncidentRow.id).where(IncidentRow.active).limit(1))
            is None
        ):
            return
        row, state = await self._load(uow, customer_id)
        actions = self.engine.on_customer_contact(state, customer_id=customer_id)
        self._save(row, state)
        await self._act(uow, actions, now=now, conversation_id=conversation_id)

    async def tick(self, uow: UnitOfWork, *, now: datetime, limit: int = 200) -> int:
        """Fire the time-based rules due by `now`; replicas split the rows (SKIP LOCKED).
        Nothing fires while the exchange stream is being replayed."""
        held = await uow.session.get(ExchangeReplayRow, _REPLAY_ROW)
        if held is not None and now < held.until:
            return 0
        rows = (
            await uow.session.scalars(
                select(ProactiveCustomerRow)
                .where(ProactiveCustomerRow.next_check_at <= now)
                .order_by(ProactiveCustomerRow.next_check_at)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        ).all()
        incidents = await self._incidents(uow)
        fired = 0
        for row in rows:
            state = ProactiveState.from_dict({**row.state, "active_incidents": incidents})
            actions = self.engine.on_tick(state, now)
            self._save(row, state)
            await self._act(uow, actions, now=now)
            fired += len(actions)
        return fired

    async def _hold_for_replay(self, uow: UnitOfWork, *, until: datetime) -> None:
        if self._held_until is not None and until - self._held_until < REPLAY_HOLD / 2:
            return
        await uow.session.execute(
            insert(ExchangeReplayRow)
            .values(id=_REPLAY_ROW, until=until)
            .on_conflict_do_update(
                index_elements=[ExchangeReplayRow.id],
                set_={"until": func.greatest(ExchangeReplayRow.until, until)},
            )
        )
        self._held_until = until

    async def _incident(self, uow: UnitOfWork, env: Envelope) -> None:
        data = env.data
        incident_id = str(data.get("incident_id", ""))
        row = await uow.session.get(IncidentRow, incident_id, with_for_update=True)
        if env.type == "exchange.incident.started":
            if row is None:
                row = IncidentRow(id=incident_id, started_at=env.time)
                uow.session.add(row)
            row.title_ja = str(data.get("title_ja", ""))
            row.title_en = str(data.get("title_en", ""))
            row.severity = data.get("severity")
            row.active = True
        elif row is None or not row.active:
            return
        else:
            row.active = False
        uow.publish(
            IncidentActive(
                incident_id=incident_id,
                title_ja=row.title_ja,
                title_en=row.title_en,
                active=row.active,
                severity=row.severity,
            ),
            subject=incident_id,
        )

    async def _incidents(self, uow: UnitOfWork) -> dict[str, dict[str, str]]:
        rows = (await uow.session.scalars(select(IncidentRow).where(IncidentRow.active))).all()
        return {
            r.id: {"title_ja": r.title_ja, "title_en": r.title_en, "severity": r.severity or ""}
            for r in rows
        }

    async def _load(
        self, uow: UnitOfWork, customer_id: str
    ) -> tuple[ProactiveCustomerRow, ProactiveState]:
        await uow.session.execute(
            insert(ProactiveCustomerRow)
            .values(customer_id=customer_id, state={})
            .on_conflict_do_nothing()
        )
        row = (
            await uow.session.scalars(
                select(ProactiveCustomerRow)
                .where(ProactiveCustomerRow.customer_id == customer_id)
                .with_for_update()
            )
        ).one()
        incidents = await self._incidents(uow)
        return row, ProactiveState.from_dict({**row.state, "active_incidents": incidents})

    def _save(self, row: ProactiveCustomerRow, state: ProactiveState) -> None:
        data: dict[str, Any] = state.to_dict()
        data.pop("active_incidents")  # exchange-wide, kept in the incidents table
        row.state = data
        row.next_check_at = self.engine.next_check_at(state)

    async def _act(
        self,
        uow: UnitOfWork,
        actions: Sequence[Action],
        *,
        now: datetime,
        conversation_id: str | None = None,
    ) -> None:
        for action in actions:
            ticket_id: str | None = None
            if action.kind is ActionKind.OPEN_CONVERSATION:
                ticket_id = await self._open_ticket(uow, action, now=now)
            elif action.kind is ActionKind.WARN_OPERATOR:
                ticket_id = await self._warn(uow, action, now=now)
            uow.publish(
                ProactiveTriggered(
                    rule_id=action.rule_id,
                    customer_id=action.customer_id,
                    action=action.kind.value,
                    message=dict(action.message),
                    note=action.note,
                    team=action.team,
                    priority=action.priority,
                    dedupe_key=action.dedupe_key,
                    ticket_id=ticket_id,
                    conversation_id=conversation_id,
                ),
                subject=action.customer_id,
            )

    async def _open_ticket(self, uow: UnitOfWork, action: Action, *, now: datetime) -> str:
        ticket = new_ticket(
            self.rules,
            customer_id=action.customer_id,
            at=now,
            actor=f"proactive:{action.rule_id}",
            team=action.team,
            priority=action.priority,
            category="proactive",
            with_sla=True,
        )
        text = action.message.get("ja") or action.message.get("en") or action.rule_id
        ticket.add_note(f"[proactive {action.rule_id}] {text}", author="proactive", at=now)
        store(uow, ticket, now=now, row=None)
        return ticket.id

    async def _warn(self, uow: UnitOfWork, action: Action, *, now: datetime) -> str | None:
        await customers.add_flag(
            uow,
            customer_id=action.customer_id,
            flag={
                "at": now.isoformat(),
                "rule_id": action.rule_id,
                "note": action.note,
                "team": action.team,
                "priority": action.priority,
                "dedupe_key": action.dedupe_key,
            },
        )
        # The warning also lands as an internal note on the customer's live ticket, if any.
        rows = await repo.linkable_rows(uow.session, action.customer_id)
        live = [r for r in rows if Status(r.status) in LIVE]
        if not live:
            return None
        row = live[0]
        ticket: Ticket = repo.to_ticket(row)
        ticket.add_note(action.note or action.rule_id, author=f"proactive:{action.rule_id}", at=now)
        store(uow, ticket, now=now, row=row)
        return ticket.id
