"""The desk speaks first: a proactive rule reaches the customer's chat, live and once per cause.

Rules fire from the exchange simulator's scenarios, as the exchange's own events would make
them; repeats of a rule's event are published onto ticket.events as a redelivery would.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from websockets.exceptions import ConnectionClosed

from services.desk import Desk
from shared.contracts import Envelope, envelope_for
from shared.contracts.ticket import TOPIC, ProactiveTriggered
from tests.support.desk_client import bearer, customer_token, open_socket, staff_token
from tests.support.waiting import wait_until

API = "/api/v1/conversations"
WITHDRAWAL_JA = "ETH 1.5 の出金手続きに通常より時間がかかっております（60分以上）"
KYC_EN = "We could not approve your identity documents (reason code: document_blurry)"
DEPOSIT_JA = "XRP 1200 の入金をブロックチェーン上で確認しましたが"


@pytest.fixture
async def simulator(desk: Desk) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=desk.url("exchange_simulator"), timeout=20) as client:
        yield client


class Socket:
    """A customer's websocket, its frames collected as they arrive."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.frames: list[dict[str, Any]] = []
        self._reader = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        with contextlib.suppress(ConnectionClosed):
            async for raw in self.ws:
                self.frames.append(json.loads(raw))

    async def message(self, conversation_id: str, part: str) -> dict[str, Any]:
        """The first `message.created` frame of the conversation whose text has `part`."""

        async def found() -> dict[str, Any] | None:
            for f in self.frames:
                if (
                    f.get("type") == "message.created"
                    and f["conversation_id"] == conversation_id
                    and part in f["message"]["text"]
                ):
                    return f
            return None

        return await wait_until(found, timeout_s=30)

    async def close(self) -> None:
        self._reader.cancel()
        await self.ws.close()


def new_customer() -> str:
    return f"cust-pro-{uuid.uuid4().hex[:8]}"


async def play(simulator: httpx.AsyncClient, name: str, customer: str) -> None:
    res = await simulator.post(f"/scenarios/{name}", json={"customer_id": customer})
    assert res.status_code == 200, res.text


async def publish(desk: Desk, env: Envelope) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=desk.broker.bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(TOPIC, env.to_bytes(), key=env.subject.encode())
    finally:
        await producer.stop()


def bot_message(customer: str, conversation_id: str, tag: str) -> Envelope:
    """A proactive bot message, with a staff note that must never reach the customer."""
    event = ProactiveTriggered(
        rule_id="incident_notice",
        customer_id=customer,
        action="bot_message",
        message={"ja": f"お知らせ {tag}", "en": f"Notice {tag}"},
        note=f"staff only {tag}",
        team="tier1",
        priority="normal",
        dedupe_key=f"incident_notice:{customer}:{tag}",
        conversation_id=conversation_id,
    )
    return envelope_for(event, subject=customer, source="test/e2e")


async def proactive_events(desk: Desk, customer: str, *rule_ids: str) -> dict[str, Envelope]:
    """The customer's `proactive.triggered` envelopes on ticket.events, one per rule asked for."""
    consumer = AIOKafkaConsumer(bootstrap_servers=desk.broker.bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        await consumer.topics()
        parts = [TopicPartition(TOPIC, p) for p in consumer.partitions_for_topic(TOPIC) or ()]
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        found: dict[str, Envelope] = {}

        async def read() -> dict[str, Envelope]:
            while not set(rule_ids) <= found.keys():
                for records in (await consumer.getmany(timeout_ms=300)).values():
                    for r in records:
                        if r.key != customer.encode() or r.value is None:
                            continue
                        env = Envelope.from_bytes(r.value)
                        if env.type == ProactiveTriggered.event_type:
                            found[env.data["rule_id"]] = env
            return found

        return await asyncio.wait_for(read(), 30)
    finally:
        await consumer.stop()


async def conversations(api: httpx.AsyncClient, token: str) -> list[dict[str, Any]]:
    res = await api.get(API, headers=bearer(token))
    assert res.status_code == 200, res.text
    return res.json()["items"]  # type: ignore[no-any-return]


async def messages(api: httpx.AsyncClient, token: str, cid: str) -> list[dict[str, Any]]:
    res = await api.get(f"{API}/{cid}/messages", headers=bearer(token))
    assert res.status_code == 200, res.text
    return res.json()["items"]  # type: ignore[no-any-return]


async def message_with(api: httpx.AsyncClient, token: str, cid: str, part: str) -> dict[str, Any]:
    async def found() -> dict[str, Any] | None:
        return next((m for m in await messages(api, token, cid) if part in m["text"]), None)

    return await wait_until(found, timeout_s=30)


async def opened_for(
    api: httpx.AsyncClient, token: str, *, besides: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The conversation the desk opened for the customer (one they did not open themselves)."""

    async def found() -> dict[str, Any] | None:
        new = [c for c in await conversations(api, token) if c["id"] not in besides]
        return new[0] if new else None

    return await wait_until(found, timeout_s=30)


async def placed_with_team(api: httpx.AsyncClient, cid: str, team: str) -> dict[str, Any]:
    """Where routing put the conversation: its queue entry, or the operator who has it."""
    admin = bearer(await staff_token(api, "admin", "admin-test-password"))

    async def placed() -> dict[str, Any] | None:
        res = await api.get(f"/api/v1/queues/{team}/entries", headers=admin)
        entry = next((e for e in res.json()["items"] if e["conversation_id"] == cid), None)
        if entry is not None:
            return {"queued": entry}
        conv = (await api.get(f"{API}/{cid}", headers=admin)).json()
        if conv["status"] != "assigned":
            return None
        operators = (await api.get("/api/v1/operators", headers=admin)).json()["items"]
        return {"operator": next(o for o in operators if o["id"] == conv["assignee_id"])}

    return await wait_until(placed, timeout_s=30)


async def test_a_delayed_withdrawal_opens_a_queued_conversation_the_customer_sees_live(
    api: httpx.AsyncClient, desk: Desk, gateway_url: str, simulator: httpx.AsyncClient
) -> None:
    customer = new_customer()
    token = await customer_token(api, customer)
    socket = Socket(await open_socket(gateway_url, token))
    try:
        await play(simulator, "stuck_withdrawal", customer)
        conv = await opened_for(api, token)
        assert conv["status"] in ("queued", "assigned")
        assert (conv["team"], conv["language"], conv["priority"]) == ("tier1", "ja", 1)
        first = (await messages(api, token, conv["id"]))[0]
        assert first["seq"] == 1 and first["author_type"] == "system"
        assert first["text"].startswith(WITHDRAWAL_JA)
        live = await socket.message(conv["id"], WITHDRAWAL_JA)
        assert live["message"]["id"] == first["id"]
        assert any(
            f["type"] == "conversation.updated" and f["conversation"]["id"] == conv["id"]
            for f in socket.frames
        )
        placed = await placed_with_team(api, conv["id"], "tier1")
        if "queued" in placed:
            assert placed["queued"]["reason"] == "proactive"
            assert placed["queued"]["priority"] == 1
        else:
            assert "tier1" in placed["operator"]["teams"]

        fired = await proactive_events(
            desk, customer, "withdrawal_delayed", "withdrawal_stuck_operator"
        )
        staff_note = fired["withdrawal_stuck_operator"].data["note"]
        assert "wallet queue" in staff_note
        # The same cause again: redelivered as it was, then re-sent under a new event id.
        again = fired["withdrawal_delayed"]
        await publish(desk, again)
        await publish(desk, again.model_copy(update={"id": str(uuid.uuid4())}))
        # Behind the repeats on the customer's partition: once it shows, they were handled.
        tag = uuid.uuid4().hex[:8]
        await publish(desk, bot_message(customer, conv["id"], tag))
        said = await message_with(api, token, conv["id"], f"お知らせ {tag}")
        assert said["author_type"] == "bot"
        await socket.message(conv["id"], f"お知らせ {tag}")

        assert [c["id"] for c in await conversations(api, token)] == [conv["id"]]
        texts = [m["text"] for m in await messages(api, token, conv["id"])]
        assert sum(WITHDRAWAL_JA in t for t in texts) == 1
        seen = texts + [json.dumps(f, ensure_ascii=False) for f in socket.frames]
        assert not [s for s in seen if "wallet queue" in s or f"staff only {tag}" in s]
    finally:
        await socket.close()


async def test_a_customer_who_last_wrote_in_english_is_contacted_in_english(
    api: httpx.AsyncClient, desk: Desk, simulator: httpx.AsyncClient
) -> None:
    customer = new_customer()
    token = await customer_token(api, customer, language="en")
    earlier = (await api.post(API, json={"language": "en"}, headers=bearer(token))).json()
    res = await api.post(f"{API}/{earlier['id']}/close", headers=bearer(token))
    assert res.status_code == 200, res.text
    # The bot does not speak in a closed conversation.
    tag = uuid.uuid4().hex[:8]
    await publish(desk, bot_message(customer, earlier["id"], tag))
    await play(simulator, "kyc_rejected", customer)
    conv = await opened_for(api, token, besides=(earlier["id"],))
    assert conv["status"] in ("queued", "assigned")
    assert (conv["team"], conv["language"], conv["priority"]) == ("tier1", "en", 0)
    first = (await messages(api, token, conv["id"]))[0]
    assert first["author_type"] == "system" and first["text"].startswith(KYC_EN)
    closed = await messages(api, token, earlier["id"])
    assert not [m for m in closed if tag in m["text"]]


async def test_a_customer_already_chatting_hears_it_in_that_conversation(
    api: httpx.AsyncClient, simulator: httpx.AsyncClient
) -> None:
    customer = new_customer()
    token = await customer_token(api, customer)
    chatting = (await api.post(API, json={}, headers=bearer(token))).json()
    assert chatting["status"] == "bot"
    await play(simulator, "uncredited_deposit", customer)
    said = await message_with(api, token, chatting["id"], DEPOSIT_JA)
    assert said["author_type"] == "system"
    [now] = await conversations(api, token)
    assert now["id"] == chatting["id"]
    # The message promises a follow-up, so the bot hands the conversation to the rule's team.
    assert now["status"] in ("queued", "assigned") and now["team"] == "tier1"
