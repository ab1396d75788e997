"""A customer asks for a human; an available operator who speaks their language gets them."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from services.desk import Desk
from shared.contracts import envelope_for
from shared.contracts.chat import ConversationHandoffRequested
from tests.support.desk_client import bearer, customer_token, staff_token
from tests.support.waiting import wait_until

LANGUAGE = "en"
# Demo operators who could take a tier-1 English conversation; stepped away during the test.
RIVALS = ("op-en", "op-ja", "supervisor")


async def _admin(api: httpx.AsyncClient) -> dict[str, str]:
    return bearer(await staff_token(api, "admin", "admin-test-password"))


async def _hand_off(api: httpx.AsyncClient, desk: Desk, conv: dict[str, Any], token: str) -> None:
    """The public hand-off; straight onto chat.events while chat_service does not offer it."""
    res = await api.post(f"/api/v1/conversations/{conv['id']}/handoff", headers=bearer(token))
    if res.status_code not in (404, 405):
        assert res.status_code == 200, res.text
        return
    event = ConversationHandoffRequested(
        conversation_id=conv["id"],
        customer_id=conv["customer_id"],
        team="tier1",
        language=LANGUAGE,
        reason="customer_request",
    )
    producer = AIOKafkaProducer(bootstrap_servers=desk.broker.bootstrap, acks="all")
    await producer.start()
    try:
        env = envelope_for(event, subject=conv["id"], source="test/e2e")
        await producer.send_and_wait("chat.events", env.to_bytes(), key=conv["id"].encode())
    finally:
        await producer.stop()


async def _routing_event(desk: Desk, event_type: str, conversation_id: str) -> dict[str, Any]:
    consumer = AIOKafkaConsumer(
        "routing.events",
        bootstrap_servers=desk.broker.bootstrap,
        group_id=f"e2e-{uuid.uuid4().hex}",
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:

        async def find() -> dict[str, Any]:
            async for record in consumer:
                env = json.loads(record.value or b"{}")
                if env.get("type") == event_type and env.get("subject") == conversation_id:
                    return env["data"]  # type: ignore[no-any-return]
            raise AssertionError("consumer stopped")

        return await asyncio.wait_for(find(), 30)
    finally:
        await consumer.stop()


async def _set_presence(api: httpx.AsyncClient, username: str, password: str, status: str) -> str:
    token = await staff_token(api, username, password)
    res = await api.put(
        "/api/v1/operators/me/presence", json={"status": status}, headers=bearer(token)
    )
    return str(res.json()["presence"])


async def test_a_handed_off_customer_is_assigned_to_an_available_operator_of_their_language(
    api: httpx.AsyncClient, desk: Desk
) -> None:
    listed = (await api.get("/api/v1/operators", headers=await _admin(api))).json()["items"]
    before = {o["username"]: o["presence"] for o in listed if o["username"] in RIVALS}
    for rival in before:
        await _set_presence(api, rival, _password(rival), "away")
    try:
        await _assigned_end_to_end(api, desk)
    finally:
        for rival, presence in before.items():
            await _set_presence(api, rival, _password(rival), presence)


def _password(username: str) -> str:
    return "supervisor-demo" if username == "supervisor" else "operator-demo"


async def _assigned_end_to_end(api: httpx.AsyncClient, desk: Desk) -> None:
    username = f"op-e2e-{uuid.uuid4().hex[:6]}"
    created = await api.post(
        "/api/v1/operators",
        headers=await _admin(api),
        json={
            "username": username,
            "password": "operator-demo",
            "display_name": "Brown",
            "role": "operator",
            "teams": ["tier1"],
            "languages": [LANGUAGE],
            # Room for conversations other suites left queued ahead of ours.
            "max_concurrent": 20,
        },
    )
    assert created.status_code == 201
    operator = bearer(await staff_token(api, username, "operator-demo"))
    res = await api.put(
        "/api/v1/operators/me/presence", json={"status": "available"}, headers=operator
    )
    assert res.status_code == 200 and res.json()["presence"] == "available"
    token = await customer_token(api, language=LANGUAGE)
    conv = (
        await api.post("/api/v1/conversations", json={"language": LANGUAGE}, headers=bearer(token))
    ).json()
    await _hand_off(api, desk, conv, token)
    assigned = await _routing_event(desk, "conversation.assigned", conv["id"])
    assert assigned["operator_id"] == created.json()["id"]
    assert assigned["team"] == "tier1" and assigned["language"] == LANGUAGE

    # Other suites share this desk: conversations they left queued may reach this operator too.
    async def counted() -> bool:
        listed = (await api.get("/api/v1/operators", headers=operator)).json()["items"]
        mine = next(o for o in listed if o["username"] == username)
        return bool(mine["active_conversations"] >= 1)

    async def in_my_list() -> bool:
        res = await api.get("/api/v1/conversations?assignee=me", headers=operator)
        return conv["id"] in {c["id"] for c in res.json()["items"]}

    await wait_until(counted)
    await wait_until(in_my_list)
    supervisor = bearer(await staff_token(api, "supervisor", "supervisor-demo"))
    queues = (await api.get("/api/v1/queues", headers=supervisor)).json()["items"]
    mine = next(q for q in queues if q["team"] == "tier1" and q["language"] == LANGUAGE)
    assert set(mine) >= {"waiting", "longest_wait_s", "available_operators"}
    assert (await api.get("/api/v1/queues", headers=operator)).status_code == 403
