"""Talking to the desk as its users do: tokens, REST calls and websockets."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import httpx
import websockets


async def customer_token(
    api: httpx.AsyncClient, customer_id: str | None = None, language: str = "ja"
) -> str:
    """A dev-mode customer token."""
    cid = customer_id or f"cust-{uuid.uuid4().hex[:8]}"
    res = await api.post(
        "/api/v1/dev/customer-token", json={"customer_id": cid, "language": language}
    )
    res.raise_for_status()
    return str(res.json()["access_token"])


async def staff_token(api: httpx.AsyncClient, username: str, password: str) -> str:
    """A staff token from the login endpoint."""
    res = await api.post("/api/v1/auth/login", json={"username": username, "password": password})
    res.raise_for_status()
    return str(res.json()["access_token"])


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def ws_url(gateway_url: str) -> str:
    return gateway_url.replace("http://", "ws://") + "/api/v1/ws"


async def open_socket(gateway_url: str, token: str) -> Any:
    """An authenticated websocket, past its `ready` frame."""
    ws = await websockets.connect(ws_url(gateway_url))
    await ws.send(json.dumps({"type": "auth", "token": token}))
    ready = json.loads(await asyncio.wait_for(ws.recv(), 10))
    assert ready["type"] == "ready"
    return ws


async def next_frame(ws: Any, frame_type: str, timeout_s: float = 15) -> dict[str, Any]:
    """The next frame of a type, skipping others."""

    async def find() -> dict[str, Any]:
        while True:
            frame = json.loads(await ws.recv())
            if frame.get("type") == frame_type:
                return frame  # type: ignore[no-any-return]

    return await asyncio.wait_for(find(), timeout_s)
