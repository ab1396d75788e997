"""Tickets through the gateway: one per inquiry, linked on return, legal moves only, staff only."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import httpx
import pytest

from tests.support.desk_client import bearer, customer_token, open_socket, staff_token
from tests.support.waiting import wait_until


@pytest.fixture
async def staff(api: httpx.AsyncClient) -> dict[str, str]:
    return bearer(await staff_token(api, "supervisor", "supervisor-demo"))


async def open_conversation(api: httpx.AsyncClient, customer: str) -> tuple[str, dict[str, str]]:
    token = await customer_token(api, customer, language="en")
    res = await api.post("/api/v1/conversations", json={"language": "en"}, headers=bearer(token))
    assert res.status_code == 201
    return str(res.json()["id"]), bearer(token)


async def tickets_of(
    api: httpx.AsyncClient, staff: dict[str, str], customer: str, **params: str
) -> list[dict[str, Any]]:
    res = await api.get(
        "/api/v1/tickets", params={"customer_id": customer, **params}, headers=staff
    )
    assert res.status_code == 200
    return list(res.json()["items"])


async def ticket_with(
    api: httpx.AsyncClient, staff: dict[str, str], customer: str, check: Any = lambda t: True
) -> dict[str, Any]:
    async def found() -> dict[str, Any] | None:
        items = await tickets_of(api, staff, customer)
        return items[0] if items and check(items[0]) else None

    return await wait_until(found, timeout_s=20)


async def test_every_conversation_gets_a_ticket_staff_can_find(
    api: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    customer = f"cust-{uuid.uuid4().hex[:8]}"
    conv, _ = await open_conversation(api, customer)
    ticket = await ticket_with(api, staff, customer)
    assert ticket["conversation_ids"] == [conv]
    assert ticket["status"] == "new"
    assert set(ticket["sla"]) == {"first_response_due", "resolution_due", "breached"}
    one = await api.get(f"/api/v1/tickets/{ticket['id']}", headers=staff)
    assert one.json()["id"] == ticket["id"]


async def test_a_returning_customer_rejoins_their_open_ticket(
    api: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    customer = f"cust-{uuid.uuid4().hex[:8]}"
    first, _ = await open_conversation(api, customer)
    await ticket_with(api, staff, customer)
    second, _ = await open_conversation(api, customer)
    ticket = await ticket_with(api, staff, customer, lambda t: len(t["conversation_ids"]) == 2)
    assert ticket["conversation_ids"] == [first, second]
    assert len(await tickets_of(api, staff, customer)) == 1


async def test_a_handoff_gives_the_ticket_a_team_and_a_running_sla(
    api: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    customer = f"cust-{uuid.uuid4().hex[:8]}"
    conv, customer_auth = await open_conversation(api, customer)
    res = await api.post(f"/api/v1/conversations/{conv}/handoff", headers=customer_auth)
    assert res.status_code == 200
    ticket = await ticket_with(api, staff, customer, lambda t: t["team"] is not None)
    assert ticket["team"] == res.json()["team"]
    assert ticket["sla"]["first_response_due"] is not None


async def test_closing_the_conversation_resolves_the_ticket(
    api: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    customer = f"cust-{uuid.uuid4().hex[:8]}"
    conv, customer_auth = await open_conversation(api, customer)
    await ticket_with(api, staff, customer)
    assert (
        await api.post(f"/api/v1/conversations/{conv}/close", headers=customer_auth)
    ).status_code == 200
    await ticket_with(api, staff, customer, lambda t: t["status"] == "resolved")


async def test_an_illegal_status_change_is_refused_with_409_and_changes_nothing(
    api: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    customer = f"cust-{uuid.uuid4().hex[:8]}"
    await open_conversation(api, customer)
    ticket = await ticket_with(api, staff, customer)
    url = f"/api/v1/tickets/{ticket['id']}"
    assert (await api.patch(url, json={"status": "open"}, headers=staff)).json()["status"] == "open"
    refused = await api.patch(url, json={"status": "closed"}, headers=staff)
    assert refused.status_code == 409
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert (await api.get(url, headers=staff)).json()["status"] == "open"
    assert (await api.patch(url, json={"status": "resolved"}, headers=staff)).status_code == 200
    assert (await api.patch(url, json={"status": "closed"}, headers=staff)).status_code == 200
    assert (await api.patch(url, json={"priority": "high"}, headers=staff)).status_code == 409
    assert (await api.patch(url, json={"status": "sleeping"}, headers=staff)).status_code == 422
    audit = (await api.get(f"{url}/audit", headers=staff)).json()["items"]
    assert [a["new"] for a in audit if a["field"] == "status"] == [
        "new",
        "open",
        "resolved",
        "closed",
    ]


async def test_staff_can_change_priority_team_and_assignee(
    api: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    customer = f"cust-{uuid.uuid4().hex[:8]}"
    await open_conversation(api, customer)
    ticket = await ticket_with(api, staff, customer)
    res = await api.patch(
        f"/api/v1/tickets/{ticket['id']}",
        headers=staff,
        json={"priority": "urgent", "team": "security", "assignee_id": "op-x"},
    )
    assert res.status_code == 200
    body = res.json()
    assert (body["priority"], body["team"], body["assignee_id"]) == ("urgent", "security", "op-x")
    listed = await tickets_of(api, staff, customer, team="security", status="new")
    assert [t["id"] for t in listed] == [ticket["id"]]
    assert await tickets_of(api, staff, customer, team="tax") == []


async def test_customers_are_refused_every_ticket_route(
    api: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    customer = f"cust-{uuid.uuid4().hex[:8]}"
    _, customer_auth = await open_conversation(api, customer)
    ticket = await ticket_with(api, staff, customer)
    tid = ticket["id"]
    calls = [
        api.get("/api/v1/tickets", params={"customer_id": customer}, headers=customer_auth),
        api.get(f"/api/v1/tickets/{tid}", headers=customer_auth),
        api.patch(f"/api/v1/tickets/{tid}", json={"status": "open"}, headers=customer_auth),
        api.get(f"/api/v1/tickets/{tid}/notes", headers=customer_auth),
        api.post(f"/api/v1/tickets/{tid}/notes", json={"body": "x"}, headers=customer_auth),
        api.get(f"/api/v1/tickets/{tid}/audit", headers=customer_auth),
        api.get(f"/api/v1/customers/{customer}/context", headers=customer_auth),
    ]
    for res in await asyncio.gather(*calls):
        assert res.status_code in (403, 404), res.request.url


async def test_an_internal_note_never_reaches_the_customer(
    api: httpx.AsyncClient, staff: dict[str, str], gateway_url: str
) -> None:
    customer = f"cust-{uuid.uuid4().hex[:8]}"
    token = await customer_token(api, customer, language="en")
    conv = (
        await api.post("/api/v1/conversations", json={"language": "en"}, headers=bearer(token))
    ).json()["id"]
    ticket = await ticket_with(api, staff, customer)
    secret = f"customer seems to be a scammer {uuid.uuid4().hex}"
    ws = await open_socket(gateway_url, token)
    try:
        await asyncio.sleep(1.0)  # the gateway's fan-out reads from the latest offset
        note = await api.post(
            f"/api/v1/tickets/{ticket['id']}/notes", json={"body": secret}, headers=staff
        )
        assert note.status_code == 201
        marker = f"marker-{uuid.uuid4().hex}"
        await api.post(
            f"/api/v1/conversations/{conv}/messages",
            json={"text": marker, "client_msg_id": marker},
            headers=bearer(token),
        )
        seen: list[str] = []
        while not any(marker in raw for raw in seen):  # everything up to our own message
            seen.append(await asyncio.wait_for(ws.recv(), 15))
        assert not any(secret in raw for raw in seen)
    finally:
        await ws.close()
    messages = await api.get(f"/api/v1/conversations/{conv}/messages", headers=bearer(token))
    assert secret not in json.dumps(messages.json())
    staff_notes = await api.get(f"/api/v1/tickets/{ticket['id']}/notes", headers=staff)
    assert [n["body"] for n in staff_notes.json()["items"]] == [secret]
