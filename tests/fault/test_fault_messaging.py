"""The outbox, the consumer runner and the DLQ against a real broker that pauses or misbehaves."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import uuid
from collections.abc import Awaitable, Callable

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.infra import EmbeddedBroker
from shared.contracts import Envelope
from shared.contracts.monitor import TOPIC, AlertRaised
from shared.db import UnitOfWork
from shared.messaging.consumer import ConsumerRunner
from shared.messaging.inbox import idempotent
from shared.messaging.kafka import make_consumer, make_producer
from shared.messaging.relay import OutboxRelay
from shared.messaging.tables import outbox
from shared.tracing import valid
from tests.fault.conftest import applied
from tests.support.waiting import wait_until


async def read_all(
    bootstrap: str, topic: str, *, expect: int, timeout_s: float = 15
) -> list[tuple[bytes | None, dict[str, bytes]]]:
    """Every record of a topic from the start, once `expect` have arrived (or the time is up)."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        group_id=f"reader-{uuid.uuid4().hex[:6]}",
    )
    await consumer.start()
    found: list[tuple[bytes | None, dict[str, bytes]]] = []
    try:
        deadline = asyncio.get_running_loop().time() + timeout_s
        while asyncio.get_running_loop().time() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for records in batch.values():
                found += [(r.value, dict(r.headers or ())) for r in records]
            if len(found) >= expect:
                # Linger briefly so a duplicate would show up too.
                extra = await consumer.getmany(timeout_ms=1500)
                for records in extra.values():
                    found += [(r.value, dict(r.headers or ())) for r in records]
                break
    finally:
        await consumer.stop()
    return found


async def started_producer(broker: EmbeddedBroker, *, partitions: int) -> AIOKafkaProducer:
    """The test topic created with `partitions`, and a started producer for it."""
    await broker.create_topics([TOPIC], partitions=partitions)
    producer = make_producer(broker.bootstrap, idempotence=False, client_id="fault-test")
    await producer.start()
    return producer


async def publish_one(sessions: async_sessionmaker[AsyncSession], relay: OutboxRelay) -> str:
    async with UnitOfWork(sessions, source="test", on_commit=relay.wake) as uow:
        uow.publish(
            AlertRaised(name="queue_wait", severity="warning", detail="x"), subject="queue-tier1"
        )
        await uow.commit()
    async with sessions() as session:
        return str(await session.scalar(select(outbox.c.id).order_by(outbox.c.created_at.desc())))


async def test_event_written_while_the_broker_is_stopped_arrives_once_after_it_resumes(
    broker: EmbeddedBroker, sessions: async_sessionmaker[AsyncSession]
) -> None:
    producer = await started_producer(broker, partitions=3)
    relay = OutboxRelay(sessions, producer, poll_s=0.2)
    assert broker.process is not None
    os.kill(broker.process.pid, signal.SIGSTOP)
    task = asyncio.ensure_future(relay.run())
    try:
        event_id = await publish_one(sessions, relay)
        await asyncio.sleep(3)
        async with sessions() as session:
            unsent = await session.scalar(select(func.count()).where(outbox.c.sent_at.is_(None)))
        assert unsent == 1  # nothing is marked sent while the broker cannot ack
        os.kill(broker.process.pid, signal.SIGCONT)

        async def sent() -> bool:
            async with sessions() as session:
                left = await session.scalar(select(func.count()).where(outbox.c.sent_at.is_(None)))
            return left == 0

        await wait_until(sent, timeout_s=40)
    finally:
        os.kill(broker.process.pid, signal.SIGCONT)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await producer.stop()
    records = await read_all(broker.bootstrap, TOPIC, expect=1)
    ids = [Envelope.from_bytes(value or b"").id for value, _ in records]
    assert ids == [event_id]
    headers = records[0][1]
    assert valid(headers["traceparent"].decode()) and headers["correlation_id"]


async def count_applied(uow: UnitOfWork, env: Envelope) -> None:
    await uow.session.execute(
        insert(applied)
        .values(event_id=env.id, times=1)
        .on_conflict_do_update(index_elements=["event_id"], set_={"times": applied.c.times + 1})
    )


async def test_consumer_killed_between_its_commit_and_its_offset_commit_applies_once(
    broker: EmbeddedBroker, sessions: async_sessionmaker[AsyncSession]
) -> None:
    producer = await started_producer(broker, partitions=1)
    relay = OutboxRelay(sessions, producer, poll_s=0.2)
    event_id = await publish_one(sessions, relay)
    await relay.publish_pending()
    handle = idempotent(
        "fault-consumer", lambda: UnitOfWork(sessions, source="test"), count_applied
    )
    deliveries: list[str] = []
    committed = asyncio.Event()

    async def crash_after_commit(env: Envelope) -> None:
        deliveries.append(env.id)
        await handle(env)
        committed.set()
        await asyncio.Event().wait()  # "killed" here: before the runner commits the offset

    group = f"g-{uuid.uuid4().hex[:6]}"
    first = make_consumer(broker.bootstrap, group_id=group, client_id="c1")
    await first.start()
    run = asyncio.ensure_future(
        ConsumerRunner(first, producer, crash_after_commit, name=group, topics=(TOPIC,)).run()
    )
    await asyncio.wait_for(committed.wait(), 20)
    run.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await run
    await first.stop()

    second = make_consumer(broker.bootstrap, group_id=group, client_id="c2")
    await second.start()

    async def redelivered(env: Envelope) -> None:
        deliveries.append(env.id)
        await handle(env)

    run = asyncio.ensure_future(
        ConsumerRunner(second, producer, redelivered, name=group, topics=(TOPIC,)).run()
    )
    try:
        await wait_until(lambda: asyncio.sleep(0, len(deliveries) >= 2), timeout_s=30)
    finally:
        run.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await run
        await second.stop()
        await producer.stop()
    assert deliveries == [event_id, event_id]  # it was delivered again ...
    async with sessions() as session:
        times = await session.scalar(select(applied.c.times).where(applied.c.event_id == event_id))
    assert times == 1  # ... and applied once


async def consume_until(
    broker: EmbeddedBroker,
    producer: AIOKafkaProducer,
    handle: Callable[[Envelope], Awaitable[None]],
    done: Callable[[], Awaitable[bool]],
) -> None:
    """Run a consumer of TOPIC with `handle` until `done()`, then stop it and `producer`."""
    group = f"g-{uuid.uuid4().hex[:6]}"
    consumer = make_consumer(broker.bootstrap, group_id=group, client_id="c")
    await consumer.start()
    run = asyncio.ensure_future(
        ConsumerRunner(consumer, producer, handle, name=group, topics=(TOPIC,)).run()
    )
    try:
        await wait_until(done, timeout_s=30)
    finally:
        run.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await run
        await consumer.stop()
        await producer.stop()


async def test_a_malformed_message_goes_to_the_dlq_and_the_consumer_carries_on(
    broker: EmbeddedBroker, sessions: async_sessionmaker[AsyncSession]
) -> None:
    producer = await started_producer(broker, partitions=1)
    await producer.send_and_wait(TOPIC, b"{not json", key=b"k")
    bad_payload = Envelope(source="test", type="alert.raised", subject="k", data={"name": 3})
    await producer.send_and_wait(TOPIC, bad_payload.to_bytes(), key=b"k")
    relay = OutboxRelay(sessions, producer, poll_s=0.2)
    good_id = await publish_one(sessions, relay)
    await relay.publish_pending()
    handle = idempotent("dlq-consumer", lambda: UnitOfWork(sessions, source="test"), count_applied)

    async def good_applied() -> bool:
        async with sessions() as session:
            return bool(
                await session.scalar(
                    select(func.count()).select_from(applied).where(applied.c.event_id == good_id)
                )
            )

    await consume_until(broker, producer, handle, good_applied)
    dead = await read_all(broker.bootstrap, f"{TOPIC}.dlq", expect=2)
    assert [value for value, _ in dead] == [b"{not json", bad_payload.to_bytes()]
    assert all("dlq_error" in headers for _, headers in dead)
    async with sessions() as session:
        assert await session.scalar(text("SELECT count(*) FROM applied")) == 1


async def store_subject(uow: UnitOfWork, env: Envelope) -> None:
    await uow.session.execute(insert(applied).values(event_id=env.subject, times=1))


async def test_an_event_the_database_refuses_goes_to_the_dlq_and_the_consumer_carries_on(
    broker: EmbeddedBroker, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # `applied.event_id` holds 64 characters: this event can never be stored, the next one can.
    producer = await started_producer(broker, partitions=1)
    data = AlertRaised(name="queue_wait", severity="warning", detail="x").model_dump(mode="json")
    too_long = Envelope(source="test", type="alert.raised", subject="s" * 65, data=data)
    await producer.send_and_wait(TOPIC, too_long.to_bytes(), key=b"k")
    good = Envelope(source="test", type="alert.raised", subject="fits", data=data)
    await producer.send_and_wait(TOPIC, good.to_bytes(), key=b"k")
    handle = idempotent("refused", lambda: UnitOfWork(sessions, source="test"), store_subject)

    async def good_applied() -> bool:
        async with sessions() as session:
            found = select(applied.c.times).where(applied.c.event_id == "fits")
            return await session.scalar(found) == 1

    await consume_until(broker, producer, handle, good_applied)
    dead = await read_all(broker.bootstrap, f"{TOPIC}.dlq", expect=1)
    assert [value for value, _ in dead] == [too_long.to_bytes()]
