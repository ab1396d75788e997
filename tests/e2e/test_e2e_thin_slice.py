"""A customer's message travels REST -> chat_service -> outbox -> Kafka -> gateway -> websocket."""

from __future__ import annotations

import asyncio
import json
import uuid

import httpx
from aiokafka import AIOKafkaConsumer

from services.desk import Desk
from shared.contracts import chat
from shared.web import CORRELATION_HEADER
from tests.support.desk_client import bearer, customer_token, next_frame, open_socket


async def test_customer_message_reaches_the_customers_websocket(
    api: httpx.AsyncClient, gateway_url: str
) -> None:
    token = await customer_token(api, language="en")
    conv = (
        await api.post("/api/v1/conversations", json={"language": "en"}, headers=bearer(token))
    ).json()
    ws = await open_socket(gateway_url, token)
    try:
        await asyncio.sleep(1.0)  # the gateway's fan-out reads from the latest offset
        res = await api.post(
            f"/api/v1/conversations/{conv['id']}/messages",
            json={"text": "Where is my withdrawal?", "client_msg_id": "m1"},
            headers=bearer(token),
        )
        assert res.status_code == 201
        frame = await next_frame(ws, "message.created")
        assert frame["conversation_id"] == conv["id"]
        assert frame["message"]["text"] == "Where is my withdrawal?"
        assert frame["message"]["seq"] == res.json()["seq"]
    finally:
        await ws.close()


async def test_another_customer_neither_reads_nor_hears_the_conversation(
    api: httpx.AsyncClient, gateway_url: str
) -> None:
    owner = await customer_token(api)
    stranger = await customer_token(api)
    conv = (await api.post("/api/v1/conversations", json={}, headers=bearer(owner))).json()
    assert (
        await api.get(f"/api/v1/conversations/{conv['id']}", headers=bearer(stranger))
    ).status_code == 404
    ws = await open_socket(gateway_url, stranger)
    try:
        await asyncio.sleep(1.0)
        await api.post(
            f"/api/v1/conversations/{conv['id']}/messages",
            json={"text": "private", "client_msg_id": "p1"},
            headers=bearer(owner),
        )
        try:
            frame = await next_frame(ws, "message.created", timeout_s=3)
        except TimeoutError:
            frame = None
        assert frame is None
    finally:
        await ws.close()


async def test_a_retried_send_returns_the_same_message(api: httpx.AsyncClient) -> None:
    token = await customer_token(api)
    conv = (await api.post("/api/v1/conversations", json={}, headers=bearer(token))).json()
    body = {"text": "出金が反映されません", "client_msg_id": "retry-1"}
    first = await api.post(
        f"/api/v1/conversations/{conv['id']}/messages", json=body, headers=bearer(token)
    )
    again = await api.post(
        f"/api/v1/conversations/{conv['id']}/messages", json=body, headers=bearer(token)
    )
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    listed = (
        await api.get(f"/api/v1/conversations/{conv['id']}/messages", headers=bearer(token))
    ).json()["items"]
    # Only the customer's: the bot may already have answered it.
    assert [m["seq"] for m in listed if m["author_type"] == "customer"] == [1]


async def test_a_card_number_is_masked_before_anyone_sees_it(api: httpx.AsyncClient) -> None:
    token = await customer_token(api)
    conv = (await api.post("/api/v1/conversations", json={}, headers=bearer(token))).json()
    res = await api.post(
        f"/api/v1/conversations/{conv['id']}/messages",
        json={"text": "card 4111 1111 1111 1111", "client_msg_id": "c1"},
        headers=bearer(token),
    )
    assert "4111" not in res.json()["text"]


async def test_the_published_message_carries_the_correlation_id_the_caller_got_back(
    api: httpx.AsyncClient, desk: Desk
) -> None:
    # Without an id from the caller the gateway makes one; chat_service must log and publish
    # under that same id, or a support engineer cannot follow one request across services.
    token = await customer_token(api)
    conv = (await api.post("/api/v1/conversations", json={}, headers=bearer(token))).json()
    res = await api.post(
        f"/api/v1/conversations/{conv['id']}/messages",
        json={"text": "correlated", "client_msg_id": "cid-1"},
        headers=bearer(token),
    )
    cid = res.headers[CORRELATION_HEADER]
    consumer = AIOKafkaConsumer(
        chat.TOPIC,
        bootstrap_servers=desk.broker.bootstrap,
        group_id=f"e2e-{uuid.uuid4().hex}",
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:

        async def published_under() -> str:
            async for record in consumer:
                env = json.loads(record.value or b"{}")
                if (
                    env.get("type") == "message.created"
                    and env["data"]["conversation_id"] == (conv["id"])
                ):
                    return dict(record.headers)["correlation_id"].decode()
            raise AssertionError("consumer stopped")

        assert await asyncio.wait_for(published_under(), 30) == cid
    finally:
        await consumer.stop()
