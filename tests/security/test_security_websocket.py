"""The websocket refuses callers that do not authenticate, and foreign origins."""

from __future__ import annotations

import asyncio
import json

import pytest
import websockets
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.support.desk_client import ws_url


async def test_socket_without_auth_closes_with_4401(gateway_url: str) -> None:
    async with websockets.connect(ws_url(gateway_url)) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


async def test_socket_with_a_forged_token_closes_with_4401(gateway_url: str) -> None:
    async with websockets.connect(ws_url(gateway_url)) as ws:
        await ws.send(json.dumps({"type": "auth", "token": "not-a-jwt"}))
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


async def test_socket_from_a_foreign_origin_is_refused(gateway_url: str) -> None:
    with pytest.raises(InvalidStatus) as refused:
        async with websockets.connect(ws_url(gateway_url), origin="https://evil.example"):
            pass
    assert refused.value.response.status_code == 403


async def test_rest_without_token_is_401_problem_json(gateway_url: str) -> None:
    import httpx

    async with httpx.AsyncClient(base_url=gateway_url) as api:
        res = await api.get("/api/v1/conversations")
    assert res.status_code == 401
    assert res.headers["content-type"].startswith("application/problem+json")
    assert res.json()["status"] == 401
