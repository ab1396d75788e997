"""Clients that flood or send oversized frames are held back, not served."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from services.desk import Desk
from tests.support.desk_client import bearer, customer_token, next_frame, open_socket

API = "/api/v1/conversations"


async def test_a_flood_of_rest_messages_is_answered_429_with_retry_after(
    api: httpx.AsyncClient,
) -> None:
    token = await customer_token(api)
    cid = (await api.post(API, json={}, headers=bearer(token))).json()["id"]
    answers = [
        await api.post(
            f"{API}/{cid}/messages",
            json={"text": f"spam {i}", "client_msg_id": str(i)},
            headers=bearer(token),
        )
        for i in range(40)
    ]
    codes = [a.status_code for a in answers]
    assert codes[:20] == [201] * 20  # the burst is served
    limited = [a for a in answers if a.status_code == 429]
    assert limited, codes
    assert limited[0].headers["content-type"].startswith("application/problem+json")
    assert int(limited[0].headers["retry-after"]) >= 1
    stored = (
        await api.get(f"{API}/{cid}/messages", params={"limit": 100}, headers=bearer(token))
    ).json()["items"]
    mine = [m for m in stored if m["author_type"] == "customer"]  # the bot may have replied
    assert len(mine) == codes.count(201)  # a refused message was never stored


async def test_the_message_limit_holds_however_many_gateways_let_the_flood_through(
    api: httpx.AsyncClient, desk: Desk
) -> None:
    # Every gateway replica keeps its own bucket, so N of them would each pass a full burst.
    # Sent straight to chat_service, as by many gateways, the flood still meets one limit.
    token = await customer_token(api)
    cid = (await api.post(API, json={}, headers=bearer(token))).json()["id"]
    async with httpx.AsyncClient(base_url=desk.url("chat_service"), timeout=30) as chat:
        answers = [
            await chat.post(
                f"{API}/{cid}/messages",
                json={"text": f"direct spam {i}", "client_msg_id": f"d{i}"},
                headers=bearer(token),
            )
            for i in range(30)
        ]
        again = await chat.post(
            f"{API}/{cid}/messages",
            json={"text": "direct spam 0", "client_msg_id": "d0"},
            headers=bearer(token),
        )
    codes = [a.status_code for a in answers]
    assert codes[:20] == [201] * 20, codes
    limited = [a for a in answers if a.status_code == 429]
    assert len(limited) >= 5, codes
    assert limited[0].headers["content-type"].startswith("application/problem+json")
    assert int(limited[0].headers["retry-after"]) >= 1
    assert again.status_code == 200  # a retry of a stored message is not a new one
    stored = (
        await api.get(f"{API}/{cid}/messages", params={"limit": 100}, headers=bearer(token))
    ).json()["items"]
    mine = [m for m in stored if m["author_type"] == "customer"]
    assert len(mine) == codes.count(201)


async def test_a_flood_over_the_socket_gets_429_error_frames_for_the_excess(
    api: httpx.AsyncClient, gateway_url: str
) -> None:
    token = await customer_token(api)
    cid = (await api.post(API, json={}, headers=bearer(token))).json()["id"]
    ws = await open_socket(gateway_url, token)
    try:
        for i in range(30):
            await ws.send(
                json.dumps(
                    {
                        "type": "message",
                        "conversation_id": cid,
                        "text": f"ws spam {i}",
                        "client_msg_id": f"w{i}",
                    }
                )
            )
        error = await next_frame(ws, "error")
        assert error["status"] == 429 and error["retry_after"] >= 1
        assert error["client_msg_id"].startswith("w")
    finally:
        await ws.close()


async def test_an_oversized_frame_closes_the_socket_with_1009(
    api: httpx.AsyncClient, gateway_url: str
) -> None:
    ws = await open_socket(gateway_url, await customer_token(api))
    await ws.send(json.dumps({"type": "typing", "conversation_id": "x" * 20_000}))
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            await asyncio.wait_for(ws.recv(), 10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009


async def test_a_frame_flood_closes_the_socket_with_4429(
    api: httpx.AsyncClient, gateway_url: str
) -> None:
    ws = await open_socket(gateway_url, await customer_token(api))
    with pytest.raises(ConnectionClosed) as closed:
        for _ in range(200):
            await ws.send(json.dumps({"type": "ping"}))
        while True:
            await asyncio.wait_for(ws.recv(), 10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4429
