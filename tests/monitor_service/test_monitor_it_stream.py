"""monitor_service consuming a realistic event stream from a real broker into a real database."""

from __future__ import annotations

import asyncio
import math
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from monitor_service.app import create_app
from monitor_service.config import MonitorSettings
from monitor_service.domain import required_agents
from monitor_service.domain.metrics import tokyo_day_start
from services.infra import EmbeddedBroker, EmbeddedPostgres, free_port
from shared.auth import Actor, issue_token
from shared.contracts import TOPICS, Envelope, chat, kb, routing, ticket
from shared.contracts.envelope import EventPayload
from shared.contracts.monitor import TOPIC as MONITOR_TOPIC
from shared.settings import DEV_JWT_SECRET
from tests.support.waiting import wait_until

NOW = datetime.now(UTC)


@pytest.fixture(scope="module")
def postgres(tmp_root: Path) -> Iterator[EmbeddedPostgres]:
    pg = EmbeddedPostgres(tmp_root / "monitor-it-pg")
    pg.start()
    try:
        yield pg
    finally:
        pg.stop()


@pytest.fixture(scope="module")
def own_broker(tmp_root: Path) -> Iterator[EmbeddedBroker]:
    broker = EmbeddedBroker(free_port(), tmp_root / "monitor-it-broker.log")
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


@dataclass
class Monitor:
    http: httpx.AsyncClient
    producer: AIOKafkaProducer
    bootstrap: str

    async def publish(
        self, payload: EventPayload, *, subject: str, at: datetime, event_id: str | None = None
    ) -> Envelope:
        env = Envelope(
            source="test",
            type=payload.event_type,
            subject=subject,
            time=at,
            data=payload.model_dump(mode="json"),
            id=event_id or str(uuid.uuid4()),
        )
        await self.producer.send_and_wait(payload.topic, env.to_bytes(), key=subject.encode())
        return env

    async def get(self, path: str, role: str = "supervisor", **params: Any) -> httpx.Response:
        token = issue_token(
            actor=Actor(id=f"{role}-1", role=role),  # type: ignore[arg-type]
            secret=DEV_JWT_SECRET,
            ttl_s=600,
        )
        return await self.http.get(
            f"/api/v1/monitor/{path}", params=params, headers={"authorization": f"Bearer {token}"}
        )

    async def snapshot(self) -> dict[str, Any]:
        res = await self.get("snapshot")
        assert res.status_code == 200, res.text
        return res.json()  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
async def monitor(postgres: EmbeddedPostgres, own_broker: EmbeddedBroker) -> AsyncIterator[Monitor]:
    await postgres.create_databases(["monitor_it"])
    await own_broker.create_topics(list(TOPICS), partitions=3)
    settings = MonitorSettings(
        dev_mode=True,
        database_url=postgres.uri("monitor_it"),
        kafka_bootstrap_servers=own_broker.bootstrap,
        db_pool_size=3,
        relay_poll_s=0.2,
        alert_interval_s=0.2,
        queue_wait_alert_s=120,
        breach_spike_count=1,
        containment_min_sample=4,
        containment_alert_below=0.5,
    )
    app = create_app(settings)
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(app.router.lifespan_context(app))
        http = await stack.enter_async_context(
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://monitor")
        )
        producer = AIOKafkaProducer(bootstrap_servers=own_broker.bootstrap, acks="all")
        await producer.start()
        stack.push_async_callback(producer.stop)
        yield Monitor(http, producer, own_broker.bootstrap)


def view(
    conv_id: str,
    status: str,
    *,
    language: str = "ja",
    team: str | None = None,
    assignee: str | None = None,
) -> chat.ConversationView:
    return chat.ConversationView(
        id=conv_id,
        customer_id=f"cust-{conv_id}",
        status=status,  # type: ignore[arg-type]
        language=language,
        team=team,
        assignee_id=assignee,
        created_at=NOW - timedelta(minutes=8),
    )


def ago(seconds: float) -> datetime:
    return NOW - timedelta(seconds=seconds)


async def publish_the_morning(m: Monitor) -> None:
    """A: bot fails, human handles 300 s. B: waits in tier2/en. C: bot answers, closes.
    D: with op-1 now. Two tickets, one breached; op-2 goes away."""
    p = m.publish
    await p(
        routing.OperatorPresenceChanged(operator_id="op-1", status="available"),
        subject="op-1",
        at=ago(480),
    )
    # Routing may add max_concurrent to the presence event; the monitor uses it when present.
    await m.producer.send_and_wait(
        "routing.events",
        Envelope(
            source="test",
            type="operator.presence_changed",
            subject="op-1",
            time=ago(470),
            data={"operator_id": "op-1", "status": "available", "max_concurrent": 2},
        ).to_bytes(),
        key=b"op-1",
    )
    await p(
        routing.OperatorPresenceChanged(operator_id="op-2", status="available"),
        subject="op-2",
        at=ago(460),
    )
    await p(
        routing.OperatorPresenceChanged(operator_id="op-2", status="away"),
        subject="op-2",
        at=ago(100),
    )

    await p(chat.ConversationOpened(conversation=view("A", "bot")), subject="A", at=ago(450))
    await p(
        kb.BotAnswered(
            conversation_id="A",
            message_id="m1",
            answered=False,
            key=None,
            article_id=None,
            confidence=0.2,
            text=None,
            category=None,
            team=None,
            language="ja",
        ),
        subject="A",
        at=ago(445),
    )
    await p(
        chat.ConversationHandoffRequested(
            conversation_id="A", customer_id="cust-A", team="tier1", language="ja"
        ),
        subject="A",
        at=ago(440),
    )
    await p(
        routing.QueueUpdated(
            conversation_id="A", team="tier1", language="ja", queue_position=1, estimated_wait_s=60
        ),
        subject="A",
        at=ago(439),
    )
    await p(
        routing.ConversationAssigned(
            conversation_id="A", operator_id="op-1", team="tier1", language="ja", waited_s=40.0
        ),
        subject="A",
        at=ago(400),
    )
    await p(
        chat.ConversationClosed(
            conversation_id="A",
            customer_id="cust-A",
            assignee_id="op-1",
            team="tier1",
            closed_by="op-1",
        ),
        subject="A",
        at=ago(100),
    )

    await p(
        chat.ConversationOpened(conversation=view("B", "bot", language="en")),
        subject="B",
        at=ago(410),
    )
    await p(
        chat.ConversationHandoffRequested(
            conversation_id="B", customer_id="cust-B", team="tier2", language="en"
        ),
        subject="B",
        at=ago(400),
    )

    await p(chat.ConversationOpened(conversation=view("C", "bot")), subject="C", at=ago(300))
    await p(
        kb.BotAnswered(
            conversation_id="C",
            message_id="m2",
            answered=True,
            key="fees",
            article_id="a1",
            confidence=0.9,
            text="...",
            category="fees",
            team="tier1",
            language="ja",
        ),
        subject="C",
        at=ago(295),
    )
    await p(
        chat.ConversationClosed(
            conversation_id="C",
            customer_id="cust-C",
            assignee_id=None,
            team=None,
            closed_by="customer",
        ),
        subject="C",
        at=ago(250),
    )

    await p(chat.ConversationOpened(conversation=view("D", "bot")), subject="D", at=ago(200))
    await p(
        chat.ConversationHandoffRequested(
            conversation_id="D", customer_id="cust-D", team="tier1", language="ja"
        ),
        subject="D",
        at=ago(190),
    )
    # The assignment (routing.events) may overtake chat's own update (chat.events): newest wins.
    await p(
        routing.ConversationAssigned(
            conversation_id="D", operator_id="op-1", team="tier1", language="ja", waited_s=10.0
        ),
        subject="D",
        at=ago(180),
    )
    await p(
        chat.ConversationUpdated(conversation=view("D", "queued", team="tier1")),
        subject="D",
        at=ago(189),
    )

    await p(
        ticket.TicketCreated(
            ticket_id="T1",
            customer_id="cust-B",
            conversation_id="B",
            priority="normal",
            team="tier2",
        ),
        subject="T1",
        at=ago(400),
    )
    await p(
        ticket.TicketSlaBreached(
            ticket_id="T1",
            customer_id="cust-B",
            target="first_response",
            due_at=ago(60).isoformat(),
        ),
        subject="T1",
        at=ago(60),
    )
    await p(
        ticket.TicketCreated(
            ticket_id="T2", customer_id="cust-C", conversation_id="C", priority="low", team=None
        ),
        subject="T2",
        at=ago(300),
    )
    await p(
        ticket.TicketStatusChanged(
            ticket_id="T2", customer_id="cust-C", old_status="new", new_status="resolved"
        ),
        subject="T2",
        at=ago(240),
    )


def pick(actual: dict[str, Any], **expected: Any) -> bool:
    """The named fields of `actual` equal `expected` (asserts with a readable diff)."""
    assert {k: actual.get(k) for k in expected} == expected
    return True


def closed_today(*moments: datetime) -> int:
    return sum(1 for t in moments if t >= tokyo_day_start(datetime.now(UTC)))


@pytest.fixture(scope="module")
async def morning(monitor: Monitor) -> dict[str, Any]:
    """The morning's events, published once; the snapshot as soon as all were consumed."""
    await publish_the_morning(monitor)

    async def settled() -> dict[str, Any] | None:
        snap = await monitor.snapshot()
        done = snap["sla"]["open_tickets"] == 1 and snap["conversations"]["assigned"] == 1
        done = done and snap["bot"]["handed_off"] == 3 and snap["operators"]["online"] == 2
        # kb.events is a topic of its own: its events may be consumed after all the others.
        done = done and snap["bot"]["answered"] + snap["bot"]["unanswered"] == 2
        return snap if done and snap["conversations"]["closed_today"] >= 1 else None

    return await wait_until(settled, timeout_s=30, interval_s=0.3)


async def test_the_snapshot_counts_what_the_event_stream_told_it(morning: dict[str, Any]) -> None:
    snap = morning
    queues = {(q["team"], q["language"]): q for q in snap["queues"]}
    assert queues[("tier2", "en")]["waiting"] == 1
    assert queues[("tier2", "en")]["longest_wait_s"] >= 400
    assert queues[("tier1", "ja")]["waiting"] == 0
    assert queues[("tier1", "ja")]["arrivals_per_hour"] == 2.0
    assert pick(snap["operators"], online=2, available=1, busy=1, occupancy=0.5)
    assert pick(
        snap["conversations"],
        bot=0,
        queued=1,
        assigned=1,
        closed_today=closed_today(ago(100), ago(250)),
    )
    assert pick(
        snap["sla"],
        open_tickets=1,
        open_breached=1,
        breached_today=closed_today(ago(60)),
        breaches_by_target={"first_response": closed_today(ago(60))}
        if closed_today(ago(60))
        else {},
    )
    assert pick(
        snap["bot"], answered=1, unanswered=1, handed_off=3, contained=1, containment_rate=0.25
    )


async def test_a_redelivered_or_repeated_event_is_counted_once(
    monitor: Monitor, morning: dict[str, Any]
) -> None:
    before = await monitor.snapshot()
    closed = chat.ConversationClosed(
        conversation_id="A",
        customer_id="cust-A",
        assignee_id="op-1",
        team="tier1",
        closed_by="op-1",
    )
    await monitor.publish(closed, subject="A", at=ago(90))
    await monitor.publish(closed, subject="A", at=ago(90), event_id="same-id")
    await monitor.publish(closed, subject="A", at=ago(90), event_id="same-id")
    # The same breach reported again by a new event still breaches once.
    await monitor.publish(
        ticket.TicketSlaBreached(
            ticket_id="T1",
            customer_id="cust-B",
            target="first_response",
            due_at=ago(60).isoformat(),
        ),
        subject="T1",
        at=ago(50),
    )
    marker = chat.ConversationOpened(conversation=view("E", "bot"))
    await monitor.publish(marker, subject="E", at=ago(10))
    # Every partition of a topic drains in order, so wait for a marker on each.
    await wait_until(lambda: _bot_count_is(monitor, 1), timeout_s=20, interval_s=0.3)
    await asyncio.sleep(1.0)
    after = await monitor.snapshot()
    assert after["conversations"]["closed_today"] == before["conversations"]["closed_today"]
    assert after["sla"]["breached_today"] == before["sla"]["breached_today"]


async def _bot_count_is(monitor: Monitor, n: int) -> bool:
    return bool((await monitor.snapshot())["conversations"]["bot"] == n)


async def test_staffing_measures_arrivals_and_handle_time_from_the_stream(
    monitor: Monitor, morning: dict[str, Any]
) -> None:
    res = await monitor.get("staffing", team="tier1", language="ja")
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["measured"] is True
    assert body["arrivals_per_hour"] == 2.0  # A and D handed off within the hour
    assert body["aht_s"] == 300.0  # A: assigned at -400 s, closed at -100 s
    expected = required_agents(arrivals_per_hour=2.0, aht_s=300.0, target_sl=0.8, target_s=60)
    assert body["agents"] == expected.agents
    assert body["wait_probability"] == pytest.approx(expected.wait_probability, abs=1e-6)
    assert body["concurrency"] == 2  # op-1's max_concurrent from the presence event


async def test_staffing_with_explicit_inputs_is_erlang_c(monitor: Monitor) -> None:
    res = await monitor.get(
        "staffing", arrivals_per_hour=240, aht_s=420, target_sl=0.9, target_s=30, concurrency=3
    )
    body = res.json()
    expected = required_agents(arrivals_per_hour=240, aht_s=420, target_sl=0.9, target_s=30)
    assert (body["agents"], body["measured"]) == (expected.agents, False)
    assert body["service_level"] == pytest.approx(expected.service_level, abs=1e-6)
    assert body["occupancy"] == pytest.approx(expected.occupancy, abs=1e-6)
    assert body["concurrency_adjusted_agents"] == math.ceil(expected.agents / 3)


@pytest.mark.parametrize(
    "params",
    [
        {"target_sl": 1.5},
        {"target_sl": 1},
        {"arrivals_per_hour": -1},
        {"aht_s": -5},
        {"target_s": -1},
        {"aht_s": "soon"},
        {"team": "bogus"},
        {"arrivals_per_hour": "nan"},
        {"arrivals_per_hour": 1_000_000, "aht_s": 86_400},
    ],
)
async def test_staffing_rejects_impossible_inputs_as_a_problem(
    monitor: Monitor, params: dict[str, Any]
) -> None:
    res = await monitor.get("staffing", **params)
    assert res.status_code == 422
    assert res.headers["content-type"].startswith("application/problem+json")


async def test_operators_may_not_see_the_monitor(monitor: Monitor) -> None:
    for path in ("snapshot", "staffing", "alerts"):
        assert (await monitor.get(path, role="operator")).status_code == 403


async def test_alerts_are_raised_once_and_cleared_when_the_condition_ends(
    monitor: Monitor, morning: dict[str, Any]
) -> None:
    async def names() -> set[str]:
        res = await monitor.get("alerts")
        return {a["name"] for a in res.json()["items"]}

    expected = {"queue_wait_long:tier2:en", "sla_breach_spike", "bot_containment_low"}
    await wait_until(lambda: _has(names, expected), timeout_s=15, interval_s=0.3)
    await asyncio.sleep(1.0)  # several more evaluation rounds: still one event each
    await monitor.publish(
        routing.ConversationAssigned(
            conversation_id="B", operator_id="op-1", team="tier2", language="en", waited_s=400.0
        ),
        subject="B",
        at=datetime.now(UTC),
    )
    await wait_until(lambda: _lacks(names, "queue_wait_long:tier2:en"), timeout_s=15)

    events = await _read_all(monitor.bootstrap)
    raised = Counter(e.data["name"] for e in events if e.type == "alert.raised")
    cleared = Counter(e.data["name"] for e in events if e.type == "alert.cleared")
    # Conversations other tests left queued may raise alerts of their own queues on a slow run.
    assert {name: raised[name] for name in expected} == dict.fromkeys(expected, 1)
    assert cleared["queue_wait_long:tier2:en"] == 1
    assert {e.data["severity"] for e in events if e.data["name"] == "sla_breach_spike"} == {
        "critical"
    }


async def _has(names: Any, wanted: set[str]) -> bool:
    return wanted <= await names()


async def _lacks(names: Any, name: str) -> bool:
    return name not in await names()


async def _read_all(bootstrap: str) -> list[Envelope]:
    """Everything on monitor.events, once the relay has had time to publish it."""
    consumer = AIOKafkaConsumer(
        MONITOR_TOPIC,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=f"reader-{uuid.uuid4().hex}",
    )
    await consumer.start()
    found: list[Envelope] = []
    try:
        quiet = 0
        while quiet < 3:  # until three empty polls in a row
            batch = await consumer.getmany(timeout_ms=700)
            records = [r for rs in batch.values() for r in rs]
            quiet = 0 if records else quiet + 1
            found += [Envelope.from_bytes(r.value) for r in records if r.value]
    finally:
        await consumer.stop()
    return found


async def test_an_assignment_nobody_picked_up_puts_the_customer_back_in_the_queue(
    monitor: Monitor,
) -> None:
    now = datetime.now(UTC)
    await monitor.publish(
        chat.ConversationHandoffRequested(
            conversation_id="F", customer_id="cust-F", team="tax", language="ja"
        ),
        subject="F",
        at=now - timedelta(seconds=30),
    )
    await monitor.publish(
        routing.ConversationAssigned(
            conversation_id="F", operator_id="op-1", team="tax", language="ja", waited_s=5.0
        ),
        subject="F",
        at=now - timedelta(seconds=25),
    )
    await monitor.publish(
        routing.AssignmentTimedOut(
            conversation_id="F", operator_id="op-1", team="tax", language="ja"
        ),
        subject="F",
        at=now - timedelta(seconds=10),
    )

    async def tax_queue() -> dict[str, Any] | None:
        queues = (await monitor.snapshot())["queues"]
        return next((q for q in queues if q["team"] == "tax" and q["waiting"] == 1), None)

    queue = await wait_until(tax_queue, timeout_s=20, interval_s=0.3)
    # The wait restarts when the customer is queued again.
    assert queue["longest_wait_s"] < 30
