"""Two gateway processes: a customer on one, staff on the other, frames cross between them.

The second gateway also runs with a short idle timeout and a stand-in routing_service that
records the presence calls, so the same process shows those behaviours.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt
import pytest
from aiokafka import AIOKafkaProducer
from websockets.exceptions import ConnectionClosed

from services.desk import Desk
from services.infra import free_port
from shared.contracts import envelope_for
from shared.contracts.routing import ConversationAssigned
from tests.support.desk_client import bearer, customer_token, next_frame, open_socket, staff_token
from tests.support.waiting import wait_until

API = "/api/v1/conversations"


@dataclass
class FakeRouting:
    """Answers like routing_service would and remembers the presence calls."""

    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    port: int = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode()
        request_line, *lines = head.split("\r\n")
        method, path, _ = request_line.split(" ", 2)
        length = next(
            (int(h.split(":", 1)[1]) for h in lines if h.lower().startswith("content-length")), 0
        )
        body = await reader.readexactly(length) if length else b""
        if method == "POST":
            self.calls.append((path, json.loads(body or b"{}")))
        writer.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
            b"content-length: 2\r\nconnection: close\r\n\r\n{}"
        )
        await writer.drain()
        writer.close()


@pytest.fixture(scope="module")
async def fake_routing() -> AsyncIterator[FakeRouting]:
    fake = FakeRouting()
    server = await asyncio.start_server(fake.handle, "127.0.0.1", 0)
    fake.port = server.sockets[0].getsockname()[1]
    try:
        yield fake
    finally:
        server.close()


@pytest.fixture(scope="module")
async def second_gateway(desk: Desk, fake_routing: FakeRouting) -> AsyncIterator[str]:
    """One more gateway process on the same desk: same broker, same services."""
    port = free_port()
    env = desk.env_for(desk.catalog.get("gateway")) | {
        "GATEWAY_PORT": str(port),
        "GATEWAY_WS_IDLE_TIMEOUT_S": "1.5",
        "GATEWAY_WS_PONG_TIMEOUT_S": "1.0",
        "GATEWAY_ROUTING_SERVICE_URL": f"http://127.0.0.1:{fake_routing.port}",
    }
    process = desk.spawn(desk.catalog.get("gateway"), port=port, log_name="gateway-2", env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        # Polled asynchronously: the stand-in routing answers on this same event loop.
        async with httpx.AsyncClient(timeout=2) as client:
            for _ in range(240):
                try:
                    if (await client.get(f"{url}/readyz")).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert process.poll() is None, "the second gateway exited"
                await asyncio.sleep(0.25)
            else:
                raise TimeoutError("the second gateway never became ready")
        yield url
    finally:
        process.terminate()
        process.wait(10)


def subject_of(token: str) -> str:
    return str(jwt.decode(token, options={"verify_signature": False})["sub"])


async def test_customer_and_operator_on_different_gateways_hear_each_other(
    api: httpx.AsyncClient, desk: Desk, gateway_url: str, second_gateway: str
) -> None:
    customer = await customer_token(api)
    operator = await staff_token(api, "op-ja", "operator-demo")
    cid = (await api.post(API, json={}, headers=bearer(customer))).json()["id"]
    await api.post(f"{API}/{cid}/handoff", headers=bearer(customer))
    on_a = await open_socket(gateway_url, customer)
    on_b = await open_socket(second_gateway, operator)
    try:
        await asyncio.sleep(1.0)
        producer = AIOKafkaProducer(bootstrap_servers=desk.broker.bootstrap, acks="all")
        await producer.start()
        try:
            event = ConversationAssigned(
                conversation_id=cid, operator_id=subject_of(operator), team="tier1", language="ja"
            )
            env = envelope_for(event, subject=cid, source="madoguchi/test")
            await producer.send_and_wait(event.topic, env.to_bytes(), key=cid.encode())
        finally:
            await producer.stop()
        while (update := await next_frame(on_b, "conversation.updated"))["conversation"][
            "id"
        ] != cid:
            pass
        assert update["conversation"]["assignee_id"] == subject_of(operator)
        res = await api.post(
            f"{API}/{cid}/messages",
            json={"text": "届いていますか", "client_msg_id": "a1"},
            headers=bearer(customer),
        )
        frame = await next_frame(on_b, "message.created")
        while frame["message"]["author_type"] != "customer":
            frame = await next_frame(on_b, "message.created")
        assert frame["message"]["id"] == res.json()["id"]
        async with httpx.AsyncClient(base_url=second_gateway, timeout=10) as api_b:
            reply = await api_b.post(
                f"{API}/{cid}/messages",
                json={"text": "はい、確認します", "client_msg_id": "b1"},
                headers=bearer(operator),
            )
        assert reply.status_code == 201
        frame = await next_frame(on_a, "message.created")
        while frame["message"]["author_type"] != "operator":
            frame = await next_frame(on_a, "message.created")
        assert frame["message"]["text"] == "はい、確認します"
    finally:
        await on_a.close()
        await on_b.close()


async def test_routing_hears_when_an_operators_first_socket_opens_and_last_closes(
    api: httpx.AsyncClient, second_gateway: str, fake_routing: FakeRouting
) -> None:
    operator = await staff_token(api, "op-tier2", "operator-demo")
    path = f"/internal/v1/operators/{subject_of(operator)}/connection"

    def seen() -> list[bool]:
        return [body["connected"] for p, body in fake_routing.calls if p == path]

    first = await open_socket(second_gateway, operator)
    second = await open_socket(second_gateway, operator)

    async def connected() -> bool:
        return seen() == [True]

    await wait_until(connected)
    await first.close()
    await asyncio.sleep(0.5)
    assert seen() == [True]  # one socket is still open
    await second.close()

    async def disconnected() -> bool:
        return seen() == [True, False]

    await wait_until(disconnected)


async def test_a_silent_socket_is_pinged_then_closed_while_an_answering_one_stays(
    api: httpx.AsyncClient, second_gateway: str
) -> None:
    token = await customer_token(api)
    silent = await open_socket(second_gateway, token)
    lively = await open_socket(second_gateway, token)

    async def answer_pings() -> int:
        pings = 0
        while pings < 3:  # well past idle + pong timeouts, answering each ping
            await next_frame(lively, "ping", timeout_s=5)
            await lively.send(json.dumps({"type": "pong"}))
            pings += 1
        return pings

    answering = asyncio.ensure_future(answer_pings())
    try:
        assert (await next_frame(silent, "ping", timeout_s=5))["type"] == "ping"
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(silent.recv(), 5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4408
        assert await answering == 3
        await lively.send(json.dumps({"type": "ping"}))
        assert (await next_frame(lively, "pong", timeout_s=5))["type"] == "pong"
    finally:
        answering.cancel()
        await silent.close()
        await lively.close()
