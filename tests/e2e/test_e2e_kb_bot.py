"""A customer's question in a new conversation is answered by the bot, through the gateway."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from services.desk import Desk
from shared.contracts import envelope_for
from shared.contracts.ticket import IncidentActive
from tests.support.desk_client import bearer, customer_token, staff_token
from tests.support.waiting import wait_until


async def _kb_ready(api: httpx.AsyncClient) -> None:
    headers = bearer(await staff_token(api, "supervisor", "supervisor-demo"))

    async def ready() -> bool:
        res = await api.get("/api/v1/kb/status", headers=headers)
        return res.status_code == 200 and bool(res.json()["ready"])

    await wait_until(ready, timeout_s=90, interval_s=0.3)


async def _from_now(desk: Desk, topic: str) -> AIOKafkaConsumer:
    consumer = AIOKafkaConsumer(bootstrap_servers=desk.broker.bootstrap, enable_auto_commit=False)
    await consumer.start()
    await consumer.topics()
    parts = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
    assert parts, f"{topic} has no partitions"
    consumer.assign(parts)
    await consumer.seek_to_end(*parts)
    return consumer


async def _event(consumer: AIOKafkaConsumer, event_type: str, subject: str) -> dict[str, Any]:
    async def find() -> dict[str, Any]:
        async for record in consumer:
            env = json.loads(record.value or b"{}")
            if env.get("type") == event_type and env.get("subject") == subject:
                return env["data"]  # type: ignore[no-any-return]
        raise AssertionError("consumer stopped")

    return await asyncio.wait_for(find(), 45)


async def test_a_customer_question_in_a_new_conversation_gets_the_bots_answer(
    api: httpx.AsyncClient, desk: Desk
) -> None:
    await _kb_ready(api)
    consumer = await _from_now(desk, "kb.events")
    customer = bearer(await customer_token(api, language="ja"))
    try:
        res = await api.post(
            "/api/v1/conversations",
            json={"language": "ja", "text": "ビットコインを購入する方法を教えてください"},
            headers=customer,
        )
        assert res.status_code == 201, res.text
        conversation_id = res.json()["id"]
        answered = await _event(consumer, "bot.answered", conversation_id)
    finally:
        await consumer.stop()
    assert answered["answered"] is True and answered["key"] == "buy_crypto"
    assert answered["language"] == "ja" and answered["message_id"]

    async def bot_replied() -> list[dict[str, Any]]:
        res = await api.get(f"/api/v1/conversations/{conversation_id}/messages", headers=customer)
        return [m for m in res.json()["items"] if m["author_type"] == "bot"]

    replies = await wait_until(bot_replied, timeout_s=30)
    assert any(answered["text"] in m["text"] or m["text"] in answered["text"] for m in replies)


async def test_the_bot_mentions_an_active_exchange_incident_in_the_customers_language(
    api: httpx.AsyncClient, desk: Desk
) -> None:
    await _kb_ready(api)
    incident_id = f"inc-{uuid.uuid4().hex[:8]}"
    title_ja, title_en = f"入金遅延 {incident_id}", f"Delayed deposits {incident_id}"
    customer = bearer(await customer_token(api))

    async def publish(active: bool) -> None:
        event = IncidentActive(
            incident_id=incident_id, title_ja=title_ja, title_en=title_en, active=active
        )
        producer = AIOKafkaProducer(bootstrap_servers=desk.broker.bootstrap, acks="all")
        await producer.start()
        try:
            env = envelope_for(event, subject=incident_id, source="test/e2e")
            await producer.send_and_wait(event.topic, env.to_bytes(), key=incident_id.encode())
        finally:
            await producer.stop()

    async def answer(text: str) -> str:
        res = await api.post("/api/v1/bot/answer", json={"text": text}, headers=customer)
        return str(res.json()["text"])

    await publish(True)
    try:
        ja = await wait_until(
            lambda: _containing(answer("ビットコインの買い方を教えて"), title_ja), timeout_s=30
        )
        en = await answer("how do I buy bitcoin")
        assert title_en in en and title_ja not in en
        assert title_en not in ja
    finally:
        await publish(False)
    await wait_until(lambda: _lacking(answer("how do I buy bitcoin"), title_en), timeout_s=30)


async def _containing(text: Any, part: str) -> str | None:
    found = await text
    return found if part in found else None


async def _lacking(text: Any, part: str) -> bool:
    return part not in await text


async def test_an_answer_says_how_long_the_engine_took(api: httpx.AsyncClient) -> None:
    await _kb_ready(api)
    customer = bearer(await customer_token(api))
    res = await api.post(
        "/api/v1/bot/answer", json={"text": "パスワードを忘れました"}, headers=customer
    )
    assert res.status_code == 200 and res.json()["answered"]
    # Server-Timing survives the gateway, so a client can tell matching from transport time.
    name, _, duration = res.headers["server-timing"].partition(";dur=")
    assert name == "engine" and float(duration) > 0
