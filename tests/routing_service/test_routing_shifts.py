"""Shifts and presence against a real PostgreSQL: closed teams, shift starts, lost sockets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from test_routing_assignment import RoutingDb, db, pg  # noqa: F401  (fixtures)

from routing_service.accounts import set_connection

MONDAY_7_JST = datetime(2026, 3, 8, 22, tzinfo=UTC)
MONDAY_9_JST = datetime(2026, 3, 9, 0, tzinfo=UTC)
DAYS = {"windows": [{"weekday": d, "start": "09:00", "end": "18:00"} for d in range(5)]}


async def test_a_closed_team_tells_the_customer_when_it_opens_and_assigns_at_the_shift_start(
    db: RoutingDb,  # noqa: F811
) -> None:
    await db.operator("tax-day", teams=["tax"], schedule=DAYS)
    await db.handoff("c1", team="tax", now=MONDAY_7_JST)
    [quote] = await db.events("queue.updated")
    assert datetime.fromisoformat(quote["opens_at"]) == MONDAY_9_JST
    assert quote["estimated_wait_s"] >= 2 * 3600
    await db.tick(MONDAY_9_JST - timedelta(minutes=1))
    assert await db.assignee("c1") is None
    await db.tick(MONDAY_9_JST + timedelta(seconds=1))
    assert await db.assignee("c1") == "tax-day"


async def test_a_holiday_keeps_the_team_closed_until_the_next_working_day(
    db: RoutingDb,  # noqa: F811
) -> None:
    await db.operator("tax-day", teams=["tax"], schedule={**DAYS, "holidays": ["2026-03-09"]})
    await db.handoff("c1", team="tax", now=MONDAY_7_JST)
    [quote] = await db.events("queue.updated")
    assert datetime.fromisoformat(quote["opens_at"]) == MONDAY_9_JST + timedelta(days=1)
    await db.tick(MONDAY_9_JST + timedelta(seconds=1))
    assert await db.assignee("c1") is None


async def test_an_operator_without_a_schedule_takes_conversations_whenever_available(
    db: RoutingDb,  # noqa: F811
) -> None:
    await db.operator("anytime", teams=["legal"])
    await db.handoff("c1", team="legal", now=MONDAY_7_JST)
    assert await db.assignee("c1") == "anytime"


async def test_a_night_shift_serves_across_midnight(db: RoutingDb) -> None:  # noqa: F811
    nights = {"windows": [{"weekday": d, "start": "22:00", "end": "06:00"} for d in range(7)]}
    await db.operator("night", teams=["tier1"], schedule=nights)
    await db.handoff("c1", now=datetime(2026, 3, 9, 17, 30, tzinfo=UTC))  # 02:30 JST
    assert await db.assignee("c1") == "night"


async def test_a_lost_socket_counts_as_offline_only_after_the_grace_period(
    db: RoutingDb,  # noqa: F811
) -> None:
    await db.operator("op", teams=["tier1"])
    await set_connection(db.uow(), operator_id="op", connected=True, now=MONDAY_9_JST)
    await set_connection(db.uow(), operator_id="op", connected=False, now=MONDAY_9_JST)
    await db.tick(MONDAY_9_JST + timedelta(seconds=30))
    assert await db.events("operator.presence_changed") == []
    await db.handoff("c1", now=MONDAY_9_JST + timedelta(seconds=31))
    assert await db.assignee("c1") == "op"
    await db.tick(MONDAY_9_JST + timedelta(seconds=61))
    assert await db.events("operator.presence_changed") == [
        {"operator_id": "op", "status": "offline"}
    ]
    await db.handoff("c2", now=MONDAY_9_JST + timedelta(seconds=62))
    assert await db.assignee("c2") is None


async def test_a_reconnect_within_the_grace_period_keeps_the_operator_available(
    db: RoutingDb,  # noqa: F811
) -> None:
    await db.operator("op", teams=["tier1"])
    await set_connection(db.uow(), operator_id="op", connected=False, now=MONDAY_9_JST)
    await set_connection(db.uow(), operator_id="op", connected=True, now=MONDAY_9_JST)
    await db.tick(MONDAY_9_JST + timedelta(minutes=5))
    assert await db.events("operator.presence_changed") == []
