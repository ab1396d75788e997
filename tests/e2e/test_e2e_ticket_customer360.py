"""The customer 360 and proactive support, driven by the exchange simulator's scenarios."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer

from services.desk import Desk
from tests.support.desk_client import bearer, customer_token, staff_token
from tests.support.waiting import wait_until


@pytest.fixture
async def staff(api: httpx.AsyncClient) -> dict[str, str]:
    return bearer(await staff_token(api, "op-en", "operator-demo"))


@pytest.fixture
async def simulator(desk: Desk) -> Any:
    async with httpx.AsyncClient(base_url=desk.url("exchange_simulator"), timeout=20) as client:
        yield client


def new_customer() -> str:
    return f"cust-{uuid.uuid4().hex[:8]}"


async def play(simulator: httpx.AsyncClient, name: str, **body: str) -> None:
    res = await simulator.post(f"/scenarios/{name}", json=body)
    assert res.status_code == 200, res.text


async def context_when(
    api: httpx.AsyncClient, staff: dict[str, str], customer: str, check: Any
) -> dict[str, Any]:
    async def ready() -> dict[str, Any] | None:
        res = await api.get(f"/api/v1/customers/{customer}/context", headers=staff)
        assert res.status_code == 200
        body: dict[str, Any] = res.json()
        return body if check(body) else None

    return await wait_until(ready, timeout_s=20)


async def test_the_360_shows_a_scripted_customers_exchange_history(
    api: httpx.AsyncClient, staff: dict[str, str], simulator: httpx.AsyncClient
) -> None:
    customer = new_customer()
    await play(simulator, "customer_journey", customer_id=customer)
    ctx = await context_when(api, staff, customer, lambda c: len(c["logins"]) == 2)
    assert ctx["profile"]["tier"] == "standard"
    assert ctx["kyc"]["status"] == "approved"
    assert [(d["asset"], d["status"]) for d in ctx["deposits"]] == [("BTC", "credited")]
    assert [(w["asset"], w["status"]) for w in ctx["withdrawals"]] == [("JPY", "completed")]
    assert [(t["symbol"], t["side"]) for t in ctx["trades"]] == [("BTC/JPY", "sell")]
    assert not any(g["new_device"] for g in ctx["logins"])
    assert {a["type"] for a in ctx["activity"]} >= {
        "exchange.trade.executed",
        "exchange.deposit.credited",
    }
    assert ctx["tickets"] == [] and ctx["flags"] == []


async def test_the_360_lists_the_customers_conversations_and_tickets(
    api: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    customer = new_customer()
    token = await customer_token(api, customer, language="en")
    conv = (await api.post("/api/v1/conversations", json={}, headers=bearer(token))).json()
    ctx = await context_when(api, staff, customer, lambda c: c["tickets"])
    assert [c["id"] for c in ctx["conversations"]] == [conv["id"]]
    assert ctx["tickets"][0]["conversation_ids"] == [conv["id"]]


async def test_a_stuck_withdrawal_opens_one_ticket_and_warns_operators_once(
    api: httpx.AsyncClient, staff: dict[str, str], simulator: httpx.AsyncClient
) -> None:
    customer, bystander = new_customer(), new_customer()
    await play(simulator, "customer_journey", customer_id=bystander)
    await play(simulator, "stuck_withdrawal", customer_id=customer)
    await play(simulator, "stuck_withdrawal", customer_id=customer)  # the same cause again
    ctx = await context_when(api, staff, customer, lambda c: c["tickets"] and c["flags"])
    assert [(t["team"], t["priority"], t["category"]) for t in ctx["tickets"]] == [
        ("tier1", "high", "proactive")
    ]
    assert [f["rule_id"] for f in ctx["flags"]] == ["withdrawal_stuck_operator"]
    notes = (
        await api.get(f"/api/v1/tickets/{ctx['tickets'][0]['id']}/notes", headers=staff)
    ).json()["items"]
    assert any("withdrawal" in n["body"] for n in notes)
    other = await context_when(api, staff, bystander, lambda c: len(c["logins"]) == 2)
    assert other["tickets"] == [] and other["flags"] == []


async def test_an_uncredited_deposit_and_a_kyc_rejection_each_open_a_ticket(
    api: httpx.AsyncClient, staff: dict[str, str], simulator: httpx.AsyncClient
) -> None:
    customer = new_customer()
    await play(simulator, "uncredited_deposit", customer_id=customer)
    await play(simulator, "kyc_rejected", customer_id=customer)
    await play(simulator, "kyc_rejected", customer_id=customer)
    ctx = await context_when(api, staff, customer, lambda c: len(c["tickets"]) >= 2)
    assert len(ctx["tickets"]) == 2
    assert ctx["kyc"]["status"] == "rejected"
    assert ctx["deposits"][0]["status"] == "detected"


async def test_a_login_from_a_new_device_and_country_warns_operators_without_a_ticket(
    api: httpx.AsyncClient, staff: dict[str, str], simulator: httpx.AsyncClient
) -> None:
    customer = new_customer()
    await play(simulator, "new_device_login", customer_id=customer)
    ctx = await context_when(api, staff, customer, lambda c: len(c["flags"]) >= 2)
    assert sorted(f["rule_id"] for f in ctx["flags"]) == ["login_new_country", "login_new_device"]
    assert [g["new_country"] for g in ctx["logins"]] == [True, False]
    assert ctx["tickets"] == []


async def test_an_exchange_incident_is_announced_and_mentioned_once_to_a_customer(
    api: httpx.AsyncClient, simulator: httpx.AsyncClient, desk: Desk
) -> None:
    incident = f"inc-{uuid.uuid4().hex[:8]}"
    customer = new_customer()
    consumer = AIOKafkaConsumer(
        "ticket.events",
        bootstrap_servers=desk.broker.bootstrap,
        group_id=f"test-{incident}",
        auto_offset_reset="latest",
    )
    await consumer.start()
    try:
        await wait_until(lambda: _assigned(consumer), timeout_s=20)
        await play(simulator, "incident_started", incident_id=incident)
        seen: list[dict[str, Any]] = []

        async def collect(check: Any) -> bool:
            batch = await consumer.getmany(timeout_ms=200)
            seen.extend(json.loads(r.value) for rs in batch.values() for r in rs)
            return any(check(e) for e in seen)

        await wait_until(
            lambda: collect(
                lambda e: e["type"] == "incident.active" and e["data"]["incident_id"] == incident
            )
        )
        token = await customer_token(api, customer, language="en")
        for _ in range(2):
            await api.post("/api/v1/conversations", json={}, headers=bearer(token))

        def mentioned(e: dict[str, Any]) -> bool:
            return (
                e["type"] == "proactive.triggered"
                and e["data"]["customer_id"] == customer
                and e["data"]["dedupe_key"].endswith(incident)
            )

        await wait_until(lambda: collect(mentioned))
        await wait_until(
            lambda: collect(
                lambda e: (
                    e["type"] == "ticket.conversation_linked"
                    and e["data"]["customer_id"] == customer
                )
            )
        )
        notices = [e["data"] for e in seen if mentioned(e)]
        assert len(notices) == 1
        assert notices[0]["action"] == "bot_message" and notices[0]["conversation_id"]
        assert "incident" in notices[0]["message"]["en"]
    finally:
        await play(simulator, "incident_resolved", incident_id=incident)
        await consumer.stop()


async def _assigned(consumer: AIOKafkaConsumer) -> bool:
    await consumer.getmany(timeout_ms=200)
    return bool(consumer.assignment())
