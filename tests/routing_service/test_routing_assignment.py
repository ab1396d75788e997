"""Queues and assignment against a real PostgreSQL: eligibility, order, timeouts, escalation."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from routing_service.adapters.orm import OperatorRow, RoutedConversationRow
from routing_service.config import RoutingSettings
from routing_service.handlers import apply_chat_event
from routing_service.scheduler import tick
from services.infra import EmbeddedPostgres
from shared.contracts import Envelope
from shared.db import UnitOfWork, make_engine, make_sessionmaker
from shared.migrations import upgrade_to_head

MIGRATIONS = Path(__file__).resolve().parents[2] / "routing_service" / "migrations"
SETTINGS = RoutingSettings(dev_mode=True, answer_timeout_s=60, disconnect_grace_s=60)
NOW = datetime(2026, 3, 9, 1, tzinfo=UTC)  # Monday 10:00 JST
_names = itertools.count()


@pytest.fixture(scope="module")
def pg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedPostgres]:
    """A private PostgreSQL with a migrated template database to clone per test."""
    server = EmbeddedPostgres(tmp_path_factory.mktemp("routing-pg") / "pg")
    server.start()
    try:
        asyncio.run(server.create_databases(["routing_template"]))
        url = server.uri("routing_template").replace("postgresql://", "postgresql+asyncpg://")
        asyncio.run(upgrade_to_head(MIGRATIONS, url))
        yield server
    finally:
        server.stop()


class RoutingDb:
    """One fresh routing database and helpers to drive it like the consumer and loop do."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url, pool_size=4)
        self.sessions = make_sessionmaker(self.engine)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.sessions, source="test/routing")

    async def operator(
        self,
        op_id: str,
        *,
        teams: list[str],
        languages: list[str] | None = None,
        capacity: int = 2,
        presence: str = "available",
        active: int = 0,
        schedule: dict[str, Any] | None = None,
    ) -> str:
        async with self.uow() as uow:
            uow.session.add(
                OperatorRow(
                    id=op_id,
                    username=op_id,
                    password_hash="-",
                    display_name=op_id,
                    role="operator",
                    teams=teams,
                    languages=languages or ["ja"],
                    max_concurrent=capacity,
                    presence=presence,
                    schedule=schedule,
                    active_count=active,
                )
            )
            await uow.commit()
        return op_id

    async def chat_event(
        self, event_type: str, data: dict[str, Any], *, now: datetime = NOW
    ) -> None:
        env = Envelope(
            source="test/chat",
            type=event_type,
            subject=str(data["conversation_id"]),
            data=data,
            time=now,
        )
        async with self.uow() as uow:
            await apply_chat_event(uow, env, settings=SETTINGS, now=now)
            await uow.commit()

    async def handoff(
        self,
        conv_id: str,
        *,
        team: str = "tier1",
        language: str = "ja",
        priority: int = 0,
        category: str | None = None,
        now: datetime = NOW,
    ) -> None:
        await self.chat_event(
            "conversation.handoff_requested",
            {
                "conversation_id": conv_id,
                "customer_id": f"cust-{conv_id}",
                "team": team,
                "language": language,
                "priority": priority,
                "category": category,
            },
            now=now,
        )

    async def operator_writes(self, conv_id: str, op_id: str) -> None:
        await self.chat_event(
            "message.created",
            {
                "conversation_id": conv_id,
                "customer_id": "c",
                "assignee_id": op_id,
                "status": "assigned",
                "language": "ja",
                "message": {
                    "id": "m",
                    "conversation_id": conv_id,
                    "seq": 2,
                    "author_type": "operator",
                    "author_id": op_id,
                    "text": "こんにちは",
                    "created_at": NOW.isoformat(),
                },
            },
        )

    async def close(self, conv_id: str, *, now: datetime = NOW) -> None:
        await self.chat_event(
            "conversation.closed",
            {
                "conversation_id": conv_id,
                "customer_id": "c",
                "assignee_id": None,
                "team": None,
                "closed_by": "operator",
            },
            now=now,
        )

    async def tick(self, now: datetime) -> None:
        await tick(self.uow, settings=SETTINGS, now=now)

    async def events(self, event_type: str) -> list[dict[str, Any]]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                text(
                    "SELECT envelope->'data' FROM outbox WHERE event_type = :t "
                    "ORDER BY envelope->>'time'"
                ),
                {"t": event_type},
            )
            return [r[0] for r in rows]

    async def assignee(self, conv_id: str) -> str | None:
        async with self.uow() as uow:
            row = await uow.session.get(RoutedConversationRow, conv_id)
            return None if row is None or row.state != "assigned" else row.operator_id

    async def load(self, op_id: str) -> int:
        async with self.uow() as uow:
            row = await uow.session.get(OperatorRow, op_id)
            assert row is not None
            return row.active_count


@pytest.fixture
async def db(pg: EmbeddedPostgres) -> AsyncIterator[RoutingDb]:
    name = f"routing_{next(_names)}"
    conn = await __import__("asyncpg").connect(pg.uri("postgres"))
    try:
        await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE routing_template')
    finally:
        await conn.close()
    routing = RoutingDb(pg.uri(name).replace("postgresql://", "postgresql+asyncpg://"))
    try:
        yield routing
    finally:
        await routing.engine.dispose()


NINE_TO_SIX = {"windows": [{"weekday": d, "start": "09:00", "end": "18:00"} for d in range(5)]}
NIGHTS = {"windows": [{"weekday": d, "start": "22:00", "end": "07:00"} for d in range(7)]}


async def test_assigns_to_the_least_loaded_operator_who_is_available_on_shift_in_team_and_language(
    db: RoutingDb,
) -> None:
    await db.operator("away", teams=["tier1"], presence="away")
    await db.operator("night-shift", teams=["tier1"], schedule=NIGHTS)
    await db.operator("tier2-only", teams=["tier2"])
    await db.operator("english-only", teams=["tier1"], languages=["en"])
    await db.operator("full", teams=["tier1"], capacity=1, active=1)
    await db.operator("busy", teams=["tier1"], capacity=2, active=1)
    await db.operator("day-shift", teams=["tier1"], capacity=2, schedule=NINE_TO_SIX)
    await db.handoff("c1", language="ja-JP")
    assert await db.assignee("c1") == "day-shift"
    assert await db.load("day-shift") == 1
    [assigned] = await db.events("conversation.assigned")
    assert assigned["team"] == "tier1" and assigned["language"] == "ja"


async def test_a_queue_is_served_security_incidents_first_then_priority_then_longest_waiting(
    db: RoutingDb,
) -> None:
    await db.handoff("old", now=NOW - timedelta(minutes=9))
    await db.handoff("vip", priority=5, now=NOW - timedelta(minutes=5))
    await db.handoff("takeover", category="account_takeover", now=NOW - timedelta(minutes=1))
    await db.handoff("freeze", category="freeze_request", priority=-1, now=NOW)
    positions = {
        e["conversation_id"]: e["queue_position"] for e in await db.events("queue.updated")
    }
    assert positions == {"takeover": 1, "freeze": 2, "vip": 3, "old": 4}
    await db.operator("op", teams=["tier1"], capacity=1)
    served = []
    for minute in range(4):
        await db.tick(NOW + timedelta(minutes=minute, seconds=1))
        current = [c for c in ("old", "vip", "takeover", "freeze") if await db.assignee(c)]
        served += [c for c in current if c not in served]
        await db.operator_writes(current[0], "op")
        await db.close(current[0], now=NOW + timedelta(minutes=minute, seconds=30))
    assert served == ["takeover", "freeze", "vip", "old"]


async def test_an_unanswered_assignment_returns_to_the_head_and_goes_to_another_operator(
    db: RoutingDb,
) -> None:
    await db.operator("op-a", teams=["tier1"], capacity=1)
    await db.operator("op-b", teams=["tier1"], capacity=1)
    await db.handoff("first", now=NOW)
    await db.handoff("second", now=NOW + timedelta(seconds=1))
    await db.handoff("third", now=NOW + timedelta(seconds=2))
    assert (await db.assignee("first"), await db.assignee("second")) == ("op-a", "op-b")
    await db.operator_writes("second", "op-b")
    await db.tick(NOW + timedelta(seconds=70))
    [timed_out] = await db.events("assignment.timed_out")
    assert timed_out["conversation_id"] == "first" and timed_out["operator_id"] == "op-a"
    # op-a is free again but does not get "first" right back; the next in line gets op-a.
    assert await db.assignee("first") is None
    assert await db.assignee("third") == "op-a"
    await db.handoff("vip", priority=5, now=NOW + timedelta(seconds=75))
    await db.close("second", now=NOW + timedelta(seconds=80))
    assert await db.assignee("first") == "op-b"  # at the head, ahead of even a priority customer
    assert await db.assignee("vip") is None


async def test_an_answered_assignment_never_times_out(db: RoutingDb) -> None:
    await db.operator("op", teams=["tier1"])
    await db.handoff("c1")
    await db.operator_writes("c1", "op")
    await db.tick(NOW + timedelta(minutes=10))
    assert await db.assignee("c1") == "op"
    assert await db.events("assignment.timed_out") == []


@pytest.mark.parametrize("team", ["tier2", "tax", "legal", "system", "security"])
async def test_an_escalation_goes_to_the_specialist_team_with_the_note(
    db: RoutingDb, team: str
) -> None:
    await db.operator("generalist", teams=["tier1"], capacity=1)
    await db.operator(f"{team}-specialist", teams=[team], capacity=1)
    await db.handoff("c1")
    await db.operator_writes("c1", "generalist")
    await db.chat_event(
        "conversation.escalated",
        {
            "conversation_id": "c1",
            "customer_id": "cust-c1",
            "from_team": "tier1",
            "team": team,
            "language": "ja",
            "operator_id": "generalist",
            "note": "本人確認済み、調査が必要",
        },
    )
    assert await db.assignee("c1") == f"{team}-specialist"
    assert await db.load("generalist") == 0
    last = (await db.events("conversation.assigned"))[-1]
    assert last["team"] == team and last["note"] == "本人確認済み、調査が必要"


async def test_a_transfer_goes_to_an_eligible_operator_and_is_refused_with_a_reason_otherwise(
    db: RoutingDb,
) -> None:
    await db.operator("from", teams=["tier1"])
    await db.operator("colleague", teams=["tier1"])
    await db.operator("away", teams=["tier1"], presence="away")
    await db.handoff("c1")
    original = await db.assignee("c1")
    other = "colleague" if original == "from" else "from"
    transfer = {"conversation_id": "c1", "from_operator_id": original}
    await db.chat_event("conversation.transfer_requested", {**transfer, "operator_id": "away"})
    assert await db.assignee("c1") == original
    [refused] = await db.events("transfer.rejected")
    assert refused["reason"] == "not_available"
    await db.chat_event("conversation.transfer_requested", {**transfer, "operator_id": other})
    assert await db.assignee("c1") == other
    assert (await db.load(other), await db.load(str(original))) == (1, 0)
    assert (await db.events("conversation.assigned"))[-1]["previous_operator_id"] == original


async def test_closing_frees_the_slot_for_the_next_customer_and_teaches_the_handle_time(
    db: RoutingDb,
) -> None:
    await db.operator("op", teams=["tier1"], capacity=1)
    await db.handoff("c1")
    await db.handoff("c2", now=NOW + timedelta(seconds=1))
    assert await db.assignee("c2") is None
    [quote] = [e for e in await db.events("queue.updated") if e["conversation_id"] == "c2"]
    assert quote["queue_position"] == 1 and quote["estimated_wait_s"] == 600  # the prior
    await db.close("c1", now=NOW + timedelta(seconds=120))
    assert await db.assignee("c2") == "op"
    await db.handoff("c3", now=NOW + timedelta(seconds=121))
    [quote] = [e for e in await db.events("queue.updated") if e["conversation_id"] == "c3"]
    assert quote["estimated_wait_s"] < 600  # learned from the 120 s conversation
