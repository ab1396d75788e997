"""Who may do what to a conversation, over REST and over the websocket, frame by frame."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt
import pytest
from aiokafka import AIOKafkaProducer

from services.desk import Desk
from shared.contracts import EventPayload, envelope_for
from shared.contracts.routing import ConversationAssigned
from tests.support.desk_client import bearer, customer_token, open_socket, staff_token
from tests.support.waiting import wait_until

API = "/api/v1/conversations"
ROLES = ("owner", "stranger", "assignee", "other_op", "supervisor", "admin")


async def publish(
    desk: Desk,
    topic: str,
    payload: EventPayload | dict[str, Any],
    subject: str,
    event_type: str = "",
) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=desk.broker.bootstrap, acks="all")
    await producer.start()
    try:
        if isinstance(payload, EventPayload):
            raw = envelope_for(payload, subject=subject, source="madoguchi/test").to_bytes()
        else:
            env = {
                "specversion": "1.0",
                "id": uuid.uuid4().hex,
                "source": "test",
                "type": event_type,
                "subject": subject,
                "data": payload,
                "time": "2030-01-01T00:00:00Z",
            }
            raw = json.dumps(env).encode()
        await producer.send_and_wait(topic, raw, key=subject.encode())
    finally:
        await producer.stop()


@dataclass
class Cast:
    tokens: dict[str, str]
    cid: str
    frames: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    sockets: dict[str, Any] = field(default_factory=dict)


@pytest.fixture
async def cast(api: httpx.AsyncClient, desk: Desk) -> AsyncIterator[Cast]:
    """A conversation assigned to op-ja, and everyone who might want to look at it."""
    tokens = {
        "owner": await customer_token(api),
        "stranger": await customer_token(api),
        "assignee": await staff_token(api, "op-ja", "operator-demo"),
        "other_op": await staff_token(api, "op-en", "operator-demo"),
        "supervisor": await staff_token(api, "supervisor", "supervisor-demo"),
        "admin": await staff_token(api, "admin", "admin-test-password"),
    }
    cid = (await api.post(API, json={"text": "hello"}, headers=bearer(tokens["owner"]))).json()[
        "id"
    ]
    await api.post(f"{API}/{cid}/handoff", headers=bearer(tokens["owner"]))
    op_id = jwt.decode(tokens["assignee"], options={"verify_signature": False})["sub"]
    await publish(
        desk,
        "routing.events",
        ConversationAssigned(conversation_id=cid, operator_id=op_id, team="tier1", language="ja"),
        cid,
    )

    async def assigned() -> bool:
        res = await api.get(f"{API}/{cid}", headers=bearer(tokens["supervisor"]))
        return bool(res.json()["assignee_id"] == op_id)

    await wait_until(assigned)
    yield Cast(tokens, cid)


async def test_every_conversation_endpoint_answers_each_role_as_the_contract_says(
    api: httpx.AsyncClient, cast: Cast
) -> None:
    cid, t = cast.cid, cast.tokens
    expected: list[tuple[str, str, dict[str, Any] | None, dict[str, int]]] = [
        (
            "GET",
            "",
            None,
            dict(owner=200, stranger=404, assignee=200, other_op=404, supervisor=200, admin=200),
        ),
        (
            "GET",
            "/messages",
            None,
            dict(owner=200, stranger=404, assignee=200, other_op=404, supervisor=200, admin=200),
        ),
        (
            "POST",
            "/messages",
            {"text": "hi", "client_msg_id": "m"},
            dict(owner=201, stranger=404, assignee=201, other_op=404, supervisor=201, admin=201),
        ),
        (
            "POST",
            "/typing",
            None,
            dict(owner=204, stranger=404, assignee=204, other_op=404, supervisor=204, admin=204),
        ),
        (
            "POST",
            "/read",
            {"seq": 1},
            dict(owner=200, stranger=404, assignee=200, other_op=404, supervisor=200, admin=200),
        ),
        (
            "GET",
            "/transcript",
            None,
            dict(owner=403, stranger=403, assignee=200, other_op=404, supervisor=200, admin=200),
        ),
        (
            "GET",
            "/transcript?format=text",
            None,
            dict(owner=403, stranger=403, assignee=200, other_op=404, supervisor=200, admin=200),
        ),
        (
            "POST",
            "/handoff",
            None,
            dict(owner=409, stranger=404, assignee=403, other_op=403, supervisor=403, admin=403),
        ),
        (
            "POST",
            "/rating",
            {"score": 5},
            dict(owner=409, stranger=404, assignee=403, other_op=403, supervisor=403, admin=403),
        ),
        (
            "POST",
            "/bot-feedback",
            {"helpful": True},
            dict(owner=409, stranger=404, assignee=403, other_op=403, supervisor=403, admin=403),
        ),
        # State-changing calls: only refusals here, the allowed ones below.
        ("POST", "/escalate", {"team": "tier2"}, dict(owner=403, stranger=403, other_op=404)),
        ("POST", "/transfer", {"operator_id": "x"}, dict(owner=403, stranger=403, other_op=404)),
        ("POST", "/close", None, dict(stranger=404, other_op=404)),
    ]
    failures = []
    for method, suffix, body, by_role in expected:
        for role, status in by_role.items():
            res = await api.request(
                method, f"{API}/{cid}{suffix}", json=body, headers=bearer(t[role])
            )
            if res.status_code != status:
                failures.append(
                    f"{method} {suffix or '/'} as {role}: {res.status_code} != {status}"
                )
            elif status >= 400:
                assert res.headers["content-type"].startswith("application/problem+json")
    assert failures == []
    # A stranger's refusal reads exactly like a conversation that does not exist.
    missing = await api.get(f"{API}/no-such-id", headers=bearer(t["stranger"]))
    hidden = await api.get(f"{API}/{cid}", headers=bearer(t["stranger"]))
    assert missing.json()["detail"] == hidden.json()["detail"]
    # The assignee may escalate; then it is no longer theirs to see.
    res = await api.post(
        f"{API}/{cid}/escalate", json={"team": "tier2"}, headers=bearer(t["assignee"])
    )
    assert res.status_code == 200
    assert (await api.get(f"{API}/{cid}", headers=bearer(t["assignee"]))).status_code == 404
    assert (await api.post(f"{API}/{cid}/close", headers=bearer(t["owner"]))).status_code == 200


async def test_lists_show_each_role_only_what_it_may_see(
    api: httpx.AsyncClient, cast: Cast
) -> None:
    def ids(res: httpx.Response) -> set[str]:
        return {c["id"] for c in res.json()["items"]}

    t = cast.tokens
    assert cast.cid in ids(await api.get(API, headers=bearer(t["owner"])))
    assert cast.cid not in ids(await api.get(API, headers=bearer(t["stranger"])))
    mine = await api.get(API, params={"assignee": "me"}, headers=bearer(t["assignee"]))
    assert cast.cid in ids(mine)
    assert cast.cid not in ids(await api.get(API, headers=bearer(t["other_op"])))
    everything = await api.get(API, params={"status": "assigned"}, headers=bearer(t["supervisor"]))
    assert cast.cid in ids(everything)
    assert (await api.post(API, json={}, headers=bearer(t["assignee"]))).status_code == 403


async def test_every_frame_reaches_only_those_allowed_to_see_it(
    api: httpx.AsyncClient, gateway_url: str, desk: Desk, cast: Cast
) -> None:
    cid, t = cast.cid, cast.tokens
    sockets = {role: await open_socket(gateway_url, t[role]) for role in ROLES}
    frames: dict[str, list[dict[str, Any]]] = {role: [] for role in ROLES}

    async def collect(role: str) -> None:
        async for raw in sockets[role]:
            frames[role].append(json.loads(raw))

    readers = [asyncio.ensure_future(collect(role)) for role in ROLES]
    try:
        await sockets["supervisor"].send(json.dumps({"type": "subscribe", "conversation_id": cid}))
        for role in ("owner", "assignee"):
            await sockets[role].send(json.dumps({"type": "subscribe", "conversation_id": cid}))
        await sockets["stranger"].send(
            json.dumps({"type": "resume", "conversation_id": cid, "after_seq": 0})
        )
        await asyncio.sleep(1.0)
        await api.post(
            f"{API}/{cid}/messages",
            json={"text": "secret plan", "client_msg_id": "f1"},
            headers=bearer(t["owner"]),
        )
        await api.post(f"{API}/{cid}/typing", headers=bearer(t["owner"]))
        await api.post(f"{API}/{cid}/read", json={"seq": 1}, headers=bearer(t["assignee"]))
        op_id = jwt.decode(t["assignee"], options={"verify_signature": False})["sub"]
        for assignee_id, title in (("someone-else", "not yours"), (op_id, "yours")):
            suggestion = {"article_id": "a", "key": "k", "title": title, "score": 0.9, "text": "t"}
            await publish(
                desk,
                "kb.events",
                {"conversation_id": cid, "assignee_id": assignee_id, "suggestions": [suggestion]},
                cid,
                "assist.suggested",
            )
        await api.post(f"{API}/{cid}/close", headers=bearer(t["owner"]))

        def kinds(role: str) -> list[str]:
            return [
                f["type"]
                for f in frames[role]
                if f.get("conversation_id") == cid or f.get("conversation", {}).get("id") == cid
            ]

        async def delivered() -> bool:
            return "conversation.updated" in kinds(
                "supervisor"
            ) and "conversation.updated" in kinds("owner")

        await wait_until(delivered)
        await asyncio.sleep(1.0)  # what the others were going to get has been dispatched by now
    finally:
        for ws in sockets.values():
            await ws.close()
        for r in readers:
            r.cancel()
    owner, assignee, sup = kinds("owner"), kinds("assignee"), kinds("supervisor")
    assert {"message.created", "read", "conversation.updated"} <= set(owner)
    assert "typing" not in owner and "assist.suggestions" not in owner
    assert {"message.created", "typing", "conversation.updated"} <= set(assignee)
    assert {"message.created", "typing", "read", "conversation.updated"} <= set(sup)

    # A suggestion addressed to another operator never reaches the assignee; its own does.
    # kb_service's own suggestions for the assignment arrive too; only the test's count here.
    def titles(role: str) -> list[str]:
        sent = [
            f["suggestions"][0]["title"] for f in frames[role] if f["type"] == "assist.suggestions"
        ]
        return [t for t in sent if t in ("yours", "not yours")]

    assert titles("assignee") == ["yours"]
    assert titles("supervisor") == ["not yours", "yours"]
    assert kinds("stranger") == ["error"]
    assert [f["status"] for f in frames["stranger"] if f["type"] == "error"] == [404]
    assert kinds("other_op") == [] and kinds("admin") == []
    refusals = [f for f in frames["owner"] + frames["assignee"] if f["type"] == "error"]
    assert [f["status"] for f in refusals] == [403, 403]
